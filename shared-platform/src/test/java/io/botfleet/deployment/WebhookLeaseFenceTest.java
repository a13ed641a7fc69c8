package io.botfleet.deployment;

import static io.botfleet.testing.HookedSql.containing;
import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.platform.Budget;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.HookedSql;
import io.botfleet.testing.HookedSql.When;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Dns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two webhook senders over one database. The first sends, then freezes before it records what it
 * got; its lease runs out and the second takes the delivery and delivers it. When the first thaws,
 * its record must change nothing: the event stays DELIVERED and is never sent again, also after
 * the bot's later events. Both adapters; the freeze is a paused record statement.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class WebhookLeaseFenceTest {

    private final TestDatabase db;
    private final MutableClock clock = new MutableClock();
    private final MockWebServer receiver = new MockWebServer();
    private final Services services;
    private final HookedSql frozenSql;
    private final Webhooks frozen;
    private final Webhooks other;
    private final WebhookDeliveries deliveries;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    WebhookLeaseFenceTest(TestDatabase.Adapter adapter) {
        db = TestDatabase.fresh(adapter);
        services = Fixtures.services(Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "5")),
                db.sql(2), List.of(new FakePlatform("k8s")), clock);
        frozenSql = new HookedSql(db.sql(2));
        frozen = new Webhooks(new WebhookDeliveries(frozenSql, clock), sender());
        deliveries = new WebhookDeliveries(db.sql(2), clock);
        other = new Webhooks(deliveries, sender());
    }

    private WebhookSender sender() {
        return new WebhookSender(Fixtures.WEBHOOK_SECRET, true, clock, Duration.ofSeconds(3), Dns.SYSTEM);
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        receiver.close();
        db.close();
    }

    @Test
    void aSenderThatRecordsARetryAfterItsLeaseRanOutChangesNothing() throws Exception {
        aLateRecordChangesNothing(500);
    }

    @Test
    void aSenderThatRecordsA410AfterItsLeaseRanOutChangesNothing() throws Exception {
        aLateRecordChangesNothing(410);
    }

    @Test
    void theSenderThatHoldsTheLeaseRecordsA410ForThisAndTheLaterEvents() throws Exception {
        receiver.start();
        long id = deploy();
        receiver.enqueue(new MockResponse.Builder().code(410).build());
        assertThat(other.sendDue(Budget.of(Duration.ofSeconds(30)))).isEqualTo(1);
        assertThat(deliveries.of(id)).extracting(WebhookDeliveries.Attempted::state).containsExactly("GONE", "GONE");
        assertThat(receiver.getRequestCount()).isEqualTo(1);
    }

    /** A bot whose callback URL is the receiver: QUEUED, then DEPLOYING, two events. */
    private long deploy() {
        BotConfig c = Fixtures.config();
        return services.deployments().deploy(new BotConfig(c.meeting(), c.displayName(), c.imageUrl(),
                c.recordingEnabled(), c.automaticLeave(), c.startTime(), c.endTime(), receiver.url("/hooks").toString(),
                c.tenant(), c.priority()), null).botId();
    }

    private void aLateRecordChangesNothing(int frozenGot) throws Exception {
        receiver.start();
        long id = deploy();

        CountDownLatch frozenAtRecord = new CountDownLatch(1);
        CountDownLatch thaw = new CountDownLatch(1);
        frozenSql.on(containing("last_answer ="), When.BEFORE, 1, () -> {
            frozenAtRecord.countDown();
            try {
                thaw.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        receiver.enqueue(new MockResponse.Builder().code(frozenGot).build());
        CompletableFuture<Integer> late = CompletableFuture.supplyAsync(
                () -> frozen.sendDue(Budget.of(Duration.ofSeconds(30))), threads);
        assertThat(frozenAtRecord.await(10, TimeUnit.SECONDS)).as("the first sender sent, and froze").isTrue();

        clock.advance(WebhookDeliveries.LEASE.plusSeconds(1)); // its lease runs out
        receiver.enqueue(new MockResponse.Builder().code(204).build());
        receiver.enqueue(new MockResponse.Builder().code(204).build());
        assertThat(other.sendDue(Budget.of(Duration.ofSeconds(30)))).as("the other sender took both").isEqualTo(2);
        assertThat(deliveries.of(id)).extracting(WebhookDeliveries.Attempted::state).containsExactly("DELIVERED", "DELIVERED");

        thaw.countDown();
        late.get(10, TimeUnit.SECONDS);
        assertThat(deliveries.of(id)).as("after the late record").extracting(WebhookDeliveries.Attempted::state)
                .containsExactly("DELIVERED", "DELIVERED");

        services.deployments().report(id, new BotTokens(Fixtures.SECRET).tokenFor(id), BotStatus.IN_CALL, null);
        for (int i = 0; i < 3; i++) {
            receiver.enqueue(new MockResponse.Builder().code(204).build());
        }
        clock.advance(Duration.ofHours(1)); // past any wait the late record could have set
        other.sendDue(Budget.of(Duration.ofSeconds(30)));
        List<String> ids = new ArrayList<>();
        for (RecordedRequest request; (request = receiver.takeRequest(200, TimeUnit.MILLISECONDS)) != null; ) {
            ids.add(request.getHeaders().get("webhook-id"));
        }
        List<String> events = deliveries.of(id).stream().map(a -> "evt_" + a.eventId()).toList();
        assertThat(ids).as("the frozen send, the two deliveries, then only the later event")
                .containsExactly(events.get(0), events.get(0), events.get(1), events.get(2));
        assertThat(deliveries.of(id)).extracting(WebhookDeliveries.Attempted::state).containsOnly("DELIVERED");
    }
}
