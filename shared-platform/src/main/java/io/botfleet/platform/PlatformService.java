package io.botfleet.platform;

import io.botfleet.bot.Bot;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One place bots can run. Implementations own no capacity accounting (the ledger does). The core
 * relies on these promises and nothing else:
 * <ul>
 * <li>Names derive from the bot: a container can be found again, and any call repeated, without
 *     a recorded identifier.</li>
 * <li>A {@link PlatformDeployError} whose outcome is not unknown guarantees that the call started
 *     nothing. A timeout, an unchecked exception or an error marked outcome-unknown may have
 *     started the container.</li>
 * </ul>
 */
public interface PlatformService {

    /** {@code coolify}, {@code k8s}, {@code aws} or {@code local}. */
    String platformName();

    /**
     * Starts the bot's container, or finds the one already started for it: deploying the same bot
     * twice, one call after the other, starts one container.
     */
    PlatformDeployResult deployBot(Bot bot) throws PlatformDeployError;

    /**
     * Stops the bot's container, by {@code identifier} when known (it may be null) and otherwise
     * by the bot's deterministic name. Succeeds when nothing of the bot runs any more.
     */
    void stopBot(long botId, String identifier) throws PlatformDeployError;

    /**
     * Looks for the bot's container by its deterministic name or labels: its identifier, or empty
     * when the platform confirms that none exists. Throws when it cannot tell.
     */
    Optional<String> findBot(long botId) throws PlatformDeployError;

    /** The container's status with its reason; a lookup that fails transiently is UNKNOWN, never FAILED. */
    PlatformStatus getBotStatus(String identifier);

    /**
     * Every container this platform runs for botfleet (found by its labels, tags or names), from
     * one complete list; throws when it cannot list them all. The core reconciles with it: a live
     * bot whose container ended or is gone ends now, and a container whose bot ended is stopped. Empty when the platform takes no part (the
     * Coolify pool reconciles in its own {@link #tick}).
     */
    default Optional<List<SeenContainer>> listBots() throws PlatformDeployError {
        return Optional.empty();
    }

    /**
     * How long after a deploy this platform's list may still leave out the new container (ECS
     * lists are eventually consistent): the reconcile judges a bot deployed more recently than this
     * at a later drain. A platform whose list is its live state answers zero.
     */
    default Duration listLag() {
        return Duration.ofSeconds(30);
    }

    /**
     * Gives back a pooled resource (a Coolify slot) after any end of the bot, once its container
     * is gone; idempotent. Only pooled platforms need it.
     */
    default void releaseBot(long botId) throws PlatformDeployError {
    }

    /**
     * Once per scheduled drain: a platform that moves its containers through states of its own
     * (Coolify's deployments) advances them here, within {@code budget}, and tells the core what
     * it must know. A failure here is logged and retried on the next tick.
     */
    default void tick(PlatformTick core, Budget budget) {
    }
}
