package io.botfleet.deployment;

import static io.botfleet.testing.FakePlatform.await;
import static io.botfleet.testing.FakePlatform.entering;
import static io.botfleet.testing.FakePlatform.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotStatus;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.HookedSql;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An accepted stop takes effect and nothing runs untracked (issue scenarios B4-B8): a stop ends
 * the bot whatever state it reaches meanwhile, a stop the platform could not do yet stays owed
 * until it is done, and every unit freed is followed by the same release and announcement.
 */
class StopAndLeakTest {
    private static final Map<String, String> FAST = Map.of("PLATFORM_CALL_TIMEOUT", "200ms", "QUEUE_LEASE", "1s");
    private Harness h;

    @AfterEach
    void close() {
        h.close();
    }

    /** B4: the stop reads DEPLOYING, a definite failure reverts the bot to QUEUED, then the stop writes. */
    @Test
    void aStopThatRacesARevertStillEndsTheBot() throws Exception {
        h = new Harness(1, 1);
        Instance api = h.instance();
        Instance stopper = h.instance();
        h.k8s.then(h.k8s.fail(Kind.TRANSIENT));
        long occupant = api.deploy(Fixtures.config()).botId(); // fills aws
        assertThat(h.aws.live()).containsExactly(occupant);

        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch fail = new CountDownLatch(1);
        h.k8s.then(entering(entered, await(fail, h.k8s.fail(Kind.TRANSIENT))));
        var deploy = h.async(() -> api.deploy(Fixtures.config()));
        entered.await();
        long id = h.n("SELECT max(id) AS n FROM bots");

        CountDownLatch stopPaused = new CountDownLatch(1);
        CountDownLatch stopGoesOn = new CountDownLatch(1);
        stopper.sql().on((sql, p) -> true, HookedSql.When.AFTER, 1, () -> {
            stopPaused.countDown();
            awaitQuietly(stopGoesOn);
        });
        var stop = h.async(() -> stopper.services().deployments().stop(id));
        stopPaused.await(); // the stop made its first statement
        fail.countDown(); // the platform's definite failure arrives
        deploy.join();
        stopGoesOn.countDown();
        var stopped = stop.join();

        h.finish(api, occupant); // room again on aws
        h.clock.advance(Duration.ofMinutes(1));
        api.drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(stopped.status()).as("stop answer").isIn(BotStatus.LEAVING, BotStatus.DONE);
            soft.assertThat(h.fleet.starts()).as("a stopped bot was deployed").doesNotContainKey(id);
            soft.assertThat(h.status(id)).isEqualTo("DONE");
            soft.assertThat(h.n("SELECT count(*) AS n FROM deployment_queue")).isZero();
            soft.assertThat(h.n("SELECT sum(used) AS n FROM platform_capacity")).isZero();
        });
    }

    /** B5: a pinned bot given up for DEPLOY_TIMEOUT keeps its unit until its container, found by name, is stopped. */
    @Test
    void aPinnedBotEndedForSilenceIsStoppedByNameAndHoldsItsUnitUntilThen() {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, FAST);
        Instance api = h.instance();
        h.k8s.then(FakePlatform.startThenHang(1_000));
        long id = api.deploy(Fixtures.config()).botId();
        Harness.until(() -> h.k8s.live().contains(id));
        h.k8s.failing(Kind.TRANSIENT).failFinds(1_000).failStops(1); // nothing about it can be confirmed

        h.clock.advance(Duration.ofMinutes(16));
        api.drain();
        assertThat(h.status(id)).isEqualTo("FATAL");
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.live()).as("its container, whose stop failed once").contains(id);
            soft.assertThat(h.used("k8s")).as("the unit stays held while it may run").isEqualTo(1);
        });
        long other = api.deploy(Fixtures.config()).botId();
        assertThat(h.aws.live()).as("k8s counts the stopping bot").containsExactly(other);

        h.clock.advance(Duration.ofMinutes(10));
        api.drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.live()).as("stopped by name").doesNotContain(id);
            soft.assertThat(h.used("k8s")).isZero();
            soft.assertThat(h.fleet.breaches()).isEmpty();
        });
    }

    /** B6: a stop that fails on a FATAL bot is retried by the drain until it is done. */
    @Test
    void aFailedStopOfAFatalBotIsRetriedUntilItIsDone() {
        h = new Harness(1, 1);
        Instance api = h.instance();
        long id = api.deploy(Fixtures.config()).botId();
        h.k8s.failStops(1);
        h.clock.advance(Duration.ofMinutes(16)); // never called back
        api.drain();
        assertThat(h.status(id)).isEqualTo("FATAL");
        assertThat(h.k8s.live()).contains(id);

        h.clock.advance(Duration.ofMinutes(10));
        api.drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.live()).as("container").doesNotContain(id);
            soft.assertThat(h.used("k8s")).isZero();
        });
    }

    /** B6: likewise a stop asked for through the API that the platform refused at first. */
    @Test
    void anAcceptedStopThatThePlatformRefusedIsRetriedUntilItIsDone() {
        h = new Harness(1, 1);
        Instance api = h.instance();
        long id = api.deploy(Fixtures.config()).botId();
        h.k8s.failStops(1);
        var stop = api.services().deployments().stop(id);
        assertThat(h.k8s.live()).contains(id);

        h.clock.advance(Duration.ofMinutes(10));
        api.drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(stop.status()).isEqualTo(BotStatus.LEAVING);
            soft.assertThat(h.k8s.live()).as("container").doesNotContain(id);
            soft.assertThat(h.status(id)).isEqualTo("DONE");
            soft.assertThat(h.used("k8s")).isZero();
        });
    }

    /**
     * Found by hand on the local runner: its drain gets a minute, less than two call timeouts of
     * 30 s, and the sweep wanted two, so an owed stop was never retried. A drain with time for
     * one group of calls retries it.
     */
    @Test
    void aDrainWithTimeForOneCallRetriesAnOwedStop() {
        h = new Harness(1, 1);
        Instance api = h.instance();
        long id = api.deploy(Fixtures.config()).botId();
        h.k8s.failStops(1);
        api.services().deployments().stop(id);

        h.clock.advance(Duration.ofMinutes(10));
        api.services().hybrid().processQueue("short-drain", Duration.ofMillis(7_500)); // call timeout 5 s
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.live()).as("container").doesNotContain(id);
            soft.assertThat(h.status(id)).isEqualTo("DONE");
            soft.assertThat(h.used("k8s")).isZero();
        });
    }

    /** B7: a callback proves the container runs: a pinned bot leaves the queue at once. */
    @Test
    void aPinnedBotThatCallsBackLeavesTheQueue() {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, FAST);
        Instance api = h.instance();
        h.k8s.then(FakePlatform.startThenHang(1_000));
        long pinned = api.deploy(Fixtures.config()).botId();
        h.k8s.then(h.k8s.fail(Kind.CAPACITY));
        h.aws.then(h.aws.fail(Kind.CAPACITY));
        long waiting = api.deploy(Fixtures.config()).botId();

        api.services().deployments().report(pinned, h.tokens.tokenFor(pinned), BotStatus.JOINING_CALL, null);

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(api.services().queue().list(10)).extracting(QueueEntry::botId).containsExactly(waiting);
            soft.assertThat(api.services().queue().stats().waiting()).isEqualTo(1);
            soft.assertThat(api.services().queue().find(waiting).position()).isEqualTo(1);
            soft.assertThat(h.n("SELECT count(*) AS n FROM deployment_queue WHERE bot_id = " + pinned)).isZero();
        });
    }

    /** B8: every way a unit is freed gives a pooled platform its resource back and announces the capacity. */
    @Test
    void everyFreedUnitIsReleasedOnItsPlatformAndAnnounced() throws Exception {
        h = new Harness(2, 2);
        Instance api = h.instance();
        // a revert: k8s refuses for sure, the bot goes to aws
        h.k8s.then(h.k8s.fail(Kind.TRANSIENT));
        long reverted = api.deploy(Fixtures.config()).botId();
        // a permanent failure
        h.k8s.then(h.k8s.fail(Kind.PERMANENT));
        long failed = api.deploy(Fixtures.config()).botId();
        // stopped during its deploy
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        h.k8s.then(entering(entered, await(answer, ok())));
        var deploying = h.async(() -> api.deploy(Fixtures.config()));
        entered.await();
        long stopped = h.n("SELECT max(id) AS n FROM bots");
        api.services().deployments().stop(stopped);
        answer.countDown();
        deploying.join();
        // silent for too long
        long silent = api.deploy(Fixtures.config()).botId();
        h.clock.advance(Duration.ofMinutes(16));
        api.services().deployments().report(reverted, h.tokens.tokenFor(reverted), BotStatus.IN_CALL, null);
        api.drain();
        h.clock.advance(Duration.ofMinutes(5));
        api.drain();

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.releases()).as("k8s releases").contains(reverted, failed, stopped, silent);
            soft.assertThat(h.announced()).as("announced").contains("k8s");
            soft.assertThat(h.k8s.live()).as("k8s containers").isEmpty();
            soft.assertThat(h.used("k8s")).isZero();
        });
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
