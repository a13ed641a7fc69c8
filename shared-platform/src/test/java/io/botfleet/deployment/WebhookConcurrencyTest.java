package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.platform.Budget;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import okhttp3.Dns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Deliveries to different bots go at once, each bot's in order. 32 bots with 4 webhooks each, to
 * a receiver that answers after 100 ms, drained by two senders at once (each with its own
 * connections, as two Lambda containers), three times over: every webhook arrives once, each
 * bot's in event order and never while its previous one is unanswered, and the drain takes less
 * than a quarter of the 12.8 s the 128 answers take one after another. Both adapters.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class WebhookConcurrencyTest {
    private static final int BOTS = 32;
    private static final int EVENTS = 4;
    private static final int SENDERS = 2;
    private static final Duration ANSWER = Duration.ofMillis(100);

    private final TestDatabase db;
    private final MutableClock clock = new MutableClock();
    private final WebhookReceiver receiver = new WebhookReceiver(ANSWER);
    private final OutboxFill fill;
    private final List<Webhooks> senders = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    WebhookConcurrencyTest(TestDatabase.Adapter adapter) {
        db = TestDatabase.fresh(adapter);
        fill = new OutboxFill(db);
        for (int i = 0; i < SENDERS; i++) {
            senders.add(new Webhooks(new WebhookDeliveries(db.sql(4), clock),
                    new WebhookSender(Fixtures.WEBHOOK_SECRET, true, clock, Duration.ofSeconds(5), Dns.SYSTEM)));
        }
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        receiver.close();
        db.close();
    }

    @Test
    void deliveriesToDifferentBotsGoAtOnceAndEachBotsInOrder() throws Exception {
        Duration oneAfterAnother = ANSWER.multipliedBy((long) BOTS * EVENTS);
        for (int run = 1; run <= 3; run++) {
            List<Long> bots = fill.bots(BOTS, EVENTS, receiver.url(), clock.instant());
            int before = receiver.requests();

            long start = System.nanoTime();
            List<CompletableFuture<Integer>> drains = new ArrayList<>();
            for (Webhooks sender : senders) {
                drains.add(CompletableFuture.supplyAsync(() -> sender.sendDue(Budget.of(Duration.ofSeconds(60))), threads));
            }
            int sent = 0;
            for (CompletableFuture<Integer> drain : drains) {
                sent += drain.get();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(sent).as("run %d: sent by the senders", run).isEqualTo(BOTS * EVENTS);
            assertThat(receiver.requests() - before).as("run %d: arrived", run).isEqualTo(BOTS * EVENTS);
            for (long bot : bots) {
                assertThat(receiver.arrivedFor(bot)).as("run %d: bot %d's webhooks, once each, in event order", run, bot)
                        .containsExactlyElementsOf(fill.eventsOf(bot));
            }
            assertThat(receiver.overlapping()).as("bots with a webhook sent before the previous one was answered").isEmpty();
            assertThat(took).as("run %d: the drain, against %d ms one after another", run, oneAfterAnother.toMillis())
                    .isLessThan(oneAfterAnother.dividedBy(4));
        }
    }
}
