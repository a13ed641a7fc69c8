package io.botfleet.deployment;

import static io.botfleet.testing.FakePlatform.await;
import static io.botfleet.testing.FakePlatform.entering;
import static io.botfleet.testing.FakePlatform.ok;
import static io.botfleet.testing.HookedSql.containing;
import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotStatus;
import io.botfleet.platform.PlatformDeployError.Kind;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every statement can fail before it runs, or commit and lose its answer (issue scenarios
 * E13-E17): what was promised still happens, because what is owed after a statement is written by
 * that statement, and every exception path gives back the leases it took.
 */
class StatementFaultTest {
    private Harness h;

    @AfterEach
    void close() {
        h.close();
    }

    private void drainLater(Instance api, Duration by) {
        h.clock.advance(by);
        try {
            api.drain();
        } catch (RuntimeException e) {
            // an injected fault; the next drain picks up where this one stopped
        }
    }

    /** E13: a stop acknowledged during the deploy call survives the record statement losing its answer. */
    @Test
    void aStopDuringTheDeployCallSurvivesTheRecordLosingItsAnswer() throws Exception {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, Map.of());
        h.aws.failing(Kind.CAPACITY);
        Instance api = h.instance();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        h.k8s.then(entering(entered, await(answer, ok())));
        api.sql().failOnce(containing("jsonb_to_recordset"), When.AFTER);
        var deploy = h.async(() -> {
            try {
                return api.deploy(Fixtures.config());
            } catch (RuntimeException e) {
                return null;
            }
        });
        entered.await();
        long stopped = h.n("SELECT max(id) AS n FROM bots");
        assertThat(api.services().deployments().stop(stopped).status()).isEqualTo(BotStatus.LEAVING);
        answer.countDown();
        deploy.join();
        long next = api.deploy(Fixtures.config()).botId(); // waits for k8s

        for (int i = 0; i < 4; i++) {
            drainLater(api, Duration.ofMinutes(3));
        }
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.live()).as("the stopped bot's container").doesNotContain(stopped);
            soft.assertThat(h.status(stopped)).isEqualTo("DONE");
            soft.assertThat(h.status(next)).as("the bot behind it").isEqualTo("DEPLOYING");
            soft.assertThat(h.k8s.live()).containsExactly(next);
        });
    }

    /** E13: one failed step for one bot of a batch does not skip the stops of the others. */
    @Test
    void stopsOfABatchDoNotDependOnEachOther() throws Exception {
        h = new Harness(2, 1);
        h.aws.failing(Kind.CAPACITY);
        Instance api = h.instance();
        h.k8s.failing(Kind.CAPACITY);
        long a = api.deploy(Fixtures.config()).botId();
        long b = api.deploy(Fixtures.config()).botId();
        h.k8s.failing(null);
        CountDownLatch entered = new CountDownLatch(2);
        CountDownLatch answer = new CountDownLatch(1);
        h.k8s.then(entering(entered, await(answer, ok())), entering(entered, await(answer, ok())));
        var drain = h.async(() -> {
            try {
                return api.drain();
            } catch (RuntimeException e) {
                return null;
            }
        });
        entered.await();
        api.services().deployments().stop(a);
        api.services().deployments().stop(b);
        api.sql().failOnce((sql, p) -> "DONE".equals(p.asMap().get("to")), When.BEFORE);
        answer.countDown();
        drain.join();

        for (int i = 0; i < 3; i++) {
            drainLater(api, Duration.ofMinutes(3));
        }
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.live()).as("containers of stopped bots").isEmpty();
            soft.assertThat(h.status(a)).isEqualTo("DONE");
            soft.assertThat(h.status(b)).isEqualTo("DONE");
            soft.assertThat(h.used("k8s")).isZero();
        });
    }

    /** E14: a bot stopped while its deploy's outcome was unknown is never deployed afterwards. */
    @Test
    void aPinnedBotThatWasStoppedIsNeverDeployed() {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, Map.of("PLATFORM_CALL_TIMEOUT", "200ms", "QUEUE_LEASE", "1s"));
        Instance api = h.instance();
        h.k8s.then(h.k8s.hang(1_000)); // times out, nothing starts
        long id = api.deploy(Fixtures.config()).botId();
        assertThat(api.services().deployments().stop(id).status()).isEqualTo(BotStatus.LEAVING);

        drainLater(api, Duration.ofSeconds(5));
        drainLater(api, Duration.ofMinutes(3));
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.fleet.starts()).as("started after its stop was acknowledged").doesNotContainKey(id);
            soft.assertThat(h.status(id)).isEqualTo("DONE");
            soft.assertThat(h.used("k8s")).isZero();
        });
    }

    /** E15: once admitted, a deploy answers its bot even if a later statement fails, and gives its lease back. */
    @ParameterizedTest
    @ValueSource(strings = {"UPDATE platform_capacity", "SET status = 'WAITING'", "AS position"})
    void aDeployAnswersTheBotItAdmittedWhenALaterStatementFails(String failing) {
        h = new Harness(1, 1);
        Instance api = h.instance();
        boolean queued = !failing.equals("UPDATE platform_capacity");
        long occupant1 = queued ? api.deploy(Fixtures.config()).botId() : 0;
        long occupant2 = queued ? api.deploy(Fixtures.config()).botId() : 0;
        api.sql().failOnce(containing(failing), When.BEFORE);

        DeployOutcome outcome = api.deploy(Fixtures.config());
        long id = h.n("SELECT max(id) AS n FROM bots");
        assertThat(outcome.botId()).isEqualTo(id);
        if (queued) {
            h.finish(api, occupant1);
            h.finish(api, occupant2);
        }
        api.drain(); // no time passes: the entry's lease must have been given back
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.fleet.starts()).as("started").containsEntry(id, 1);
            soft.assertThat(h.n("SELECT count(*) AS n FROM deployment_queue")).isZero();
        });
    }

    /** E15: the admission itself commits and loses its answer: repeated, it finds its bot; one bot runs. */
    @Test
    void anAdmissionThatLostItsAnswerIsRepeatedAndAdmitsOneBot() {
        h = new Harness(1, 1);
        Instance api = h.instance();
        api.sql().failOnce(containing("INSERT INTO bots"), When.AFTER);
        DeployOutcome outcome = api.deploy(Fixtures.config());
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(outcome.status()).isEqualTo(BotStatus.DEPLOYING);
            soft.assertThat(h.n("SELECT count(*) AS n FROM bots")).as("bots").isEqualTo(1);
            soft.assertThat(h.fleet.starts()).containsExactly(Map.entry(outcome.botId(), 1));
        });
    }

    /** E16: the follow-ups of a freed unit survive the freeing statement losing its answer. */
    @Test
    void theReleaseOfAFreedUnitSurvivesTheStatementLosingItsAnswer() {
        h = new Harness(1, 1);
        Instance api = h.instance();
        long id = api.deploy(Fixtures.config()).botId();
        api.sql().failOnce((sql, p) -> "DONE".equals(p.asMap().get("to")), When.AFTER);
        h.k8s.exit(id);
        try {
            api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.DONE, null);
        } catch (RuntimeException e) {
            // the bot retries its callback, as bots do
            api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.DONE, null);
        }
        drainLater(api, Duration.ofMinutes(3));
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.releases()).as("released on its platform").contains(id);
            soft.assertThat(h.announced()).as("announced").contains("k8s");
        });
    }

    /** E17: a bot ended for silence is stopped even if that statement lost its answer. */
    @Test
    void aBotEndedForSilenceIsStoppedEvenIfTheStatementLostItsAnswer() {
        h = new Harness(1, 1);
        Instance api = h.instance();
        long id = api.deploy(Fixtures.config()).botId();
        api.sql().failOnce(containing("DEPLOY_TIMEOUT"), When.AFTER);
        drainLater(api, Duration.ofMinutes(16));
        assertThat(h.status(id)).isEqualTo("FATAL");
        drainLater(api, Duration.ofMinutes(3));
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.k8s.live()).as("container").doesNotContain(id);
            soft.assertThat(h.used("k8s")).isZero();
        });
    }
}
