package io.botfleet.deployment;

import io.botfleet.bot.BotConfig;
import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A new bot's admission: the bot, its queue entry, its tenant's ledger row and, for a reserved
 * bot, its promise in the capacity calendar, in one statement.
 */
public final class Admissions {

    // A new bot and its queue entry in one statement, so an accepted bot is always in the queue
    // until it runs (invariant 3). With a lease owner the entry starts PROCESSING: the caller
    // deploys it right away, and if the caller dies the lease runs out and a drainer takes over.
    // But a new bot never overtakes: it waits behind any due entry the drain would serve first. The
    // drain shares units by weighted fair share (DeploymentQueue's CLAIM, TenantShares), so that is a
    // due entry of its own tenant of the same or better priority, or one of another tenant with
    // a better priority, or the same priority and a share no larger than this tenant's would be with
    // this bot running ((units in use + 0.5) / weight), a tenant at its limit holding no one up; or an
    // entry being drained (attempts > 0; a fellow new request's entry has none) of the same or
    // better priority. The request key makes the statement safe to repeat: a repeat answers the
    // bot the first run made (conflicts on the Idempotency-Key answer nothing, and go to the replay).
    // Each tenant with waiting entries is visited once on the queue's tenant index, its first due
    // entry found there and its bot read by id: the cost follows the tenants waiting, not the entries.
    // The tenant's row of the capacity ledger is written with its first bot, so every claim finds it.
    // A reserved bot's promise is written with it, one unit in every slot of its window, in the
    // fleet's calendar and, when its tenant has a limit, in the tenant's: a slot that would promise
    // more than the fleet's units or the tenant's limit refuses the whole statement (the calendars'
    // CHECKs), so nothing is admitted. Any other admission makes the calendars' rows (the fleet's,
    // and its tenant's when limited) a day ahead when they are missing, so the claim that places
    // the bot finds the rows of its promise.
    private static final String ADMIT = """
            WITH RECURSIVE %s,
            %s,
            ahead AS (
              SELECT EXISTS (
                SELECT 1 FROM next_shares s
                WHERE s.priority <= :priority
                  AND (s.tenant = :tenant OR s.priority < :priority
                       OR s.share <= (coalesce((SELECT used FROM tenant_capacity WHERE tenant = :tenant), 0) + 0.5)
                                     / coalesce((SELECT weight FROM tenants WHERE tenant = :tenant),
                                                CAST(:defaultWeight AS integer))))
              OR EXISTS (
                SELECT 1 FROM deployment_queue q
                WHERE q.status = 'PROCESSING' AND q.attempts > 0 AND q.priority <= :priority
                  AND q.not_before <= :now AND q.timeout_at > :now
                  AND EXISTS (SELECT 1 FROM bots b WHERE b.id = q.bot_id AND b.status = 'QUEUED')) AS waiting),
            room AS (
              SELECT EXISTS (
                SELECT 1 FROM platform_capacity c JOIN jsonb_each_text(:limits::jsonb) l ON l.key = c.platform
                WHERE c.used < l.value::int AND c.hold IS NULL) AS free),
            new_bot AS (
              INSERT INTO bots (tenant, display_name, image_url, meeting, meeting_platform, recording_enabled,
                                automatic_leave, start_time, end_time, callback_url, priority, status,
                                idempotency_key, request_fingerprint, request_key, created_at, updated_at, reserved,
                                promised_from, promised_until, tenant_promised)
              VALUES (:tenant, :displayName, :imageUrl, :meeting::jsonb, :meetingPlatform, :recordingEnabled,
                      :automaticLeave::jsonb, :startTime, :endTime, :callbackUrl, :priority, 'QUEUED',
                      :idempotencyKey, :fingerprint, :requestKey, :now, :now, :reservedFrom::timestamptz IS NOT NULL,
                      :reservedFrom::timestamptz, :reservedUntil::timestamptz,
                      :reservedFrom::timestamptz IS NOT NULL
                      AND EXISTS (SELECT 1 FROM tenants WHERE tenant = :tenant AND unit_limit IS NOT NULL))
              ON CONFLICT DO NOTHING
              RETURNING id),
            calendar_gate AS (
              SELECT slot FROM capacity_calendar
              WHERE slot = '-infinity' AND :reservedFrom::timestamptz IS NOT NULL FOR UPDATE),
            reservation AS (
              INSERT INTO capacity_calendar AS c (slot, promised, cap)
              SELECT s, 1, :units FROM new_bot,
                     generate_series(:reservedFrom::timestamptz, :reservedUntil::timestamptz, interval '1 minute') AS s
              WHERE (SELECT count(*) FROM calendar_gate) >= 0
              ORDER BY s
              ON CONFLICT (slot) DO UPDATE SET promised = c.promised + 1, cap = EXCLUDED.cap
              RETURNING c.slot),
            tenant_reservation AS (
              INSERT INTO tenant_calendar AS c (tenant, slot, promised, cap)
              SELECT :tenant, s, 1, t.unit_limit
              FROM new_bot JOIN tenants t ON t.tenant = :tenant AND t.unit_limit IS NOT NULL,
                   generate_series(:reservedFrom::timestamptz, :reservedUntil::timestamptz, interval '1 minute') AS s
              WHERE (SELECT count(*) FROM reservation) >= 0
              ORDER BY s
              ON CONFLICT (tenant, slot) DO UPDATE SET promised = c.promised + 1, cap = EXCLUDED.cap),
            tenant_ahead AS (
              INSERT INTO tenant_calendar (tenant, slot, cap)
              SELECT :tenant, s, t.unit_limit
              FROM tenants t,
                   generate_series(:promiseFrom::timestamptz, :promiseUntil::timestamptz + interval '1 day', interval '1 minute') AS s
              WHERE t.tenant = :tenant AND t.unit_limit IS NOT NULL AND :reservedFrom::timestamptz IS NULL
                AND NOT EXISTS (SELECT 1 FROM tenant_calendar
                                WHERE tenant = :tenant AND slot = :promiseUntil::timestamptz + interval '12 hours')
              ON CONFLICT (tenant, slot) DO NOTHING),
            calendar_ahead AS (
              INSERT INTO capacity_calendar (slot, cap)
              SELECT s, :units
              FROM generate_series(:promiseFrom::timestamptz, :promiseUntil::timestamptz + interval '1 day', interval '1 minute') AS s
              WHERE :reservedFrom::timestamptz IS NULL
                AND NOT EXISTS (SELECT 1 FROM capacity_calendar WHERE slot = :promiseUntil::timestamptz + interval '12 hours')
              ON CONFLICT (slot) DO NOTHING),
            counter AS (
              INSERT INTO tenant_capacity (tenant) SELECT :tenant FROM new_bot ON CONFLICT (tenant) DO NOTHING),
            lease AS (
              SELECT :leaseOwner::text AS owner
              WHERE :leaseOwner::text IS NOT NULL AND NOT (SELECT waiting FROM ahead)),
            entry AS (
              INSERT INTO deployment_queue (bot_id, tenant, priority, queued_at, not_before, timeout_at, status,
                                            lease_owner, lease_expires_at, reserved)
              SELECT id, :tenant, :priority, :now, :notBefore, :timeoutAt,
                     CASE WHEN lease.owner IS NULL THEN 'WAITING' ELSE 'PROCESSING' END,
                     lease.owner, CASE WHEN lease.owner IS NULL THEN NULL ELSE :leaseUntil::timestamptz END,
                     :reservedFrom::timestamptz IS NOT NULL
              FROM new_bot LEFT JOIN lease ON true
              RETURNING bot_id, status)
            SELECT bot_id AS id, status = 'PROCESSING' AS leased,
                   (SELECT waiting FROM ahead) AND (SELECT free FROM room) AS overtaken
            FROM entry
            UNION ALL
            SELECT b.id, COALESCE(q.status = 'PROCESSING' AND q.lease_owner = :leaseOwner::text, false), false
            FROM bots b LEFT JOIN deployment_queue q ON q.bot_id = b.id
            WHERE b.request_key = :requestKey AND NOT EXISTS (SELECT 1 FROM new_bot)""".formatted(TenantShares.WALK, TenantShares.NEXT_SHARES);

    private final Sql sql;
    private final Clock clock;
    private final CapacityCalendar calendar;

    /** @param calendar where reservations are written, and whose rows ahead admissions make */
    public Admissions(Sql sql, Clock clock, CapacityCalendar calendar) {
        this.sql = sql;
        this.clock = clock;
        this.calendar = calendar;
    }

    /**
     * How a new bot enters the queue: due now and leased to the caller, or WAITING until
     * {@code notBefore}. {@code requestKey} makes the admission safe to repeat; {@code limits}
     * (per platform) tell whether a bot that queues behind others should trigger a drain. A bot
     * with a {@code reservation} holds a unit in each of its slots from admission on, and waits
     * until the reservation ends.
     */
    public record Admission(Instant notBefore, Duration queueTimeout, String leaseOwner, Duration lease,
                            String requestKey, Map<String, Integer> limits, CapacityCalendar.Span reservation) {
    }

    /** A reserved bot's window has a slot with no unit left: nothing was admitted. */
    public static final class NoUnitFree extends RuntimeException {
        NoUnitFree(Throwable refusal) {
            super("the capacity calendar has no unit free in the reserved window", refusal);
        }
    }

    /**
     * The admitted bot: whether the caller holds its entry's lease (and should place it now), and
     * whether it queued behind due entries while a platform has room (the drain should run).
     */
    public record Admitted(long id, boolean leased, boolean overtaken) {
    }

    /**
     * The bot admitted (now, or by an earlier run of the same request), or null when the
     * Idempotency-Key was used before. Throws {@link NoUnitFree} when its reservation does not fit.
     */
    public Admitted admit(BotConfig config, String idempotencyKey, String fingerprint, Admission admission) {
        Instant now = clock.instant();
        Instant notBefore = admission.notBefore() == null || admission.notBefore().isBefore(now) ? now : admission.notBefore();
        CapacityCalendar.Span reservation = admission.reservation();
        // a reserved bot waits as long as its reservation lasts: an outage of the drain does not time it out
        Instant timeoutAt = reservation == null ? notBefore.plus(admission.queueTimeout())
                : reservation.until().plus(Duration.ofMinutes(1));
        Params params = calendar.horizonParams(Params.of("tenant", config.tenant()), now)
                .and("reservedFrom", reservation == null ? null : reservation.from())
                .and("reservedUntil", reservation == null ? null : reservation.until());
        try {
            return admit(config, idempotencyKey, fingerprint, admission, params, now, notBefore, timeoutAt);
        } catch (io.botfleet.store.SqlException e) {
            if (reservation != null && e.isCheckViolation()) {
                throw new NoUnitFree(e);
            }
            throw e;
        }
    }

    private Admitted admit(BotConfig config, String idempotencyKey, String fingerprint, Admission admission,
                           Params params, Instant now, Instant notBefore, Instant timeoutAt) {
        Row row = sql.queryOne(ADMIT, params.and("defaultWeight", Tenants.DEFAULT_WEIGHT)
                .and("displayName", config.displayName())
                .and("imageUrl", config.imageUrl())
                .and("meeting", BotJson.meeting(config.meeting()))
                .and("meetingPlatform", config.meeting().platform().wireName())
                .and("recordingEnabled", config.recordingEnabled())
                .and("automaticLeave", BotJson.automaticLeave(config.automaticLeave()))
                .and("startTime", config.startTime())
                .and("endTime", config.endTime())
                .and("callbackUrl", config.callbackUrl())
                .and("priority", config.priority())
                .and("idempotencyKey", idempotencyKey)
                .and("fingerprint", fingerprint)
                .and("requestKey", admission.requestKey())
                .and("limits", BotJson.parameter(admission.limits()))
                .and("now", now)
                .and("notBefore", notBefore)
                .and("timeoutAt", timeoutAt)
                .and("leaseOwner", admission.leaseOwner())
                .and("leaseUntil", admission.leaseOwner() == null ? null : now.plus(admission.lease())));
        return row == null ? null : new Admitted(row.getLong("id"), row.getBoolean("leased"), row.getBoolean("overtaken"));
    }
}
