package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.deployment.CapacityLedger.Hold;
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
 * The operator's platform holds on k8s (limit 2) then aws (limit 2): a held platform takes no new
 * bot, its queued and new bots fail over by priority, a release puts it back; a drain also stops
 * its running bots, each stop owed until confirmed; the hold lives in the database, so an instance
 * started after it (a restart) keeps it.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class PlatformHoldTest {
    private final Harness h;
    private final Instance api;

    PlatformHoldTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 2, 2, Map.of("HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h"));
        api = h.instance();
    }

    @AfterEach
    void close() {
        h.close();
    }

    private PlatformHolds holds(Instance through) {
        return through.services().platformHolds();
    }

    private WaitReason reason(long id) {
        return api.services().deployments().views().view(id).orElseThrow().queueEntry().waitReason();
    }

    @Test
    void aHeldPlatformTakesNoNewBotItsBotsFailOverAndAReleasePutsItBack() {
        PlatformHolds.Held held = holds(api).hold("k8s").orElseThrow();
        assertThat(held.platform().hold()).isEqualTo(Hold.HELD);
        assertThat(held.platform().heldAt()).isEqualTo(h.clock.instant());

        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(api.deploy(Fixtures.config()).botId());
        }
        assertThat(ids.stream().map(h::status).toList()).containsExactly("DEPLOYING", "DEPLOYING", "QUEUED");
        assertThat(h.k8s.starts()).as("nothing placed on the held platform").isEmpty();
        assertThat(h.aws.starts()).containsOnlyKeys(ids.get(0), ids.get(1));
        assertThat(reason(ids.get(2))).isEqualTo(WaitReason.PLATFORM_HELD);
        assertThat(api.services().deployments().views().capacity().platforms())
                .extracting(FleetViews.PlatformUsage::platform, FleetViews.PlatformUsage::hold)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("k8s", Hold.HELD),
                        org.assertj.core.groups.Tuple.tuple("aws", null));

        api.drain();
        assertThat(h.status(ids.get(2))).as("a drain places nothing there either").isEqualTo("QUEUED");
        assertThat(holds(api).release("k8s").orElseThrow().platform().hold()).isNull();
        api.drain();
        assertThat(h.status(ids.get(2))).isEqualTo("DEPLOYING");
        assertThat(h.k8s.starts()).containsOnlyKeys(ids.get(2));
    }

    @Test
    void anInstanceStartedAfterTheHoldKeepsIt() {
        holds(api).hold("k8s");
        Instance restarted = h.instance(); // a new process: its own services and connections, nothing in memory
        long id = restarted.deploy(Fixtures.config()).botId();
        assertThat(h.aws.starts()).containsOnlyKeys(id);
        assertThat(h.k8s.starts()).isEmpty();
        assertThat(holds(restarted).hold("aws").orElseThrow().platform().hold()).isEqualTo(Hold.HELD);
        assertThat(holds(restarted).release("nowhere")).as("a platform not configured here").isEmpty();
    }

    @Test
    void aDrainStopsThePlatformsRunningBotsEachStopOwedUntilConfirmed() {
        long first = api.deploy(Fixtures.config()).botId();
        long second = api.deploy(Fixtures.config()).botId();
        assertThat(h.k8s.starts()).containsOnlyKeys(first, second);
        h.k8s.failStops(1); // the first stop is not confirmed: it stays owed

        PlatformHolds.Held drained = holds(api).drain("k8s").orElseThrow();
        assertThat(drained.stopped()).isEqualTo(2);
        assertThat(drained.platform().hold()).isEqualTo(Hold.DRAINING);
        assertThat(h.db.text("SELECT string_agg(status || '/' || status_reason, ',' ORDER BY status) AS s FROM bots"))
                .as("the stops run at once: either may be the one not confirmed")
                .isEqualTo("DONE/PLATFORM_DRAINED,LEAVING/PLATFORM_DRAINED");
        assertThat(h.used("k8s")).as("the unconfirmed stop keeps its unit").isEqualTo(1);

        long next = api.deploy(Fixtures.config()).botId();
        assertThat(h.aws.starts()).as("a draining platform is held").containsOnlyKeys(next);
        h.clock.advance(java.time.Duration.ofMinutes(1));
        api.drain(); // the stop owed is tried again, after its backoff
        assertThat(List.of(h.status(first), h.status(second))).containsOnly("DONE");
        assertThat(h.used("k8s")).isZero();
        assertThat(h.k8s.live()).isEmpty();
        assertThat(holds(api).hold("k8s").orElseThrow().platform().hold()).as("a hold does not undo a drain")
                .isEqualTo(Hold.DRAINING);
    }

    @Test
    void aDrainSweepDecidedBeforeAReleaseStopsNothing() {
        long id = api.deploy(Fixtures.config()).botId();
        api.services().ledger().hold("k8s", Hold.DRAINING); // a drain read the platform draining...
        holds(api).release("k8s"); // ...and the operator released it before the drain's stop ran
        assertThat(new BotStops(h.db.sql(1), h.clock, java.time.Duration.ofMinutes(1))
                .stopAllOn("k8s", BotStops.PLATFORM_DRAINED, 10)).isEmpty();
        assertThat(h.status(id)).isEqualTo("DEPLOYING");
    }

    @Test
    void theDrainStopsABotThatReachedADrainingPlatformBeforeItsHold() {
        long id = api.deploy(Fixtures.config()).botId();
        api.services().ledger().hold("k8s", Hold.DRAINING); // as if the drain's request ended right after its hold
        assertThat(h.status(id)).isEqualTo("DEPLOYING");
        api.drain();
        assertThat(h.status(id)).isEqualTo("DONE");
        assertThat(h.db.text("SELECT status_reason AS s FROM bots WHERE id = " + id)).isEqualTo("PLATFORM_DRAINED");
        assertThat(h.k8s.live()).isEmpty();
    }
}
