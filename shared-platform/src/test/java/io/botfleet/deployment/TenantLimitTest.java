package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotConfig;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tenant's limit holds in the ledger: on every platform together, for a deploy answered at once
 * and for the drain, and a limit of 0 means no bot at all (not "no limit"). A bot held back by its
 * tenant's limit says so.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class TenantLimitTest {
    private final Harness h;
    private final Instance api;

    TenantLimitTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 2, 5, Map.of("HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h"));
        api = h.instance();
    }

    @AfterEach
    void close() {
        h.close();
    }

    static BotConfig of(String tenant) {
        return Fixtures.ofTenant(tenant, Fixtures.config());
    }

    private WaitReason reason(long id) {
        return api.services().deployments().views().view(id).orElseThrow().queueEntry().waitReason();
    }

    @Test
    void aLimitOfZeroGetsNoBotAndSaysWhy() {
        api.services().tenants().put("zero", 1, 0, 0);
        long held = api.deploy(of("zero")).botId();
        long other = api.deploy(of("other")).botId();
        api.drain();

        assertThat(h.status(held)).isEqualTo("QUEUED");
        assertThat(reason(held)).isEqualTo(WaitReason.TENANT_LIMIT);
        assertThat(h.status(other)).as("another tenant is not held").isEqualTo("DEPLOYING");
        assertThat(h.fleet.live()).containsExactly(other);
    }

    @Test
    void aLimitHoldsAcrossPlatformsAndAFreedUnitGoesToTheNextBot() {
        h.fleet.limitTenants(Map.of("acme", 3));
        api.services().tenants().put("acme", 1, 3, 0);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(api.deploy(of("acme")).botId());
        }
        api.drain();
        assertThat(ids.stream().map(h::status).toList())
                .containsExactly("DEPLOYING", "DEPLOYING", "DEPLOYING", "QUEUED", "QUEUED", "QUEUED");
        assertThat(reason(ids.get(3))).isEqualTo(WaitReason.TENANT_LIMIT);
        long other = api.deploy(of("other")).botId();
        assertThat(h.status(other)).as("the fleet has room for another tenant").isEqualTo("DEPLOYING");

        h.finish(api, ids.get(0));
        assertThat(h.n("SELECT used AS n FROM tenant_capacity WHERE tenant = 'acme'")).as("the unit given back").isEqualTo(2);
        api.drain();
        assertThat(ids.stream().map(h::status).toList()).as("the first waiting bot takes the freed unit")
                .containsExactly("DONE", "DEPLOYING", "DEPLOYING", "DEPLOYING", "QUEUED", "QUEUED");
        assertThat(h.fleet.breaches()).isEmpty();
    }

    @Test
    void aChangedLimitAppliesAtTheNextClaim() {
        api.services().tenants().put("acme", 1, 1, 0);
        long first = api.deploy(of("acme")).botId();
        long second = api.deploy(of("acme")).botId();
        assertThat(List.of(h.status(first), h.status(second))).containsExactly("DEPLOYING", "QUEUED");

        api.services().tenants().put("acme", 1, null, 0);
        api.drain();
        assertThat(h.status(second)).isEqualTo("DEPLOYING");
    }
}
