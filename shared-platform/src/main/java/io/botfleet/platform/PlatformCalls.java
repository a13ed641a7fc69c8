package io.botfleet.platform;

import io.botfleet.Log;
import io.botfleet.log.Redacted;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Every call to a platform goes through here: a group of calls runs in parallel under one
 * deadline (a hung platform costs one timeout per group, not one per bot), and every failure comes
 * back classified. Only a {@link PlatformDeployError} the platform itself marked definite counts
 * as "nothing happened"; a timeout, an unchecked exception or an interrupt is "outcome unknown".
 */
final class PlatformCalls {

    /** One call's outcome: a value, or a classified error. */
    record Outcome<T>(T value, PlatformDeployError error) {
        boolean succeeded() {
            return error == null;
        }

        /** Failed, and the platform guarantees the call had no effect. */
        boolean definitelyFailed() {
            return error != null && !error.outcomeUnknown();
        }
    }

    /** One call to a platform. */
    @FunctionalInterface
    interface Call<T> {
        T call() throws PlatformDeployError;
    }

    private final Duration timeout;
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

    PlatformCalls(Duration timeout) {
        this.timeout = timeout;
    }

    /** How long one group of calls may take; a caller with less budget than this starts none. */
    Duration timeout() {
        return timeout;
    }

    /** Runs the calls at once and waits for all of them until one timeout has passed. */
    <K, T> Map<K, Outcome<T>> all(String platform, String what, Map<K, Call<T>> group) {
        return all(platform, what, group, timeout);
    }

    /** Likewise, waiting {@code wait} at most (a request's remaining time, when shorter than the timeout). */
    <K, T> Map<K, Outcome<T>> all(String platform, String what, Map<K, Call<T>> group, Duration wait) {
        Map<K, Future<T>> started = new LinkedHashMap<>();
        long start = System.nanoTime();
        group.forEach((key, call) -> started.put(key, calls.submit(Log.carried(call::call))));
        long deadline = start + wait.toNanos();
        Map<K, Outcome<T>> outcomes = new LinkedHashMap<>();
        started.forEach((key, future) -> {
            try {
                outcomes.put(key, new Outcome<>(await(future, platform, deadline, wait), null));
                PlatformCallStats.record(platform, what, null, elapsedMillis(start));
            } catch (PlatformDeployError e) {
                PlatformCallStats.record(platform, what, e, elapsedMillis(start));
                Log.warn("platform." + what + "_failed", Map.of("key", key, "platform", platform,
                        "kind", e.kind().name(), "outcomeUnknown", e.outcomeUnknown()), e);
                outcomes.put(key, new Outcome<>(null, e));
            }
        });
        return outcomes;
    }

    /**
     * How long since the group started; a call answered before those awaited ahead of it counts
     * their wait too, which is as long as the caller waited for it.
     */
    private static long elapsedMillis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private <T> T await(Future<T> call, String platform, long deadline, Duration wait) throws PlatformDeployError {
        try {
            return call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw PlatformDeployError.timedOut(platform, wait);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PlatformDeployError error) {
                throw error;
            }
            // an adapter that did not classify its failure may have acted before it failed
            // named by its class (and its message only if botfleet wrote it): this text is the bot's reason
            throw PlatformDeployError.outcomeUnknown(platform, "unclassified failure: " + Redacted.of(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(true);
            throw PlatformDeployError.outcomeUnknown(platform, "interrupted while waiting", e);
        }
    }
}
