package io.botfleet.deployment;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the core still owes a platform for a bot ({@code platform_releases}): a stop, when the
 * bot's container may still run, then the release of a pooled resource and the announcement of
 * the freed unit. Rows are written by the statement that ends the bot or frees its unit (see
 * {@link #owedStopCte} and {@link CapacityLedger#releaseCte}); they are worked off by whoever wrote
 * them, at once, and by the drain's sweep when that fails, until the platform confirms.
 */
public final class PlatformReleases {

    /**
     * How long a new row is left to the request that wrote it before the drain's sweep takes it:
     * a request that settles its own rows at once is not raced by a drain doing the same calls.
     */
    public static final Duration GRACE = Duration.ofMinutes(1);

    /** One owed follow-up: a stop first when {@code stopOwed}, then the release. */
    public record Release(long botId, String platform, boolean stopOwed, String identifier, Instant stopAfter,
                          String reason) {
        /** A release with no stop owed, for a unit the caller just freed. */
        public static Release of(long botId, String platform) {
            return new Release(botId, platform, false, null, Instant.EPOCH, null);
        }
    }

    /** One row of the settle statement's JSON parameter. */
    record SettledRow(long botId, String platform, boolean stopped, boolean released, String error, String identifier) {
    }

    /**
     * What the platform said to one release's calls; {@code identifier}, when set, names what a
     * stop not done yet must look at next time (containers it asked to stop).
     */
    public record Settled(Release release, boolean stopped, boolean released, String error, String identifier) {
    }

    /**
     * A CTE ({@code name}) that owes a stop for each row of {@code source}, whose columns are
     * {@code id, platform, identifier, stop_after, reason}. A stop not due yet is scheduled for
     * when it is; a due one is left to the writer for {@link #GRACE}. Repeating it changes nothing.
     */
    static String owedStopCte(String name, String source) {
        return """
                %s AS (
                  INSERT INTO platform_releases (bot_id, platform, stop_owed, identifier, stop_after, reason,
                                                 next_attempt_at, created_at)
                  SELECT id, platform, true, identifier, stop_after, reason,
                         CASE WHEN stop_after > :now THEN stop_after ELSE :followUpAt END, :now
                  FROM %s
                  ON CONFLICT (bot_id, platform) DO UPDATE
                  SET stop_owed = true, identifier = COALESCE(platform_releases.identifier, EXCLUDED.identifier),
                      stop_after = GREATEST(platform_releases.stop_after, EXCLUDED.stop_after)
                  RETURNING bot_id, platform, stop_owed, identifier, stop_after, reason)""".formatted(name, source);
    }

    /**
     * The moment a stop confirms nothing runs: once the last deploy call of the bot's claim has
     * surely ended ({@code :callWindowMs} after it was stamped), unless the container is known.
     */
    static String stopAfter(String identifier, String callStartedAt) {
        return "CASE WHEN %s IS NULL THEN GREATEST(%s + :callWindowMs * interval '1 millisecond', :now) ELSE :now END"
                .formatted(identifier, callStartedAt);
    }

    public static Instant followUpAt(Instant now) {
        return now.plus(GRACE);
    }

    // Leased by time: the rows taken move their next attempt out by GRACE, so a second drain skips them.
    private static final String CLAIM_DUE = """
            WITH due AS (
              SELECT bot_id, platform FROM platform_releases WHERE next_attempt_at <= :now
              ORDER BY next_attempt_at LIMIT :n FOR UPDATE SKIP LOCKED)
            UPDATE platform_releases pr SET next_attempt_at = :followUpAt
            FROM due WHERE pr.bot_id = due.bot_id AND pr.platform = due.platform
            RETURNING pr.bot_id, pr.platform, pr.stop_owed, pr.identifier, pr.stop_after, pr.reason""";

    // One statement for a group: a confirmed stop frees the bot's unit on that platform (a bot
    // still alive ends DONE, since its container is gone); a row whose calls are all done is
    // deleted; the rest wait, backing off, with what they still owe (and what a stop not done yet
    // must look at next time).
    private static final String SETTLE = """
            WITH settled AS (
              SELECT * FROM jsonb_to_recordset(:settled::jsonb)
                AS s(bot_id bigint, platform text, stopped boolean, released boolean, error text, identifier text)),
            ended AS (
              SELECT b.id, b.capacity_platform FROM bots b JOIN settled s ON s.bot_id = b.id
              WHERE s.stopped AND b.capacity_platform = s.platform
              FOR UPDATE OF b),
            moved AS (
              UPDATE bots b
              SET capacity_platform = NULL,
                  status = CASE WHEN b.status IN ('DONE', 'FATAL') THEN b.status ELSE 'DONE' END,
                  status_reason = CASE WHEN b.status IN ('DONE', 'FATAL') THEN b.status_reason
                                       ELSE COALESCE(b.status_reason, 'STOPPED') END,
                  ended_at = COALESCE(b.ended_at, :now), updated_at = :now
              FROM ended WHERE b.id = ended.id
              RETURNING b.id, b.tenant, ended.capacity_platform AS released_platform),
            dequeued AS (
              DELETE FROM deployment_queue q USING moved WHERE q.bot_id = moved.id),
            """ + CapacityLedger.unitsFreedCte("moved") + """
            ,
            done AS (
              DELETE FROM platform_releases pr USING settled s
              WHERE pr.bot_id = s.bot_id AND pr.platform = s.platform AND s.released AND (s.stopped OR NOT pr.stop_owed)
              RETURNING pr.bot_id),
            later AS (
              UPDATE platform_releases pr
              SET stop_owed = pr.stop_owed AND NOT s.stopped, attempts = pr.attempts + 1, last_error = s.error,
                  identifier = COALESCE(s.identifier, pr.identifier),
                  next_attempt_at = :now + LEAST(interval '5 minutes', interval '5 seconds' * power(2, LEAST(pr.attempts, 8)))
              FROM settled s
              WHERE pr.bot_id = s.bot_id AND pr.platform = s.platform AND NOT (s.released AND (s.stopped OR NOT pr.stop_owed)))
            SELECT (SELECT count(*) FROM done) AS done, (SELECT count(*) FROM moved) AS freed""";

    private final Sql sql;
    private final Clock clock;

    public PlatformReleases(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    /** Up to {@code n} rows whose next attempt is due, taken for {@link #GRACE}. */
    public List<Release> claimDue(int n) {
        Instant now = clock.instant();
        return sql.query(CLAIM_DUE, Params.of("now", now).and("n", n).and("followUpAt", followUpAt(now)))
                .stream().map(PlatformReleases::toRelease).toList();
    }

    /** Records what the platforms said, in one statement. */
    public void settle(List<Settled> outcomes) {
        if (outcomes.isEmpty()) {
            return;
        }
        List<SettledRow> rows = outcomes.stream().map(s -> new SettledRow(s.release().botId(), s.release().platform(),
                s.stopped(), s.released(), s.error() == null ? null : CapacityLedger.truncate(s.error()), s.identifier())).toList();
        sql.query(SETTLE, Params.of("settled", BotJson.parameter(rows)).and("now", clock.instant()));
    }

    static Release toRelease(Row row) {
        return new Release(row.getLong("bot_id"), row.getString("platform"),
                row.getBoolean("stop_owed"), row.getString("identifier"),
                row.getInstant("stop_after"), row.getString("reason"));
    }
}
