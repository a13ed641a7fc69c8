package io.botfleet.deployment;

import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.PlatformReleases.Release;
import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The statements by which the service ends a bot whose container may still run: a stop asked for
 * through the API, and the drain giving up a silent bot. Each ends the bot and owes its platform
 * a stop in the same statement, and keeps the bot's unit until that stop is confirmed (see
 * {@link PlatformReleases}): a platform never runs more containers than its ledger counts.
 */
public final class BotStops {
    /** The reason of a bot stopped because the operator drained its platform. */
    public static final String PLATFORM_DRAINED = "PLATFORM_DRAINED";

    // Decided on the locked row, whatever the bot reached since anyone read it: a queued bot
    // leaves the queue and ends DONE; a bot that may run goes LEAVING (a bot whose call ended
    // stays CALL_ENDED) and its platform is owed a stop. Repeating it owes the same stop again.
    // {@code prev} chooses and locks the bots.
    private static String stopStatement(String prev) {
        return """
                WITH prev AS (%s),
                moved AS (
                  UPDATE bots b
                  SET status = CASE prev.status WHEN 'QUEUED' THEN 'DONE' WHEN 'CALL_ENDED' THEN 'CALL_ENDED' ELSE 'LEAVING' END,
                      status_reason = :reason::text,
                      ended_at = CASE WHEN prev.status = 'QUEUED' THEN :now ELSE b.ended_at END, updated_at = :now
                  FROM prev WHERE b.id = prev.id AND prev.status NOT IN ('DONE', 'FATAL', 'LEAVING')
                  RETURNING b.id, b.status),
                dequeued AS (
                  DELETE FROM deployment_queue q USING prev WHERE q.bot_id = prev.id AND prev.status NOT IN ('DONE', 'FATAL')),
                owing AS (
                  SELECT id, capacity_platform AS platform, platform_identifier AS identifier,
                         %s AS stop_after, :reason::text AS reason
                  FROM prev WHERE capacity_platform IS NOT NULL AND status NOT IN ('QUEUED', 'DONE', 'FATAL')),
                %s
                SELECT p.status AS previous_status, COALESCE(m.status, p.status) AS status,
                       o.bot_id, o.platform, o.stop_owed, o.identifier, o.stop_after, o.reason
                FROM prev p LEFT JOIN moved m ON m.id = p.id LEFT JOIN owed o ON o.bot_id = p.id"""
                .formatted(prev, PlatformReleases.stopAfter("platform_identifier", "call_started_at"),
                        PlatformReleases.owedStopCte("owed", "owing"));
    }

    private static final String STOP = stopStatement("""
            SELECT id, status, capacity_platform, platform_identifier, call_started_at
            FROM bots WHERE id = :id FOR UPDATE""");

    // A draining platform's bots that run and are not stopping yet, a bounded batch; one locked by
    // another statement now is left to the next batch (the drain sweeps a draining platform every
    // run). Only while the platform is still draining: a release since the caller read it stops nothing.
    private static final String STOP_ON_PLATFORM = stopStatement("""
            SELECT id, status, capacity_platform, platform_identifier, call_started_at FROM bots b
            WHERE b.capacity_platform = :platform AND b.status NOT IN ('DONE', 'FATAL', 'LEAVING')
              AND EXISTS (SELECT 1 FROM platform_capacity c WHERE c.platform = :platform AND c.hold = 'DRAINING')
              AND NOT EXISTS (SELECT 1 FROM platform_releases pr WHERE pr.bot_id = b.id AND pr.stop_owed)
            ORDER BY b.id LIMIT :limit
            FOR UPDATE SKIP LOCKED""");

    // Deployed bots that never called back, or went quiet; the oldest first, a bounded batch. They
    // end FATAL at once, but keep their unit until their container is confirmed stopped. A LEAVING
    // bot is left alone when a stop is owed for it already; one that reported LEAVING itself is not.
    private static final String END_SILENT = """
            WITH silent AS (
              SELECT id, capacity_platform AS platform, platform_identifier AS identifier, call_started_at,
                     CASE WHEN last_heartbeat IS NULL THEN 'DEPLOY_TIMEOUT' ELSE 'HEARTBEAT_TIMEOUT' END AS reason
              FROM bots
              WHERE status IN ('DEPLOYING', 'JOINING_CALL', 'IN_WAITING_ROOM', 'IN_CALL', 'CALL_ENDED', 'LEAVING')
                AND capacity_platform IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM platform_releases pr WHERE pr.bot_id = bots.id AND pr.stop_owed)
                AND ((last_heartbeat IS NULL AND COALESCE(deployed_at, deploy_started_at) < :deployCutoff)
                     OR last_heartbeat < :heartbeatCutoff)
              ORDER BY id LIMIT :limit
              FOR UPDATE SKIP LOCKED),
            moved AS (
              UPDATE bots b SET status = 'FATAL', status_reason = silent.reason, ended_at = :now, updated_at = :now
              FROM silent WHERE b.id = silent.id
              RETURNING b.id),
            dequeued AS (
              DELETE FROM deployment_queue q USING moved WHERE q.bot_id = moved.id),
            owing AS (
              SELECT id, platform, identifier, %s AS stop_after, reason FROM silent),
            %s
            SELECT bot_id, platform, stop_owed, identifier, stop_after, reason FROM owed"""
            .formatted(PlatformReleases.stopAfter("identifier", "call_started_at"),
                    PlatformReleases.owedStopCte("owed", "owing"));

    /** What a stop found and did: the status before and after, and the stop it owes, if any. */
    public record Stopped(BotStatus previous, BotStatus status, Release owed) {
    }

    private final Sql sql;
    private final Clock clock;
    private final Duration callWindow;

    /** @param callWindow how long after its stamp a deploy call may still run, so a stop by name waits for it */
    public BotStops(Sql sql, Clock clock, Duration callWindow) {
        this.sql = sql;
        this.clock = clock;
        this.callWindow = callWindow;
    }

    /** Stops the bot; null when there is no such bot. */
    public Stopped stop(long id) {
        Row row = sql.queryOne(STOP, params().and("id", id).and("reason", "STOPPED"));
        if (row == null) {
            return null;
        }
        Release owed = row.getLong("bot_id") == null ? null : PlatformReleases.toRelease(row);
        return new Stopped(BotStatus.valueOf(row.getString("previous_status")), BotStatus.valueOf(row.getString("status")),
                owed);
    }

    /**
     * Stops up to {@code limit} of the bots that hold a unit of {@code platform} and are not stopping
     * yet, with {@code reason}, while the platform is draining; returns the stops they are owed.
     */
    public List<Release> stopAllOn(String platform, String reason, int limit) {
        return sql.query(STOP_ON_PLATFORM, params().and("platform", platform).and("reason", reason).and("limit", limit))
                .stream().filter(row -> row.getLong("bot_id") != null).map(PlatformReleases::toRelease).toList();
    }

    /** Ends FATAL up to {@code limit} deployed bots silent for longer than allowed; returns the stops they are owed. */
    public List<Release> endSilent(Duration deployTimeout, Duration heartbeatTimeout, int limit) {
        Instant now = clock.instant();
        return sql.query(END_SILENT, params().and("deployCutoff", now.minus(deployTimeout))
                        .and("heartbeatCutoff", now.minus(heartbeatTimeout)).and("limit", limit))
                .stream().map(PlatformReleases::toRelease).toList();
    }

    private Params params() {
        Instant now = clock.instant();
        return Params.of("now", now).and("followUpAt", PlatformReleases.followUpAt(now))
                .and("callWindowMs", callWindow.toMillis());
    }
}
