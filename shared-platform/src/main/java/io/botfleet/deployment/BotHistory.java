package io.botfleet.deployment;

import io.botfleet.bot.Bot;
import io.botfleet.bot.BotStatus;
import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The bots, newest first, a page at a time, and each bot's status changes. Pages are keyed by
 * the last id seen (keyset, not offset): bots created while a client pages appear before its
 * first page, never twice nor in place of another. Newest is by id; with {@code createdAfter}, by
 * creation time then id (the two orders differ only between bots made in the same instant by
 * different requests).
 */
public final class BotHistory {
    public static final int MAX_PAGE = 200;

    /** Which bots: each field null for "any"; {@code before} is the cursor (ids below it). */
    public record Filter(BotStatus status, String platform, String tenant, Instant createdAfter, Long before, int limit) {
    }

    /** A page and the cursor of the next one (null on the last page). */
    public record Page(List<Bot> bots, Long nextBefore) {
    }

    /** One status change, as the statement that made it recorded it. */
    public record Event(long id, String status, String previousStatus, String reason, String platform, Instant at,
                        Long lateByMs) {
    }

    private static final String LIST = "SELECT " + BotStore.COLUMNS + """
             FROM bots b
            WHERE (CAST(:status AS text) IS NULL OR b.status = :status)
              AND (CAST(:platform AS text) IS NULL OR b.deployment_platform = :platform)
              AND (CAST(:tenant AS text) IS NULL OR b.tenant = :tenant)
              AND (CAST(:before AS bigint) IS NULL OR b.id < :before)
            ORDER BY b.id DESC LIMIT :n""";

    // Bots made since a time, read backwards on the (created_at, id) index from the cursor to that
    // time, so a page costs its own rows however much history lies before the window or inside it.
    // In id order the page would be found by walking ids down past the window's start until the
    // page fills, through all the history before it on the last page. The cursor's place is its
    // bot's creation time; a cursor whose bot retention has removed ends the pages.
    private static final String LIST_CREATED_AFTER = "SELECT " + BotStore.COLUMNS + """
             FROM bots b
            WHERE b.created_at > :after
              AND (CAST(:status AS text) IS NULL OR b.status = :status)
              AND (CAST(:platform AS text) IS NULL OR b.deployment_platform = :platform)
              AND (CAST(:tenant AS text) IS NULL OR b.tenant = :tenant)
              AND (CAST(:before AS bigint) IS NULL
                   OR (b.created_at, b.id) < ((SELECT c.created_at FROM bots c WHERE c.id = :before), :before))
            ORDER BY b.created_at DESC, b.id DESC LIMIT :n""";

    private final Sql sql;
    private final BotStore bots;

    public BotHistory(Sql sql, BotStore bots) {
        this.sql = sql;
        this.bots = bots;
    }

    public Page list(Filter filter) {
        List<Bot> found = sql.query(filter.createdAfter() == null ? LIST : LIST_CREATED_AFTER, Params.of("status", filter.status() == null ? null : filter.status().name())
                        .and("platform", filter.platform()).and("tenant", filter.tenant())
                        .and("after", filter.createdAfter()).and("before", filter.before()).and("n", filter.limit() + 1))
                .stream().map(bots::toBot).toList();
        boolean more = found.size() > filter.limit();
        List<Bot> page = more ? found.subList(0, filter.limit()) : found;
        return new Page(page, more ? page.get(page.size() - 1).id() : null);
    }

    /** The bot's status changes in order; empty when there is no such bot. One statement. */
    public Optional<List<Event>> events(long botId) {
        List<Row> rows = sql.query("""
                SELECT e.id, e.status, e.previous_status, e.reason, e.platform, e.at, e.late_by_ms
                FROM bots b LEFT JOIN bot_events e ON e.bot_id = b.id
                WHERE b.id = :id ORDER BY e.id""", Params.of("id", botId));
        return rows.isEmpty() ? Optional.empty()
                : Optional.of(rows.stream().filter(r -> r.getLong("id") != null).map(BotHistory::toEvent).toList());
    }

    /** Bots placed on a platform and bots that ended there, in one minute. */
    public record Minute(Instant at, String platform, long placed, long ended) {
    }

    // The minutes' placements and ends, read on the events' index of those statuses by time (V20):
    // the cost follows the window's events, however long the history.
    private static final String ACTIVITY = """
            SELECT date_trunc('minute', e.at) AS minute, e.platform,
                   count(*) FILTER (WHERE e.status = 'DEPLOYING') AS placed,
                   count(*) FILTER (WHERE e.status IN ('DONE', 'FATAL')) AS ended
            FROM bot_events e
            WHERE e.at >= :from AND e.status IN ('DEPLOYING', 'DONE', 'FATAL') AND e.platform IS NOT NULL
            GROUP BY 1, 2 ORDER BY 1, 2""";

    /** Per minute since {@code from} and platform, the bots placed there and those that ended there. One statement. */
    public List<Minute> activity(Instant from) {
        return sql.query(ACTIVITY, Params.of("from", from)).stream().map(r -> new Minute(r.getInstant("minute"),
                r.getString("platform"), r.getLong("placed"), r.getLong("ended"))).toList();
    }

    private static Event toEvent(Row row) {
        return new Event(row.getLong("id"), row.getString("status"), row.getString("previous_status"),
                row.getString("reason"), row.getString("platform"), row.getInstant("at"), row.getLong("late_by_ms"));
    }
}
