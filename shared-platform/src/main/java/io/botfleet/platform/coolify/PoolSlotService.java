package io.botfleet.platform.coolify;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import io.botfleet.store.SqlException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool's slots ({@code bot_pool_slots}): which Coolify application serves which bot. Every
 * change is one statement, and every change for a bot compares the slot's assigned bot, so a
 * late update for bot A never touches the slot now serving bot B. No HTTP here.
 */
public final class PoolSlotService {

    /** A slot as the lifecycle needs it. */
    public record Slot(long id, int number, String name, String meetingPlatform, String status, Long botId,
                       String applicationUuid, String image, String deploymentUuid, Instant deployStartedAt,
                       int deployAttempts) {
    }

    /** How many deployments may run at once, and when a build lane held that long is given back (its holder died). */
    public record Admission(int maxConcurrentDeploys, Duration deployTimeout) {
    }

    /** How {@link #acquire} found the bot a slot, or why it found none. */
    public enum Found { ASSIGNED_BEFORE, IDLE, CREATED, REPURPOSED, POOL_FULL, NOT_ADMITTED }

    public record Acquired(Found found, Slot slot) {
    }

    private static final String COLUMNS = """
            id, slot_number, slot_name, meeting_platform, status, assigned_bot_id, application_uuid, image,
            deployment_uuid, deploy_started_at, deploy_attempts""";

    // In one statement, in this order: the slot the bot already has; else, if admission allows a
    // deployment now, the least recently used idle slot of its meeting platform; else a new
    // numbered slot while the pool is below its size (numbers are unique, so concurrent creators
    // cannot overfill it); else the least recently used idle slot of another meeting platform,
    // repurposed. Admission: a free build lane (1..COOLIFY_MAX_CONCURRENT_DEPLOYS), and an image
    // not yet pulled on the server is first pulled by one slot alone. Lanes, first pulls and slot
    // numbers are unique: a concurrent acquire that took the same one makes this statement fail,
    // changing nothing, and acquire asks again (a free lane is picked at random so that
    // concurrent acquires seldom collide).
    private static final String ACQUIRE = """
            WITH existing AS (
              SELECT %1$s FROM bot_pool_slots WHERE assigned_bot_id = :bot),
            pulled AS (
              SELECT EXISTS (SELECT 1 FROM coolify_images WHERE image = :image) AS yes),
            lane AS (
              SELECT n FROM generate_series(1, :maxDeploys) AS n
              WHERE NOT EXISTS (SELECT 1 FROM bot_pool_slots WHERE build_lane = n) ORDER BY random() LIMIT 1),
            admitted AS (
              SELECT (SELECT n FROM lane) AS lane,
                     CASE WHEN (SELECT yes FROM pulled) THEN NULL ELSE :image END AS first_pull
              WHERE NOT EXISTS (SELECT 1 FROM existing) AND EXISTS (SELECT 1 FROM lane)
                AND ((SELECT yes FROM pulled) OR NOT EXISTS (SELECT 1 FROM bot_pool_slots WHERE first_pull = :image))),
            same AS (
              SELECT id FROM bot_pool_slots
              WHERE status = 'IDLE' AND assigned_bot_id IS NULL AND meeting_platform = :meetingPlatform
                AND EXISTS (SELECT 1 FROM admitted)
              ORDER BY last_used_at NULLS FIRST, id LIMIT 1 FOR UPDATE SKIP LOCKED),
            took AS (
              UPDATE bot_pool_slots s SET %2$s
              FROM same WHERE s.id = same.id RETURNING %3$s, 'IDLE' AS found),
            created AS (
              INSERT INTO bot_pool_slots (slot_number, slot_name, meeting_platform, status, assigned_bot_id, build_lane,
                                          first_pull, deploy_started_at, deploy_attempts, created_at, updated_at)
              SELECT n, :namePrefix || n, :meetingPlatform, 'CREATING', :bot, (SELECT lane FROM admitted),
                     (SELECT first_pull FROM admitted), :now, 0, :now, :now
              FROM generate_series(1, :poolSize) AS n
              WHERE EXISTS (SELECT 1 FROM admitted) AND NOT EXISTS (SELECT 1 FROM took)
                AND NOT EXISTS (SELECT 1 FROM bot_pool_slots p WHERE p.slot_number = n)
              ORDER BY n LIMIT 1
              RETURNING %1$s, 'CREATED' AS found),
            other AS (
              SELECT id FROM bot_pool_slots
              WHERE status = 'IDLE' AND assigned_bot_id IS NULL AND meeting_platform <> :meetingPlatform
                AND EXISTS (SELECT 1 FROM admitted)
                AND NOT EXISTS (SELECT 1 FROM took) AND NOT EXISTS (SELECT 1 FROM created)
                AND (SELECT count(*) FROM bot_pool_slots) >= :poolSize
              ORDER BY last_used_at NULLS FIRST, id LIMIT 1 FOR UPDATE SKIP LOCKED),
            repurposed AS (
              UPDATE bot_pool_slots s SET %2$s, meeting_platform = :meetingPlatform
              FROM other WHERE s.id = other.id RETURNING %3$s, 'REPURPOSED' AS found)
            SELECT %1$s, 'ASSIGNED_BEFORE' AS found FROM existing
            UNION ALL SELECT * FROM took UNION ALL SELECT * FROM created UNION ALL SELECT * FROM repurposed
            UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                             CASE WHEN EXISTS (SELECT 1 FROM admitted) THEN 'POOL_FULL' ELSE 'NOT_ADMITTED' END
            WHERE NOT EXISTS (SELECT 1 FROM existing) AND NOT EXISTS (SELECT 1 FROM took)
              AND NOT EXISTS (SELECT 1 FROM created) AND NOT EXISTS (SELECT 1 FROM repurposed)"""
            .formatted(COLUMNS,
                    "assigned_bot_id = :bot, status = 'DEPLOYING', deploy_started_at = :now, deploy_attempts = 0, "
                            + "deployment_uuid = NULL, error_message = NULL, updated_at = :now, "
                            + "build_lane = (SELECT lane FROM admitted), first_pull = (SELECT first_pull FROM admitted)",
                    "s.id, s.slot_number, s.slot_name, s.meeting_platform, s.status, s.assigned_bot_id, "
                            + "s.application_uuid, s.image, s.deployment_uuid, s.deploy_started_at, s.deploy_attempts");

    /** Rounds of {@link #acquire} lost to concurrent acquires before the bot waits in the queue instead. */
    private static final int ACQUIRE_ATTEMPTS = 8;

    /** A deployment that ended gives its build lane and its first pull back. */
    private static final String LANE_BACK = "build_lane = NULL, first_pull = NULL";

    private final Sql sql;
    private final Clock clock;
    private final int poolSize;
    private final String namePrefix;
    private final Admission admission;

    /** @param namePrefix slot names are this plus the slot's number ({@code botfleet-slot-3}) */
    public PoolSlotService(Sql sql, Clock clock, int poolSize, String namePrefix, Admission admission) {
        this.sql = sql;
        this.clock = clock;
        this.poolSize = poolSize;
        this.namePrefix = namePrefix;
        this.admission = admission;
    }

    /**
     * A slot for the bot, as {@link #ACQUIRE} describes; the image is what the bot's meeting
     * platform runs. When a concurrent acquire took the same build lane, first pull or slot
     * number, this one changed nothing and asks again: each round one of the contenders wins, so
     * a few rounds settle the contenders a pool sees at once. Still losing after that, the bot is
     * not admitted now and waits in the queue.
     */
    public Acquired acquire(long botId, String meetingPlatform, String image) {
        Params params = Params.of("bot", botId).and("meetingPlatform", meetingPlatform).and("image", image)
                .and("poolSize", poolSize).and("namePrefix", namePrefix).and("maxDeploys", admission.maxConcurrentDeploys());
        for (int attempt = 1; ; attempt++) {
            try {
                Row row = sql.queryOne(ACQUIRE, params.and("now", clock.instant()));
                Found found = Found.valueOf(row.getString("found"));
                return new Acquired(found, row.get("id") == null ? null : toSlot(row));
            } catch (SqlException e) {
                if (!e.isUniqueViolation()) {
                    throw e;
                }
                if (attempt == ACQUIRE_ATTEMPTS) {
                    return new Acquired(Found.NOT_ADMITTED, null);
                }
            }
        }
    }

    /** Build lanes whose holder went quiet for twice the deploy timeout go back (the holder died). */
    public int freeStaleLanes() {
        return sql.update("""
                UPDATE bot_pool_slots SET build_lane = NULL, first_pull = NULL, updated_at = :now
                WHERE build_lane IS NOT NULL AND updated_at < :stale""",
                Params.of("now", clock.instant()).and("stale", clock.instant().minus(admission.deployTimeout().multipliedBy(2))));
    }

    /** Whether an application of this name is one of the pool's slots by its name ({@code botfleet-slot-3}). */
    public boolean isSlotName(String name) {
        return name != null && name.startsWith(namePrefix) && name.length() > namePrefix.length()
                && name.substring(namePrefix.length()).chars().allMatch(Character::isDigit);
    }

    /** The slot assigned to the bot, if any. */
    public Slot ofBot(long botId) {
        Row row = sql.queryOne("SELECT " + COLUMNS + " FROM bot_pool_slots WHERE assigned_bot_id = :bot", Params.of("bot", botId));
        return row == null ? null : toSlot(row);
    }

    /** A slot with what its bot is doing, for the scheduled tick: its status, and whether it ever called back. */
    public record Watched(Slot slot, String botStatus, boolean heardFrom) {
    }

    private static final String WATCH = """
            SELECT s.id, s.slot_number, s.slot_name, s.meeting_platform, s.status, s.assigned_bot_id, s.application_uuid,
                   s.image, s.deployment_uuid, s.deploy_started_at, s.deploy_attempts,
                   b.status AS bot_status, (b.last_heartbeat IS NOT NULL) AS heard_from
            FROM bot_pool_slots s LEFT JOIN bots b ON b.id = s.assigned_bot_id ORDER BY s.slot_number""";

    /** Every slot, with its bot. */
    public List<Watched> watch() {
        return sql.query(WATCH, Params.of()).stream().map(r -> new Watched(toSlot(r), r.getString("bot_status"),
                Boolean.TRUE.equals(r.getBoolean("heard_from")))).toList();
    }

    public boolean recordApplication(long slotId, long botId, String applicationUuid) {
        return update("application_uuid = :app, status = CASE WHEN status = 'CREATING' THEN 'DEPLOYING' ELSE status END",
                slotId, botId, Params.of("app", applicationUuid));
    }

    public boolean recordImage(long slotId, long botId, String image) {
        return update("image = :image", slotId, botId, Params.of("image", image));
    }

    /** A deployment was queued for the slot's bot; it counts as in progress from now. */
    public boolean recordDeployment(long slotId, long botId, String deploymentUuid) {
        return update("deployment_uuid = :deployment, status = 'DEPLOYING', deploy_started_at = :now, "
                + "deploy_attempts = deploy_attempts + 1", slotId, botId, Params.of("deployment", deploymentUuid));
    }

    // The tick decided to deploy a slot again on what it read: the slot still serving that bot, with
    // the failed or stuck deployment it saw, and the bot still starting (never heard from, not
    // stopped, not ended). The decision is taken again here, on the rows as they are, and the slot
    // counts one more deployment before the call, so the call is made at most once per decision.
    private static final String BEGIN_REDEPLOY = """
            UPDATE bot_pool_slots s SET deploy_attempts = s.deploy_attempts + 1, deploy_started_at = :now, updated_at = :now
            WHERE s.id = :id AND s.assigned_bot_id = :bot AND s.status = 'DEPLOYING'
              AND s.deployment_uuid IS NOT DISTINCT FROM :deployment AND s.deploy_attempts = :attempts
              AND EXISTS (SELECT 1 FROM bots b WHERE b.id = :bot AND b.status = 'DEPLOYING'
                            AND b.capacity_platform = 'coolify' AND b.last_heartbeat IS NULL)""";

    // The deployment the tick's call queued, recorded only if nothing moved during the call: the
    // slot still serves the bot at the deployment count the tick set, and the bot was neither
    // stopped nor ended meanwhile.
    private static final String RECORD_REDEPLOYMENT = """
            UPDATE bot_pool_slots s SET deployment_uuid = :deployment, deploy_started_at = :now, updated_at = :now
            WHERE s.id = :id AND s.assigned_bot_id = :bot AND s.status = 'DEPLOYING' AND s.deploy_attempts = :attempts
              AND EXISTS (SELECT 1 FROM bots b WHERE b.id = :bot AND b.capacity_platform = 'coolify'
                            AND b.status IN ('DEPLOYING', 'JOINING_CALL', 'IN_WAITING_ROOM', 'IN_CALL'))""";

    /**
     * Whether the tick may deploy this slot again, as it read it: true once, for the caller, when
     * the slot and its bot are still as they were (the slot then counts the deployment).
     */
    public boolean beginRedeploy(Slot seen) {
        return sql.update(BEGIN_REDEPLOY, Params.of("id", seen.id()).and("bot", seen.botId())
                .and("deployment", seen.deploymentUuid()).and("attempts", seen.deployAttempts())
                .and("now", clock.instant())) == 1;
    }

    /** Records the deployment a redeploy queued; false when the bot or slot moved on during the call. */
    public boolean recordRedeployment(Slot seen, String deploymentUuid) {
        return sql.update(RECORD_REDEPLOYMENT, Params.of("id", seen.id()).and("bot", seen.botId())
                .and("deployment", deploymentUuid).and("attempts", seen.deployAttempts() + 1)
                .and("now", clock.instant())) == 1;
    }

    /** Whether the slot serves no bot now (its application may be stopped without taking anyone's). */
    public boolean unassigned(long slotId) {
        return sql.queryOne("SELECT id FROM bot_pool_slots WHERE id = :id AND assigned_bot_id IS NULL",
                Params.of("id", slotId)) != null;
    }

    /** The bot's deployment finished: the slot is up, and its image is now on the server. */
    public boolean markHealthy(long slotId, long botId, String deploymentUuid, String image) {
        boolean changed = update("status = 'HEALTHY', " + LANE_BACK, slotId, botId, Params.of("deployment", deploymentUuid),
                "AND status = 'DEPLOYING' AND deployment_uuid IS NOT DISTINCT FROM :deployment");
        if (changed && image != null) {
            sql.update("INSERT INTO coolify_images (image, pulled_at) VALUES (:image, :now) ON CONFLICT DO NOTHING",
                    Params.of("image", image).and("now", clock.instant()));
        }
        return changed;
    }

    /**
     * The tick gives up the slot's deployment as it saw it: only while the slot still serves the
     * bot with that deployment and the bot is still starting. A bot stopped meanwhile is left to
     * its stop, which releases the slot.
     */
    public boolean markError(Slot seen, String message) {
        return update("status = 'ERROR', error_message = :message, " + LANE_BACK, seen.id(), seen.botId(),
                Params.of("message", message == null || message.length() <= 1000 ? message : message.substring(0, 1000))
                        .and("deployment", seen.deploymentUuid()),
                "AND status = 'DEPLOYING' AND deployment_uuid IS NOT DISTINCT FROM :deployment AND EXISTS "
                        + "(SELECT 1 FROM bots b WHERE b.id = :bot AND b.status IN ('DEPLOYING', 'JOINING_CALL', 'IN_WAITING_ROOM'))");
    }

    /** The bot no longer has the slot: it is idle again (an ERROR slot stays ERROR for the tick to repair). */
    public boolean release(long slotId, long botId) {
        return update("assigned_bot_id = NULL, status = CASE WHEN status = 'ERROR' THEN 'ERROR' ELSE 'IDLE' END, "
                + "deployment_uuid = NULL, deploy_started_at = NULL, last_used_at = :now, " + LANE_BACK, slotId, botId, Params.of());
    }

    /** Forgets a slot (its application is gone, or was never made); only when still assigned as seen. */
    public boolean delete(long slotId, Long botId) {
        return sql.update("DELETE FROM bot_pool_slots WHERE id = :id AND assigned_bot_id IS NOT DISTINCT FROM :bot",
                Params.of("id", slotId).and("bot", botId)) == 1;
    }

    /** Slots per meeting platform and state. */
    public Map<String, Map<String, Long>> stats() {
        Map<String, Map<String, Long>> stats = new LinkedHashMap<>();
        sql.query("SELECT meeting_platform, status, count(*) AS n FROM bot_pool_slots GROUP BY 1, 2 ORDER BY 1, 2", Params.of())
                .forEach(r -> stats.computeIfAbsent(r.getString("meeting_platform"), k -> new LinkedHashMap<>())
                        .put(r.getString("status"), r.getLong("n")));
        return stats;
    }

    private boolean update(String set, long slotId, long botId, Params params) {
        return update(set, slotId, botId, params, "");
    }

    private boolean update(String set, long slotId, long botId, Params params, String condition) {
        return sql.update("UPDATE bot_pool_slots SET " + set + ", updated_at = :now WHERE id = :id AND assigned_bot_id = :bot "
                + condition, params.and("id", slotId).and("bot", botId).and("now", clock.instant())) == 1;
    }

    private static Slot toSlot(Row r) {
        return new Slot(r.getLong("id"), r.getLong("slot_number").intValue(), r.getString("slot_name"),
                r.getString("meeting_platform"), r.getString("status"), r.getLong("assigned_bot_id"),
                r.getString("application_uuid"), r.getString("image"), r.getString("deployment_uuid"),
                r.getInstant("deploy_started_at"), r.getLong("deploy_attempts").intValue());
    }
}
