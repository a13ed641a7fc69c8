package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.config.Settings;
import io.botfleet.testing.FakeFleet;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tenant limits under the load many Lambda containers make, to the proof standard of the platform
 * limits: four service instances with their own connections deploy at once for four tenants
 * (limits 3, 4, 0 and none) onto two platforms (7 and 5), then three drainers claim while bots
 * finish at random. The fake fleet records any moment a tenant runs more containers than its limit,
 * on both platforms together; the ledger's counters end at zero.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class TenantLimitStressTest {
    private static final int INSTANCES = 4;
    private static final int THREADS = 100;
    private static final Map<String, Integer> LIMITS = Map.of("a", 3, "b", 4, "zero", 0);
    private static final List<String> TENANTS = List.of("a", "b", "none", "a", "b", "none", "zero");
    private static final int BOTS = 280;

    private final TestDatabase.Adapter adapter;

    TenantLimitStressTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @RepeatedTest(3)
    void noTenantEverRunsAboveItsLimit() throws Exception {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            FakeFleet fleet = new FakeFleet().limitTenants(LIMITS);
            FakePlatform k8s = new FakePlatform("k8s", fleet, 7);
            FakePlatform aws = new FakePlatform("aws", fleet, 5);
            Settings settings = Fixtures.twoPlatforms(7, 5);
            List<Services> instances = IntStream.range(0, INSTANCES)
                    .mapToObj(i -> Fixtures.services(settings, db.sql(10), List.of(k8s, aws), Clock.systemUTC()))
                    .toList();
            LIMITS.forEach((tenant, limit) -> instances.get(0).tenants().put(tenant, 1, limit, 0));

            deployConcurrently(instances);
            assertThat(fleet.breaches()).as("after the deploys").isEmpty();
            long held = BOTS / TENANTS.size();
            CapacityStressTest.drainWhileBotsFinish(db, instances, List.of(k8s, aws), BOTS - held);

            assertThat(fleet.breaches()).as("no limit exceeded, no bot started twice").isEmpty();
            assertThat(db.count("SELECT count(*) AS n FROM bots WHERE tenant = 'zero' AND status = 'QUEUED'"))
                    .as("a limit of 0 runs nothing").isEqualTo(held);
            assertThat(db.count("SELECT count(*) AS n FROM bots WHERE tenant <> 'zero' AND status <> 'DONE'")).isZero();
            assertThat(db.count("SELECT coalesce(sum(used), 0) AS n FROM tenant_capacity")).as("tenant ledger").isZero();
            assertThat(db.count("SELECT sum(used) AS n FROM platform_capacity")).as("platform ledger").isZero();
        }
    }

    private static void deployConcurrently(List<Services> instances) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<DeployOutcome>> results = new ArrayList<>();
            for (int i = 0; i < BOTS; i++) {
                Services instance = instances.get(i % instances.size());
                String tenant = TENANTS.get(i % TENANTS.size());
                results.add(threads.submit(() -> instance.deployments().deploy(TenantLimitTest.of(tenant), null)));
            }
            for (Future<DeployOutcome> result : results) {
                result.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
