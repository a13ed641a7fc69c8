package io.botfleet.functions;

import io.botfleet.functions.http.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import tools.jackson.databind.node.ObjectNode;

/**
 * How long the oldest queued bot has waited, after each drain, as an Embedded Metric Format line
 * (CloudWatch turns it into the metric the stack's alarm watches; no SDK call, no extra latency).
 * In Lambda every drain writes it ({@link #everyDrain}): a metric needs its data points. The local
 * runner has no CloudWatch and drains every few seconds, so it writes the value when it changes
 * and an unchanged one again only after a while ({@link #whenChanged}).
 */
public final class OldestQueuedMetric {
    private final Duration repeatUnchangedAfter;
    private final Clock clock;
    private Long written;
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

    /** Writes the line for this value, if it is due. Drains may end at once (the schedule's, a release's). */
    synchronized void report(long oldestQueuedAgeSeconds) {
        Instant now = clock.instant();
        boolean due = written == null || written != oldestQueuedAgeSeconds
                || !now.isBefore(writtenAt.plus(repeatUnchangedAfter));
        if (!due) {
            return;
        }
        written = oldestQueuedAgeSeconds;
        writtenAt = now;
        System.out.println(line(oldestQueuedAgeSeconds, now));
    }

    private static ObjectNode line(long seconds, Instant now) {
        ObjectNode line = Json.object();
        line.putObject("_aws").put("Timestamp", now.toEpochMilli()).putArray("CloudWatchMetrics").addObject()
                .put("Namespace", "botfleet").set("Dimensions", Json.MAPPER.createArrayNode().add(Json.MAPPER.createArrayNode()))
                .putArray("Metrics").addObject().put("Name", "OldestQueuedBotAgeSeconds").put("Unit", "Seconds");
        line.put("OldestQueuedBotAgeSeconds", seconds);
        return line;
    }
}
