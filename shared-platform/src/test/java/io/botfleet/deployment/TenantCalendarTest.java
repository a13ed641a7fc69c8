package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotConfig;
import io.botfleet.deployment.BotDeploymentService.CapacityUnavailable;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tenant's limit in the capacity calendar, on a fleet of six units (k8s 3, aws 3) where the
 * tenant acme may use two: its reservations fit its limit as well as the fleet's, its ad-hoc bots
 * leave its reservations their units, and a reservation given back is its tenant's again.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class TenantCalendarTest {
    private final Harness h;
    private final Instance api;

    TenantCalendarTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 3, 3, Map.of("HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h",
                "GLOBAL_QUEUE_TIMEOUT", "1h"));
        api = h.instance();
        api.services().tenants().put("acme", 1, 2, 0);
    }

    @AfterEach
    void close() {
        h.close();
    }

    private static BotConfig of(String tenant, Instant start) {
        return Fixtures.ofTenant(tenant, start == null ? Fixtures.config()
                : Fixtures.scheduled(start, start.plus(Duration.ofMinutes(30)), 0));
    }

    private static Object deployOrRefusal(Instance through, BotConfig config) {
        try {
            return through.deploy(config);
        } catch (CapacityUnavailable refused) {
            return refused;
        }
    }

    private long acmePromised() {
        return h.n("SELECT coalesce(max(promised), 0) AS n FROM tenant_calendar WHERE tenant = 'acme'");
    }

    private long acmeUsed() {
        return h.n("SELECT used AS n FROM tenant_capacity WHERE tenant = 'acme'");
    }

    @Test
    void tenRequestsForATenantsLastTwoUnitsAdmitTwoAndReferTheOthersToTheTenantsNextWindow() {
        Instant start = h.clock.instant().plus(Duration.ofHours(2));
        List<Instance> instances = List.of(h.instance(), h.instance(), h.instance(), h.instance());
        List<Object> results = h.atOnce(10, i -> deployOrRefusal(instances.get(i % instances.size()), of("acme", start)));

        assertThat(results).filteredOn(DeployOutcome.class::isInstance).as("admitted: acme's limit").hasSize(2);
        List<CapacityUnavailable> refused = results.stream().filter(CapacityUnavailable.class::isInstance)
                .map(CapacityUnavailable.class::cast).toList();
        assertThat(refused).hasSize(8);
        assertThat(acmePromised()).isEqualTo(2);
        Instant next = refused.get(0).nextStartTime();
        assertThat(refused).extracting(CapacityUnavailable::nextStartTime).containsOnly(next);
        assertThat(next.minus(Duration.ofMinutes(5))).as("acme's next window starts once its reservations end")
                .isAfterOrEqualTo(start.plus(Duration.ofMinutes(30)));
        assertThat(deployOrRefusal(api, of("globex", start))).as("the fleet has units left for another tenant")
                .isInstanceOf(DeployOutcome.class);
        assertThat(deployOrRefusal(api, of("acme", next))).as("the window offered fits").isInstanceOf(DeployOutcome.class);
    }

    @Test
    void aTenantsAdHocBotsLeaveItsReservationTheUnitItNeeds() {
        Instant start = h.clock.instant().plus(Duration.ofMinutes(20)); // reserved from 15 minutes on
        long reserved = api.deploy(of("acme", start)).botId();
        List<Long> adHoc = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // each would run 30 minutes by estimate
            adHoc.add(api.deploy(of("acme", null)).botId());
        }
        long other = api.deploy(of("globex", null)).botId();

        assertThat(adHoc.stream().map(h::status).toList()).as("one of acme's two units is reserved within their 30 minutes")
                .containsExactly("DEPLOYING", "QUEUED", "QUEUED");
        assertThat(api.services().deployments().views().view(adHoc.get(1)).orElseThrow().queueEntry().waitReason())
                .isEqualTo(WaitReason.RESERVED);
        assertThat(h.status(other)).as("another tenant's bot takes a fleet unit").isEqualTo("DEPLOYING");

        h.clock.advance(Duration.ofMinutes(15));
        api.drain();
        assertThat(h.status(reserved)).as("launched at its start less the lead, within acme's limit").isEqualTo("DEPLOYING");
        assertThat(acmeUsed()).isEqualTo(2);
        assertThat(adHoc.stream().map(h::status).toList()).containsExactly("DEPLOYING", "QUEUED", "QUEUED");
        assertThat(h.fleet.breaches()).isEmpty();
    }

    @Test
    void aStoppedReservationIsItsTenantsUnitAgainAtOnce() {
        Instant start = h.clock.instant().plus(Duration.ofHours(1));
        long first = api.deploy(of("acme", start)).botId();
        api.deploy(of("acme", start));
        assertThat(deployOrRefusal(api, of("acme", start))).isInstanceOf(CapacityUnavailable.class);

        api.services().deployments().stop(first);
        assertThat(acmePromised()).isEqualTo(1);
        assertThat(deployOrRefusal(api, of("acme", start))).isInstanceOf(DeployOutcome.class);
        assertThat(acmePromised()).isEqualTo(2);
    }

    @Test
    void aLimitSetWhileATenantsBotsWaitIsKeptByTheNextDrain() {
        List<Long> fill = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            fill.add(api.deploy(of("globex", null)).botId());
        }
        long a = api.deploy(of("initech", null)).botId();
        long b = api.deploy(of("initech", null)).botId();
        api.services().tenants().put("initech", 1, 1, 0); // its calendar's rows come with the limit

        h.finish(api, fill.get(0));
        h.finish(api, fill.get(1));
        api.drain();
        assertThat(List.of(h.status(a), h.status(b))).containsExactly("DEPLOYING", "QUEUED");
        assertThat(api.services().deployments().views().view(b).orElseThrow().queueEntry().waitReason())
                .isEqualTo(WaitReason.TENANT_LIMIT);
        assertThat(h.n("SELECT max(promised) AS n FROM tenant_calendar WHERE tenant = 'initech'")).isEqualTo(1);
    }
}
