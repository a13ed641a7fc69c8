package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.config.Settings;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Invariants 1 and 2 under the load many Lambda containers make: four service instances, each
 * with its own connection pool, fifty threads each, against two platforms with limits 7 and 5;
 * then three concurrent drainers while bots finish. Modelled on db-scheduler's ClusterTests.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class CapacityStressTest {
    private static final int INSTANCES = 4;
    private static final int THREADS_PER_INSTANCE = 50;
    private static final int BOTS = 400;
    private static final int DRAINERS = 3;

    private final TestDatabase.Adapter adapter;

    CapacityStressTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @RepeatedTest(5)
    void limitsHoldAndEveryBotIsDeployedExactlyOnce() throws Exception {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            FakePlatform k8s = new FakePlatform("k8s");
            FakePlatform aws = new FakePlatform("aws");
            Settings settings = Fixtures.twoPlatforms(7, 5);
            List<Services> instances = IntStream.range(0, INSTANCES)
                    .mapToObj(i -> Fixtures.services(settings, db.sql(10), List.of(k8s, aws), Clock.systemUTC()))
                    .toList();

            Map<BotStatus, Integer> answers = deployConcurrently(instances, BOTS, INSTANCES * THREADS_PER_INSTANCE);
            assertThat(answers.keySet()).as("every request ends deployed or queued")
                    .containsOnly(BotStatus.DEPLOYING, BotStatus.QUEUED);
            assertThat(answers.get(BotStatus.DEPLOYING)).isEqualTo(7 + 5);
            assertThat(answers.get(BotStatus.QUEUED)).isEqualTo(BOTS - 12);
            assertThat(db.count("SELECT count(*) AS n FROM deployment_queue")).isEqualTo(BOTS - 12);

            drainWhileBotsFinish(db, instances, List.of(k8s, aws), BOTS);

            assertThat(k8s.peak()).as("k8s peak").isLessThanOrEqualTo(7);
            assertThat(aws.peak()).as("aws peak").isLessThanOrEqualTo(5);
            Map<Long, Integer> starts = new HashMap<>(k8s.starts());
            aws.starts().forEach((id, n) -> starts.merge(id, n, Integer::sum));
            assertThat(starts).as("every bot started once").hasSize(BOTS);
            assertThat(starts.values()).as("no bot started twice").containsOnly(1);
            assertThat(db.count("SELECT count(*) AS n FROM deployment_queue")).as("queue").isZero();
            assertThat(db.count("SELECT sum(used) AS n FROM platform_capacity")).as("ledger").isZero();
            assertThat(db.count("SELECT count(*) AS n FROM bots WHERE status <> 'DONE'")).isZero();
            if (adapter == TestDatabase.Adapter.DATA_API) {
                assertThat(db.dataApi().calls("ExecuteStatement")).as("through the Data API").isGreaterThan(BOTS);
            }
        }
    }

    /** {@code bots} deploys at once, spread over the instances; how many got each answer. */
    static Map<BotStatus, Integer> deployConcurrently(List<Services> instances, int bots, int threadCount) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(threadCount);
        try {
            List<Future<DeployOutcome>> results = new ArrayList<>();
            for (int i = 0; i < bots; i++) {
                Services instance = instances.get(i % instances.size());
                results.add(threads.submit(() -> instance.deployments().deploy(Fixtures.config(), null)));
            }
            Map<BotStatus, Integer> answers = new HashMap<>();
            for (Future<DeployOutcome> result : results) {
                answers.merge(result.get(60, TimeUnit.SECONDS).status(), 1, Integer::sum);
            }
            return answers;
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Three drainers (the first instances) loop; a finisher (the last) lets random live bots exit
     * and report DONE, until {@code done} bots are DONE.
     */
    static void drainWhileBotsFinish(TestDatabase db, List<Services> instances, List<FakePlatform> platforms, long done)
            throws Exception {
        AtomicBoolean finished = new AtomicBoolean();
        ExecutorService threads = Executors.newFixedThreadPool(DRAINERS + 1);
        try {
            List<Future<?>> drainers = new ArrayList<>();
            for (int d = 0; d < DRAINERS; d++) {
                Services drainer = instances.get(d);
                int n = d;
                drainers.add(threads.submit(() -> {
                    int round = 0;
                    while (!finished.get()) {
                        drainer.hybrid().processQueue("drainer-" + n + "-" + round++, Duration.ofSeconds(10));
                        Thread.sleep(2);
                    }
                    return null;
                }));
            }
            BotTokens tokens = new BotTokens(Fixtures.SECRET);
            Services reporter = instances.get(instances.size() - 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (db.count("SELECT count(*) AS n FROM bots WHERE status = 'DONE'") < done) {
                assertThat(System.nanoTime()).as("drained in time").isLessThan(deadline);
                for (FakePlatform platform : platforms) {
                    for (long id : platform.live()) {
                        if (ThreadLocalRandom.current().nextBoolean() && platform.exit(id)) {
                            reporter.deployments().report(id, tokens.tokenFor(id), BotStatus.DONE, null);
                        }
                    }
                }
            }
            finished.set(true);
            for (Future<?> drainer : drainers) {
                drainer.get(30, TimeUnit.SECONDS); // rethrows anything a drainer hit
            }
        } finally {
            finished.set(true);
            threads.shutdownNow();
        }
    }
}
