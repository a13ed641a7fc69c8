package io.botfleet.deployment;

import io.botfleet.bot.Bot;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The SQL of the {@code bots} table: admission, reads, guarded status transitions, deployments. */
public final class BotStore {

    public static final String COLUMNS = """
            b.id, b.tenant, b.display_name, b.image_url, b.meeting::text AS meeting, b.recording_enabled,
            b.automatic_leave::text AS automatic_leave, b.start_time, b.end_time, b.callback_url, b.priority,
            b.status, b.status_reason, b.deployment_platform, b.platform_identifier, b.created_at, b.deployed_at,
            b.ended_at, b.last_heartbeat""";

    // A new bot and its queue entry in one statement, so an accepted bot is always in the queue
    // until it runs (invariant 3). With a lease owner the entry starts PROCESSING: the caller
    // deploys it right away, and if the caller dies the lease runs out and a drainer takes over.
    private static final String ADMIT = """
            WITH new_bot AS (
              INSERT INTO bots (tenant, display_name, image_url, meeting, meeting_platform, recording_enabled,
                                automatic_leave, start_time, end_time, callback_url, priority, status,
                                idempotency_key, request_fingerprint, created_at, updated_at)
              VALUES (:tenant, :displayName, :imageUrl, :meeting::jsonb, :meetingPlatform, :recordingEnabled,
                      :automaticLeave::jsonb, :startTime, :endTime, :callbackUrl, :priority, 'QUEUED',
                      :idempotencyKey, :fingerprint, :now, :now)
              ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
              RETURNING id),
            entry AS (
              INSERT INTO deployment_queue (bot_id, priority, queued_at, not_before, timeout_at, status,
                                            lease_owner, lease_expires_at)
              SELECT id, :priority, :now, :notBefore, :timeoutAt,
                     CASE WHEN :leaseOwner::text IS NULL THEN 'WAITING' ELSE 'PROCESSING' END,
                     :leaseOwner::text, :leaseUntil::timestamptz
              FROM new_bot)
            SELECT id FROM new_bot""";

    private static final String BY_KEY = """
            SELECT id, request_fingerprint FROM bots WHERE tenant = :tenant AND idempotency_key = :key""";

    // The bots are locked first, so what this reads is what the update acts on, even when a
    // concurrent stop or another drainer's record committed a moment ago.
    private static final String RECORD_DEPLOYMENTS = """
            WITH deployed AS (
              SELECT * FROM jsonb_to_recordset(:deployments::jsonb) AS d(bot_id bigint, platform text, identifier text)),
            current AS (
              SELECT b.id, b.status, b.capacity_platform, b.platform_identifier FROM bots b
              JOIN deployed ON deployed.bot_id = b.id
              FOR UPDATE OF b),
            recorded AS (
              UPDATE bots b SET platform_identifier = deployed.identifier, deployed_at = :now, updated_at = :now
              FROM deployed JOIN current ON current.id = deployed.bot_id
              WHERE b.id = deployed.bot_id AND current.platform_identifier IS NULL
                AND current.capacity_platform = deployed.platform
              RETURNING b.id),
            gone AS (
              DELETE FROM deployment_queue q USING recorded WHERE q.bot_id = recorded.id)
            SELECT c.id, c.status, (r.id IS NOT NULL) AS recorded, c.platform_identifier
            FROM current c LEFT JOIN recorded r ON r.id = c.id""";

    // Deployed bots that never called back, or went quiet; the oldest first, a bounded batch.
    private static final String END_SILENT = """
            WITH silent AS (
              SELECT id, capacity_platform, deployment_platform, platform_identifier,
                     CASE WHEN last_heartbeat IS NULL THEN 'DEPLOY_TIMEOUT' ELSE 'HEARTBEAT_TIMEOUT' END AS reason
              FROM bots
              WHERE status IN (%s) AND capacity_platform IS NOT NULL
                AND ((last_heartbeat IS NULL AND COALESCE(deployed_at, deploy_started_at) < :deployCutoff)
                     OR last_heartbeat < :heartbeatCutoff)
              ORDER BY id LIMIT :limit
              FOR UPDATE SKIP LOCKED),
            moved AS (
              UPDATE bots b SET status = 'FATAL', status_reason = silent.reason, capacity_platform = NULL,
                                ended_at = :now, updated_at = :now
              FROM silent WHERE b.id = silent.id
              RETURNING b.id, silent.capacity_platform AS released_platform, silent.deployment_platform,
                        silent.platform_identifier, silent.reason),
            dequeued AS (
              DELETE FROM deployment_queue q USING moved WHERE q.bot_id = moved.id),
            %s
            SELECT id, deployment_platform, platform_identifier, reason FROM moved"""
            .formatted(BotStatus.sqlList(BotStatus.capacityHolding()), CapacityLedger.releaseCte("moved"));

    private static final String HEARTBEAT = """
            UPDATE bots SET last_heartbeat = :now, updated_at = :now
            WHERE id = :id AND status NOT IN ('DONE', 'FATAL')""";

    private final Sql sql;
    private final Clock clock;
    private final Map<BotStatus, String> transitions = new EnumMap<>(BotStatus.class);

    public BotStore(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
        for (BotStatus to : BotStatus.values()) {
            if (!to.predecessors().isEmpty()) {
                transitions.put(to, transitionStatement(to));
            }
        }
    }

    /** How a new bot enters the queue: due now and leased to the caller, or WAITING until {@code notBefore}. */
    public record Admission(Instant notBefore, Duration queueTimeout, String leaseOwner, Duration lease) {
    }

    /** The id of the new bot, or null when the idempotency key was used before. */
    public Long admit(BotConfig config, String idempotencyKey, String fingerprint, Admission admission) {
        Instant now = clock.instant();
        Instant notBefore = admission.notBefore() == null || admission.notBefore().isBefore(now) ? now : admission.notBefore();
        Row row = sql.queryOne(ADMIT, Params.of("tenant", config.tenant())
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
                .and("now", now)
                .and("notBefore", notBefore)
                .and("timeoutAt", notBefore.plus(admission.queueTimeout()))
                .and("leaseOwner", admission.leaseOwner())
                .and("leaseUntil", admission.leaseOwner() == null ? null : now.plus(admission.lease())));
        return row == null ? null : row.getLong("id");
    }

    /** The bot an idempotency key named first, with the fingerprint of that first request. */
    public record KeyedBot(long id, String fingerprint) {
    }

    public KeyedBot findByIdempotencyKey(String tenant, String key) {
        Row row = sql.queryOne(BY_KEY, Params.of("tenant", tenant).and("key", key));
        return row == null ? null : new KeyedBot(row.getLong("id"), row.getString("request_fingerprint"));
    }

    public Bot find(long id) {
        Row row = sql.queryOne("SELECT " + COLUMNS + " FROM bots b WHERE b.id = :id", Params.of("id", id));
        return row == null ? null : toBot(row);
    }

    /** The outcome of a guarded transition: whether it applied, and what capacity it gave back. */
    public record Transition(boolean applied, BotStatus previous, String releasedPlatform,
                             String deploymentPlatform, String platformIdentifier) {
    }

    /**
     * Moves the bot to {@code to} if the transition table allows it from where it is; a status
     * that no longer holds capacity releases the bot's unit in the same statement, and a terminal
     * one removes its queue entry. Returns null when the bot does not exist.
     */
    public Transition transition(long id, BotStatus to, String reason, boolean heartbeat) {
        Row row = sql.queryOne(transitions.get(to), Params.of("id", id).and("to", to.name())
                .and("reason", reason).and("heartbeat", heartbeat).and("now", clock.instant()));
        if (row == null) {
            return null;
        }
        return new Transition(row.getBoolean("applied"), BotStatus.valueOf(row.getString("previous_status")),
                row.getString("released_platform"), row.getString("deployment_platform"),
                row.getString("platform_identifier"));
    }

    /** A bot given up for silence: where it ran, so its container can be stopped. */
    public record Silent(long botId, String platform, String identifier, String reason) {
    }

    /** Ends FATAL the deployed bots silent for longer than allowed, releasing their units. */
    public List<Silent> endSilent(Duration deployTimeout, Duration heartbeatTimeout, int limit) {
        Instant now = clock.instant();
        return sql.query(END_SILENT, Params.of("deployCutoff", now.minus(deployTimeout))
                        .and("heartbeatCutoff", now.minus(heartbeatTimeout)).and("limit", limit).and("now", now))
                .stream().map(r -> new Silent(r.getLong("id"), r.getString("deployment_platform"),
                        r.getString("platform_identifier"), r.getString("reason"))).toList();
    }

    public boolean heartbeat(long id) {
        return sql.update(HEARTBEAT, Params.of("id", id).and("now", clock.instant())) == 1;
    }

    /** A platform call that succeeded. */
    public record Deployment(long botId, String platform, String identifier) {
    }

    /**
     * What recording found for one deployment: whether it was recorded, the bot's status, and the
     * identifier the bot already had if another caller recorded it first.
     */
    public record Recorded(long botId, BotStatus status, boolean recorded, String existingIdentifier) {
    }

    /**
     * Records platform identifiers and removes the bots' queue entries, in one statement. A bot
     * that lost its claim meanwhile is returned unrecorded: unless another caller recorded the very
     * same container, the caller must stop the one it started.
     */
    public List<Recorded> recordDeployments(List<Deployment> deployments) {
        if (deployments.isEmpty()) {
            return List.of();
        }
        StringBuilder json = new StringBuilder("[");
        for (Deployment d : deployments) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append("{\"bot_id\":").append(d.botId()).append(",\"platform\":").append(jsonString(d.platform()))
                    .append(",\"identifier\":").append(jsonString(d.identifier())).append('}');
        }
        json.append(']');
        return sql.query(RECORD_DEPLOYMENTS, Params.of("deployments", json.toString()).and("now", clock.instant()))
                .stream().map(r -> new Recorded(r.getLong("id"), BotStatus.valueOf(r.getString("status")),
                        r.getBoolean("recorded"), r.getString("platform_identifier"))).toList();
    }

    public Bot toBot(Row row) {
        BotConfig config = new BotConfig(BotJson.meeting(row.getString("meeting")), row.getString("display_name"),
                row.getString("image_url"), row.getBoolean("recording_enabled"),
                BotJson.automaticLeave(row.getString("automatic_leave")), row.getInstant("start_time"),
                row.getInstant("end_time"), row.getString("callback_url"), row.getString("tenant"),
                row.getLong("priority").intValue());
        return new Bot(row.getLong("id"), config, BotStatus.valueOf(row.getString("status")),
                row.getString("status_reason"), row.getString("deployment_platform"),
                row.getString("platform_identifier"), row.getInstant("created_at"), row.getInstant("deployed_at"),
                row.getInstant("ended_at"), row.getInstant("last_heartbeat"));
    }

    private static String transitionStatement(BotStatus to) {
        boolean releases = !to.holdsCapacity();
        return """
                WITH prev AS (
                  SELECT id, status, capacity_platform, deployment_platform, platform_identifier
                  FROM bots WHERE id = :id FOR UPDATE),
                moved AS (
                  UPDATE bots b
                  SET status = :to, status_reason = COALESCE(:reason::text, b.status_reason),
                      capacity_platform = %s, ended_at = %s,
                      last_heartbeat = CASE WHEN :heartbeat THEN :now ELSE b.last_heartbeat END, updated_at = :now
                  FROM prev WHERE b.id = prev.id AND prev.status IN (%s)
                  RETURNING b.id, %s AS released_platform),
                dequeued AS (
                  DELETE FROM deployment_queue q USING moved WHERE q.bot_id = moved.id AND %s),
                %s
                SELECT p.status AS previous_status, (m.id IS NOT NULL) AS applied, m.released_platform,
                       p.deployment_platform, p.platform_identifier
                FROM prev p LEFT JOIN moved m ON m.id = p.id"""
                .formatted(releases ? "NULL" : "b.capacity_platform",
                        to.isTerminal() ? ":now" : "b.ended_at",
                        BotStatus.sqlList(to.predecessors()),
                        releases ? "prev.capacity_platform" : "NULL::text",
                        to.isTerminal() ? "true" : "false",
                        CapacityLedger.releaseCte("moved"));
    }

    private static String jsonString(String value) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(value).toString();
    }
}
