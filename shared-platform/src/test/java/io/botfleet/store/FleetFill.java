package io.botfleet.store;

import java.util.Map;

/**
 * A database filled as a fleet's after months of work, in a few statements: ended bots of three
 * months (three tenants, one rare; four platforms, one rare; a tenth FATAL), each with its event
 * and a third with a delivered webhook; bots running and holding units; a backlog of queued bots
 * (three priorities, a tenth scheduled for later) whose webhooks wait; a few bots pinned to a
 * platform and releases owed. ANALYZE then reads every row (past 30,000 rows it would sample them,
 * and a plan near a tie could change from one run to the next), and autovacuum is kept off the
 * tables, so the statistics are the ones the scenario set, fresh or stale.
 */
final class FleetFill {
    static final int HISTORY = 20_000;
    static final int RUNNING = 400;
    static final int PINNED = 10;

    private static final String MEETING = "'{\"platform\": \"zoom\", \"url\": \"https://zoom.us/j/1\"}'::jsonb";

    // Ended over the 90 days before yesterday, in id order (as the service writes them).
    private static final String HISTORY_BOTS = """
            INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status, status_reason,
                              deployment_platform, platform_identifier, callback_url, created_at, deploy_started_at,
                              deployed_at, ended_at, updated_at, deploy_attempts)
            SELECT CASE WHEN i % 500 = 0 THEN 'initech' WHEN i % 3 = 0 THEN 'globex' ELSE 'acme' END, 'bot ' || i,
                   MEETING, 'zoom', '{}'::jsonb, CASE WHEN i % 10 = 0 THEN 'FATAL' ELSE 'DONE' END,
                   CASE WHEN i % 10 = 0 THEN 'DEPLOY_FAILED: no capacity' ELSE 'STOPPED' END,
                   CASE WHEN i % 200 = 0 THEN 'local' WHEN i % 10 < 5 THEN 'k8s' WHEN i % 10 < 9 THEN 'aws' ELSE 'coolify' END,
                   'container-' || i, CASE WHEN i % 3 = 0 THEN 'https://hooks.example.com/' || (i % 50) END,
                   t, t, t + interval '1 minute', t + interval '1 hour', t + interval '1 hour', 1
            FROM generate_series(1, :n) AS i,
                 LATERAL (SELECT now() - interval '91 days' + i * (interval '90 days' / :n) AS t) AS created"""
            .replace("MEETING", MEETING);

    private static final String DELIVERED = """
            UPDATE webhook_deliveries SET state = 'DELIVERED', attempts = 1, answered_at = next_attempt_at,
                   last_answer = '200'""";

    private static final String RUNNING_BOTS = """
            INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status, deployment_platform,
                              capacity_platform, platform_identifier, callback_url, created_at, deploy_started_at,
                              call_started_at, deployed_at, last_heartbeat, updated_at, deploy_attempts)
            SELECT CASE WHEN i % 3 = 0 THEN 'globex' ELSE 'acme' END, 'running ' || i, MEETING, 'zoom', '{}'::jsonb,
                   'IN_CALL', p, p, NULL, CASE WHEN i % 2 = 0 THEN 'https://hooks.example.com/running' END,
                   now() - interval '30 minutes', now() - interval '30 minutes', now() - interval '30 minutes',
                   now() - interval '29 minutes', now() - interval '10 seconds', now(), 1
            FROM generate_series(1, :n) AS i, LATERAL (SELECT CASE WHEN i % 2 = 0 THEN 'k8s' ELSE 'aws' END AS p) AS platform"""
            .replace("MEETING", MEETING);

    // A container is named after its bot (platform-id), as the test platform names it.
    private static final String RUNNING_CONTAINERS = """
            UPDATE bots SET platform_identifier = capacity_platform || '-' || id WHERE status = 'IN_CALL'""";

    // Claimed on k8s, the deploy's outcome unknown: the drain resumes them there.
    private static final String PINNED_BOTS = """
            WITH pinned AS (
              INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status, deployment_platform,
                                capacity_platform, created_at, deploy_started_at, call_started_at, updated_at, deploy_attempts)
              SELECT 'acme', 'pinned ' || i, MEETING, 'zoom', '{}'::jsonb, 'DEPLOYING', 'k8s', 'k8s',
                     now() - interval '10 minutes', now() - interval '10 minutes', now() - interval '10 minutes', now(), 1
              FROM generate_series(1, :n) AS i
              RETURNING id, tenant, created_at)
            INSERT INTO deployment_queue (bot_id, tenant, queued_at, not_before, timeout_at, attempts)
            SELECT id, tenant, created_at, created_at, now() + interval '3 hours', 1 FROM pinned""".replace("MEETING", MEETING);

    // Requested over the last two hours, a burst the fleet cannot keep up with.
    private static final String QUEUED_BOTS = """
            WITH queued AS (
              INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status, priority,
                                callback_url, created_at, updated_at)
              SELECT CASE WHEN i % 3 = 0 THEN 'globex' ELSE 'acme' END, 'queued ' || i, MEETING, 'zoom', '{}'::jsonb,
                     'QUEUED', i % 3, CASE WHEN i % 2 = 0 THEN 'https://hooks.example.com/queued' END,
                     now() - interval '2 hours' + i * (interval '2 hours' / :n), now()
              FROM generate_series(1, :n) AS i
              RETURNING id, tenant, priority, created_at)
            INSERT INTO deployment_queue (bot_id, tenant, priority, queued_at, not_before, timeout_at)
            SELECT id, tenant, priority, created_at, CASE WHEN id % 10 = 0 THEN now() + interval '2 hours' ELSE created_at END,
                   now() + interval '3 hours'
            FROM queued""".replace("MEETING", MEETING);

    private static final String LEDGER = """
            UPDATE platform_capacity c SET used = (SELECT count(*) FROM bots b WHERE b.capacity_platform = c.platform)""";

    private static final String RELEASES_OWED = """
            INSERT INTO platform_releases (bot_id, platform, stop_owed, stop_after, next_attempt_at, created_at)
            SELECT id, 'k8s', false, now(), now() - interval '1 minute', now() - interval '2 minutes' FROM bots
            WHERE status = 'DONE' AND deployment_platform = 'k8s' ORDER BY id DESC LIMIT 20""";

    /**
     * The tables the scenarios fill, each with a column whose statistics target makes ANALYZE read
     * up to 300,000 rows (300 times the target) instead of 30,000; the other columns keep the default.
     */
    private static final Map<String, String> TABLES = Map.of("bots", "id", "deployment_queue", "id", "bot_events", "id",
            "webhook_deliveries", "event_id", "platform_releases", "bot_id");

    private FleetFill() {
    }

    /** Fills the database with {@code queued} bots waiting, and analyzes it. */
    static void fill(Sql sql, int queued) {
        fill(sql, queued, HISTORY);
    }

    /** Fills the database with {@code queued} bots waiting behind {@code history} ended bots, and analyzes it. */
    static void fill(Sql sql, int queued, int history) {
        TABLES.forEach((table, column) -> {
            sql.update("ALTER TABLE " + table + " SET (autovacuum_enabled = false)", Params.of());
            sql.update("ALTER TABLE " + table + " ALTER COLUMN " + column + " SET STATISTICS 1000", Params.of());
        });
        sql.update(HISTORY_BOTS, Params.of("n", history));
        sql.update(DELIVERED, Params.of());
        sql.update(RUNNING_BOTS, Params.of("n", RUNNING));
        sql.update(RUNNING_CONTAINERS, Params.of());
        sql.update(PINNED_BOTS, Params.of("n", PINNED));
        sql.update(QUEUED_BOTS, Params.of("n", queued));
        sql.update(LEDGER, Params.of());
        sql.update(RELEASES_OWED, Params.of());
        sql.update("ANALYZE", Params.of());
    }
}
