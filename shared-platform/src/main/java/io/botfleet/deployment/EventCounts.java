package io.botfleet.deployment;

import io.botfleet.bot.EndReason;
import io.botfleet.store.Params;
import io.botfleet.store.Sql;
import java.util.List;

/**
 * What the bots' events say happened since the last count, each event counted exactly once across
 * every instance that counts: the figures metrics are made of, so their totals are the events'.
 * One statement takes the events of the transactions that have ended since the last take and moves
 * the cursor past them; a take that finds the cursor held by another, or nothing new, counts nothing.
 */
public final class EventCounts {

    // The cursor row is locked (skipped when another take holds it), so the value read is the one
    // the update moves on from; it moves only forward, to this statement's snapshot xmin: below it
    // every transaction has ended, and the ones that committed are visible to this statement.
    // Counted: placements (DEPLOYING), ends (DONE, FATAL) by the code of their reason, and joins of
    // bots with a start time (the events that carry late_by_ms); and webhook deliveries' outcomes
    // (V19), by the same cursor.
    private static final String TAKE = """
            WITH cursor AS (
              SELECT tx_before FROM metric_cursors WHERE name = 'bot_events' FOR UPDATE SKIP LOCKED),
            bound AS (
              SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS tx),
            moved AS (
              UPDATE metric_cursors m SET tx_before = bound.tx
              FROM cursor, bound
              WHERE m.name = 'bot_events' AND bound.tx > cursor.tx_before
              RETURNING cursor.tx_before AS from_tx, bound.tx AS to_tx),
            counted AS (
              SELECT e.status, e.platform,
                     CASE WHEN e.status IN ('DONE', 'FATAL') THEN left(split_part(e.reason, ':', 1), 64) END AS reason,
                     e.late_by_ms
              FROM moved JOIN bot_events e ON e.tx >= moved.from_tx AND e.tx < moved.to_tx
              WHERE e.status IN ('DEPLOYING', 'DONE', 'FATAL') OR e.late_by_ms IS NOT NULL)
            SELECT 'bot' AS kind, status, platform, reason, count(*) AS events,
                   count(*) FILTER (WHERE late_by_ms IS NOT NULL) AS scheduled_joins,
                   count(*) FILTER (WHERE late_by_ms = 0) AS scheduled_on_time
            FROM counted GROUP BY status, platform, reason
            UNION ALL
            SELECT 'webhook', d.state, NULL, NULL, count(*), 0, 0
            FROM moved JOIN webhook_deliveries d ON d.outcome_tx >= moved.from_tx AND d.outcome_tx < moved.to_tx
            GROUP BY d.state""";

    /** What a count is of: the bots' events, or webhook deliveries' outcomes. */
    public enum Kind { BOT, WEBHOOK }

    /**
     * The events of one kind, status, platform and reason in a take: how many, and of them the
     * joins of bots with a start time and those that joined by it. {@code reason} is what a metric
     * names an ended bot's reason ({@link EndReason#metricName}); null for a status that is not an
     * end. A webhook count's status is its delivery's outcome: DELIVERED, FAILED or GONE.
     */
    public record Count(Kind kind, String status, String platform, String reason, long events, long scheduledJoins,
                        long scheduledOnTime) {
    }

    /** One take's counts. */
    public record Taken(List<Count> counts) {
        public static final Taken NONE = new Taken(List.of());

        public long scheduledJoins() {
            return counts.stream().mapToLong(Count::scheduledJoins).sum();
        }

        public long scheduledOnTime() {
            return counts.stream().mapToLong(Count::scheduledOnTime).sum();
        }
    }

    private final Sql sql;

    public EventCounts(Sql sql) {
        this.sql = sql;
    }

    /** The events since the last take, now counted (one statement). */
    public Taken take() {
        return new Taken(sql.query(TAKE, Params.of()).stream().map(row -> {
            Kind kind = row.getString("kind").equals("bot") ? Kind.BOT : Kind.WEBHOOK;
            String status = row.getString("status");
            boolean ended = kind == Kind.BOT && (status.equals("DONE") || status.equals("FATAL"));
            return new Count(kind, status, row.getString("platform"),
                    ended ? EndReason.metricName(row.getString("reason")) : null,
                    row.getLong("events"), row.getLong("scheduled_joins"), row.getLong("scheduled_on_time"));
        }).toList());
    }
}
