package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.platform.Budget;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Dns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A receiver that keeps failing is paused: its new webhooks are not sent while another receiver's
 * keep flowing; one probe goes per interval, and the probe's success resumes it, after which its
 * whole backlog goes at once, each bot's in order. Two real receivers (two origins), the drain as
 * the schedule runs it, time moved by hand. Both adapters.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class WebhookReceiverPauseTest {
    private final TestDatabase db;
    private final MutableClock clock = new MutableClock();
    private final WebhookReceiver failing = new WebhookReceiver(Duration.ZERO);
    private final WebhookReceiver healthy = new WebhookReceiver(Duration.ZERO);
    private final OutboxFill fill;
    private final Webhooks webhooks;
    private final WebhookDeliveries deliveries;

    WebhookReceiverPauseTest(TestDatabase.Adapter adapter) {
        db = TestDatabase.fresh(adapter);
        fill = new OutboxFill(db);
        deliveries = new WebhookDeliveries(db.sql(4), clock);
        webhooks = new Webhooks(deliveries, new WebhookSender(Fixtures.WEBHOOK_SECRET, true, clock, Duration.ofSeconds(3), Dns.SYSTEM));
    }

    @AfterEach
    void close() {
        failing.close();
        healthy.close();
        db.close();
    }

    private void drain() {
        webhooks.sendDue(Budget.of(Duration.ofSeconds(60)));
    }

    @Test
    void aReceiverThatKeepsFailingIsPausedAndItsNextSuccessResumesIt() {
        failing.answer(500);
        List<Long> failingBots = new ArrayList<>(fill.bots(3, 2, failing.url(), clock.instant()));
        List<Long> healthyBots = new ArrayList<>(fill.bots(2, 2, healthy.url(), clock.instant()));
        Instant firstFailure = clock.instant();
        drain();
        while (failing.requests() < WebhookDeliveries.PAUSE_AFTER_FAILURES
                || Duration.between(firstFailure, clock.instant()).compareTo(WebhookDeliveries.PAUSE_AFTER) < 0) {
            clock.advance(Duration.ofHours(1)); // each first webhook is due again
            drain();
        }
        assertThat(healthy.requests()).as("the other receiver got its webhooks meanwhile").isEqualTo(4);

        // paused: new webhooks to it wait, new webhooks to the other go
        int failed = failing.requests();
        failingBots.addAll(fill.bots(2, 1, failing.url(), clock.instant()));
        healthyBots.addAll(fill.bots(2, 2, healthy.url(), clock.instant()));
        drain();
        assertThat(failing.requests()).as("webhooks sent to the paused receiver").isEqualTo(failed);
        assertThat(healthy.requests()).as("the other receiver's new webhooks").isEqualTo(8);

        // one probe per interval; it fails, and the receiver stays paused
        clock.advance(WebhookDeliveries.PROBE_EVERY);
        drain();
        drain();
        assertThat(failing.requests()).as("one probe").isEqualTo(failed + 1);

        // the next probe succeeds: the receiver is resumed and its whole backlog goes, in order
        failing.answer(204);
        clock.advance(WebhookDeliveries.PROBE_EVERY);
        drain();
        for (long bot : failingBots) {
            List<Long> events = fill.eventsOf(bot);
            assertThat(deliveries.of(bot)).as("bot %d", bot).extracting(WebhookDeliveries.Attempted::state)
                    .containsOnly("DELIVERED");
            assertThat(failing.arrivedFor(bot)).as("bot %d: retries of one event, then the next", bot)
                    .isSorted().containsAll(events).endsWith(events.get(events.size() - 1));
        }
        for (long bot : healthyBots) {
            assertThat(healthy.arrivedFor(bot)).as("bot %d", bot).containsExactlyElementsOf(fill.eventsOf(bot));
        }
        assertThat(failing.overlapping()).isEmpty();
    }
}
