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
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The SQL of the {@code bots} table: reads, guarded status transitions, deployments ({@link Admissions} admits). */
public final class BotStore {

    public static final String COLUMNS = """
            b.id, b.tenant, b.display_name, b.image_url, b.meeting::text AS meeting, b.recording_enabled,
            b.automatic_leave::text AS automatic_leave, b.start_time, b.end_time, b.callback_url, b.priority,
            b.status, b.status_reason, b.deployment_platform, b.platform_identifier, b.created_at, b.deployed_at,
            b.ended_at, b.last_heartbeat, b.deploy_attempts, b.joined_at""";

    private static final String BY_KEY = """
            SELECT id, request_fingerprint FROM bots WHERE tenant = :tenant AND idempotency_key = :key""";

    // The bots are locked first, so what this reads is what the update acts on, even when a
    // concurrent stop or another drainer's record committed a moment ago. Not fenced by the lease:
    // a container found by the bot's name is the same container whoever started it, so a bot that
    // holds its unit on that platform and has no identifier yet gets it. A container whose bot
    // holds no unit there (the bot was stopped, ended, or placed elsewhere meanwhile) is owed a
    // stop, written here, so it cannot be lost with this statement's answer. A stop owed by name
    // while the deploy call ran is due now: the call has answered, and its container is known.
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
              DELETE FROM deployment_queue q USING recorded WHERE q.bot_id = recorded.id),
            named AS (
              UPDATE platform_releases pr
              SET identifier = deployed.identifier, stop_after = LEAST(pr.stop_after, :now),
                  next_attempt_at = LEAST(pr.next_attempt_at, :followUpAt)
              FROM deployed WHERE pr.bot_id = deployed.bot_id AND pr.platform = deployed.platform
                AND pr.stop_owed AND pr.identifier IS NULL
              RETURNING pr.bot_id, pr.reason),
            orphans AS (
              SELECT d.bot_id AS id, d.platform, d.identifier, :now AS stop_after, 'ORPHANED' AS reason
              FROM deployed d JOIN current c ON c.id = d.bot_id
              WHERE c.capacity_platform IS DISTINCT FROM d.platform),
            """ + PlatformReleases.owedStopCte("owed", "orphans") + """

            SELECT c.id, c.status, (r.id IS NOT NULL) AS recorded, (o.bot_id IS NOT NULL) AS orphaned,
                   n.reason AS stop_due
            FROM current c LEFT JOIN recorded r ON r.id = c.id LEFT JOIN owed o ON o.bot_id = c.id
            LEFT JOIN named n ON n.bot_id = c.id""";

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

    /** The bots whose container may run on this platform: they hold one of its units. */
    public List<Bot> holdingCapacityOn(String platform) {
        return sql.query("SELECT " + COLUMNS + " FROM bots b WHERE b.capacity_platform = :platform ORDER BY b.id",
                Params.of("platform", platform)).stream().map(this::toBot).toList();
    }

    // Bots that called back while their deploy's answer was lost: they run (the callback removed
    // the queue entry a resume would take), hold a unit, and no container is recorded for them.
    // Only once every deploy call of their claim has surely ended, so a lookup by name is final.
    private static final String UNIDENTIFIED = """
            SELECT %s FROM bots b
            WHERE b.capacity_platform IS NOT NULL AND b.platform_identifier IS NULL
              AND b.status IN ('JOINING_CALL', 'IN_WAITING_ROOM', 'IN_CALL', 'CALL_ENDED')
              AND b.call_started_at <= :callsEndedBefore
            ORDER BY b.id LIMIT :n""".formatted(COLUMNS);

    /** Up to {@code n} running bots with no recorded container whose deploy calls all started before {@code callsEndedBefore}. */
    public List<Bot> unidentified(Instant callsEndedBefore, int n) {
        return sql.query(UNIDENTIFIED, Params.of("callsEndedBefore", callsEndedBefore).and("n", n))
                .stream().map(this::toBot).toList();
    }

    /** These bots, by id; an id with no bot is absent from the answer. */
    public Map<Long, Bot> findAll(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        String list = ids.stream().map(String::valueOf).collect(Collectors.joining(","));
        return sql.query("SELECT " + COLUMNS + " FROM bots b WHERE b.id = ANY (string_to_array(:ids, ',')::bigint[])",
                Params.of("ids", list)).stream().map(this::toBot).collect(Collectors.toMap(Bot::id, b -> b));
    }

    /**
     * The outcome of a guarded transition: whether it applied, what capacity it gave back, and
     * whether the bot's platform is still owed a stop (then its release waits for the stop).
     */
    public record Transition(boolean applied, BotStatus previous, String releasedPlatform, boolean stopOwed) {
    }

    /**
     * Moves the bot to {@code to} if the transition table allows it from where it is; a status
     * that no longer holds capacity releases the bot's unit in the same statement, and any status
     * a bot reports removes its queue entry (a bot that calls back runs). Returns null when the
     * bot does not exist.
     */
    public Transition transition(long id, BotStatus to, String reason, boolean heartbeat) {
        Instant now = clock.instant();
        Row row = sql.queryOne(transitions.get(to), Params.of("id", id).and("to", to.name())
                .and("reason", reason).and("heartbeat", heartbeat).and("now", now)
                .and("followUpAt", PlatformReleases.followUpAt(now)));
        if (row == null) {
            return null;
        }
        return new Transition(row.getBoolean("applied"), BotStatus.valueOf(row.getString("previous_status")),
                row.getString("released_platform"), row.getBoolean("stop_owed"));
    }

    public boolean heartbeat(long id) {
        return sql.update(HEARTBEAT, Params.of("id", id).and("now", clock.instant())) == 1;
    }

    /**
     * The JSON a deploy writes and reads here (its columns, its batch parameters, and the canonical
     * text its idempotency fingerprint hashes), once, with no statement: SnapStart priming.
     */
    public static void primeJson(BotConfig config) {
        BotJson.meeting(BotJson.meeting(config.meeting()));
        BotJson.automaticLeave(BotJson.automaticLeave(config.automaticLeave()));
        BotJson.canonical(config);
        BotJson.parameter(Map.of("priming", 1));
        BotJson.parameter(List.of(new Deployment(0, "priming", "priming")));
    }

    /** A platform call that succeeded. */
    public record Deployment(long botId, String platform, String identifier) {
    }

    /**
     * What recording found for one deployment: whether it was recorded, the bot's status, whether
     * its container was found orphaned (its bot holds no unit there) and is owed a stop, and the
     * reason of a stop owed while the deploy call ran, now due ({@code stopDue}), if any.
     */
    public record Recorded(long botId, BotStatus status, boolean recorded, boolean orphaned, String stopDue) {
    }

    /**
     * Records platform identifiers and removes the bots' queue entries, in one statement. A
     * container whose bot no longer holds a unit on its platform is owed a stop instead.
     */
    public List<Recorded> recordDeployments(List<Deployment> deployments) {
        if (deployments.isEmpty()) {
            return List.of();
        }
        Instant now = clock.instant();
        return sql.query(RECORD_DEPLOYMENTS, Params.of("deployments", BotJson.parameter(deployments)).and("now", now)
                        .and("followUpAt", PlatformReleases.followUpAt(now)))
                .stream().map(r -> new Recorded(r.getLong("id"), BotStatus.valueOf(r.getString("status")),
                        r.getBoolean("recorded"), r.getBoolean("orphaned"), r.getString("stop_due"))).toList();
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
                row.getInstant("ended_at"), row.getInstant("last_heartbeat"), row.getLong("deploy_attempts").intValue(),
                row.getInstant("joined_at"));
    }

    /** The statuses that say a bot reached its call (the first of them is when it joined). */
    private static final java.util.Set<BotStatus> JOINED = java.util.EnumSet.of(BotStatus.JOINING_CALL,
            BotStatus.IN_WAITING_ROOM, BotStatus.IN_CALL);

    // Every status change carries its own reason, or none: only the reason of a bot's leaving (a
    // stop, the end of its call) carries over to what follows it (CALL_ENDED, DONE).
    private static String transitionStatement(BotStatus to) {
        boolean releases = !to.holdsCapacity();
        return """
                WITH prev AS (
                  SELECT id, status, capacity_platform FROM bots WHERE id = :id FOR UPDATE),
                moved AS (
                  UPDATE bots b
                  SET status = :to,
                      status_reason = COALESCE(:reason::text, CASE WHEN prev.status IN ('LEAVING', 'CALL_ENDED')
                                                                   THEN b.status_reason END),
                      capacity_platform = %s, ended_at = %s, joined_at = %s,
                      last_heartbeat = CASE WHEN :heartbeat THEN :now ELSE b.last_heartbeat END, updated_at = :now
                  FROM prev WHERE b.id = prev.id AND prev.status IN (%s)
                  RETURNING b.id, b.tenant, %s AS released_platform),
                dequeued AS (
                  DELETE FROM deployment_queue q USING moved WHERE q.bot_id = moved.id AND %s),
                %s
                SELECT p.status AS previous_status, (m.id IS NOT NULL) AS applied, m.released_platform,
                       EXISTS (SELECT 1 FROM platform_releases pr WHERE pr.bot_id = p.id AND pr.stop_owed) AS stop_owed
                FROM prev p LEFT JOIN moved m ON m.id = p.id"""
                .formatted(releases ? "NULL" : "b.capacity_platform",
                        to.isTerminal() ? ":now" : "b.ended_at",
                        JOINED.contains(to) ? "coalesce(b.joined_at, :now)" : "b.joined_at",
                        BotStatus.sqlList(to.predecessors()),
                        releases ? "prev.capacity_platform" : "NULL::text",
                        to.isReportable() ? "true" : "false",
                        CapacityLedger.releaseCte("moved"));
    }
}
