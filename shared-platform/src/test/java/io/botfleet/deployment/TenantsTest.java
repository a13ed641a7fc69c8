package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.Tenants.Tenant;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Tenants as data, on both SQL adapters: settings kept and read back, and the figures of bots running and waiting. */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class TenantsTest {
    private final TestDatabase.Adapter adapter;

    TenantsTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    /** Services over one platform of three units. */
    private static Services services(TestDatabase db) {
        return Fixtures.services(Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "3")),
                db.sql(2), List.of(new FakePlatform("k8s")), Clock.systemUTC());
    }

    private static BotConfig of(String tenant) {
        return Fixtures.ofTenant(tenant, Fixtures.config());
    }

    @Test
    void whatIsPutIsReadBackAndAChangeAppliesToTheNextRead() {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            Tenants tenants = services(db).tenants();

            assertThat(tenants.put("acme", 5, 10, 2)).isEqualTo(new Tenant("acme", 5, 10, 2, 0, 0, 0));
            assertThat(tenants.get("acme")).isEqualTo(new Tenant("acme", 5, 10, 2, 0, 0, 0));

            tenants.put("acme", 7, null, 0);
            assertThat(tenants.get("acme")).as("the limit removed").isEqualTo(new Tenant("acme", 7, null, 0, 0, 0, 0));
            assertThat(db.count("SELECT count(*) AS n FROM tenants")).as("one row, replaced").isEqualTo(1);
            assertThat(tenants.list()).containsExactly(new Tenant("acme", 7, null, 0, 0, 0, 0));
        }
    }

    @Test
    void aTenantNeverConfiguredReadsAsItsDefaultsWithItsCounts() {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            Services services = services(db);
            Tenants tenants = services.tenants();
            assertThat(tenants.get("nobody")).isEqualTo(new Tenant("nobody", 1, null, 0, 0, 0, 0));
            assertThat(tenants.list()).isEmpty();

            services.deployments().deploy(of("busy"), null);
            assertThat(tenants.get("busy")).isEqualTo(new Tenant("busy", 1, null, 0, 1, 0, 1.0));
            assertThat(tenants.list()).containsExactly(new Tenant("busy", 1, null, 0, 1, 0, 1.0));
            assertThat(db.count("SELECT count(*) AS n FROM tenants")).as("no row written by a read").isZero();
        }
    }

    /**
     * Three units in use (acme 2, globex 1) and three bots waiting (globex 1, initech 2); acme weighs 3,
     * idle (configured, no work) 7: the shares split the three units 3:1:1 among the tenants with work.
     */
    @Test
    void usedWaitingAndShareFollowTheBotsRunningAndQueued() {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            Services services = services(db);
            Tenants tenants = services.tenants();
            tenants.put("acme", 3, null, 0);
            tenants.put("idle", 7, 4, 1);
            for (String tenant : List.of("acme", "acme", "globex", "globex", "initech", "initech")) {
                services.deployments().deploy(of(tenant), null);
            }
            assertThat(db.count("SELECT count(*) AS n FROM bots WHERE status = 'QUEUED'")).isEqualTo(3);

            assertThat(tenants.list()).containsExactly(
                    new Tenant("acme", 3, null, 0, 2, 0, 1.8),
                    new Tenant("globex", 1, null, 0, 1, 1, 0.6),
                    new Tenant("idle", 7, 4, 1, 0, 0, 0),
                    new Tenant("initech", 1, null, 0, 0, 2, 0.6));
            assertThat(tenants.get("initech")).isEqualTo(new Tenant("initech", 1, null, 0, 0, 2, 0.6));

            tenants.put("acme", 1, null, 0);
            assertThat(tenants.get("acme").share()).as("the new weight, at the next read").isEqualTo(1.0);

            long running = db.count("SELECT min(id) AS n FROM bots WHERE tenant = 'acme' AND capacity_platform IS NOT NULL");
            services.deployments().stop(running);
            assertThat(services.bots().find(running).status()).isEqualTo(BotStatus.DONE);
            assertThat(tenants.get("acme")).isEqualTo(new Tenant("acme", 1, null, 0, 1, 0, 0.67));
        }
    }
}
