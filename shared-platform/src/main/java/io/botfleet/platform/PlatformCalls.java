package io.botfleet.platform;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls to platforms: a group of deploys runs in parallel under one deadline (so a hung platform
 * costs one timeout per group, not one per bot), and every failure comes back classified.
 */
final class PlatformCalls {

    /** One deploy's outcome: an identifier, or a classified error. */
    record Result(String identifier, PlatformDeployError error) {
    }

    private final Duration timeout;
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

    PlatformCalls(Duration timeout) {
        this.timeout = timeout;
    }

    Map<Long, Result> deployAll(PlatformService platform, List<Bot> bots) {
        Map<Long, Future<PlatformDeployResult>> started = new LinkedHashMap<>();
        for (Bot bot : bots) {
            started.put(bot.id(), calls.submit(() -> platform.deployBot(bot)));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<Long, Result> results = new LinkedHashMap<>();
        started.forEach((id, call) -> {
            try {
                results.put(id, new Result(await(call, platform.platformName(), deadline).identifier(), null));
            } catch (PlatformDeployError e) {
                Log.warn("platform.deploy_failed", Map.of("botId", id, "platform", platform.platformName(),
                        "kind", e.kind().name(), "outcomeUnknown", e.outcomeUnknown(), "error", String.valueOf(e.getMessage())));
                results.put(id, new Result(null, e));
            }
        });
        return results;
    }

    /** Stops a container whose bot no longer wants it; a failure is logged, not thrown. */
    void stopQuietly(PlatformService platform, long botId, String identifier, String why) {
        Log.warn("bot.container_stopped", Map.of("botId", botId, "platform", platform.platformName(), "reason", why));
        if (identifier == null) {
            return; // never recorded: the platform's own reconcile finds it by the bot's deterministic name
        }
        try {
            platform.stopBot(identifier);
        } catch (PlatformDeployError | RuntimeException e) {
            Log.error("bot.stop_failed", Map.of("botId", botId, "platform", platform.platformName(),
                    "error", String.valueOf(e.getMessage())));
        }
    }

    private PlatformDeployResult await(Future<PlatformDeployResult> call, String platform, long deadline)
            throws PlatformDeployError {
        try {
            return call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw PlatformDeployError.timedOut(platform, timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PlatformDeployError error) {
                throw error;
            }
            throw new PlatformDeployError(PlatformDeployError.Kind.TRANSIENT, platform,
                    "unexpected failure: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformDeployError(PlatformDeployError.Kind.TRANSIENT, platform, "interrupted");
        }
    }
}
