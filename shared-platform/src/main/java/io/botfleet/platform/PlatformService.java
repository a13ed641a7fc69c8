package io.botfleet.platform;

import io.botfleet.bot.Bot;

/**
 * One place bots can run. Implementations own no capacity accounting (the ledger does) and must
 * be idempotent per bot: deploying the same bot twice must not start a second container.
 */
public interface PlatformService {

    /** {@code coolify}, {@code k8s}, {@code aws} or {@code local}. */
    String platformName();

    PlatformDeployResult deployBot(Bot bot) throws PlatformDeployError;

    /** Asks the bot to leave; stopping a bot that is already gone succeeds. */
    void stopBot(String identifier) throws PlatformDeployError;

    /** A lookup that fails transiently answers {@link PlatformBotStatus#UNKNOWN}, never FAILED. */
    PlatformBotStatus getBotStatus(String identifier);

    /** Gives back a pooled resource after the bot ended; only pooled platforms (Coolify) need it. */
    default void releaseBot(long botId) {
    }
}
