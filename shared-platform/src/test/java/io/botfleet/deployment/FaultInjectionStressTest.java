package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.config.Settings;
import io.botfleet.testing.FakeFleet;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.FaultySql;
import io.botfleet.testing.FleetWorkload;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every statement can fail, before it runs or after it committed (the Data API's lost answers),
 * and every promise still holds: a seeded fraction of the statements of three service instances
 * fails while clients deploy, retry and stop, bots call back, platforms take containers back and
 * announce every container's end (0 to 3 times, in any order, late), and drainers run; then the faults
 * stop and time moves on until nothing is left. Each instance has its own connections and its own
 * faults. Both adapters, at 2%, 5% and 10%.
 */
class FaultInjectionStressTest {
    private static final int INSTANCES = 3;
    private static final Map<String, Integer> LIMITS = Map.of("k8s", 4, "aws", 3);

    static List<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (TestDatabase.Adapter adapter : TestDatabase.Adapter.values()) {
            for (double rate : new double[] {0.02, 0.05, 0.10}) {
                runs.add(Arguments.of(adapter, rate));
            }
        }
        return runs;
    }

    @ParameterizedTest(name = "{0}, {1} of statements fail")
    @MethodSource("runs")
    void everyPromiseHoldsWhenStatementsFail(TestDatabase.Adapter adapter, double rate) throws Exception {
        long seed = Double.doubleToLongBits(rate) ^ adapter.ordinal();
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            MutableClock clock = MutableClock.ticking();
            FakeFleet fleet = new FakeFleet();
            FakePlatform k8s = new FakePlatform("k8s", fleet, LIMITS.get("k8s")).slow(15).listing();
            FakePlatform aws = new FakePlatform("aws", fleet, LIMITS.get("aws")).slow(15).listing().taskNames();
            Settings settings = Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s,aws", "K8S_BOT_LIMIT", "4",
                    "AWS_BOT_LIMIT", "3", "PLATFORM_CALL_TIMEOUT", "2s", "QUEUE_LEASE", "6s",
                    "GLOBAL_QUEUE_TIMEOUT", "2h", "DEPLOY_TIMEOUT", "1h", "HEARTBEAT_TIMEOUT", "1h"));
            List<FaultySql> faults = new ArrayList<>();
            List<Services> instances = new ArrayList<>();
            for (int i = 0; i < INSTANCES; i++) {
                FaultySql sql = new FaultySql(db.sql(6), rate, seed + i);
                faults.add(sql);
                instances.add(Fixtures.services(settings, sql, List.of(k8s, aws), clock));
            }
            FleetWorkload workload = new FleetWorkload(new FleetWorkload.Config(120, 12, 0.5, 0.3, false, seed),
                    instances, List.of(k8s, aws), db, clock).withPlatformEvents(aws);

            workload.run(LIMITS);
            faults.forEach(FaultySql::heal);
            int passes = workload.settle(instances.get(0));

            int injected = faults.stream().mapToInt(f -> f.injected()[0] + f.injected()[1]).sum();
            assertThat(injected).as("faults injected").isPositive();
            assertThat(passes).as("quiet after the faults stopped").isPositive();
            assertThat(workload.brokenPromises(LIMITS)).as("broken promises (%d faults, %d bots, %d stops, %d platform events)",
                    injected, workload.told(), workload.stops(), workload.eventsDelivered()).isEmpty();
        }
    }
}
