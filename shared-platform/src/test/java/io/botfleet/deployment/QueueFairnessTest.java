package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotStatus;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.HookedSql;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Priority then FIFO among due bots, whoever asks and however many drain (issue scenarios C9-C10). */
class QueueFairnessTest {
    private Harness h;

    @AfterEach
    void close() {
        h.close();
    }

    /** C9: a unit that just came free goes to the bot waiting for it, not to a newcomer. */
    @Test
    void aNewRequestDoesNotTakeAUnitFromABotThatWaitsAhead() {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, Map.of("PLATFORM_PRIORITY", "k8s"));
        Instance api = h.instance();
        long running = api.deploy(Fixtures.config()).botId();
        long waiting = api.deploy(Fixtures.config()).botId();
        assertThat(h.status(waiting)).isEqualTo("QUEUED");
        h.finish(api, running); // the unit is free; its drain has not run yet
        int announcedBefore = h.announced().size();

        DeployOutcome newcomer = api.deploy(Fixtures.config());
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(newcomer.status()).as("the newcomer waits behind").isEqualTo(BotStatus.QUEUED);
            soft.assertThat(newcomer.queuePosition()).isEqualTo(2L);
            soft.assertThat(h.announced().size()).as("the drain was triggered").isGreaterThan(announcedBefore);
        });
        api.drain();
        assertThat(h.k8s.live()).containsExactly(waiting);
    }

    /** C10: free units go to the best due entries, whatever the number of drainers at once. */
    @Test
    void concurrentDrainersGiveFreeUnitsToTheBestEntries() throws Exception {
        h = new Harness(TestDatabase.Adapter.JDBC, 3, 1, Map.of("PLATFORM_PRIORITY", "k8s"));
        Instance first = h.instance();
        Instance second = h.instance();
        List<Long> running = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            running.add(first.deploy(Fixtures.config()).botId());
        }
        List<Long> byPriority = new ArrayList<>(); // priority 1 (best) .. 6
        for (int p = 6; p >= 1; p--) {
            byPriority.add(0, first.deploy(Fixtures.withPriority(p)).botId());
        }
        running.forEach(id -> h.finish(first, id)); // three units free

        CountDownLatch leased = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        first.sql().on((sql, p) -> sql.contains("SET status = 'PROCESSING'") && sql.contains("would_use"),
                HookedSql.When.AFTER, 1, () -> {
                    leased.countDown();
                    try {
                        goOn.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        var firstDrain = h.async(() -> first.services().hybrid().processQueue("first", Duration.ofSeconds(10)));
        assertThat(leased.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the first drainer claimed").isTrue(); // it holds the three best entries, and no unit yet
        second.services().hybrid().processQueue("second", Duration.ofSeconds(10));
        goOn.countDown();
        firstDrain.join();

        assertThat(h.k8s.live()).as("the three best entries run").containsExactlyInAnyOrderElementsOf(byPriority.subList(0, 3));
    }

    /** C9 under a steady stream: a waiting bot is served before any newcomer of the same priority. */
    @Test
    void aSteadyStreamOfNewRequestsDoesNotStarveAWaitingBot() {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, Map.of("PLATFORM_PRIORITY", "k8s"));
        Instance api = h.instance();
        long running = api.deploy(Fixtures.config()).botId();
        long waiting = api.deploy(Fixtures.config()).botId();
        for (int i = 0; i < 5; i++) {
            if (i == 2) {
                h.finish(api, running);
            }
            api.deploy(Fixtures.config());
        }
        api.drain();
        assertThat(h.k8s.live()).containsExactly(waiting);
    }
}
