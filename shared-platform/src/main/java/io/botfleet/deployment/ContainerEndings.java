package io.botfleet.deployment;

import io.botfleet.bot.BotStatus;
import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A platform's word that a bot's container ended (an ECS task state change, the reconcile's list,
 * Coolify's deployment given up), in one statement decided on the bot as it is at that moment:
 * only while the bot still holds its unit on that platform with the container the word is about.
 * A word about an earlier container (a task before a Spot re-queue), repeated, or late, changes
 * nothing.
 */
public final class ContainerEndings {

    /**
     * What the word was decided on: the bot's container (its identifier; null for a bot whose
     * container was never recorded, found missing by its name) and, when the caller read it, the
     * claim it came from ({@code attempt}, for platforms whose names do not change from one claim
     * to the next, such as a Kubernetes Job named after the bot).
     */
    public record Fence(String platform, String identifier, Integer attempt) {
    }

    /**
     * What the platform said: whether it took the capacity back (a Spot interruption), whether the
     * container succeeded, and the reasons to record if the bot goes back to the queue or fails.
     */
    public record Word(boolean reclaimed, boolean succeeded, String requeueReason, String fatalReason) {
    }

    // Fenced by the container: the locked row must still hold the unit on that platform, with that
    // identifier (and claim). The verdict is taken from the locked row, never from an earlier read:
    // a bot that had not joined its call when its capacity was reclaimed waits again, at the front
    // of the queue; one that had finished its call or was being stopped ends DONE (the reason of its
    // leaving kept), as does one whose container succeeded; any other ends FATAL with the platform's
    // reason. The unit goes back in the same statement: the container no longer runs.
    private static final String ENDED = """
            WITH prev AS (
              SELECT id, tenant, status, status_reason, capacity_platform, priority, created_at FROM bots
              WHERE id = :id AND capacity_platform = :platform AND platform_identifier IS NOT DISTINCT FROM :identifier
                AND (:attempt::integer IS NULL OR deploy_attempts = :attempt::integer)
                AND status NOT IN ('QUEUED', 'DONE', 'FATAL')
              FOR UPDATE),
            verdict AS (
              SELECT prev.*, CASE
                  WHEN :reclaimed AND status IN ('DEPLOYING', 'JOINING_CALL', 'IN_WAITING_ROOM') THEN 'QUEUED'
                  WHEN :succeeded OR status IN ('LEAVING', 'CALL_ENDED') THEN 'DONE'
                  ELSE 'FATAL' END AS next
              FROM prev),
            moved AS (
              UPDATE bots b
              SET status = v.next,
                  status_reason = CASE v.next WHEN 'QUEUED' THEN :requeueReason WHEN 'FATAL' THEN :fatalReason
                                  ELSE CASE WHEN v.status IN ('LEAVING', 'CALL_ENDED') THEN v.status_reason END END,
                  capacity_platform = NULL,
                  platform_identifier = CASE WHEN v.next = 'QUEUED' THEN NULL ELSE b.platform_identifier END,
                  deployed_at = CASE WHEN v.next = 'QUEUED' THEN NULL ELSE b.deployed_at END,
                  ended_at = CASE WHEN v.next = 'QUEUED' THEN b.ended_at ELSE :now END,
                  last_error = CASE WHEN v.next = 'QUEUED' THEN :requeueReason ELSE b.last_error END,
                  updated_at = :now
              FROM verdict v WHERE b.id = v.id
              RETURNING b.id, b.tenant, b.status, v.capacity_platform AS released_platform),
            entry AS (
              INSERT INTO deployment_queue (bot_id, tenant, priority, queued_at, not_before, timeout_at, last_error)
              SELECT v.id, v.tenant, v.priority, v.created_at,
                     LEAST(v.created_at, :now, (SELECT min(q.not_before) - interval '1 millisecond'
                                                FROM deployment_queue q WHERE q.priority = v.priority)),
                     :timeoutAt, :requeueReason
              FROM verdict v WHERE v.next = 'QUEUED'
              ON CONFLICT (bot_id) DO UPDATE
              SET status = 'WAITING', lease_owner = NULL, lease_expires_at = NULL, not_before = EXCLUDED.not_before,
                  timeout_at = EXCLUDED.timeout_at, last_error = EXCLUDED.last_error),
            dequeued AS (
              DELETE FROM deployment_queue q USING verdict v WHERE q.bot_id = v.id AND v.next <> 'QUEUED'),
            """ + CapacityLedger.releaseCte("moved") + """

            SELECT m.id, m.status, m.released_platform,
                   EXISTS (SELECT 1 FROM platform_releases pr WHERE pr.bot_id = m.id AND pr.stop_owed) AS stop_owed
            FROM moved m""";

    /**
     * What the word did: the bot's status now, the platform whose unit it gave back, and whether a
     * stop is still owed for the bot (then its release follows that stop).
     */
    public record Ended(BotStatus status, String releasedPlatform, boolean stopOwed) {
    }

    private final Sql sql;
    private final Clock clock;
    private final Duration queueTimeout;

    /** @param queueTimeout how long a bot placed in the queue again may wait there */
    public ContainerEndings(Sql sql, Clock clock, Duration queueTimeout) {
        this.sql = sql;
        this.clock = clock;
        this.queueTimeout = queueTimeout;
    }

    /** Ends or re-queues the bot as the platform's word says; null when the word no longer applies. */
    public Ended ended(long botId, Fence fence, Word word) {
        Instant now = clock.instant();
        Row row = sql.queryOne(ENDED, Params.of("id", botId).and("platform", fence.platform())
                .and("identifier", fence.identifier()).and("attempt", fence.attempt())
                .and("reclaimed", word.reclaimed()).and("succeeded", word.succeeded())
                .and("requeueReason", CapacityLedger.truncate(word.requeueReason()))
                .and("fatalReason", CapacityLedger.truncate(word.fatalReason()))
                .and("timeoutAt", now.plus(queueTimeout)).and("now", now)
                .and("followUpAt", PlatformReleases.followUpAt(now)));
        return row == null ? null : new Ended(BotStatus.valueOf(row.getString("status")), row.getString("released_platform"),
                row.getBoolean("stop_owed"));
    }
}
