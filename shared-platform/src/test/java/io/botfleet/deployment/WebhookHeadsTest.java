package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.platform.Budget;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Dns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The head each bot's deliveries go through never skips one: not when a status change commits
 * while the bot's current delivery is being recorded (the record waits for the change's lock on
 * the head, then must see the new delivery), and not after a 410 Gone ended the bot's pending
 * deliveries. Both adapters; the racing status change is a real transaction held open.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class WebhookHeadsTest {
    private final TestDatabase db;
    private final MutableClock clock = new MutableClock();
    private final WebhookReceiver receiver = new WebhookReceiver(Duration.ZERO);
    private final OutboxFill fill;
    private final WebhookDeliveries deliveries;
    private final Webhooks webhooks;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    WebhookHeadsTest(TestDatabase.Adapter adapter) {
        db = TestDatabase.fresh(adapter);
        fill = new OutboxFill(db);
        deliveries = new WebhookDeliveries(db.sql(2), clock);
        webhooks = new Webhooks(deliveries, new WebhookSender(Fixtures.WEBHOOK_SECRET, true, clock, Duration.ofSeconds(3), Dns.SYSTEM));
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        receiver.close();
        db.close();
    }

    @Test
    void aStatusChangeThatCommitsWhileTheBotsDeliveryIsRecordedIsSentNext() throws Exception {
        long bot = fill.bots(1, 1, receiver.url(), clock.instant()).get(0);
        List<WebhookDeliveries.Due> out = deliveries.claim(null, 10);
        assertThat(out).hasSize(1);

        try (Connection change = db.pool(1).getConnection()) {
            change.setAutoCommit(false);
            try (PreparedStatement update = change.prepareStatement("UPDATE bots SET status = 'DEPLOYING' WHERE id = ?")) {
                update.setLong(1, bot);
                update.executeUpdate(); // its webhook is written and the bot's head locked, not yet committed
            }
            CompletableFuture<WebhookDeliveries.Recorded> record = CompletableFuture.supplyAsync(
                    () -> deliveries.record(out.get(0), new WebhookSender.Sent(204, "204 No Content")), threads);
            try {
                record.get(500, TimeUnit.MILLISECONDS);
            } catch (TimeoutException expected) {
                // the record waits for the head
            }
            change.commit();
            assertThat(record.get(10, TimeUnit.SECONDS).held()).isTrue();
        }

        assertThat(webhooks.sendDue(Budget.of(Duration.ofSeconds(30)))).as("the change's webhook").isEqualTo(1);
        assertThat(receiver.arrivedFor(bot)).containsExactly(fill.eventsOf(bot).get(1));
    }

    @Test
    void afterA410EndedTheBotsPendingWebhooksItsNextChangeIsSent() {
        long bot = fill.bots(1, 3, receiver.url(), clock.instant()).get(0);
        receiver.answer(410);
        assertThat(webhooks.sendDue(Budget.of(Duration.ofSeconds(30)))).isEqualTo(1);
        assertThat(deliveries.of(bot)).extracting(WebhookDeliveries.Attempted::state).containsOnly("GONE");

        receiver.answer(204);
        fill.changeStatus(bot, clock.instant());
        assertThat(webhooks.sendDue(Budget.of(Duration.ofSeconds(30)))).as("the next change's webhook").isEqualTo(1);
        List<Long> events = fill.eventsOf(bot);
        assertThat(receiver.arrivedFor(bot)).containsExactly(events.get(0), events.get(3));
    }
}
