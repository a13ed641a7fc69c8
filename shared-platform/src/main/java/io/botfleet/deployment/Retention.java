package io.botfleet.deployment;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;

/**
 * How long history is kept ({@code RETENTION}): bots that ended longer ago than that are deleted
 * with their events and webhook deliveries, a bounded batch per drain, in one statement.
 */
public final class Retention {
    /**
     * Bots per drain: one statement deletes them and their rows (a few events and deliveries
     * each) well within a Data API call; with the schedule's drain every minute that is 288,000
     * bots a day, more than a fleet ends.
     */
    public static final int BATCH = 200;

    // The oldest ended bots first, in the order of bots_ended (only those, never the history
    // still kept). A bot goes only when nothing about it is still to do: it holds no unit, no stop
    // or release is owed for it (platform_releases; the foreign key refuses the delete if one was
    // written after this statement's snapshot), no webhook of it is still PENDING (one with a retry
    // to come), and no pool slot is assigned to it. The rows are locked, skipping any another
    // statement holds (a writer deciding on the bot now: the next drain looks again), and a locked
    // row is checked again as it is then, so the bot deleted is still ended, old and holds no unit.
    static final String DELETE_ENDED = """
            WITH doomed AS (
              SELECT b.id FROM bots b
              WHERE b.status IN ('DONE', 'FATAL') AND b.capacity_platform IS NULL AND b.ended_at < :endedBefore
                AND NOT EXISTS (SELECT 1 FROM platform_releases pr WHERE pr.bot_id = b.id)
                AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.bot_id = b.id AND d.state = 'PENDING')
                AND NOT EXISTS (SELECT 1 FROM bot_pool_slots s WHERE s.assigned_bot_id = b.id)
              ORDER BY b.ended_at, b.id LIMIT :n
              FOR UPDATE OF b SKIP LOCKED),
            gone AS (
              DELETE FROM bots b USING doomed
              WHERE b.id = doomed.id AND b.status IN ('DONE', 'FATAL') AND b.capacity_platform IS NULL
                AND b.ended_at < :endedBefore
              RETURNING b.id),
            deliveries AS (
              DELETE FROM webhook_deliveries d USING gone WHERE d.bot_id = gone.id RETURNING d.event_id),
            events AS (
              DELETE FROM bot_events e USING gone WHERE e.bot_id = gone.id RETURNING e.id)
            SELECT (SELECT count(*) FROM gone) AS bots, (SELECT count(*) FROM events) AS events,
                   (SELECT count(*) FROM deliveries) AS deliveries""";

    /** What one batch deleted. */
    public record Deleted(long bots, long events, long deliveries) {
    }

    private final Sql sql;
    private final Clock clock;
    private final Duration retention;

    /** @param retention how long after its end a bot is kept */
    public Retention(Sql sql, Clock clock, Duration retention) {
        this.sql = sql;
        this.clock = clock;
        this.retention = retention;
    }

    /** Deletes up to {@code n} bots that ended more than the retention ago, with their events and deliveries. */
    public Deleted deleteEnded(int n) {
        Row row = sql.queryOne(DELETE_ENDED, Params.of("endedBefore", clock.instant().minus(retention)).and("n", n));
        return new Deleted(row.getLong("bots"), row.getLong("events"), row.getLong("deliveries"));
    }
}
