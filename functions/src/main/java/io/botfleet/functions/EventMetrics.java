package io.botfleet.functions;

import io.botfleet.Log;
import io.botfleet.deployment.EventCounts;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics made of the bots' events ({@link EventCounts}), one Embedded Metric Format line per
 * take that counted something, with a {@code service} dimension: {@code ScheduledJoins} (bots with
 * a start time that joined their call) and {@code ScheduledOnTime} (those that joined by their
 * start time); their ratio is the schedule's on-time ratio. Each event is counted by one take of
 * one instance, so the metrics' sums over any period are the events' counts.
 */
public final class EventMetrics {
    /** The {@code service} dimension, as Powertools names it: {@code POWERTOOLS_SERVICE_NAME}, else botfleet. */
    static final String SERVICE = serviceName(System.getenv("POWERTOOLS_SERVICE_NAME"));

    private final EventCounts counts;

    public EventMetrics(EventCounts counts) {
        this.counts = counts;
    }

    /**
     * Counts the events since the last take (one statement) and writes their line, if any. A take
     * that fails leaves the cursor where it was, and the next one counts those events; one whose
     * answer is lost after it committed loses its counts: a metric may fall short, never count twice.
     */
    void report() {
        EventCounts.Counts taken;
        try {
            taken = counts.take();
        } catch (RuntimeException e) {
            Log.warn("metrics.count_failed", Map.of(), e);
            return;
        }
        if (taken.isEmpty()) {
            return;
        }
        Map<String, Emf.Value> metrics = new LinkedHashMap<>();
        metrics.put("ScheduledJoins", new Emf.Value(taken.scheduledJoins(), "Count"));
        metrics.put("ScheduledOnTime", new Emf.Value(taken.scheduledOnTime(), "Count"));
        System.out.println(Emf.line(Instant.now(), Map.of("service", SERVICE), metrics));
    }

    static String serviceName(String configured) {
        return configured == null || configured.isBlank() ? "botfleet" : configured.strip();
    }
}
