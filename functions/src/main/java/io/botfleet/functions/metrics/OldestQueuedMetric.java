package io.botfleet.functions.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * How long the oldest queued bot has waited, and how many wait, after each drain, as an Embedded
 * Metric Format line (CloudWatch turns it into the metrics the stack's alarm watches; no SDK call,
 * no extra latency).
 * In Lambda every drain writes it ({@link #everyDrain}): a metric needs its data points. The local
 * runner has no CloudWatch and drains every few seconds, so it writes the value when it changes
 * and an unchanged one again only after a while ({@link #whenChanged}).
 */
public final class OldestQueuedMetric {
    private final Duration repeatUnchangedAfter;
    private final Clock clock;
    private String written;
    private Instant writtenAt;

    private OldestQueuedMetric(Duration repeatUnchangedAfter, Clock clock) {
        this.repeatUnchangedAfter = repeatUnchangedAfter;
        this.clock = clock;
    }

    /** A line at every drain. */
    public static OldestQueuedMetric everyDrain() {
        return new OldestQueuedMetric(Duration.ZERO, Clock.systemUTC());
    }

    /** A line when the value changes, or when it has not changed for {@code repeatUnchangedAfter}. */
    public static OldestQueuedMetric whenChanged(Duration repeatUnchangedAfter, Clock clock) {
        return new OldestQueuedMetric(repeatUnchangedAfter, clock);
    }

    /** Writes the line for these values, if it is due. Drains may end at once (the schedule's, a release's). */
    public synchronized void report(long oldestQueuedAgeSeconds, long waiting) {
        Instant now = clock.instant();
        String values = oldestQueuedAgeSeconds + "/" + waiting;
        boolean due = written == null || !written.equals(values) || !now.isBefore(writtenAt.plus(repeatUnchangedAfter));
        if (!due) {
            return;
        }
        written = values;
        writtenAt = now;
        System.out.println(line(oldestQueuedAgeSeconds, waiting, now));
    }

    private static ObjectNode line(long seconds, long waiting, Instant now) {
        Map<String, Emf.Value> metrics = new java.util.LinkedHashMap<>();
        metrics.put("OldestQueuedBotAgeSeconds", new Emf.Value(seconds, "Seconds"));
        metrics.put("QueuedBots", new Emf.Value(waiting, "Count"));
        // by nothing (the stack's alarm watches that one) and by service, as every other metric
        return Emf.line(now, Map.of("service", EventMetrics.SERVICE), List.of(List.of(), List.of("service")), metrics);
    }
}
