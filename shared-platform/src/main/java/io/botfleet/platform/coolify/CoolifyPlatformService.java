package io.botfleet.platform.coolify;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.config.BotImages;
import io.botfleet.config.CoolifySettings;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.Budget;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployResult;
import io.botfleet.platform.PlatformService;
import io.botfleet.platform.PlatformTick;
import io.botfleet.platform.mappers.CoolifyStatusMapper;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Coolify as a platform: a pool of pre-created Docker-image applications ("slots"), one per
 * running bot, each serving one meeting platform's image. A deploy configures a slot and queues
 * its deployment, and answers the application's uuid at once; the scheduled tick follows the
 * deployment. No SQL here (the slots are {@link PoolSlotService}'s) and no HTTP (the client's).
 */
public final class CoolifyPlatformService implements PlatformService {
    private final CoolifyApiClient coolify;
    private final SlotLifecycleService lifecycle;
    private final SlotRecovery recovery;

    public CoolifyPlatformService(CoolifyApiClient coolify, SlotLifecycleService lifecycle, SlotRecovery recovery) {
        this.coolify = coolify;
        this.lifecycle = lifecycle;
        this.recovery = recovery;
    }

    /** The platform as the settings describe it, its pool as large as {@code COOLIFY_BOT_LIMIT}. */
    public static CoolifyPlatformService from(CoolifySettings settings, int poolSize, BotImages images,
                                              BotEnvironment environment, Sql sql, Clock clock, Duration callTimeout) {
        CoolifyApiClient coolify = new CoolifyApiClient(new CoolifyApiClient.Endpoint(settings.apiUrl(),
                settings.apiToken(), callTimeout));
        PoolSlotService slots = new PoolSlotService(sql, clock, poolSize, "botfleet-slot-",
                new PoolSlotService.Admission(settings.maxConcurrentDeploys(), settings.deployTimeout()));
        // the pool's tag names its project, so two fleets on one Coolify never take each other's applications
        String tag = ("botfleet-pool-" + settings.projectUuid()).toLowerCase(Locale.ROOT);
        SlotLifecycleService lifecycle = new SlotLifecycleService(coolify, slots, environment, images,
                new SlotLifecycleService.Pool(settings.projectUuid(), settings.serverUuid(), settings.environmentName(),
                        settings.destinationUuid(), tag));
        return new CoolifyPlatformService(coolify, lifecycle,
                new SlotRecovery(coolify, slots, lifecycle, tag, settings.deployTimeout(), clock));
    }

    @Override
    public String platformName() {
        return "coolify";
    }

    @Override
    public PlatformDeployResult deployBot(Bot bot) throws PlatformDeployError {
        return new PlatformDeployResult(lifecycle.deploy(bot));
    }

    @Override
    public void stopBot(long botId, String identifier) throws PlatformDeployError {
        lifecycle.stop(botId);
    }

    @Override
    public Optional<String> findBot(long botId) {
        return lifecycle.find(botId);
    }

    @Override
    public void releaseBot(long botId) throws PlatformDeployError {
        lifecycle.release(botId);
    }

    @Override
    public void tick(PlatformTick core, Budget budget) {
        recovery.tick(core, budget);
    }

    /** From the application's status; UNKNOWN, never FAILED, when Coolify cannot be asked. */
    @Override
    public PlatformStatus getBotStatus(String identifier) {
        try {
            return coolify.getApplication(identifier).map(a -> CoolifyStatusMapper.map(a.status()))
                    .orElse(PlatformStatus.STOPPED);
        } catch (PlatformDeployError e) {
            Log.warn("coolify.status_unknown", Map.of("platform", "coolify", "application", identifier), e);
            return PlatformStatus.unknown("Coolify cannot be asked now: " + e.getMessage());
        }
    }
}
