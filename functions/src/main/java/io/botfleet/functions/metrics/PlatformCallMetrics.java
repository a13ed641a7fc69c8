package io.botfleet.functions.metrics;

import io.botfleet.platform.PlatformCallStats;
import io.botfleet.platform.PlatformCallStats.Calls;
import io.botfleet.platform.PlatformCallStats.Key;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The platform calls this process made ({@link PlatformCallStats}), as metrics: {@code PlatformCalls}
 * (a count) and {@code PlatformCallMs} (each call's time) by {@code platform}, {@code operation}
 * (deploy, stop, find, list, status, release) and {@code outcome} (OK, CAPACITY, TRANSIENT,
 * PERMANENT, UNKNOWN), and by platform and operation alone. Written after each invocation that made
 * calls (the drain, a request), and kept for GET /metrics.
 */
public final class PlatformCallMetrics {
    private PlatformCallMetrics() {
    }

    /** Writes a line per platform, operation and outcome called since the last line. */
    public static void write() {
        Instant now = Instant.now();
        PlatformCallStats.sinceLast().forEach((key, calls) -> {
            Map<String, Emf.Value> metrics = new LinkedHashMap<>();
            metrics.put("PlatformCalls", new Emf.Value(calls.count(), "Count"));
            metrics.put("PlatformCallMs", new Emf.Value(calls.millis(), "Milliseconds"));
            System.out.println(Emf.line(now, Map.of("service", EventMetrics.SERVICE, "platform", key.platform(),
                    "operation", key.operation(), "outcome", key.outcome()),
                    List.of(List.of("service", "platform", "operation", "outcome"), List.of("service", "platform", "operation")),
                    metrics));
        });
    }

    /** The totals since the process started, into {@code prometheus}'s counters. */
    public static void totals(PrometheusMetrics prometheus) {
        for (Map.Entry<Key, Calls> entry : PlatformCallStats.total().entrySet()) {
            Map<String, String> labels = Map.of("platform", entry.getKey().platform(),
                    "operation", entry.getKey().operation(), "outcome", entry.getKey().outcome());
            prometheus.total("botfleet_platform_calls_total", "Calls to the platforms, by outcome", labels,
                    entry.getValue().count());
            prometheus.total("botfleet_platform_call_seconds_sum", "Time spent in calls to the platforms", labels,
                    entry.getValue().totalMillis() / 1000.0);
        }
    }
}
