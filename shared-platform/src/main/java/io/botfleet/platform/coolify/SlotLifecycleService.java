package io.botfleet.platform.coolify;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.config.BotImages;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.platform.coolify.CoolifyApiClient.Deployment;
import io.botfleet.platform.coolify.PoolSlotService.Acquired;
import io.botfleet.platform.coolify.PoolSlotService.Slot;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What happens to a slot for one bot: configure it (the bot's image, environment and
 * description) and deploy it, returning at once (the scheduled tick follows the deployment); stop
 * it; give it back. Every step can be repeated: a slot is found again by its bot, an application
 * by its slot's name, a deployment by its slot.
 */
public final class SlotLifecycleService {

    /** Where the pool's applications live in Coolify, and the tag that marks them as the pool's. */
    public record Pool(String projectUuid, String serverUuid, String environmentName, String destinationUuid,
                       String tag) {
    }

    private final CoolifyApiClient coolify;
    private final PoolSlotService slots;
    private final BotEnvironment environment;
    private final BotImages images;
    private final Pool pool;

    public SlotLifecycleService(CoolifyApiClient coolify, PoolSlotService slots, BotEnvironment environment,
                                BotImages images, Pool pool) {
        this.coolify = coolify;
        this.slots = slots;
        this.environment = environment;
        this.images = images;
        this.pool = pool;
    }

    /**
     * Gives the bot a slot and queues its deployment; answers the application's uuid. No slot
     * (the pool is full, or admission holds deployments back for now) is CAPACITY: the bot tries
     * the next platform or waits in the queue.
     */
    public String deploy(Bot bot) throws PlatformDeployError {
        String image = images.of(bot.config().meeting().platform());
        Acquired acquired = slots.acquire(bot.id(), bot.config().meeting().platform().wireName(), image);
        if (acquired.slot() == null) {
            throw new PlatformDeployError(Kind.CAPACITY, "coolify", acquired.found() == PoolSlotService.Found.POOL_FULL
                    ? "every slot of the pool is busy" : "deployments held back: the server's build slots or an image pull are busy");
        }
        Slot slot = acquired.slot();
        if (slot.deploymentUuid() != null || "HEALTHY".equals(slot.status())) {
            return slot.applicationUuid(); // deployed already: found, not started again
        }
        String app = slot.applicationUuid() != null ? slot.applicationUuid() : application(slot, image);
        if (acquired.found() == PoolSlotService.Found.ASSIGNED_BEFORE) {
            Optional<Deployment> queued = deploymentSince(app, slot.deployStartedAt());
            if (queued.isPresent()) { // an earlier deploy whose answer was lost did queue one
                slots.recordDeployment(slot.id(), bot.id(), queued.get().uuid());
                return app;
            }
        }
        coolify.update(app, BotImages.name(image), BotImages.tag(image), description(bot, slot));
        slots.recordImage(slot.id(), bot.id(), image);
        coolify.upsertEnvs(app, env(bot, slot));
        String deployment = coolify.deploy(app);
        slots.recordDeployment(slot.id(), bot.id(), deployment);
        Log.info("coolify.slot_deploying", Map.of("botId", bot.id(), "platform", "coolify", "slot", slot.name(),
                "application", app, "deployment", deployment, "found", acquired.found().name()));
        return app;
    }

    /** Stops whatever of the bot runs on its slot: its queued deployment first, which a stop alone would not cancel. */
    public void stop(long botId) throws PlatformDeployError {
        Slot slot = slots.ofBot(botId);
        if (slot == null || slot.applicationUuid() == null) {
            return; // no slot, or no application yet: nothing of the bot runs
        }
        if (slot.deploymentUuid() != null) {
            coolify.cancelDeployment(slot.deploymentUuid());
        }
        coolify.stop(slot.applicationUuid());
    }

    /** Stops the bot's slot and makes it idle for the next bot; a slot never made is forgotten. */
    public void release(long botId) throws PlatformDeployError {
        Slot slot = slots.ofBot(botId);
        if (slot == null) {
            return;
        }
        if (slot.applicationUuid() == null) {
            slots.delete(slot.id(), botId); // its number is free again; a lost creation is an orphan for the tick
            return;
        }
        stop(botId);
        slots.release(slot.id(), botId);
    }

    /** The bot's application when something of it may run: a slot with a deployment queued, running or done. */
    public Optional<String> find(long botId) {
        Slot slot = slots.ofBot(botId);
        if (slot == null || slot.applicationUuid() == null || "CREATING".equals(slot.status())) {
            return Optional.empty();
        }
        return slot.deploymentUuid() != null || "HEALTHY".equals(slot.status())
                ? Optional.of(slot.applicationUuid()) : Optional.empty();
    }

    /** The slot's application: one made by an earlier try whose answer was lost (found by name), or a new one. */
    private String application(Slot slot, String image) throws PlatformDeployError {
        String app = coolify.listApplications(pool.tag()).stream().filter(a -> slot.name().equals(a.name()))
                .map(CoolifyApiClient.Application::uuid).findFirst()
                .orElse(null);
        if (app == null) {
            app = coolify.createDockerImageApplication(new CoolifyApiClient.NewApplication(pool.projectUuid(),
                    pool.serverUuid(), pool.environmentName(), pool.destinationUuid(), slot.name(), "botfleet pool slot",
                    BotImages.name(image), BotImages.tag(image), List.of(pool.tag())));
        }
        if (!slots.recordApplication(slot.id(), slot.botId(), app)) {
            throw PlatformDeployError.outcomeUnknown("coolify", "slot " + slot.name() + " changed while its application was made", null);
        }
        return app;
    }

    private Optional<Deployment> deploymentSince(String app, Instant since) throws PlatformDeployError {
        return coolify.listDeployments(app, 1).stream()
                .filter(d -> d.createdAt() != null && since != null && !d.createdAt().isBefore(since))
                .filter(d -> !d.status().equals("failed") && !d.status().equals("cancelled-by-user"))
                .findFirst();
    }

    private Map<String, String> env(Bot bot, Slot slot) {
        Map<String, String> env = new LinkedHashMap<>(environment.forBot(bot));
        env.put("POOL_SLOT_NAME", slot.name());
        return env;
    }

    /** Who the slot serves now, for whoever looks at it in Coolify. */
    private static String description(Bot bot, Slot slot) {
        return "botfleet " + slot.name() + ": bot " + bot.id() + " (" + bot.config().meeting().platform().wireName() + ")";
    }
}
