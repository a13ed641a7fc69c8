package io.botfleet.bench;

import io.botfleet.store.Params;
import io.botfleet.store.Sql;
import java.time.Duration;
import java.time.Instant;

/**
 * Fills a migrated database fast, in bulk (INSERT ... SELECT over generate_series), in the real
 * schema: the columns a bot has when the service leaves it so, the status trigger writing each
 * bot's event as it does for every insert, and the bot's configuration JSON copied from a bot the
 * service admitted (the template), so it is in the service's own format. What a change of the
 * schema adds with a default needs nothing here; the benchmark checks each fill through the API
 * (GET /capacity, a queued bot's position), so a fill that misses what the service now keeps fails
 * the run instead of measuring a database the service could not have made.
 */
final class ScaleFill {
    /** One ended bot in this many is FATAL (a selective {@code status} filter). */
    static final int FATAL_EVERY = 100;
    /** One ended bot in this many is the rare tenant's (a selective {@code tenant} filter). */
    static final int RARE_EVERY = 1_000;
    static final String RARE_TENANT = "rare-tenant";
    /** The history spans this far back ... */
    static final Duration HISTORY_SPAN = Duration.ofDays(20);
    /** ... up to this long before the fill, each bot ended 30 minutes after it was made (within any retention of days). */
    static final Duration HISTORY_END = Duration.ofMinutes(40);

    // Ended bots, oldest first so that ids rise with created_at as in production: DONE, or one in
    // :fatalEvery FATAL with a reason; one in :rareEvery of the rare tenant, the others spread over
    // 50 tenants; deployed on k8s or aws, one minute after they were made, ended 30 minutes after.
    private static final String HISTORY = """
            INSERT INTO bots (tenant, display_name, meeting, meeting_platform, recording_enabled, automatic_leave,
                              priority, status, status_reason, deployment_platform, platform_identifier,
                              deploy_attempts, created_at, deploy_started_at, call_started_at, deployed_at,
                              last_heartbeat, ended_at, updated_at)
            SELECT CASE WHEN g % :rareEvery = 0 THEN :rareTenant ELSE 'tenant-' || (g % 50) END,
                   'history ' || g, t.meeting, t.meeting_platform, false, t.automatic_leave, 0,
                   CASE WHEN g % :fatalEvery = 0 THEN 'FATAL' ELSE 'DONE' END,
                   CASE WHEN g % :fatalEvery = 0 THEN 'BENCH_CONTAINER_FAILED' END,
                   p.platform, p.platform || '-bot-history-' || g, 1,
                   c.at, c.at, c.at, c.at + interval '1 minute', c.at + interval '29 minutes',
                   c.at + interval '30 minutes', c.at + interval '30 minutes'
            FROM bots t, generate_series(1, :count) g,
                 LATERAL (SELECT CAST(:from AS timestamptz)
                                 + (CAST(:to AS timestamptz) - CAST(:from AS timestamptz)) * (g::float8 / :count) AS at) c,
                 LATERAL (SELECT CASE WHEN g % 2 = 0 THEN 'k8s' ELSE 'aws' END AS platform) p
            WHERE t.id = :template""";

    // Bots waiting as ADMIT leaves them, a bot QUEUED and its WAITING entry, in one statement:
    // queued a millisecond apart up to now (so they wait ahead of any new request), due at once,
    // timing out a day later (no step lasts that long).
    private static final String QUEUED = """
            WITH made AS (
              INSERT INTO bots (tenant, display_name, meeting, meeting_platform, recording_enabled, automatic_leave,
                                priority, status, created_at, updated_at)
              SELECT t.tenant, 'queued ' || g, t.meeting, t.meeting_platform, false, t.automatic_leave, 0, 'QUEUED',
                     c.at, c.at
              FROM bots t, generate_series(1, :count) g,
                   LATERAL (SELECT CAST(:from AS timestamptz) + g * interval '1 millisecond' AS at) c
              WHERE t.id = :template
              RETURNING id, tenant, created_at)
            INSERT INTO deployment_queue (bot_id, tenant, priority, queued_at, not_before, timeout_at, status)
            SELECT id, tenant, 0, created_at, created_at, created_at + interval '1 day', 'WAITING' FROM made""";

    // Statistics and the visibility map as autovacuum would leave them after a bulk load; without
    // them the planner guesses and an index-only scan reads the heap.
    private static final String VACUUM_ANALYZE = "VACUUM (ANALYZE)";

    // Bots with a callback URL made as ADMIT makes them (QUEUED: the status trigger writes the event
    // and its webhook, as for every insert), each later status change of their life written by
    // WEBHOOK_LIFE; their webhooks are due from the time of each change.
    private static final String WEBHOOK_BOTS = """
            INSERT INTO bots (tenant, display_name, meeting, meeting_platform, recording_enabled, automatic_leave,
                              priority, status, callback_url, created_at, updated_at)
            SELECT t.tenant, 'webhook ' || g, t.meeting, t.meeting_platform, false, t.automatic_leave, 0, 'QUEUED',
                   t.callback_url, :at, :at
            FROM bots t, generate_series(1, :count) g WHERE t.id = :template
            RETURNING id""";

    // One status change for all of those bots at once (ids from :first to :last); the trigger
    // writes each bot's event and webhook, so each bot's webhooks are in the order of its changes.
    private static final String WEBHOOK_LIFE = """
            UPDATE bots SET status = :status, deployment_platform = 'k8s', updated_at = :at,
                   ended_at = CASE WHEN :status IN ('DONE', 'FATAL') THEN CAST(:at AS timestamptz) END
            WHERE id BETWEEN :first AND :last""";

    private static final String LAST_QUEUED = "SELECT max(bot_id) AS id FROM deployment_queue";

    // What the store holds, read directly: the fill's target is counted from this, and the API's
    // answer is checked against it.
    private static final String WAITING = """
            SELECT count(*) AS n FROM deployment_queue q JOIN bots b ON b.id = q.bot_id WHERE b.status = 'QUEUED'""";

    // The id a last page's cursor names: the (page + 1)th oldest bot the filter matches, so the page
    // holds the oldest ones and no page follows; with no more than a page of them, one past the
    // newest bot (the first page is then the last). The filter reads as BotHistory's does.
    private static final String LAST_PAGE_BEFORE = """
            SELECT COALESCE(
              (SELECT b.id FROM bots b
               WHERE (CAST(:status AS text) IS NULL OR b.status = :status)
                 AND (CAST(:tenant AS text) IS NULL OR b.tenant = :tenant)
                 AND (CAST(:after AS timestamptz) IS NULL OR b.created_at > :after)
               ORDER BY b.id LIMIT 1 OFFSET :page),
              (SELECT max(id) + 1 FROM bots)) AS id""";

    private ScaleFill() {
    }

    /** {@code count} ended bots, made over the 20 days before {@code now - 40 minutes}. */
    static void history(Sql sql, long template, int count, Instant now) {
        if (count > 0) {
            sql.update(HISTORY, Params.of("count", count).and("template", template)
                    .and("from", now.minus(HISTORY_SPAN)).and("to", now.minus(HISTORY_END))
                    .and("fatalEvery", FATAL_EVERY).and("rareEvery", RARE_EVERY).and("rareTenant", RARE_TENANT));
        }
    }

    /** {@code count} more waiting bots, queued in the last {@code count} milliseconds. */
    static void queued(Sql sql, long template, int count, Instant now) {
        if (count > 0) {
            sql.update(QUEUED, Params.of("count", count).and("template", template)
                    .and("from", now.minus(Duration.ofMillis(count + 1L))));
        }
    }

    /** The bot of the newest queue entry (last in line once a fill is done), or null when the queue is empty. */
    static Long lastQueued(Sql sql) {
        return sql.queryOne(LAST_QUEUED, Params.of()).getLong("id");
    }

    /**
     * {@code count} bots with the template's callback URL, each living through {@code life} (its
     * statuses in order, the first QUEUED) one minute a step, the last step a minute before
     * {@code now}. Returns the first and the last of their ids.
     */
    static long[] webhookBots(Sql sql, long template, int count, java.util.List<String> life, Instant now) {
        Instant at = now.minus(Duration.ofMinutes(life.size()));
        var ids = sql.query(WEBHOOK_BOTS, Params.of("count", count).and("template", template).and("at", at))
                .stream().mapToLong(r -> r.getLong("id")).summaryStatistics();
        for (String status : life.subList(1, life.size())) {
            at = at.plus(Duration.ofMinutes(1));
            sql.update(WEBHOOK_LIFE, Params.of("status", status).and("at", at).and("first", ids.getMin())
                    .and("last", ids.getMax()));
        }
        return new long[] {ids.getMin(), ids.getMax()};
    }

    static long waiting(Sql sql) {
        return sql.queryOne(WAITING, Params.of()).getLong("n");
    }

    /** The id to page before for the last page of a filter (null parts match any), {@code page} bots a page. */
    static long lastPageBefore(Sql sql, String status, String tenant, Instant createdAfter, int page) {
        return sql.queryOne(LAST_PAGE_BEFORE, Params.of("status", status).and("tenant", tenant).and("after", createdAfter)
                .and("page", page)).getLong("id");
    }

    static void vacuumAnalyze(Sql sql) {
        sql.update(VACUUM_ANALYZE, Params.of());
    }
}
