package io.botfleet.deployment;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;

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
    private static final String TAKE = """
            WITH cursor AS (
              SELECT tx_before FROM metric_cursors WHERE name = 'bot_events' FOR UPDATE SKIP LOCKED),
            bound AS (
              SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS tx),
            moved AS (
              UPDATE metric_cursors m SET tx_before = bound.tx
              FROM cursor, bound
              WHERE m.name = 'bot_events' AND bound.tx > cursor.tx_before
              RETURNING cursor.tx_before AS from_tx, bound.tx AS to_tx)
            SELECT count(*) FILTER (WHERE e.late_by_ms IS NOT NULL) AS scheduled_joins,
                   count(*) FILTER (WHERE e.late_by_ms = 0) AS scheduled_on_time
            FROM moved JOIN bot_events e ON e.tx >= moved.from_tx AND e.tx < moved.to_tx""";

    /**
     * Counts of one take: joins of bots with a start time (the events that carry {@code late_by_ms}),
     * and those of them that joined by their start time.
     */
    public record Counts(long scheduledJoins, long scheduledOnTime) {
        public static final Counts NONE = new Counts(0, 0);

        public boolean isEmpty() {
            return scheduledJoins == 0;
        }
    }

    private final Sql sql;

    public EventCounts(Sql sql) {
        this.sql = sql;
    }

    /** The events since the last take, now counted (one statement). */
    public Counts take() {
        Row row = sql.queryOne(TAKE, Params.of());
        return row == null ? Counts.NONE : new Counts(row.getLong("scheduled_joins"), row.getLong("scheduled_on_time"));
    }
}
