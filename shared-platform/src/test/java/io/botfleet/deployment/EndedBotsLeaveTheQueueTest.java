package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotStatus;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A bot that ends leaves no queue entry behind, even one written by a transaction that committed
 * while the ending statement waited for the bot's row: a platform took the bot's container back
 * (its bot goes back to the queue with a new entry) while the bot's own DONE, or a stop, was
 * waiting. The ending statement's snapshot predates that entry; an entry left behind would keep a
 * DONE bot in the queue until it timed out.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class EndedBotsLeaveTheQueueTest {
    private final Harness h;
    private final Instance api;

    EndedBotsLeaveTheQueueTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 1, 1, Map.of("HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h"));
        api = h.instance();
    }

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void aBotsOwnDoneWhileItIsRequeued() throws Exception {
        endWhileRequeued(id -> api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.DONE, null));
    }

    @Test
    void aStopWhileItIsRequeued() throws Exception {
        endWhileRequeued(id -> api.services().deployments().stop(id));
    }

    private void endWhileRequeued(LongConsumer end) throws Exception {
        long id = api.deploy(Fixtures.config()).botId();
        assertThat(h.status(id)).isEqualTo("DEPLOYING");
        try (Connection requeue = h.db.pool(1).getConnection()) {
            requeue.setAutoCommit(false);
            // as the platform's word that it took the container back does it: the bot QUEUED, a new entry
            try (PreparedStatement s = requeue.prepareStatement("""
                    UPDATE bots SET status = 'QUEUED', capacity_platform = NULL, platform_identifier = NULL,
                                    updated_at = now() WHERE id = ?""")) {
                s.setLong(1, id);
                s.executeUpdate();
            }
            try (PreparedStatement s = requeue.prepareStatement("""
                    INSERT INTO deployment_queue (bot_id, tenant, priority, queued_at, not_before, timeout_at)
                    SELECT id, tenant, priority, created_at, now(), now() + interval '1 hour' FROM bots WHERE id = ?""")) {
                s.setLong(1, id);
                s.executeUpdate();
            }
            CompletableFuture<Void> ending = h.async(() -> {
                end.accept(id);
                return null;
            });
            Harness.until(() -> h.n("SELECT count(*) AS n FROM pg_locks WHERE NOT granted") > 0); // it waits for the row
            requeue.commit();
            ending.join();
        }
        assertThat(h.status(id)).isEqualTo("DONE");
        assertThat(h.n("SELECT count(*) AS n FROM deployment_queue WHERE bot_id = " + id)).as("entries left").isZero();
    }
}
