package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.BotDeploymentService.CapacityUnavailable;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The capacity calendar on a fleet of two units (k8s 1, aws 1): a scheduled bot far enough ahead
 * is admitted with its unit reserved or refused at once with the next window that has one; ad-hoc
 * bots do not take reserved units; a cancelled reservation is free at once.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class CapacityCalendarTest {
    private static final Duration LEAD = Duration.ofMinutes(5);

    private final Harness h;
    private final Instance api;

    CapacityCalendarTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 1, 1, Map.of("HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h",
                "GLOBAL_QUEUE_TIMEOUT", "1h"));
        api = h.instance();
    }

    @AfterEach
    void close() {
        h.close();
    }

    private BotConfig at(Instant start) {
        return Fixtures.scheduled(start, start.plus(Duration.ofMinutes(30)), 0);
    }

    private Object deployOrRefusal(Instance through, BotConfig config) {
        try {
            return through.deploy(config);
        } catch (CapacityUnavailable refused) {
            return refused;
        }
    }

    private WaitReason reason(long id) {
        return api.services().deployments().views().view(id).orElseThrow().queueEntry().waitReason();
    }

    private long maxPromised() {
        return h.n("SELECT coalesce(max(promised), 0) AS n FROM capacity_calendar");
    }

    @Test
    void twentyRequestsForTheLastUnitAdmitOneAndReferTheOthersToTheNextWindow() {
        Instant start = h.clock.instant().plus(Duration.ofHours(2));
        api.deploy(at(start)); // one of the two units
        List<Instance> instances = List.of(h.instance(), h.instance(), h.instance(), h.instance());
        List<Object> results = h.atOnce(20, i -> deployOrRefusal(instances.get(i % instances.size()), at(start)));

        assertThat(results).filteredOn(DeployOutcome.class::isInstance).as("admitted").hasSize(1);
        List<CapacityUnavailable> refused = results.stream().filter(CapacityUnavailable.class::isInstance)
                .map(CapacityUnavailable.class::cast).toList();
        assertThat(refused).as("refused at once").hasSize(19);
        assertThat(h.n("SELECT count(*) AS n FROM bots")).as("nothing refused was admitted").isEqualTo(2);
        assertThat(maxPromised()).as("no minute promised beyond the fleet's two units").isEqualTo(2);

        Instant next = refused.get(0).nextStartTime();
        assertThat(refused).extracting(CapacityUnavailable::nextStartTime).containsOnly(next);
        assertThat(refused.get(0).nextEndTime()).isEqualTo(next.plus(Duration.ofMinutes(30)));
        assertThat(next.minus(LEAD)).as("the next window starts once the full one has ended")
                .isAfterOrEqualTo(start.plus(Duration.ofMinutes(30)));
        assertThat(deployOrRefusal(api, at(next.minus(Duration.ofMinutes(1))))).as("a minute earlier does not fit")
                .isInstanceOf(CapacityUnavailable.class);
        assertThat(deployOrRefusal(api, at(next))).as("the window offered fits").isInstanceOf(DeployOutcome.class);
    }

    @Test
    void cancellingAScheduledBotFreesItsReservationAtOnce() {
        Instant start = h.clock.instant().plus(Duration.ofHours(1));
        long first = api.deploy(at(start)).botId();
        api.deploy(at(start));
        assertThatThrownBy(() -> api.deploy(at(start))).isInstanceOf(CapacityUnavailable.class);

        assertThat(api.services().deployments().stop(first).result()).isEqualTo(BotDeploymentService.StopResult.STOPPED);
        long third = api.deploy(at(start)).botId();

        assertThat(h.status(third)).isEqualTo("QUEUED");
        assertThat(reason(third)).isEqualTo(WaitReason.SCHEDULED);
        assertThat(maxPromised()).isEqualTo(2);
    }

    @Test
    void anAdHocBotWaitsRatherThanTakeAReservedUnitAndTakesOneThatIsGivenBack() {
        Instant start = h.clock.instant().plus(Duration.ofMinutes(20)); // reserved from 15 minutes on
        long first = api.deploy(at(start)).botId();
        long second = api.deploy(at(start)).botId();

        long adHoc = api.deploy(Fixtures.config()).botId(); // would run 30 minutes by estimate
        assertThat(h.status(adHoc)).as("both platforms are empty, but both units are reserved within its 30 minutes")
                .isEqualTo("QUEUED");
        assertThat(reason(adHoc)).isEqualTo(WaitReason.RESERVED);
        assertThat(h.fleet.live()).isEmpty();

        h.clock.advance(Duration.ofMinutes(15));
        api.drain();
        assertThat(List.of(h.status(first), h.status(second), h.status(adHoc)))
                .as("the reserved bots launch at their start less the lead; the ad-hoc bot still waits")
                .containsExactly("DEPLOYING", "DEPLOYING", "QUEUED");

        h.clock.advance(Duration.ofMinutes(6));
        h.finish(api, first); // its call ended early: what is left of its reservation is free
        api.drain();
        assertThat(h.status(adHoc)).isEqualTo("DEPLOYING");
        assertThat(h.fleet.breaches()).isEmpty();
    }

    @Test
    void anAdHocBotThatEndsBeforeTheReservationsBeginIsPlaced() {
        api.deploy(at(h.clock.instant().plus(Duration.ofMinutes(60))));
        api.deploy(at(h.clock.instant().plus(Duration.ofMinutes(60))));
        long adHoc = api.deploy(Fixtures.config()).botId();
        assertThat(h.status(adHoc)).as("its 30 minutes end before the reservations' 55th").isEqualTo("DEPLOYING");
        assertThat(deployOrRefusal(api, at(h.clock.instant().plus(Duration.ofMinutes(20)))))
                .as("its estimated 30 minutes hold its unit against a reservation too")
                .isInstanceOf(DeployOutcome.class);
        assertThat(deployOrRefusal(api, at(h.clock.instant().plus(Duration.ofMinutes(20)))))
                .isInstanceOf(CapacityUnavailable.class);
    }

    @Test
    void theFirstDrainAfterAFifteenMinuteOutageStartsEveryOverdueReservedBotBeforeAnyOtherAndRecordsItsLateness() {
        Instant onTheHour = h.clock.instant().plus(Duration.ofHours(1));
        long first = api.deploy(at(onTheHour)).botId();
        long second = api.deploy(at(onTheHour)).botId();
        h.clock.advance(Duration.ofMinutes(45));
        api.drain(); // the last drain before the outage, fifteen minutes before the hour
        h.clock.advance(Duration.ofMinutes(13));
        long adHoc = api.deploy(Fixtures.withPriority(-100)).botId(); // the flood two minutes before the hour
        assertThat(reason(adHoc)).isEqualTo(WaitReason.RESERVED);
        h.clock.advance(Duration.ofMinutes(2));

        List<Long> order = api.services().queue().claim("probe", 10, Duration.ofMinutes(1)).stream()
                .map(io.botfleet.bot.Bot::id).toList();
        api.services().queue().releaseLeases("probe");
        assertThat(order).as("overdue reserved bots before a better priority").containsExactly(first, second, adHoc);
        api.drain(); // the first drain after the outage
        assertThat(List.of(h.status(first), h.status(second), h.status(adHoc)))
                .containsExactly("DEPLOYING", "DEPLOYING", "QUEUED");

        h.clock.advance(Duration.ofSeconds(30));
        for (long id : List.of(first, second)) {
            api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.JOINING_CALL, null);
            assertThat(api.services().deployments().views().view(id).orElseThrow().bot().lateBy())
                    .isEqualTo(Duration.ofSeconds(30));
        }
    }

    @Test
    void anOutageLongerThanTheLeadStillStartsTheReservedBotBeforeItsEnd() {
        Instant start = h.clock.instant().plus(Duration.ofMinutes(30));
        long id = api.deploy(at(start)).botId();
        h.clock.advance(Duration.ofMinutes(50)); // twenty minutes into its call, ten before its end
        api.drain();
        assertThat(h.status(id)).isEqualTo("DEPLOYING");
        api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.JOINING_CALL, null);
        assertThat(api.services().deployments().views().view(id).orElseThrow().bot().lateBy())
                .isEqualTo(Duration.ofMinutes(20));
    }

    @Test
    void aReservedBotWhosePlatformFailsIsPlacedOnTheNextOneInTheSameDrainAndItsLatenessIsRecorded() {
        Instant start = h.clock.instant().plus(Duration.ofMinutes(30));
        long id = api.deploy(at(start)).botId();
        h.k8s.then(h.k8s.fail(PlatformDeployError.Kind.CAPACITY));
        h.clock.advance(Duration.ofMinutes(26)); // past its launch: start less the lead
        api.drain();
        assertThat(h.fleet.live()).containsExactly(id);
        assertThat(h.aws.live()).containsExactly(id);

        h.clock.advance(Duration.ofMinutes(4).plusSeconds(30)); // joins 30 s after its start
        api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.JOINING_CALL, null);
        BotView view = api.services().deployments().views().view(id).orElseThrow();
        assertThat(view.bot().lateBy()).isEqualTo(Duration.ofSeconds(30));
        assertThat(h.n("SELECT late_by_ms AS n FROM bot_events WHERE bot_id = " + id + " AND status = 'JOINING_CALL'"))
                .isEqualTo(30_000);
    }
}
