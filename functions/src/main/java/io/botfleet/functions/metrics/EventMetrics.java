package io.botfleet.functions.metrics;

import io.botfleet.Log;
import io.botfleet.deployment.EventCounts;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics made of the bots' events ({@link EventCounts}), as Embedded Metric Format lines with
 * a {@code service} dimension, and added to {@link PrometheusMetrics}: {@code BotsPlaced} (by
 * {@code platform}), {@code BotsEnded} (by {@code status} and {@code reason}: docs/failure-reasons.md,
 * and by status alone), {@code WebhookDeliveries} (by outcome {@code state}: DELIVERED, FAILED,
 * GONE), {@code ScheduledJoins} and {@code ScheduledOnTime} (bots with a start time
 * that joined their call, and those that joined by it: their ratio is the schedule's on-time ratio).
 * Each event is counted by one take of one instance, so the metrics' sums are the events' counts.
 */
public final class EventMetrics {
    /** The {@code service} dimension, as Powertools names it: {@code POWERTOOLS_SERVICE_NAME}, else botfleet. */
    static final String SERVICE = serviceName(System.getenv("POWERTOOLS_SERVICE_NAME"));

    private final EventCounts counts;
    private final PrometheusMetrics prometheus;

    public EventMetrics(EventCounts counts, PrometheusMetrics prometheus) {
        this.counts = counts;
        this.prometheus = prometheus;
    }

    /**
     * Counts the events since the last take (one statement) and writes their lines, if any. A take
     * that fails leaves the cursor where it was, and the next one counts those events; one whose
     * answer is lost after it committed loses its counts: a metric may fall short, never count twice.
     */
    public void report() {
        EventCounts.Taken taken;
        try {
            taken = counts.take();
        } catch (RuntimeException e) {
            Log.warn("metrics.count_failed", Map.of(), e);
            return;
        }
        Instant now = Instant.now();
        for (EventCounts.Count count : taken.counts()) {
            if (count.kind() == EventCounts.Kind.WEBHOOK) {
                write(now, Map.of("service", SERVICE, "state", count.status()), List.of(List.of("service", "state")),
                        "WebhookDeliveries", count.events());
                prometheus.add("botfleet_webhook_deliveries_total", "Status webhooks by outcome",
                        Map.of("state", count.status()), count.events());
            } else if (count.status().equals("DEPLOYING")) {
                write(now, Map.of("service", SERVICE, "platform", String.valueOf(count.platform())),
                        List.of(List.of("service", "platform"), List.of("service")), "BotsPlaced", count.events());
                prometheus.add("botfleet_bots_placed_total", "Bots placed on a platform",
                        Map.of("platform", String.valueOf(count.platform())), count.events());
            } else if (count.reason() != null) {
                write(now, Map.of("service", SERVICE, "status", count.status(), "reason", count.reason()),
                        List.of(List.of("service", "status", "reason"), List.of("service", "status")), "BotsEnded",
                        count.events());
                prometheus.add("botfleet_bots_ended_total", "Bots ended, by status and reason",
                        Map.of("status", count.status(), "reason", count.reason()), count.events());
            }
        }
        if (taken.scheduledJoins() > 0) {
            Map<String, Emf.Value> metrics = new LinkedHashMap<>();
            metrics.put("ScheduledJoins", new Emf.Value(taken.scheduledJoins(), "Count"));
            metrics.put("ScheduledOnTime", new Emf.Value(taken.scheduledOnTime(), "Count"));
            System.out.println(Emf.line(now, Map.of("service", SERVICE), metrics));
            prometheus.add("botfleet_scheduled_joins_total", "Bots with a start time that joined their call", Map.of(),
                    taken.scheduledJoins());
            prometheus.add("botfleet_scheduled_on_time_total", "Bots with a start time that joined by it", Map.of(),
                    taken.scheduledOnTime());
        }
    }

    private static void write(Instant now, Map<String, String> dimensions, List<List<String>> sets, String metric,
                              long value) {
        System.out.println(Emf.line(now, dimensions, sets, Map.of(metric, new Emf.Value(value, "Count"))));
    }

    static String serviceName(String configured) {
        return configured == null || configured.isBlank() ? "botfleet" : configured.strip();
    }
}
