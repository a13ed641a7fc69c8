package io.botfleet.bench;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.platform.HybridPlatformService.DrainReport;
import io.botfleet.store.CountingSql;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Data API path under a realistic in-region latency: every call to the local Data API
 * endpoint waits 20 ms, every platform deploy 200 ms. Prints statements per immediate deploy and
 * per drained bot, and how long one drainer takes to clear a 500-bot backlog (target: under 5 s),
 * against the same drain one bot per round as the baseline. Run from the repository root:
 * {@code mvn -q -pl shared-platform test-compile exec:java -Dexec.mainClass=io.botfleet.bench.DataApiBenchmark -Dexec.classpathScope=test}
 */
public final class DataApiBenchmark {
    private static final Duration DATA_API_LATENCY = Duration.ofMillis(20);
    private static final long PLATFORM_MILLIS = 200;
    private static final int BACKLOG = 500;
    private static final int BASELINE_BACKLOG = 50;

    private record Drain(int bots, long statements, long nanos, int rounds) {
        double seconds() {
            return nanos / 1e9;
        }
    }

    public static void main(String[] args) {
        System.setProperty("botfleet.log.level", "WARN");
        System.out.println("== botfleet Data API benchmark ==");
        System.out.printf(Locale.ROOT, "local Data API endpoint over embedded PostgreSQL 17, %d ms per call; "
                + "platform deploys %d ms each; the real RdsDataClient%n", DATA_API_LATENCY.toMillis(), PLATFORM_MILLIS);

        immediate();
        Drain batched = drain(BACKLOG, 80, "[2] one drainer, a backlog of " + BACKLOG + ", DRAIN_BATCH_SIZE=80");
        Drain baseline = drain(BASELINE_BACKLOG, 1, "[3] baseline: a backlog of " + BASELINE_BACKLOG
                + ", DRAIN_BATCH_SIZE=1 (one bot per round, as a one-at-a-time drain)");
        double ratio = (batched.bots() / batched.seconds()) / (baseline.bots() / baseline.seconds());
        System.out.printf(Locale.ROOT, "%n== result ==%n%d-bot backlog cleared in %.2f s (target < 5 s): %s; "
                        + "drain rate %.0f vs %.1f bots/s one at a time = %.0fx%n",
                BACKLOG, batched.seconds(), batched.seconds() < 5 ? "met" : "MISSED",
                batched.bots() / batched.seconds(), baseline.bots() / baseline.seconds(), ratio);
        System.exit(batched.seconds() < 5 ? 0 : 1);
    }

    private static void immediate() {
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API)) {
            CountingSql sql = new CountingSql(db.sql(2));
            Services services = services(sql, 1000, io.botfleet.config.Settings.MAX_DRAIN_BATCH_SIZE,
                    new FakePlatform("k8s").slow(PLATFORM_MILLIS));
            db.dataApi().latency(DATA_API_LATENCY);
            int n = 50;
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                check(services.deployments().deploy(Fixtures.config(), null).status() == BotStatus.DEPLOYING, "deployed");
            }
            long nanos = System.nanoTime() - start;
            System.out.printf(Locale.ROOT, "%n[1] immediate deploys, capacity free%n  %d deploys, %.0f ms each "
                            + "(3 round trips + one platform call)%n  SQL statements: %.2f per immediate deploy (target <= 3)%n",
                    n, nanos / 1e6 / n, (double) sql.statements() / n);
        }
    }

    /** Fills the limit with bots, queues {@code backlog} more, ends the first ones, then times one drain. */
    private static Drain drain(int backlog, int batchSize, String title) {
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API)) {
            CountingSql sql = new CountingSql(db.sql(2));
            FakePlatform k8s = new FakePlatform("k8s");
            Services services = services(sql, backlog, batchSize, k8s);
            List<Long> running = new ArrayList<>();
            for (int i = 0; i < backlog; i++) {
                running.add(services.deployments().deploy(Fixtures.config(), null).botId());
            }
            for (int i = 0; i < backlog; i++) {
                check(services.deployments().deploy(Fixtures.config(), null).status() == BotStatus.QUEUED, "queued");
            }
            for (long id : running) {
                services.bots().transition(id, BotStatus.DONE, null, false);
            }
            k8s.slow(PLATFORM_MILLIS);
            db.dataApi().latency(DATA_API_LATENCY);

            long before = sql.statements();
            long start = System.nanoTime();
            DrainReport report = services.hybrid().processQueue("bench", Duration.ofMinutes(5));
            Drain drain = new Drain(report.deployed(), sql.statements() - before, System.nanoTime() - start, report.rounds());

            check(drain.bots() == backlog, "every queued bot deployed by one drain");
            check(k8s.starts().size() == 2 * backlog && k8s.starts().values().stream().allMatch(n -> n == 1),
                    "each bot started exactly once");
            check(db.count("SELECT count(*) AS n FROM deployment_queue") == 0, "queue empty");
            System.out.printf(Locale.ROOT, "%n%s%n  %d bots in %.2f s: %.0f bots/s, %d rounds%n"
                            + "  SQL statements: %d = %.3f per drained bot (target <= 2 per bot + a constant per batch)%n",
                    title, drain.bots(), drain.seconds(), drain.bots() / drain.seconds(), drain.rounds(),
                    drain.statements(), (double) drain.statements() / drain.bots());
            return drain;
        }
    }

    private static Services services(CountingSql sql, int limit, int batchSize, FakePlatform k8s) {
        return new Services(Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", Integer.toString(limit),
                "DRAIN_BATCH_SIZE", Integer.toString(batchSize))), sql, List.of(k8s), CapacityReleasedPublisher.NONE,
                Clock.systemUTC());
    }

    private static void check(boolean holds, String what) {
        if (!holds) {
            System.out.println("CHECK FAILED: " + what);
            System.exit(1);
        }
    }
}
