package io.botfleet.platform.coolify;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
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

    /** How many deployments may run at once, and when one stops counting (a lease, so a dead caller blocks nothing long). */
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
    // repurposed. Admission: fewer deployments in progress than allowed, and an image not yet
    // pulled on the server is deployed by one slot at a time.
    private static final String ACQUIRE = """
            WITH existing AS (
              SELECT %1$s FROM bot_pool_slots WHERE assigned_bot_id = :bot),
            admitted AS (
              SELECT (SELECT count(*) FROM bot_pool_slots
                      WHERE status IN ('CREATING', 'DEPLOYING') AND deploy_started_at > :stale) < :maxDeploys
                 AND (EXISTS (SELECT 1 FROM coolify_images WHERE image = :image)
                      OR NOT EXISTS (SELECT 1 FROM bot_pool_slots WHERE image = :image
                                     AND status IN ('CREATING', 'DEPLOYING') AND deploy_started_at > :stale)) AS ok
              WHERE NOT EXISTS (SELECT 1 FROM existing)),
            same AS (
              SELECT id FROM bot_pool_slots
              WHERE status = 'IDLE' AND assigned_bot_id IS NULL AND meeting_platform = :meetingPlatform
                AND EXISTS (SELECT 1 FROM admitted WHERE ok)
              ORDER BY last_used_at NULLS FIRST, id LIMIT 1 FOR UPDATE SKIP LOCKED),
            took AS (
              UPDATE bot_pool_slots s SET %2$s
              FROM same WHERE s.id = same.id RETURNING %3$s, 'IDLE' AS found),
            created AS (
              INSERT INTO bot_pool_slots (slot_number, slot_name, meeting_platform, status, assigned_bot_id,
                                          deploy_started_at, deploy_attempts, created_at, updated_at)
              SELECT n, :namePrefix || n, :meetingPlatform, 'CREATING', :bot, :now, 0, :now, :now
              FROM generate_series(1, :poolSize) AS n
              WHERE EXISTS (SELECT 1 FROM admitted WHERE ok) AND NOT EXISTS (SELECT 1 FROM took)
                AND NOT EXISTS (SELECT 1 FROM bot_pool_slots p WHERE p.slot_number = n)
              ORDER BY n LIMIT 1
              ON CONFLICT DO NOTHING
              RETURNING %1$s, 'CREATED' AS found),
            other AS (
              SELECT id FROM bot_pool_slots
              WHERE status = 'IDLE' AND assigned_bot_id IS NULL AND meeting_platform <> :meetingPlatform
                AND EXISTS (SELECT 1 FROM admitted WHERE ok)
                AND NOT EXISTS (SELECT 1 FROM took) AND NOT EXISTS (SELECT 1 FROM created)
                AND (SELECT count(*) FROM bot_pool_slots) >= :poolSize
              ORDER BY last_used_at NULLS FIRST, id LIMIT 1 FOR UPDATE SKIP LOCKED),
            repurposed AS (
              UPDATE bot_pool_slots s SET %2$s, meeting_platform = :meetingPlatform
              FROM other WHERE s.id = other.id RETURNING %3$s, 'REPURPOSED' AS found)
            SELECT %1$s, 'ASSIGNED_BEFORE' AS found FROM existing
            UNION ALL SELECT * FROM took UNION ALL SELECT * FROM created UNION ALL SELECT * FROM repurposed
            UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                             CASE WHEN (SELECT ok FROM admitted) THEN 'POOL_FULL' ELSE 'NOT_ADMITTED' END
            WHERE NOT EXISTS (SELECT 1 FROM existing) AND NOT EXISTS (SELECT 1 FROM took)
              AND NOT EXISTS (SELECT 1 FROM created) AND NOT EXISTS (SELECT 1 FROM repurposed)"""
            .formatted(COLUMNS,
                    "assigned_bot_id = :bot, status = 'DEPLOYING', deploy_started_at = :now, deploy_attempts = 0, "
                            + "deployment_uuid = NULL, error_message = NULL, updated_at = :now",
                    "s.id, s.slot_number, s.slot_name, s.meeting_platform, s.status, s.assigned_bot_id, "
                            + "s.application_uuid, s.image, s.deployment_uuid, s.deploy_started_at, s.deploy_attempts");

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

    /** A slot for the bot, as {@link #ACQUIRE} describes; the image is what the bot's meeting platform runs. */
    public Acquired acquire(long botId, String meetingPlatform, String image) {
        Instant now = clock.instant();
        Row row = sql.queryOne(ACQUIRE, Params.of("bot", botId).and("meetingPlatform", meetingPlatform)
                .and("image", image).and("poolSize", poolSize).and("namePrefix", namePrefix)
                .and("maxDeploys", admission.maxConcurrentDeploys()).and("stale", now.minus(admission.deployTimeout()))
                .and("now", now));
        Found found = Found.valueOf(row.getString("found"));
        return new Acquired(found, row.get("id") == null ? null : toSlot(row));
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

    /** The bot's deployment finished: the slot is up, and its image is now on the server. */
    public boolean markHealthy(long slotId, long botId, String deploymentUuid, String image) {
        boolean changed = update("status = 'HEALTHY'", slotId, botId, Params.of("deployment", deploymentUuid),
                "AND status = 'DEPLOYING' AND deployment_uuid IS NOT DISTINCT FROM :deployment");
        if (changed && image != null) {
            sql.update("INSERT INTO coolify_images (image, pulled_at) VALUES (:image, :now) ON CONFLICT DO NOTHING",
                    Params.of("image", image).and("now", clock.instant()));
        }
        return changed;
    }

    public boolean markError(long slotId, long botId, String message) {
        return update("status = 'ERROR', error_message = :message", slotId, botId,
                Params.of("message", message == null || message.length() <= 1000 ? message : message.substring(0, 1000)));
    }

    /** The bot no longer has the slot: it is idle again (an ERROR slot stays ERROR for the tick to repair). */
    public boolean release(long slotId, long botId) {
        return update("assigned_bot_id = NULL, status = CASE WHEN status = 'ERROR' THEN 'ERROR' ELSE 'IDLE' END, "
                + "deployment_uuid = NULL, deploy_started_at = NULL, last_used_at = :now", slotId, botId, Params.of());
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
