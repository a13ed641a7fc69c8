package io.botfleet.deployment;

import static io.botfleet.deployment.TenantLimitTest.of;
import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fair share as a user meets it, on a fleet of 7 units (k8s 2, aws 5): a new request of a
 * tenant below its share is not held behind another tenant's backlog, a bot that waits because
 * another tenant goes first says FAIR_SHARE, and the estimated wait counts its tenant's line and
 * the units its share and limit give it.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class TenantShareTest {
    private static final Duration BOT_RUN = Duration.ofMinutes(30); // ESTIMATED_BOT_DURATION's default
    private final Harness h;
    private final Instance api;

    TenantShareTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 2, 5, Map.of("HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h"));
        api = h.instance();
    }

    @AfterEach
    void close() {
        h.close();
    }

    private BotView view(long id) {
        return api.services().deployments().views().view(id).orElseThrow();
    }

    private List<Long> deploy(String tenant, int bots) {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < bots; i++) {
            ids.add(api.deploy(of(tenant)).botId());
        }
        return ids;
    }

    @Test
    void aTenantBelowItsShareIsNotHeldBehindAnotherTenantsBacklog() {
        List<Long> acme = deploy("acme", 10); // 7 run, 3 wait
        h.finish(api, acme.get(0));

        long globex = api.deploy(of("globex")).botId();

        assertThat(h.status(globex)).as("globex runs nothing: the free unit is its to take").isEqualTo("DEPLOYING");
        assertThat(acme.subList(7, 10).stream().map(h::status).toList()).containsOnly("QUEUED");
    }

    @Test
    void aBotWaitingForAnotherTenantSaysFairShare() {
        List<Long> acme = deploy("acme", 8); // 7 run, 1 waits
        long globex = api.deploy(of("globex")).botId();

        assertThat(view(globex).queueEntry().waitReason()).as("nothing of globex runs").isEqualTo(WaitReason.NO_CAPACITY);
        assertThat(view(acme.get(7)).queueEntry().waitReason()).as("globex goes first").isEqualTo(WaitReason.FAIR_SHARE);
        assertThat(api.services().deployments().views().waiting(10)).extracting(w -> w.entry().waitReason())
                .containsExactly(WaitReason.FAIR_SHARE, WaitReason.NO_CAPACITY);
    }

    @Test
    void theEstimatedWaitCountsTheTenantsLineAndItsUnits() {
        deploy("acme", 7);
        List<Long> acme = deploy("acme", 4); // four wait, 0..3 of acme's line ahead
        long globex = api.deploy(of("globex")).botId();
        // two tenants of weight 1 with work: acme can expect 3 of the 7 units, globex 3
        assertThat(view(acme.get(0)).estimatedWait()).isEqualTo(BOT_RUN);
        assertThat(view(acme.get(3)).estimatedWait()).as("3 ahead of it in acme's line").isEqualTo(BOT_RUN.multipliedBy(2));
        assertThat(view(globex).estimatedWait()).as("first in globex's line").isEqualTo(BOT_RUN);

        api.services().tenants().put("acme", 1, 1, 0); // now one unit at a time
        assertThat(view(acme.get(3)).estimatedWait()).isEqualTo(BOT_RUN.multipliedBy(4));
        api.services().tenants().put("acme", 1, 0, 0);
        assertThat(view(acme.get(3)).estimatedWait()).as("no unit until the limit changes").isNull();
        assertThat(view(acme.get(3)).queueEntry().waitReason()).isEqualTo(WaitReason.TENANT_LIMIT);
    }
}
