package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.EndReason;
import io.botfleet.config.Settings;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.store.JdbcSql;
import io.botfleet.store.Sql;
import io.botfleet.testing.FakeFleet;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.FakePlatform.Behavior;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.FleetWorkload;
import io.botfleet.testing.HookedSql;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Platforms that fail at random in every way the contract allows: definite failures (transient,
 * permanent, capacity), a timeout after the container started, a timeout that started nothing,
 * an unchecked exception after starting, stops, lookups and releases that fail; and none of them
 * deduplicates two concurrent deploys of one bot. Three service instances, two drainers, clients
 * that deploy and stop, bots whose callbacks come twice or out of order; containers taken back
 * (Spot), and every container's end announced as ECS would, each announcement delivered 0 to 3
 * times, in any order, some late; both platforms list what they run, so a lost one is found. During the run the
 * ledger, the limits and the queue are checked (one statement each); at the end every bot started
 * at most once and never on two platforms at once, every acknowledged stop held, and nothing is
 * left. Meanwhile the instances count the events as the metrics do: their totals are the events'
 * counts exactly, and every bot ended with a reason docs/failure-reasons.md lists. Both adapters,
 * five runs each.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class ChaosStressTest {
    private static final Map<String, Integer> LIMITS = Map.of("k8s", 4, "aws", 3);
    private final TestDatabase.Adapter adapter;

    ChaosStressTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    /** One call's behavior, drawn at random. */
    private static Behavior chaos(FakePlatform platform, Random random) {
        double draw;
        synchronized (random) {
            draw = random.nextDouble();
        }
        if (draw < 0.45) {
            return FakePlatform.ok();
        } else if (draw < 0.55) {
            return platform.fail(Kind.TRANSIENT);
        } else if (draw < 0.60) {
            return platform.fail(Kind.PERMANENT);
        } else if (draw < 0.72) {
            return platform.fail(Kind.CAPACITY);
        } else if (draw < 0.80) {
            return FakePlatform.startThenHang(400); // the call times out; the container runs
        } else if (draw < 0.88) {
            return platform.hang(400); // the call times out; nothing started
        }
        return FakePlatform.startThenThrow(new UncheckedIOException(new SocketTimeoutException("Read timed out")));
    }

    /**
     * Statements that take their time now and then, as Data API calls do: what a caller read may
     * have changed by the time its next statement runs.
     */
    private static Sql jittery(Sql sql, Random random) {
        return new HookedSql(sql).on((statement, params) -> true, HookedSql.When.BEFORE, Integer.MAX_VALUE, () -> {
            int draw;
            synchronized (random) {
                draw = random.nextInt(1000);
            }
            long millis = draw < 900 ? 0 : draw < 980 ? 1 + draw % 5 : 30 + draw % 50;
            if (millis > 0) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Adds a take's counts, by status, platform and reason. */
    private static void count(EventCounts.Taken taken, Map<String, Long> counted) {
        taken.counts().stream().filter(c -> c.kind() == EventCounts.Kind.BOT)
                .forEach(c -> counted.merge(c.status() + "|" + c.platform() + "|" + c.reason(), c.events(), Long::sum));
    }

    /** What the metrics count, read from the events themselves. */
    private static Map<String, Long> recorded(TestDatabase db) {
        Map<String, Long> recorded = new HashMap<>();
        new JdbcSql(db.pool(1)).query("""
                SELECT status, platform, reason FROM bot_events WHERE status IN ('DEPLOYING', 'DONE', 'FATAL')""",
                io.botfleet.store.Params.of()).forEach(row -> {
            String status = row.getString("status");
            String reason = status.equals("DEPLOYING") ? null : EndReason.metricName(row.getString("reason"));
            recorded.merge(status + "|" + row.getString("platform") + "|" + reason, 1L, Long::sum);
        });
        return recorded;
    }

    @RepeatedTest(5)
    void everyPromiseHoldsWhenPlatformsFailInEveryWay(RepetitionInfo run) throws Exception {
        long seed = 31L * run.getCurrentRepetition() + adapter.ordinal();
        Random random = new Random(seed);
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            MutableClock clock = MutableClock.ticking();
            FakeFleet fleet = new FakeFleet();
            List<FakePlatform> platforms = new ArrayList<>();
            for (String name : List.of("k8s", "aws")) {
                FakePlatform platform = new FakePlatform(name, fleet, LIMITS.get(name));
                platform.byDefault(() -> chaos(platform, random)).flaky(random, 0.2, 0.2, 0.1).listing();
                platforms.add(platform);
            }
            platforms.get(1).taskNames(); // aws: a task of its own per claim, and events about each
            Settings settings = Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s,aws", "K8S_BOT_LIMIT", "4",
                    "AWS_BOT_LIMIT", "3", "PLATFORM_CALL_TIMEOUT", "150ms", "QUEUE_LEASE", "1s",
                    "GLOBAL_QUEUE_TIMEOUT", "2h", "DEPLOY_TIMEOUT", "1h", "HEARTBEAT_TIMEOUT", "1h"));
            List<Services> instances = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                instances.add(Fixtures.services(settings, jittery(db.sql(6), random), List.copyOf(platforms), clock));
            }
            FleetWorkload workload = new FleetWorkload(new FleetWorkload.Config(80, 10, 0.5, 0.3, true, seed),
                    instances, platforms, db, clock).withPlatformEvents(platforms.get(1));

            // metrics are counted all along, by every instance in turn, as the drains do
            Map<String, Long> counted = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            CompletableFuture<Void> counting = CompletableFuture.runAsync(() -> {
                for (int i = 0; running.get(); i++) {
                    count(instances.get(i % instances.size()).eventCounts().take(), counted);
                    pause(5);
                }
            });
            workload.run(LIMITS);
            platforms.forEach(p -> p.byDefault(FakePlatform::ok).flaky(random, 0, 0, 0)); // the platforms recover
            int passes = workload.settle(instances.get(0));
            running.set(false);
            counting.join();
            Map<String, Long> recorded = recorded(db);
            for (int i = 0; i < 200 && !counted.equals(recorded); i++) { // a transaction elsewhere may hold xmin back
                count(instances.get(0).eventCounts().take(), counted);
                pause(10);
            }

            assertThat(counted).as("the metrics' totals are the events' counts").isEqualTo(recorded);
            assertThat(recorded.keySet()).as("every end's reason is documented (docs/failure-reasons.md)")
                    .allSatisfy(key -> assertThat(key).doesNotEndWith("|BOT_REPORTED"));

            assertThat(passes).as("quiet after the platforms recovered; left: %s", workload.leftovers()).isPositive();
            assertThat(workload.brokenPromises(LIMITS)).as("broken promises (%d bots, %d stops, %d platform events)",
                    workload.told(), workload.stops(), workload.eventsDelivered()).isEmpty();
            assertThat(workload.eventsDelivered()).as("platform events delivered").isPositive();
        }
    }
}
