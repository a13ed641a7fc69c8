package io.botfleet.deployment;

import io.botfleet.store.JdbcSql;
import io.botfleet.store.Params;
import io.botfleet.store.Sql;
import io.botfleet.testing.TestDatabase;
import java.time.Instant;
import java.util.List;

/**
 * Fills the webhook outbox fast, the way the product does: bots with a callback URL written
 * straight into {@code bots}, each status change writing its event and webhook through the
 * outbox's own trigger. Setup goes over JDBC, whatever the adapter under test.
 */
final class OutboxFill {
    private final Sql sql;

    OutboxFill(TestDatabase db) {
        this.sql = new JdbcSql(db.pool(2));
    }

    /** {@code n} bots whose callbackUrl is {@code url}, each with {@code events} status changes at {@code at}. */
    List<Long> bots(int n, int events, String url, Instant at) {
        List<Long> ids = sql.query("""
                INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status, callback_url,
                                  updated_at)
                SELECT 'default', 'Notetaker', CAST('{}' AS jsonb), 'zoom', CAST('{}' AS jsonb), 'QUEUED', :url, :at
                FROM generate_series(1, :n)
                RETURNING id""", Params.of("url", url).and("at", at).and("n", n)).stream().map(r -> r.getLong("id")).toList();
        for (int i = 1; i < events; i++) {
            changeStatus(ids.get(0), ids.get(ids.size() - 1), at);
        }
        return ids;
    }

    /** One more status change of the bot, at {@code at}. */
    void changeStatus(long botId, Instant at) {
        changeStatus(botId, botId, at);
    }

    private void changeStatus(long first, long last, Instant at) {
        sql.update("""
                UPDATE bots SET status = CASE WHEN status = 'QUEUED' THEN 'DEPLOYING' ELSE 'QUEUED' END, updated_at = :at
                WHERE id BETWEEN :first AND :last""", Params.of("at", at).and("first", first).and("last", last));
    }

    /** The bot's webhook event ids, in event order. */
    List<Long> eventsOf(long botId) {
        return sql.query("SELECT event_id FROM webhook_deliveries WHERE bot_id = :bot ORDER BY event_id",
                Params.of("bot", botId)).stream().map(r -> r.getLong("event_id")).toList();
    }

    /** Fresh planner statistics, as autovacuum keeps them on a live database. */
    void analyze() {
        sql.update("ANALYZE", Params.of());
    }
}
