package io.botfleet.deployment;

import static io.botfleet.testing.FakePlatform.await;
import static io.botfleet.testing.FakePlatform.entering;
import static io.botfleet.testing.FakePlatform.ok;
import static io.botfleet.testing.HookedSql.containing;
import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotStatus;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.HookedSql.When;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an adversarial review of the hardened core found, each a scenario that failed: a stop
 * during a resume's call, a bot silent after reporting LEAVING, and lost answers of the queue
 * claim, the drain lease and the settle statement.
 */
class LateFindingsTest {
    private static final Map<String, String> FAST = Map.of("PLATFORM_CALL_TIMEOUT", "200ms", "QUEUE_LEASE", "1s");
    private Harness h;

    @AfterEach
    void close() {
        h.close();
    }

    /** F1: a stop during a resume's deploy call is confirmed at once (stop_after from the old deploy_started_at). */
    @Test
    void aStopDuringAResumeCallFreesTheUnitWhileTheResumeStartsTheContainer() throws Exception {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, FAST);
        Instance api = h.instance();
        Instance stopper = h.instance();
        h.k8s.then(h.k8s.hang(1_000)); // first call times out, nothing starts: pinned to k8s
        long id = api.deploy(Fixtures.config()).botId();
        assertThat(h.used("k8s")).isEqualTo(1);

        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        // the resume's call reaches the platform and starts the container when the client gives up
        h.k8s.then(entering(entered, await(never, ok())));
        h.clock.advance(Duration.ofMinutes(1));
        var drain = h.async(api::drain);
        entered.await();
        var stop = stopper.services().deployments().stop(id); // during the resume's call
        drain.join();
        Harness.until(() -> h.k8s.live().contains(id));

        long other = api.deploy(Fixtures.config()).botId(); // the freed k8s unit is handed out
        for (int i = 0; i < 3; i++) {
            h.clock.advance(Duration.ofMinutes(3));
            api.drain();
        }
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(stop.result()).as("not confirmed while the resume's call may still start it")
                    .isEqualTo(BotDeploymentService.StopResult.STOPPING);
            soft.assertThat(h.status(id)).isEqualTo("DONE");
            soft.assertThat(h.k8s.live()).as("the stopped bot's container").doesNotContain(id);
            soft.assertThat(h.n("SELECT count(*) AS n FROM platform_releases")).as("nothing left owed").isZero();
            soft.assertThat(h.fleet.breaches()).as("k8s over its limit (other=" + other + ")").isEmpty();
        });
    }

    /** F2: the rounds' queue claim commits and loses its answer: its lease is never given back. */
    @Test
    void aLostClaimAnswerStrandsTheBestEntryAndAWorseOneIsServed() {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, Map.of("PLATFORM_PRIORITY", "k8s"));
        Instance api = h.instance();
        long running = api.deploy(Fixtures.config()).botId();
        long best = api.deploy(Fixtures.withPriority(1)).botId();
        long worse = api.deploy(Fixtures.withPriority(5)).botId();
        h.finish(api, running);
        api.sql().failOnce((sql, p) -> sql.contains("SET status = 'PROCESSING'") && sql.contains("would_use"),
                When.AFTER);
        try {
            api.drain();
        } catch (RuntimeException expected) {
            // the lost answer
        }
        h.clock.advance(Duration.ofSeconds(10)); // well inside QUEUE_LEASE (30s here, 5 min by default)
        api.drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.live()).as("who got the unit").containsExactly(best);
            soft.assertThat(h.status(worse)).isEqualTo("QUEUED");
        });
    }

    /** F3: the drain lease's acquire commits and loses its answer: no drain works until it expires. */
    @Test
    void aLostAcquireAnswerStallsEveryDrainUntilTheLeaseExpires() {
        h = new Harness(1, 1);
        Instance api = h.instance();
        long a = api.deploy(Fixtures.config()).botId();
        long b = api.deploy(Fixtures.config()).botId();
        long waiting = api.deploy(Fixtures.config()).botId();
        api.sql().failOnce(containing("FROM drain_lease FOR UPDATE"), When.AFTER);
        try {
            api.drain();
        } catch (RuntimeException expected) {
            // the lost answer
        }
        h.finish(api, a); // a unit comes free; its announcement triggers drains
        h.clock.advance(Duration.ofSeconds(25));
        var report = api.drain(); // a minute-schedule tick
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(report.claimed()).as("claimed by a drain").isEqualTo(1);
            soft.assertThat(h.status(waiting)).isEqualTo("DEPLOYING");
        });
    }

    /** F4: the settle statement commits and loses its answer: the release happened, the announcement never does. */
    @Test
    void aLostSettleAnswerDropsTheAnnouncement() {
        h = new Harness(1, 1);
        Instance api = h.instance();
        long id = api.deploy(Fixtures.config()).botId();
        api.sql().failOnce(containing("AS s(bot_id bigint, platform text, stopped boolean"), When.AFTER);
        h.k8s.exit(id);
        api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.DONE, null);
        for (int i = 0; i < 3; i++) {
            h.clock.advance(Duration.ofMinutes(3));
            api.drain();
        }
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.releases()).as("released").contains(id);
            soft.assertThat(h.n("SELECT count(*) AS n FROM platform_releases")).isZero();
            soft.assertThat(h.announced()).as("announced").contains("k8s");
        });
    }

    /** F5: a bot that reports LEAVING itself and then goes silent is never given up. */
    @Test
    void aBotSilentAfterReportingLeavingHoldsItsUnitForever() {
        h = new Harness(1, 1);
        Instance api = h.instance();
        long id = api.deploy(Fixtures.config()).botId();
        api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.IN_CALL, null);
        api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.LEAVING, null);
        for (int i = 0; i < 4; i++) { // an hour of silence
            h.clock.advance(Duration.ofMinutes(15));
            api.drain();
        }
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.status(id)).isIn("FATAL", "DONE");
            soft.assertThat(h.used("k8s")).isZero();
            soft.assertThat(h.k8s.live()).doesNotContain(id);
        });
    }
}
