package io.botfleet.deployment;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The one global queue. Entries are claimed with leases in a single statement
 * ({@code FOR UPDATE SKIP LOCKED}, invariant 2); an entry whose lease ran out goes back to WAITING,
 * and a bot stuck DEPLOYING under it gives its capacity back.
 */
public final class DeploymentQueue {

    // Free units are shared between tenants by weighted fair share, computed as progressive filling
    // with the Sainte-Lague (Webster) divisors: each due entry is ranked by its tenant's units in use
    // once it runs less half a unit, over the weight, (used + its place among the tenant's due
    // entries - 0.5) / weight, and the n smallest are picked, so each unit goes to the tenant furthest
    // below its weighted share, FIFO within a tenant. Counting the whole unit ((used + k) / weight,
    // D'Hondt) would favour heavy tenants: weights 5, 1, 1, 1 sharing 4 units would give the heavy one
    // all 4 where its share is 2.5; half a unit keeps every tenant within one unit of its share.
    // Units a tenant is guaranteed go first, then priority decides, then the share. A tenant with
    // nothing due takes nothing, so what it does not use is lent to the others; an entry its tenant's
    // limit would not allow is not picked (the ledger's claim refuses it anyway), so it holds no one up.
    // Each tenant's due entries are read from its own index walk, at most :n of them, and locked as
    // they are read, skipping any another drainer holds; only the picked are leased, the others are
    // free again when the statement ends. The cost is one short walk per tenant with entries,
    // however long the queue.
    // Reserved bots go before all of that: their units are promised, and a drain that comes late
    // (after an outage) starts the overdue ones first, longest overdue first. They are read from
    // their own index and count toward their tenant's units like any other.
    private static final String CLAIM = """
            WITH RECURSIVE %3$s,
            reserved_due AS (
              SELECT q.id, q.tenant, q.priority, q.not_before, q.reserved FROM deployment_queue q
              WHERE q.reserved AND q.status = 'WAITING' AND q.not_before <= :now AND q.timeout_at > :now
                AND EXISTS (SELECT 1 FROM bots b WHERE b.id = q.bot_id AND b.status = 'QUEUED')
              ORDER BY q.not_before, q.id LIMIT :n FOR UPDATE OF q SKIP LOCKED),
            tenant_due AS (
              SELECT x.* FROM walk, LATERAL (
                SELECT q.id, q.tenant, q.priority, q.not_before, q.reserved FROM deployment_queue q
                WHERE q.tenant = walk.tenant AND q.status = 'WAITING' AND q.not_before <= :now AND q.timeout_at > :now
                  AND NOT q.reserved AND EXISTS (SELECT 1 FROM bots b WHERE b.id = q.bot_id AND b.status = 'QUEUED')
                ORDER BY q.priority, q.not_before, q.id LIMIT :n FOR UPDATE OF q SKIP LOCKED) x
              WHERE walk.tenant IS NOT NULL),
            due AS (
              SELECT d.*, row_number() OVER (PARTITION BY d.tenant ORDER BY d.reserved DESC, d.priority, d.not_before, d.id) AS k
              FROM (SELECT * FROM reserved_due UNION ALL SELECT * FROM tenant_due) d),
            ranked AS (
              SELECT due.id, due.priority, due.not_before, due.reserved, coalesce(c.used, 0) + due.k AS would_use, t.unit_limit,
                     coalesce(t.guaranteed, 0) AS guaranteed, coalesce(t.weight, CAST(:defaultWeight AS integer)) AS weight
              FROM due LEFT JOIN tenant_capacity c ON c.tenant = due.tenant LEFT JOIN tenants t ON t.tenant = due.tenant),
            picked AS (
              SELECT r.id FROM ranked r WHERE r.unit_limit IS NULL OR r.would_use <= r.unit_limit
              ORDER BY %1$s LIMIT :n),
            claimed AS (
              UPDATE deployment_queue q
              SET status = 'PROCESSING', lease_owner = :owner, lease_expires_at = :leaseUntil, attempts = q.attempts + 1
              FROM picked WHERE q.id = picked.id
              RETURNING q.id, q.bot_id)
            SELECT %2$s FROM claimed JOIN ranked r ON r.id = claimed.id JOIN bots b ON b.id = claimed.bot_id
            ORDER BY %1$s"""
            .formatted("r.reserved DESC, r.would_use <= r.guaranteed DESC, r.priority, (r.would_use - 0.5) / r.weight, "
                            + "r.not_before, r.id",
                    BotStore.COLUMNS, TenantShares.WALK);

    // Every entry one claim took: a claim's owner names that one claim, so this gives back exactly
    // what it leased, whatever became of each bot.
    private static final String RELEASE_LEASES = """
            UPDATE deployment_queue SET status = 'WAITING', lease_owner = NULL, lease_expires_at = NULL
            WHERE lease_owner = :owner""";

    // Expired entries of bots still QUEUED end FATAL/QUEUE_TIMEOUT, a bounded batch at a time (the
    // answer must fit a Data API response); bots are locked before entries, skipping any another
    // statement holds (the next batch takes them).
    private static final String EXPIRE = """
            WITH due AS (
              SELECT q.bot_id FROM deployment_queue q JOIN bots b ON b.id = q.bot_id AND b.status = 'QUEUED'
              WHERE q.timeout_at <= :now AND (q.status = 'WAITING' OR q.lease_expires_at <= :now)
              ORDER BY q.timeout_at LIMIT :n),
            locked AS (
              SELECT b.id FROM bots b JOIN due ON due.bot_id = b.id WHERE b.status = 'QUEUED' FOR UPDATE OF b SKIP LOCKED),
            fatal AS (
              UPDATE bots b SET status = 'FATAL', status_reason = 'QUEUE_TIMEOUT', ended_at = :now, updated_at = :now
              FROM locked WHERE b.id = locked.id RETURNING b.id),
            gone AS (
              DELETE FROM deployment_queue q USING fatal WHERE q.bot_id = fatal.id)
            SELECT id FROM fatal""";

    // A lease that ran out: the drainer died or is late. The entries wait again, a bounded batch at
    // a time; a bot it left DEPLOYING keeps its unit ("pinned" to that platform, whose call may
    // have started it) and is resumed there once that call has surely ended.
    private static final String RECLAIM = """
            WITH expired AS (
              SELECT id FROM deployment_queue WHERE status = 'PROCESSING' AND lease_expires_at <= :now
              ORDER BY lease_expires_at LIMIT :n FOR UPDATE SKIP LOCKED),
            requeued AS (
              UPDATE deployment_queue q SET status = 'WAITING', lease_owner = NULL, lease_expires_at = NULL
              FROM expired WHERE q.id = expired.id
              RETURNING q.bot_id)
            SELECT count(*) AS requeued FROM requeued""";

    // Entries of bots pinned to a platform: claimed there, deploy outcome unknown, no identifier
    // yet, and the last deploy call of the claim surely over (so no call for the bot is in flight
    // when the resume makes its own). The resume's call is stamped on the bot, so a stop or a lookup
    // waits for it too. A stopped (LEAVING) bot is never resumed: its stop is owed.
    private static final String CLAIM_PINNED = """
            WITH picked AS (
              SELECT q.id, b.id AS bot_id FROM deployment_queue q JOIN bots b ON b.id = q.bot_id
              WHERE q.status = 'WAITING' AND b.status = 'DEPLOYING'
                AND b.capacity_platform IS NOT NULL AND b.platform_identifier IS NULL
                AND b.call_started_at <= :callsEndedBefore
              ORDER BY q.id LIMIT :n FOR UPDATE OF q, b SKIP LOCKED),
            stamped AS (
              UPDATE bots b SET call_started_at = :now FROM picked WHERE b.id = picked.bot_id),
            claimed AS (
              UPDATE deployment_queue q
              SET status = 'PROCESSING', lease_owner = :owner, lease_expires_at = :leaseUntil, attempts = q.attempts + 1
              FROM picked WHERE q.id = picked.id
              RETURNING q.bot_id)
            SELECT %s FROM claimed JOIN bots b ON b.id = claimed.bot_id ORDER BY b.id""".formatted(BotStore.COLUMNS);

    // Each lane (a priority) of the queue with the arrival numbers of its first and last entries,
    // walked on the (priority, lane_seq) index: one probe per lane, at most 201 (priorities run from
    // -100 to 100).
    private static final String LANES = """
            RECURSIVE lane AS (
              SELECT (SELECT min(priority) FROM deployment_queue) AS p
              UNION ALL
              SELECT (SELECT min(priority) FROM deployment_queue WHERE priority > lane.p) FROM lane WHERE lane.p IS NOT NULL),
            span AS (
              SELECT lane.p, (SELECT min(lane_seq) FROM deployment_queue WHERE priority = lane.p) AS first_seq,
                     (SELECT max(lane_seq) FROM deployment_queue WHERE priority = lane.p) AS last_seq
              FROM lane WHERE lane.p IS NOT NULL)""";

    /**
     * Why the entry waits ({@link WaitReason}), from columns {@code source} carries: the entry's
     * {@code not_before} and {@code last_error}, its bot's status as {@code bot_status} and its
     * {@code tenant}; and {@code :now}. A due bot whose tenant uses all its limit waits for its
     * tenant. Only a failed attempt writes an entry's {@code last_error} (the revert of a refused
     * call, the re-queue of a container the platform took back), and a claim needs the entry due,
     * so an entry that failed and has {@code not_before} ahead is waiting out a retry's
     * delay, never a schedule. A due bot that another tenant would be served before (further
     * below its weighted share, see {@link TenantShares}) waits for its fair share. A due bot
     * without a reservation that a platform has room for, but whose estimated duration meets a
     * minute with every unit promised (the fleet's, or its limited tenant's), waits for the reservations.
     * Any other due bot waits for a unit: with a platform held, for the held units too. Needs {@code next_shares}, the
     * entry's {@code priority} and {@code reserved}, and the calendar's horizon parameters.
     */
    private static String waitReason(String source) {
        return """
                CASE WHEN %1$s.bot_status <> 'QUEUED' THEN 'DEPLOY_UNCONFIRMED'
                     WHEN %1$s.not_before > :now THEN
                       CASE WHEN %1$s.last_error IS NOT NULL THEN 'RETRY_WAIT' ELSE 'SCHEDULED' END
                     WHEN EXISTS (SELECT 1 FROM tenants t JOIN tenant_capacity tc ON tc.tenant = t.tenant
                                  WHERE t.tenant = %1$s.tenant AND tc.used >= t.unit_limit) THEN 'TENANT_LIMIT'
                     WHEN %1$s.last_error IS NOT NULL THEN 'RETRY_WAIT'
                     WHEN NOT %1$s.reserved
                          AND (SELECT coalesce(sum(used), 0) FROM platform_capacity) < :units
                          AND (EXISTS (SELECT 1 FROM capacity_calendar c WHERE c.slot BETWEEN :promiseFrom AND :promiseUntil
                                         AND c.promised >= :units)
                               OR EXISTS (SELECT 1 FROM tenant_calendar c JOIN tenants t ON t.tenant = c.tenant
                                          WHERE c.tenant = %1$s.tenant AND c.slot BETWEEN :promiseFrom AND :promiseUntil
                                            AND c.promised >= t.unit_limit)) THEN 'RESERVED'
                     WHEN %2$s THEN 'FAIR_SHARE'
                     WHEN EXISTS (SELECT 1 FROM platform_capacity WHERE hold IS NOT NULL) THEN 'PLATFORM_HELD'
                     ELSE 'NO_CAPACITY' END AS wait_reason""".formatted(source, TenantShares.servedFirstByAnother(source));
    }

    // The queue as a user sees it: the entries of bots still QUEUED (a pinned bot holds a unit and
    // is deploying, not waiting), in drain order. Counting everything ahead would cost the whole
    // queue on every queued POST and GET: the entries ahead are walked back from this one on the
    // order index, at most :cap of them, and those of QUEUED bots counted, so a position with fewer
    // than :cap entries ahead is exact. Further back, arrival numbers stand in for the count: every
    // lane that goes first counts the span of its numbers, and this one the numbers from its first
    // entry to this one (arrival order is queue order within a lane for bots due at once). That
    // overcounts by the entries that left a lane out of order (stopped, timed out, pinned) and
    // misplaces bots whose start is delayed.
    // The walk reads the queue alone and looks each entry's bot up by id: joined instead, a planner
    // that believes few bots are QUEUED (a long history, a short queue) hashes the whole queue
    // against every QUEUED bot rather than walk :cap entries.
    private static final String POSITION = """
            WITH %s, %s, %s,
            me AS (
              SELECT q.id, q.bot_id, q.status, q.priority, q.queued_at, q.not_before, q.timeout_at, q.lane_seq,
                     q.last_error, q.reserved, b.status AS bot_status, b.tenant
              FROM deployment_queue q JOIN bots b ON b.id = q.bot_id
              WHERE q.bot_id = :botId AND (b.status = 'QUEUED' OR (:held AND b.status = 'DEPLOYING'))),
            ahead AS (
              SELECT count(*) AS walked,
                     count(*) FILTER (WHERE (SELECT ob.status FROM bots ob WHERE ob.id = walked.bot_id) = 'QUEUED') AS n
              FROM me, LATERAL (
                SELECT o.bot_id FROM deployment_queue o
                WHERE (o.priority, o.not_before, o.id) < (me.priority, me.not_before, me.id)
                ORDER BY o.priority DESC, o.not_before DESC, o.id DESC LIMIT :cap) walked),
            mine_ahead AS (
              SELECT count(*) FILTER (WHERE (SELECT ob.status FROM bots ob WHERE ob.id = walked.bot_id) = 'QUEUED') AS n
              FROM me, LATERAL (
                SELECT o.bot_id FROM deployment_queue o
                WHERE o.tenant = me.tenant AND o.status = 'WAITING'
                  AND (o.priority, o.not_before, o.id) < (me.priority, me.not_before, me.id)
                ORDER BY o.priority DESC, o.not_before DESC, o.id DESC LIMIT :cap) walked)
            SELECT me.bot_id, me.status, me.priority, me.queued_at, me.not_before, me.timeout_at, %s,
                   mine_ahead.n AS tenant_ahead, %s,
                   CASE WHEN ahead.walked < :cap THEN ahead.n + 1
                        ELSE greatest(ahead.n + 1, (SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM span WHERE p < me.priority)
                             + me.lane_seq - (SELECT first_seq FROM span WHERE p = me.priority) + 1) END AS position
            FROM me, ahead, mine_ahead""".formatted(LANES, TenantShares.WALK, TenantShares.NEXT_SHARES, waitReason("me"),
                    TenantShares.lineColumns("me"));

    // The head of the queue: the first :limit entries on the order index, then numbered (numbering
    // the whole queue first would read all of it)
    private static final String LIST = """
            WITH RECURSIVE %s, %s
            SELECT bot_id, status, priority, queued_at, not_before, timeout_at, %s,
                   row_number() OVER (ORDER BY priority, not_before, id) AS position,
                   row_number() OVER (PARTITION BY tenant ORDER BY priority, not_before, id) - 1 AS tenant_ahead, %s
            FROM (SELECT q.id, q.bot_id, q.status, q.priority, q.queued_at, q.not_before, q.timeout_at, q.last_error,
                         q.reserved, b.status AS bot_status, b.tenant
                  FROM deployment_queue q JOIN bots b ON b.id = q.bot_id WHERE b.status = 'QUEUED'
                  ORDER BY q.priority, q.not_before, q.id LIMIT :limit) head
            ORDER BY priority, not_before, id""".formatted(TenantShares.WALK, TenantShares.NEXT_SHARES,
                    waitReason("head"), TenantShares.lineColumns("head"));

    // How many wait, exact while the queue holds fewer than :cap entries (walked on the order index,
    // each entry's bot looked up by id as in POSITION), beyond that the lanes' spans of arrival
    // numbers (see POSITION); the oldest from the queued_at index. Neither reads the whole queue.
    // The walk starts from the head it reads first: a walk that starts from a row beside it runs in
    // one process (parallel workers would cost more to start than the short walk).
    private static final String STATS = """
            WITH %s,
            head AS MATERIALIZED (
              SELECT priority, not_before, id FROM deployment_queue ORDER BY priority, not_before, id LIMIT 1),
            counted AS (
              SELECT count(*) AS walked,
                     count(*) FILTER (WHERE (SELECT b.status FROM bots b WHERE b.id = walked.bot_id) = 'QUEUED') AS n
              FROM head, LATERAL (
                SELECT q.bot_id FROM deployment_queue q
                WHERE (q.priority, q.not_before, q.id) >= (head.priority, head.not_before, head.id)
                ORDER BY q.priority, q.not_before, q.id LIMIT :cap) walked)
            SELECT CASE WHEN counted.walked < :cap THEN counted.n
                        ELSE greatest(counted.n, (SELECT sum(last_seq - first_seq + 1) FROM span)) END AS waiting,
                   (SELECT q.queued_at FROM deployment_queue q
                    WHERE (SELECT b.status FROM bots b WHERE b.id = q.bot_id) = 'QUEUED'
                    ORDER BY q.queued_at LIMIT 1) AS oldest
            FROM counted""".formatted(LANES);

    /** How many entries wait, and since when the oldest. */
    public record Stats(long waiting, Instant oldestQueuedAt) {
    }

    /** Positions and the waiting count are exact up to this many; beyond, estimated (see POSITION). */
    public static final int EXACT_UP_TO = 1000;

    private final Sql sql;
    private final BotStore bots;
    private final Clock clock;
    private final int exactUpTo;
    private final CapacityCalendar calendar;

    public DeploymentQueue(Sql sql, BotStore bots, Clock clock, CapacityCalendar calendar) {
        this(sql, bots, clock, calendar, EXACT_UP_TO);
    }

    DeploymentQueue(Sql sql, BotStore bots, Clock clock, CapacityCalendar calendar, int exactUpTo) {
        this.sql = sql;
        this.bots = bots;
        this.clock = clock;
        this.calendar = calendar;
        this.exactUpTo = exactUpTo;
    }

    /**
     * Leases up to {@code n} due WAITING entries, shared between tenants by weighted fair share
     * (see CLAIM), and returns their bots in the order they should be placed.
     */
    public List<Bot> claim(String owner, int n, Duration lease) {
        Instant now = clock.instant();
        return sql.query(CLAIM, Params.of("now", now).and("n", n).and("owner", owner)
                .and("defaultWeight", Tenants.DEFAULT_WEIGHT).and("leaseUntil", now.plus(lease))).stream().map(bots::toBot).toList();
    }

    /**
     * Leases up to {@code n} entries of bots pinned to a platform whose deploy calls all started
     * before {@code callsEndedBefore} (so they have ended), to resume those deploys there.
     */
    public List<Bot> claimPinned(String owner, int n, Duration lease, Instant callsEndedBefore) {
        Instant now = clock.instant();
        return sql.query(CLAIM_PINNED, Params.of("n", n).and("owner", owner).and("leaseUntil", now.plus(lease))
                        .and("callsEndedBefore", callsEndedBefore).and("now", now))
                .stream().map(bots::toBot).toList();
    }

    /**
     * Gives back every entry {@code owner} leased and still holds, untouched otherwise. Called on
     * every path out of a claim, the failing ones too, so it does not throw: the statement is
     * repeated once, and if that fails as well the entries wait until the lease runs out.
     */
    public void releaseLeases(String owner) {
        for (int attempt = 1; ; attempt++) {
            try {
                sql.update(RELEASE_LEASES, Params.of("owner", owner));
                return;
            } catch (RuntimeException e) {
                if (attempt == 2) {
                    Log.warn("queue.lease_release_failed", Map.of("owner", owner), e);
                    return;
                }
            }
        }
    }

    /** Ends up to {@code n} entries past their timeout: the bots become FATAL with reason QUEUE_TIMEOUT. */
    public List<Long> expire(int n) {
        return sql.query(EXPIRE, Params.of("now", clock.instant()).and("n", n)).stream().map(r -> r.getLong("id")).toList();
    }

    /** Returns up to {@code n} entries whose lease ran out to WAITING; returns how many. */
    public long reclaimExpiredLeases(int n) {
        return sql.queryOne(RECLAIM, Params.of("now", clock.instant()).and("n", n)).getLong("requeued");
    }

    /** The entry of a QUEUED bot, or null. */
    public QueueEntry find(long botId) {
        return find(botId, false);
    }

    /**
     * The entry of a QUEUED bot or, when {@code held}, of a DEPLOYING one pinned to its platform
     * (its reason DEPLOY_UNCONFIRMED, its position not a place in any line); null when there is none.
     */
    public QueueEntry find(long botId, boolean held) {
        Instant now = clock.instant();
        Row row = sql.queryOne(POSITION, calendar.horizonParams(Params.of("botId", botId), now).and("cap", exactUpTo)
                .and("held", held).and("now", now).and("defaultWeight", Tenants.DEFAULT_WEIGHT));
        return row == null ? null : toEntry(row);
    }

    /** The entries of bots still waiting, in queue order. */
    public List<QueueEntry> list(int limit) {
        Instant now = clock.instant();
        return sql.query(LIST, calendar.horizonParams(Params.of("limit", limit), now).and("now", now)
                        .and("defaultWeight", Tenants.DEFAULT_WEIGHT)).stream()
                .map(DeploymentQueue::toEntry).toList();
    }

    public Stats stats() {
        Row row = sql.queryOne(STATS, Params.of("cap", exactUpTo));
        return new Stats(row.getLong("waiting"), row.getInstant("oldest"));
    }

    private static QueueEntry toEntry(Row row) {
        return new QueueEntry(row.getLong("bot_id"), row.getString("status"), row.getLong("priority").intValue(),
                row.getInstant("queued_at"), row.getInstant("not_before"), row.getInstant("timeout_at"),
                row.getLong("position"), WaitReason.valueOf(row.getString("wait_reason")),
                new QueueEntry.TenantLine(row.getLong("tenant_ahead"), Math.toIntExact(row.getLong("weight")),
                        row.getLong("unit_limit") == null ? null : Math.toIntExact(row.getLong("unit_limit")),
                        row.getLong("busy_weights")));
    }
}
