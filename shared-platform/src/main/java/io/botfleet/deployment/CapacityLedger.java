package io.botfleet.deployment;

import io.botfleet.bot.BotStatus;
import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The per-platform capacity ledger (invariant 1). {@code platform_capacity.used} moves only
 * together with {@code bots.capacity_platform}, in the same statement: a claim sets both, a
 * release clears the bot's marker and decrements once. Releasing twice finds no marker the second
 * time, so it frees one unit.
 */
public final class CapacityLedger {

    /**
     * The CTEs (ending with {@code freed}) that give back one unit per row of {@code source} whose
     * {@code released_platform} is set, to that platform and to the row's {@code tenant}. Locks are
     * taken in the claim's order, so a release and a claim never wait on each other in a circle:
     * the bots (the source locked them), the tenants' rows by name, then the platforms' (the
     * scalar subquery makes {@code freed} wait for {@code tenants_freed}).
     */
    static String unitsFreedCte(String source) {
        return """
                tenants_locked AS (
                  SELECT tenant FROM tenant_capacity
                  WHERE tenant IN (SELECT tenant FROM %1$s WHERE released_platform IS NOT NULL)
                  ORDER BY tenant FOR UPDATE),
                tenants_freed AS (
                  UPDATE tenant_capacity c SET used = c.used - r.units
                  FROM (SELECT s.tenant, count(*) AS units FROM %1$s s JOIN tenants_locked l ON l.tenant = s.tenant
                        WHERE s.released_platform IS NOT NULL GROUP BY s.tenant) r
                  WHERE c.tenant = r.tenant
                  RETURNING c.tenant),
                freed AS (
                  UPDATE platform_capacity c SET used = c.used - r.units
                  FROM (SELECT released_platform, count(*) AS units FROM %1$s
                        WHERE released_platform IS NOT NULL AND (SELECT count(*) FROM tenants_freed) >= 0
                        GROUP BY released_platform) r
                  WHERE c.platform = r.released_platform)""".formatted(source);
    }

    /**
     * The CTEs every statement that clears {@code bots.capacity_platform} ends with: the unit is
     * given back, and the follow-up it is owed (the pooled resource's release and the
     * capacity-released announcement) is written down in the same statement, so it cannot be
     * lost with the statement's answer. {@code source} has {@code id},
     * {@code tenant} and {@code released_platform}; the statement binds {@code :now} and {@code :followUpAt}.
     */
    public static String releaseCte(String source) {
        return unitsFreedCte(source) + """
                ,
                followed AS (
                  INSERT INTO platform_releases (bot_id, platform, stop_owed, stop_after, next_attempt_at, created_at)
                  SELECT id, released_platform, false, :now, :followUpAt, :now FROM %s
                  WHERE released_platform IS NOT NULL
                  ON CONFLICT (bot_id, platform) DO NOTHING)""".formatted(source);
    }

    // Fenced by the lease: only the caller's own leased entries are claimed, so a drainer whose
    // lease ran out cannot claim for a bot that another drainer now holds. A bot is not placed
    // again on a platform that still owes it a stop or a release. A claim never takes a tenant
    // above its limit: the tenants' rows are locked and read as they are now (a FOR UPDATE reads
    // the latest row), and each tenant's bots are granted, in the order given, only while its units
    // in use stay within its limit; the platform then grants what it has room for, and both counters
    // move by what was granted. Locks go bots and their entries first, the tenants' rows by name
    // second, the platform's row last: the order of every release. A tenant without its row (a bot
    // admitted before tenants were counted) gets it here and is claimed from the next claim on. A
    // claim starts a new attempt, so the reason the bot waited for (a reclaimed capacity, a failed
    // call) is cleared.
    // A reserved bot has its unit promised in the calendar already. Any other bot promises its unit
    // for its estimated duration, so it is granted only where every slot of that horizon has a unit
    // no reservation holds: the slots' rows are locked after the bots and before the tenants (the
    // order of every release, whose trigger gives a promise back as it changes the bot), after the
    // calendar's gate row (V15) that every writer of promises takes first, and read as
    // they are now. A horizon whose rows are not all there yet (the admission makes them) grants
    // no such bot. A tenant with a limit has its own calendar (V17), kept the same way: its minutes
    // are locked after the fleet's, and its unreserved bots are granted only where its limit has a
    // unit no promise holds, so its ad-hoc bots leave its reservations their units.
    private static final String CLAIM = """
            WITH wanted AS (
              SELECT b.id, b.tenant, b.reserved, r.ord
              FROM unnest(string_to_array(:ids, ',')::bigint[]) WITH ORDINALITY AS r(id, ord)
              JOIN bots b ON b.id = r.id
              JOIN deployment_queue q ON q.bot_id = b.id AND q.status = 'PROCESSING' AND q.lease_owner = :owner
              WHERE b.status = 'QUEUED' AND b.capacity_platform IS NULL
                AND NOT EXISTS (SELECT 1 FROM platform_releases pr WHERE pr.bot_id = b.id AND pr.platform = :platform)
              FOR UPDATE OF b, q),
            calendar_gate AS (
              SELECT c.slot FROM capacity_calendar c
              WHERE c.slot = '-infinity' AND EXISTS (SELECT 1 FROM wanted WHERE NOT reserved) FOR UPDATE),
            horizon AS (
              SELECT c.slot, c.promised FROM capacity_calendar c
              WHERE c.slot BETWEEN :promiseFrom AND :promiseUntil AND EXISTS (SELECT 1 FROM wanted WHERE NOT reserved)
                AND (SELECT count(*) FROM calendar_gate) >= 0
              ORDER BY c.slot FOR UPDATE),
            unreserved_room AS (
              SELECT CASE WHEN count(*) = :promiseSlots THEN greatest(:units - coalesce(max(promised), 0), 0) ELSE 0 END AS n
              FROM horizon),
            tenant_horizon AS (
              SELECT c.tenant, c.slot, c.promised FROM tenant_calendar c
              WHERE c.tenant IN (SELECT w.tenant FROM wanted w JOIN tenants t ON t.tenant = w.tenant
                                 WHERE NOT w.reserved AND t.unit_limit IS NOT NULL)
                AND c.slot BETWEEN :promiseFrom AND :promiseUntil AND (SELECT count(*) FROM horizon) >= 0
              ORDER BY c.tenant, c.slot FOR UPDATE),
            tenant_room AS (
              SELECT t.tenant, t.unit_limit,
                     CASE WHEN count(h.slot) = :promiseSlots THEN greatest(t.unit_limit - coalesce(max(h.promised), 0), 0)
                          ELSE 0 END AS n
              FROM tenants t LEFT JOIN tenant_horizon h ON h.tenant = t.tenant
              WHERE t.unit_limit IS NOT NULL AND t.tenant IN (SELECT tenant FROM wanted WHERE NOT reserved)
              GROUP BY t.tenant, t.unit_limit),
            uncounted AS (
              INSERT INTO tenant_capacity (tenant) SELECT DISTINCT tenant FROM wanted ON CONFLICT (tenant) DO NOTHING),
            counters AS (
              SELECT tc.tenant, tc.used FROM tenant_capacity tc
              WHERE tc.tenant IN (SELECT tenant FROM wanted) AND (SELECT n FROM unreserved_room) >= 0
                AND (SELECT count(*) FROM tenant_room) >= 0
              ORDER BY tc.tenant FOR UPDATE),
            within AS (
              SELECT w.id, w.tenant, w.reserved, w.ord
              FROM (SELECT wanted.*, row_number() OVER (PARTITION BY wanted.tenant ORDER BY wanted.ord) AS k
                    FROM wanted) w
              JOIN counters c ON c.tenant = w.tenant
              LEFT JOIN tenants t ON t.tenant = w.tenant
              WHERE t.unit_limit IS NULL OR c.used + w.k <= t.unit_limit),
            tenant_fit AS (
              SELECT w.id, w.tenant, w.reserved, w.ord FROM (
                SELECT within.*, row_number() OVER (PARTITION BY within.reserved, within.tenant ORDER BY within.ord) AS jt
                FROM within) w
              LEFT JOIN tenant_room tr ON tr.tenant = w.tenant
              WHERE w.reserved OR tr.tenant IS NULL OR w.jt <= tr.n),
            promisable AS (
              SELECT id, tenant, reserved, ord FROM (
                SELECT tenant_fit.*, row_number() OVER (PARTITION BY tenant_fit.reserved ORDER BY tenant_fit.ord) AS j
                FROM tenant_fit) w
              WHERE w.reserved OR w.j <= (SELECT n FROM unreserved_room)),
            granted AS (
              UPDATE platform_capacity
              SET used = used + LEAST((SELECT count(*) FROM promisable), :limit - used),
                  last_grant = LEAST((SELECT count(*) FROM promisable), :limit - used)
              WHERE platform = :platform AND used < :limit AND hold IS NULL
              RETURNING last_grant),
            chosen AS (
              SELECT id, tenant, reserved FROM promisable ORDER BY ord
              LIMIT (SELECT COALESCE(max(last_grant), 0) FROM granted)),
            promised AS (
              UPDATE capacity_calendar c SET promised = c.promised + p.n, cap = :units
              FROM horizon h, (SELECT count(*) AS n FROM chosen WHERE NOT reserved) p
              WHERE c.slot = h.slot AND p.n > 0),
            tenant_promised AS (
              UPDATE tenant_calendar c SET promised = c.promised + p.n, cap = p.unit_limit
              FROM tenant_horizon h, (SELECT ch.tenant, tr.unit_limit, count(*) AS n
                                      FROM chosen ch JOIN tenant_room tr ON tr.tenant = ch.tenant
                                      WHERE NOT ch.reserved GROUP BY ch.tenant, tr.unit_limit) p
              WHERE c.tenant = h.tenant AND c.slot = h.slot AND h.tenant = p.tenant),
            counted AS (
              UPDATE tenant_capacity tc SET used = tc.used + c.n
              FROM (SELECT tenant, count(*) AS n FROM chosen GROUP BY tenant) c
              WHERE tc.tenant = c.tenant)
            UPDATE bots b
            SET status = 'DEPLOYING', capacity_platform = :platform, deployment_platform = :platform,
                deploy_started_at = :now, call_started_at = :now, deploy_attempts = b.deploy_attempts + 1,
                status_reason = NULL, last_error = NULL, updated_at = :now, joined_at = NULL,
                promised_from = CASE WHEN chosen.reserved THEN b.promised_from ELSE :promiseFrom END,
                promised_until = CASE WHEN chosen.reserved THEN b.promised_until ELSE :promiseUntil END,
                tenant_promised = CASE WHEN chosen.reserved THEN b.tenant_promised
                                       ELSE EXISTS (SELECT 1 FROM tenant_room tr WHERE tr.tenant = chosen.tenant) END
            FROM chosen WHERE b.id = chosen.id
            RETURNING b.id, b.deploy_attempts""";

    // The platform refused or failed for sure, so nothing runs: the unit is given back, and the
    // bot is QUEUED again (or FATAL, when retrying cannot help). Fenced by the lease, like the
    // claim: a late drainer reverts nothing.
    private static final String REVERT = """
            WITH prev AS (
              SELECT b.id, b.capacity_platform FROM bots b
              JOIN deployment_queue q ON q.bot_id = b.id AND q.status = 'PROCESSING' AND q.lease_owner = :owner
              WHERE b.id = :id AND b.status = 'DEPLOYING' AND b.capacity_platform = :platform
                AND b.platform_identifier IS NULL
              FOR UPDATE OF b, q),
            moved AS (
              UPDATE bots b
              SET status = CASE WHEN :permanent THEN 'FATAL' ELSE 'QUEUED' END,
                  status_reason = CASE WHEN :permanent THEN 'DEPLOY_FAILED: ' || :error ELSE b.status_reason END,
                  ended_at = CASE WHEN :permanent THEN :now ELSE b.ended_at END,
                  deployment_platform = CASE WHEN :permanent THEN b.deployment_platform END,
                  capacity_platform = NULL, last_error = :error, updated_at = :now
              FROM prev WHERE b.id = prev.id
              RETURNING b.id, b.tenant, b.status, prev.capacity_platform AS released_platform),
            noted AS (
              UPDATE deployment_queue q SET last_error = :error FROM moved WHERE q.bot_id = moved.id AND moved.status = 'QUEUED'),
            ended AS (
              DELETE FROM deployment_queue q USING moved WHERE q.bot_id = moved.id AND moved.status = 'FATAL'),
            """ + releaseCte("moved") + """

            SELECT id, status FROM moved""";

    private final Sql sql;
    private final Clock clock;
    private final CapacityCalendar calendar;

    public CapacityLedger(Sql sql, Clock clock, CapacityCalendar calendar) {
        this.sql = sql;
        this.clock = clock;
        this.calendar = calendar;
    }

    /**
     * Claims up to {@code limit - used} units of {@code platform} for these QUEUED bots, in the
     * order given, in one statement; only bots whose entries {@code owner} leases are granted, and
     * a bot without a reservation only while the capacity calendar has a unit for its estimated
     * duration. The granted bots move to DEPLOYING. Returns their ids.
     */
    public List<Long> claim(String platform, int limit, List<Long> botIds, String owner) {
        return List.copyOf(claimCounted(platform, limit, botIds, owner).keySet());
    }

    /** As {@link #claim}, answering each granted bot's deploy attempt number, which this claim raised by one. */
    public Map<Long, Integer> claimCounted(String platform, int limit, List<Long> botIds, String owner) {
        Map<Long, Integer> granted = new LinkedHashMap<>();
        if (botIds.isEmpty()) {
            return granted;
        }
        String ids = botIds.stream().map(String::valueOf).collect(Collectors.joining(","));
        Instant now = clock.instant();
        sql.query(CLAIM, calendar.horizonParams(Params.of("ids", ids), now).and("limit", limit).and("platform", platform)
                        .and("owner", owner).and("now", now))
                .forEach(row -> granted.put(row.getLong("id"), row.getLong("deploy_attempts").intValue()));
        return granted;
    }

    /**
     * Undoes a claim whose platform call failed for sure: the unit is free again and the bot is
     * QUEUED, or FATAL when {@code permanent}. Returns its status now, or null when the claim was
     * no longer {@code owner}'s to undo (its lease ran out, the bot was stopped or recorded).
     */
    public BotStatus revert(long botId, String platform, String error, String owner, boolean permanent) {
        Instant now = clock.instant();
        Row row = sql.queryOne(REVERT, Params.of("id", botId).and("platform", platform).and("error", truncate(error))
                .and("owner", owner).and("permanent", permanent).and("now", now)
                .and("followUpAt", PlatformReleases.followUpAt(now)));
        return row == null ? null : BotStatus.valueOf(row.getString("status"));
    }

    /** Whether the operator took a platform out of rotation, and how. */
    public enum Hold {
        /** No new placement there. */
        HELD,
        /** Held, and its running bots stopped. */
        DRAINING
    }

    /** A platform's row of the ledger: its units in use, and its hold (null: in rotation) since when. */
    public record Use(int used, Hold hold, Instant heldAt) {
        public static final Use NONE = new Use(0, null, null);

        /** Whether a claim may grant a unit there now, as far as this read knows. */
        public boolean placesWithin(int limit) {
            return hold == null && used < limit;
        }
    }

    /** Each platform's row of the ledger. */
    public Map<String, Use> usage() {
        Map<String, Use> usage = new HashMap<>();
        for (Row row : sql.query("SELECT platform, used, hold, held_at FROM platform_capacity", Params.of())) {
            usage.put(row.getString("platform"), use(row));
        }
        return usage;
    }

    // A stronger hold is never weakened by a weaker one: a hold asked of a draining platform keeps
    // it draining. Since when it is held stays the first hold's time.
    private static final String HOLD = """
            UPDATE platform_capacity
            SET hold = CASE WHEN hold = 'DRAINING' THEN hold ELSE :hold END, held_at = coalesce(held_at, :now)
            WHERE platform = :platform
            RETURNING used, hold, held_at""";

    /** Takes the platform out of rotation from the next claim on, on every instance; answers its row now. */
    public Use hold(String platform, Hold hold) {
        return use(sql.queryOne(HOLD, Params.of("platform", platform).and("hold", hold.name()).and("now", clock.instant())));
    }

    /** Puts the platform back in rotation; answers its row now. */
    public Use release(String platform) {
        return use(sql.queryOne("""
                UPDATE platform_capacity SET hold = NULL, held_at = NULL WHERE platform = :platform
                RETURNING used, hold, held_at""", Params.of("platform", platform)));
    }

    private static Use use(Row row) {
        String hold = row.getString("hold");
        return new Use(row.getLong("used").intValue(), hold == null ? null : Hold.valueOf(hold), row.getInstant("held_at"));
    }

    static String truncate(String error) {
        return error == null || error.length() <= 1000 ? error : error.substring(0, 1000);
    }
}
