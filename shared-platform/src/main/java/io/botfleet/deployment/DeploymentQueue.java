package io.botfleet.deployment;

import io.botfleet.bot.Bot;
import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one global queue. Entries are claimed with leases in a single statement
 * ({@code FOR UPDATE SKIP LOCKED}, invariant 2); an entry whose lease ran out goes back to WAITING,
 * and a bot stuck DEPLOYING under it gives its capacity back.
 */
public final class DeploymentQueue {
    private static final String ORDER = "priority, not_before, id";

    private static final String CLAIM = """
            WITH picked AS (
              SELECT id FROM deployment_queue
              WHERE status = 'WAITING' AND not_before <= :now AND timeout_at > :now
              ORDER BY %s LIMIT :n FOR UPDATE SKIP LOCKED),
            claimed AS (
              UPDATE deployment_queue q
              SET status = 'PROCESSING', lease_owner = :owner, lease_expires_at = :leaseUntil, attempts = q.attempts + 1
              FROM picked WHERE q.id = picked.id
              RETURNING q.bot_id, q.priority AS entry_priority, q.not_before AS entry_not_before, q.id AS entry_id)
            SELECT %s FROM claimed JOIN bots b ON b.id = claimed.bot_id
            ORDER BY claimed.entry_priority, claimed.entry_not_before, claimed.entry_id"""
            .formatted(ORDER, BotStore.COLUMNS);

    private static final String RELEASE_LEASES = """
            UPDATE deployment_queue SET status = 'WAITING', lease_owner = NULL, lease_expires_at = NULL
            WHERE lease_owner = :owner AND bot_id = ANY (string_to_array(:ids, ',')::bigint[])""";

    // Expired entries of bots still QUEUED end FATAL/QUEUE_TIMEOUT; bots are locked before entries.
    private static final String EXPIRE = """
            WITH due AS (
              SELECT bot_id FROM deployment_queue
              WHERE timeout_at <= :now AND (status = 'WAITING' OR lease_expires_at <= :now)),
            locked AS (
              SELECT b.id FROM bots b JOIN due ON due.bot_id = b.id WHERE b.status = 'QUEUED' FOR UPDATE OF b),
            fatal AS (
              UPDATE bots b SET status = 'FATAL', status_reason = 'QUEUE_TIMEOUT', ended_at = :now, updated_at = :now
              FROM locked WHERE b.id = locked.id RETURNING b.id),
            gone AS (
              DELETE FROM deployment_queue q USING fatal WHERE q.bot_id = fatal.id)
            SELECT id FROM fatal""";

    // A lease that ran out: the drainer died. Bots it left mid-deploy give their unit back: a
    // DEPLOYING one goes back to QUEUED, one stopped meanwhile (LEAVING, never recorded) ends DONE.
    private static final String RECLAIM = """
            WITH stale AS (
              SELECT bot_id FROM deployment_queue WHERE status = 'PROCESSING' AND lease_expires_at <= :now),
            stuck AS (
              SELECT b.id, b.status, b.capacity_platform FROM bots b JOIN stale ON stale.bot_id = b.id
              WHERE b.status IN ('DEPLOYING', 'LEAVING') AND b.platform_identifier IS NULL
              FOR UPDATE OF b),
            reverted AS (
              UPDATE bots b
              SET status = CASE WHEN stuck.status = 'LEAVING' THEN 'DONE' ELSE 'QUEUED' END,
                  status_reason = CASE WHEN stuck.status = 'LEAVING' THEN 'STOPPED' ELSE b.status_reason END,
                  ended_at = CASE WHEN stuck.status = 'LEAVING' THEN :now ELSE b.ended_at END,
                  deployment_platform = CASE WHEN stuck.status = 'LEAVING' THEN b.deployment_platform END,
                  capacity_platform = NULL, last_error = 'lease expired during deploy', updated_at = :now
              FROM stuck WHERE b.id = stuck.id
              RETURNING b.id, b.status, stuck.capacity_platform AS released_platform),
            """ + CapacityLedger.releaseCte("reverted") + """
            ,
            ended AS (
              DELETE FROM deployment_queue q USING reverted WHERE q.bot_id = reverted.id AND reverted.status = 'DONE'),
            requeued AS (
              UPDATE deployment_queue q SET status = 'WAITING', lease_owner = NULL, lease_expires_at = NULL
              FROM stale
              WHERE q.bot_id = stale.bot_id AND q.status = 'PROCESSING' AND q.lease_expires_at <= :now
                AND q.bot_id NOT IN (SELECT id FROM reverted WHERE status = 'DONE')
              RETURNING q.bot_id)
            SELECT count(*) AS requeued FROM requeued""";

    private static final String POSITION = """
            SELECT q.bot_id, q.status, q.priority, q.queued_at, q.not_before, q.timeout_at,
                   (SELECT count(*) FROM deployment_queue o WHERE o.status = 'WAITING'
                      AND (o.priority, o.not_before, o.id) < (q.priority, q.not_before, q.id)) + 1 AS position
            FROM deployment_queue q WHERE q.bot_id = :botId""";

    private static final String LIST = """
            SELECT bot_id, status, priority, queued_at, not_before, timeout_at,
                   row_number() OVER (ORDER BY %s) AS position
            FROM deployment_queue WHERE status = 'WAITING' ORDER BY %s LIMIT :limit""".formatted(ORDER, ORDER);

    private static final String STATS = """
            SELECT count(*) AS waiting, min(queued_at) AS oldest FROM deployment_queue WHERE status = 'WAITING'""";

    /** How many entries wait, and since when the oldest. */
    public record Stats(long waiting, Instant oldestQueuedAt) {
    }

    private final Sql sql;
    private final BotStore bots;
    private final Clock clock;

    public DeploymentQueue(Sql sql, BotStore bots, Clock clock) {
        this.sql = sql;
        this.bots = bots;
        this.clock = clock;
    }

    /** Leases up to {@code n} due WAITING entries, in queue order, and returns their bots. */
    public List<Bot> claim(String owner, int n, Duration lease) {
        Instant now = clock.instant();
        return sql.query(CLAIM, Params.of("now", now).and("n", n).and("owner", owner)
                .and("leaseUntil", now.plus(lease))).stream().map(bots::toBot).toList();
    }

    /** Gives leased entries back to the queue, untouched otherwise. */
    public void releaseLeases(String owner, List<Long> botIds) {
        if (botIds.isEmpty()) {
            return;
        }
        String ids = botIds.stream().map(String::valueOf).collect(Collectors.joining(","));
        sql.update(RELEASE_LEASES, Params.of("owner", owner).and("ids", ids));
    }

    /** Ends entries past their timeout: the bots become FATAL with reason QUEUE_TIMEOUT. */
    public List<Long> expire() {
        return sql.query(EXPIRE, Params.of("now", clock.instant())).stream().map(r -> r.getLong("id")).toList();
    }

    /** Returns entries whose lease ran out to WAITING; returns how many. */
    public long reclaimExpiredLeases() {
        return sql.queryOne(RECLAIM, Params.of("now", clock.instant())).getLong("requeued");
    }

    public QueueEntry find(long botId) {
        Row row = sql.queryOne(POSITION, Params.of("botId", botId));
        return row == null ? null : toEntry(row);
    }

    /** The WAITING entries in queue order. */
    public List<QueueEntry> list(int limit) {
        return sql.query(LIST, Params.of("limit", limit)).stream().map(DeploymentQueue::toEntry).toList();
    }

    public Stats stats() {
        Row row = sql.queryOne(STATS, Params.of());
        return new Stats(row.getLong("waiting"), row.getInstant("oldest"));
    }

    private static QueueEntry toEntry(Row row) {
        return new QueueEntry(row.getLong("bot_id"), row.getString("status"), row.getLong("priority").intValue(),
                row.getInstant("queued_at"), row.getInstant("not_before"), row.getInstant("timeout_at"),
                row.getLong("position"));
    }
}
