package io.botfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.deployment.WebhookDeliveries;
import io.botfleet.deployment.WebhookSender;
import io.botfleet.deployment.Webhooks;
import io.botfleet.platform.Budget;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The migration that gives the webhook outbox its heads, on an outbox that already holds
 * deliveries: a bot whose first webhook was delivered goes on with its second, a bot whose first
 * is leased by a sender waits for that lease, each bot's pending webhooks go in order, and a
 * status change after the migration is numbered after them. Both adapters.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class WebhookHeadsMigrationTest {
    private static final String HEADS_MIGRATION = "V10__webhook_heads_and_receivers.sql";

    private final TestDatabase db;
    private final Sql sql;
    private final MutableClock clock = new MutableClock();
    private final MockWebServer receiver = new MockWebServer();

    WebhookHeadsMigrationTest(TestDatabase.Adapter adapter) {
        db = TestDatabase.empty(adapter);
        sql = db.sql(2);
    }

    @AfterEach
    void close() {
        receiver.close();
        db.close();
    }

    @Test
    void pendingDeliveriesWrittenBeforeTheMigrationGoOutInEachBotsOrder() throws Exception {
        for (String file : Migrations.FILES.subList(0, Migrations.FILES.indexOf(HEADS_MIGRATION))) {
            run(file);
        }
        receiver.start();
        long delivered = bot(3); // its first webhook was delivered before the migration
        long leased = bot(2); // its first is out with a sender
        sql.update("""
                UPDATE webhook_deliveries SET state = 'DELIVERED', attempts = 1
                WHERE event_id = (SELECT min(event_id) FROM webhook_deliveries WHERE bot_id = :bot)""",
                Params.of("bot", delivered));
        sql.update("""
                UPDATE webhook_deliveries SET lease_until = :until, lease_owner = 'an older sender', attempts = 1
                WHERE event_id = (SELECT min(event_id) FROM webhook_deliveries WHERE bot_id = :bot)""",
                Params.of("bot", leased).and("until", clock.instant().plusSeconds(30)));

        run(HEADS_MIGRATION);
        for (String file : Migrations.FILES.subList(Migrations.FILES.indexOf(HEADS_MIGRATION) + 1, Migrations.FILES.size())) {
            run(file); // the later ones too, as an upgrade runs them: the code below reads their columns
        }
        Webhooks webhooks = new Webhooks(new WebhookDeliveries(sql, clock),
                new WebhookSender(Fixtures.WEBHOOK_SECRET, true, clock));
        for (int i = 0; i < 5; i++) {
            receiver.enqueue(new MockResponse.Builder().code(204).build());
        }
        assertThat(webhooks.sendDue(Budget.of(Duration.ofSeconds(30)))).as("the delivered bot's other two").isEqualTo(2);
        clock.advance(Duration.ofSeconds(31)); // the older sender's lease ends
        assertThat(webhooks.sendDue(Budget.of(Duration.ofSeconds(30)))).as("the leased bot's two").isEqualTo(2);
        changeStatus(delivered);
        assertThat(webhooks.sendDue(Budget.of(Duration.ofSeconds(30)))).as("a change after the migration").isEqualTo(1);

        List<String> arrived = new ArrayList<>();
        for (RecordedRequest r; (r = receiver.takeRequest(200, TimeUnit.MILLISECONDS)) != null; ) {
            arrived.add(r.getHeaders().get("webhook-id"));
        }
        List<String> events = events(delivered);
        List<String> leasedEvents = events(leased);
        assertThat(arrived).containsExactly(events.get(1), events.get(2), leasedEvents.get(0), leasedEvents.get(1), events.get(3));
    }

    private void run(String file) throws IOException {
        try (InputStream in = Migrations.class.getResourceAsStream("/db/migration/" + file)) {
            for (String statement : Migrations.statements(new String(in.readAllBytes(), StandardCharsets.UTF_8))) {
                sql.update(statement, Params.of());
            }
        }
    }

    /** A bot calling back to the receiver, with {@code events} status changes (the outbox's trigger writes each webhook). */
    private long bot(int events) {
        long id = sql.queryOne("""
                INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status, callback_url, updated_at)
                VALUES ('default', 'Notetaker', CAST('{}' AS jsonb), 'zoom', CAST('{}' AS jsonb), 'QUEUED', :url, :at)
                RETURNING id""", Params.of("url", receiver.url("/hooks").toString()).and("at", clock.instant())).getLong("id");
        for (int i = 1; i < events; i++) {
            changeStatus(id);
        }
        return id;
    }

    private void changeStatus(long id) {
        sql.update("""
                UPDATE bots SET status = CASE WHEN status = 'QUEUED' THEN 'DEPLOYING' ELSE 'QUEUED' END, updated_at = :at
                WHERE id = :id""", Params.of("id", id).and("at", clock.instant()));
    }

    private List<String> events(long bot) {
        return sql.query("SELECT event_id FROM webhook_deliveries WHERE bot_id = :bot ORDER BY event_id", Params.of("bot", bot))
                .stream().map(r -> "evt_" + r.getLong("event_id")).toList();
    }
}
