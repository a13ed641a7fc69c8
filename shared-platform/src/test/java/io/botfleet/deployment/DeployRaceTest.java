package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotStatus;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.store.JdbcSql;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Races between deploys, stops, timeouts and late drainers, each of which once broke an
 * invariant (found in review). JDBC adapter, real embedded PostgreSQL.
 */
class DeployRaceTest {
    private final MutableClock clock = new MutableClock();
    private final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    private final FakePlatform k8s = new FakePlatform("k8s");
    private final FakePlatform aws = new FakePlatform("aws");
    private TestDatabase db;

    @BeforeEach
    void start() {
        db = TestDatabase.fresh();
    }

    @AfterEach
    void stop() {
        db.close();
    }

    private Services services(Map<String, String> env) {
        return Fixtures.services(Fixtures.settings(env), db.sql(4), List.of(k8s, aws), clock);
    }

    private static final Map<String, String> K8S2_AWS1 = Map.of("PLATFORM_PRIORITY", "k8s,aws",
            "K8S_BOT_LIMIT", "2", "AWS_BOT_LIMIT", "1");

    private static void until(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not reached");
            }
            Thread.sleep(10);
        }
    }

    private long n(String query) {
        return db.count(query);
    }

    /** A stop during a deploy whose platform call then fails transiently. */
    @Test
    void aBotStoppedWhileItsDeployFailsEndsDoneAndFreesItsUnitAndEntry() throws Exception {
        Services s = services(K8S2_AWS1);
        k8s.failing(PlatformDeployError.Kind.TRANSIENT).slow(800);
        aws.failing(PlatformDeployError.Kind.TRANSIENT);
        var deploy = CompletableFuture.supplyAsync(() -> s.deployments().deploy(Fixtures.config(), null), threads);
        until(() -> n("SELECT count(*) AS n FROM bots WHERE status = 'DEPLOYING'") == 1);
        long id = n("SELECT max(id) AS n FROM bots");
        assertThat(s.deployments().stop(id).result()).isEqualTo(BotDeploymentService.StopResult.STOPPING);
        deploy.join();

        k8s.failing(null).slow(0);
        aws.failing(null);
        clock.advance(Duration.ofHours(1)); // past the queue timeout, the lease, everything
        s.hybrid().processQueue("drainer", Duration.ofSeconds(30));

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(s.bots().find(id).status()).as("bot ends").isIn(BotStatus.DONE, BotStatus.FATAL);
            soft.assertThat(n("SELECT used AS n FROM platform_capacity WHERE platform = 'k8s'")).as("k8s used").isZero();
            soft.assertThat(n("SELECT count(*) AS n FROM deployment_queue")).as("queue entries").isZero();
        });
    }

    /** A timed-out call may have started the container: its unit stays claimed and it is not placed elsewhere. */
    @Test
    void aTimedOutDeployKeepsItsUnitAndIsResumedOnTheSamePlatform() throws Exception {
        Services s = services(Map.of("PLATFORM_PRIORITY", "k8s,aws", "K8S_BOT_LIMIT", "2", "AWS_BOT_LIMIT", "1",
                "PLATFORM_CALL_TIMEOUT", "200ms", "QUEUE_LEASE", "1s"));
        k8s.slow(1_000);
        long x = s.deployments().deploy(Fixtures.config(), null).botId();
        until(() -> k8s.live().contains(x)); // the platform started it although the call timed out
        k8s.slow(0);
        s.deployments().deploy(Fixtures.config(), null); // the freed k8s unit is handed out again
        s.deployments().deploy(Fixtures.config(), null);
        s.hybrid().processQueue("drainer", Duration.ofSeconds(30)); // k8s is "full", x goes to aws

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(k8s.peak()).as("containers live on k8s (limit 2)").isLessThanOrEqualTo(2);
            soft.assertThat(aws.starts()).as("x started on a second platform").doesNotContainKey(x);
        });
    }

    /** A drainer that outlives its lease must not stop the container the next drainer recorded. */
    @Test
    void aDrainerThatOutlivesItsLeaseLeavesTheRecordedContainerRunning() throws Exception {
        Services s = services(K8S2_AWS1); // lease 30s, call timeout 5s
        k8s.slow(1_500);
        var first = CompletableFuture.supplyAsync(() -> s.deployments().deploy(Fixtures.config(), null), threads);
        until(() -> n("SELECT count(*) AS n FROM bots WHERE status = 'DEPLOYING'") == 1);
        long id = n("SELECT max(id) AS n FROM bots");
        clock.advance(Duration.ofMinutes(1)); // e.g. Data API retries while resuming: the lease ran out
        k8s.slow(0);
        s.hybrid().processQueue("second-drainer", Duration.ofSeconds(30)); // reclaims, redeploys, records k8s-<id>
        first.join(); // the first call now returns; its record finds the claim gone and stops k8s-<id>

        Bot bot = s.bots().find(id);
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(bot.platformIdentifier()).as("recorded").isEqualTo("k8s-" + id);
            soft.assertThat(k8s.live()).as("the recorded container is still running").contains(id);
        });
    }

    /** A stop that waits on the record of its deploy must see the recorded identifier. */
    @Test
    void aStopRacingTheRecordOfItsDeployStopsTheContainer() throws Exception {
        Services s = services(K8S2_AWS1);
        k8s.failing(PlatformDeployError.Kind.TRANSIENT);
        aws.failing(PlatformDeployError.Kind.TRANSIENT);
        long id = s.deployments().deploy(Fixtures.config(), null).botId(); // QUEUED
        k8s.failing(null);
        aws.failing(null);
        // a drainer has claimed it, its container is up, and it is recording the deployment right now
        s.queue().claim("drainer", 1, Duration.ofSeconds(30));
        assertThat(s.ledger().claim("k8s", 2, List.of(id), "drainer")).containsExactly(id);
        String identifier = k8s.deployBot(s.bots().find(id)).identifier();
        CountDownLatch recordedButNotCommitted = new CountDownLatch(1);
        CountDownLatch commit = new CountDownLatch(1);
        var recorder = CompletableFuture.runAsync(() -> new JdbcSql(db.pool(1)).transaction(tx -> {
            new BotStore(tx, clock).recordDeployments(List.of(new BotStore.Deployment(id, "k8s", identifier)));
            recordedButNotCommitted.countDown();
            try {
                commit.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }), threads);
        recordedButNotCommitted.await();
        var stop = CompletableFuture.supplyAsync(() -> s.deployments().stop(id), threads);
        until(() -> n("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == 1);
        commit.countDown();
        recorder.join();
        var result = stop.join();

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(result.result()).as("stop result").isNotEqualTo(BotDeploymentService.StopResult.STOPPING);
            soft.assertThat(k8s.live()).as("container stopped").doesNotContain(id);
        });
    }

    /** A group of calls to one platform waits one timeout in all, not one per call. */
    @Test
    void hungCallsOfOneGroupShareOneTimeout() {
        Services s = services(Map.of("PLATFORM_PRIORITY", "k8s,aws", "K8S_BOT_LIMIT", "8", "AWS_BOT_LIMIT", "1",
                "PLATFORM_CALL_TIMEOUT", "200ms", "QUEUE_LEASE", "1s"));
        k8s.failing(PlatformDeployError.Kind.TRANSIENT);
        aws.failing(PlatformDeployError.Kind.TRANSIENT);
        for (int i = 0; i < 8; i++) {
            s.deployments().deploy(Fixtures.config(), null);
        }
        k8s.failing(null).slow(5_000); // the platform hangs
        long t0 = System.nanoTime();
        s.hybrid().processQueue("drainer", Duration.ofSeconds(30));
        Duration round = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(round).as("one round, 8 hung calls, 200 ms timeout, 1 s lease").isLessThan(Duration.ofSeconds(1));
    }
}
