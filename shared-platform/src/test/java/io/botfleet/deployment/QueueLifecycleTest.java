package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.platform.HybridPlatformService;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Leases, failover, guards, expiry and scheduling, each against a real PostgreSQL, through both adapters. */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class QueueLifecycleTest {
    private final MutableClock clock = new MutableClock();
    private final FakePlatform k8s = new FakePlatform("k8s");
    private final FakePlatform aws = new FakePlatform("aws");
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);
    private final TestDatabase.Adapter adapter;
    private TestDatabase db;
    private Services services;

    QueueLifecycleTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @BeforeEach
    void start() {
        db = TestDatabase.fresh(adapter);
        services = Fixtures.services(Fixtures.twoPlatforms(2, 1), db.sql(4), List.of(k8s, aws), clock);
    }

    @AfterEach
    void stop() {
        if (adapter == TestDatabase.Adapter.DATA_API) {
            assertThat(db.dataApi().calls("ExecuteStatement")).as("statements went through the Data API").isPositive();
        }
        db.close();
    }

    private DeployOutcome deploy() {
        return services.deployments().deploy(Fixtures.config(), null);
    }

    private void fill() {
        for (int i = 0; i < 3; i++) {
            assertThat(deploy().status()).isEqualTo(BotStatus.DEPLOYING);
        }
    }

    private void finish(long botId) {
        k8s.exit(botId);
        aws.exit(botId);
        services.deployments().report(botId, tokens.tokenFor(botId), BotStatus.DONE, null);
    }

    private long used(String platform) {
        return db.count("SELECT used AS n FROM platform_capacity WHERE platform = '" + platform + "'");
    }

    @Test
    void aDrainerThatDiesLosesItsLeaseAndAnotherDeploysTheEntriesOnce() {
        fill();
        long a = deploy().botId();
        long b = deploy().botId();
        finish(1);
        finish(2);
        // the dead drainer claimed both entries, and capacity for one of them, then vanished
        List<Bot> claimed = services.queue().claim("dead-drainer", 2, Duration.ofSeconds(30));
        assertThat(claimed).extracting(Bot::id).containsExactly(a, b);
        assertThat(services.ledger().claim("k8s", 2, List.of(a), "dead-drainer")).containsExactly(a);

        assertThat(services.hybrid().processQueue("live-drainer", Duration.ofSeconds(10)).deployed())
                .as("nothing to take while the lease is live").isZero();

        clock.advance(Duration.ofMinutes(1));
        HybridReport report = HybridReport.of(services.hybrid().processQueue("live-drainer", Duration.ofSeconds(10)));
        assertThat(report.reclaimed()).isEqualTo(2);
        assertThat(report.deployed()).isEqualTo(2);
        assertThat(k8s.starts().get(a)).isEqualTo(1);
        assertThat(k8s.starts().get(b)).isEqualTo(1);
        assertThat(used("k8s")).isEqualTo(2);
        assertThat(db.count("SELECT count(*) AS n FROM deployment_queue")).isZero();
    }

    @Test
    void aTransientFailureFailsOverAndGivesTheFirstPlatformsUnitBack() {
        k8s.failing(PlatformDeployError.Kind.TRANSIENT);
        long before = used("k8s");
        DeployOutcome outcome = deploy();
        assertThat(outcome.status()).isEqualTo(BotStatus.DEPLOYING);
        assertThat(outcome.platform()).isEqualTo("aws");
        assertThat(used("k8s")).isEqualTo(before);
        assertThat(used("aws")).isEqualTo(1);
        assertThat(k8s.starts()).isEmpty();
    }

    @Test
    void aTimedOutCallKeepsItsUnitAndIsConfirmedOnTheSamePlatformByTheNextDrain() {
        Services impatient = Fixtures.services(Fixtures.settings(java.util.Map.of("PLATFORM_PRIORITY", "k8s,aws",
                        "K8S_BOT_LIMIT", "2", "AWS_BOT_LIMIT", "1", "PLATFORM_CALL_TIMEOUT", "200ms", "QUEUE_LEASE", "1s")),
                db.sql(2), List.of(k8s.slow(1_000), aws), clock);
        DeployOutcome outcome = impatient.deployments().deploy(Fixtures.config(), null);
        assertThat(outcome.status()).isEqualTo(BotStatus.DEPLOYING);
        assertThat(outcome.platform()).isEqualTo("k8s");
        assertThat(outcome.platformIdentifier()).as("not known yet").isNull();
        assertThat(aws.starts()).as("not offered to the next platform").isEmpty();
        assertThat(used("k8s")).as("the unit stays claimed").isEqualTo(1);

        k8s.slow(0);
        clock.advance(Duration.ofMinutes(1)); // the timed-out call is surely over: the resume makes the only call
        HybridPlatformService.DrainReport report = impatient.hybrid().processQueue("drainer", Duration.ofSeconds(10));
        assertThat(report.deployed()).isEqualTo(1);
        assertThat(impatient.bots().find(outcome.botId()).platformIdentifier()).isEqualTo("k8s-" + outcome.botId());
        assertThat(k8s.starts()).containsEntry(outcome.botId(), 1);
        assertThat(db.count("SELECT count(*) AS n FROM deployment_queue")).isZero();
    }

    @Test
    void oneDrainGoesOnRoundAfterRoundWhileCapacityLasts() {
        Services small = Fixtures.services(Fixtures.settings(java.util.Map.of("PLATFORM_PRIORITY", "k8s,aws",
                "K8S_BOT_LIMIT", "3", "AWS_BOT_LIMIT", "2", "DRAIN_BATCH_SIZE", "2")), db.sql(2), List.of(k8s, aws), clock);
        for (int i = 0; i < 10; i++) {
            small.deployments().deploy(Fixtures.config(), null);
        }
        for (long id = 1; id <= 5; id++) {
            finish(id);
        }
        var report = small.hybrid().processQueue("drainer", Duration.ofSeconds(10));
        assertThat(report.deployed()).isEqualTo(5);
        assertThat(report.rounds()).isEqualTo(3);
        assertThat(db.count("SELECT count(*) AS n FROM deployment_queue")).isZero();
    }

    @Test
    void aPermanentFailureEndsTheBotFatalAndFreesItsUnit() {
        k8s.failing(PlatformDeployError.Kind.PERMANENT);
        DeployOutcome outcome = deploy();
        assertThat(outcome.status()).isEqualTo(BotStatus.FATAL);
        assertThat(outcome.reason()).startsWith("DEPLOY_FAILED");
        assertThat(used("k8s")).isZero();
        assertThat(db.count("SELECT count(*) AS n FROM deployment_queue")).isZero();
    }

    @Test
    void aDoneBotThatReceivesInCallStaysDone() {
        long id = deploy().botId();
        finish(id);
        var callback = services.deployments().report(id, tokens.tokenFor(id), BotStatus.IN_CALL, null);
        assertThat(callback.result()).isEqualTo(BotDeploymentService.CallbackResult.CONFLICT);
        assertThat(services.bots().find(id).status()).isEqualTo(BotStatus.DONE);
        assertThat(used("k8s")).isZero();
    }

    @Test
    void aFatalBotIsNeverDeployedFromTheQueue() {
        fill();
        long queued = deploy().botId();
        services.bots().transition(queued, BotStatus.FATAL, "TEST", false);
        finish(1);
        services.hybrid().processQueue("drainer", Duration.ofSeconds(10));
        assertThat(k8s.starts()).doesNotContainKey(queued);
        assertThat(aws.starts()).doesNotContainKey(queued);
        assertThat(services.bots().find(queued).status()).isEqualTo(BotStatus.FATAL);
    }

    @Test
    void aStoppedQueuedBotLeavesTheQueueAndIsNeverDeployed() {
        fill();
        long queued = deploy().botId();
        assertThat(services.deployments().stop(queued).result()).isEqualTo(BotDeploymentService.StopResult.STOPPED);
        assertThat(db.count("SELECT count(*) AS n FROM deployment_queue")).isZero();
        finish(1);
        services.hybrid().processQueue("drainer", Duration.ofSeconds(10));
        assertThat(k8s.starts()).doesNotContainKey(queued);
        assertThat(services.bots().find(queued).status()).isEqualTo(BotStatus.DONE);
    }

    @Test
    void stoppingARunningBotStopsItsContainerAndReleasesItsUnit() {
        long id = deploy().botId();
        assertThat(k8s.live()).contains(id);
        assertThat(services.deployments().stop(id).status()).isEqualTo(BotStatus.DONE);
        assertThat(k8s.live()).doesNotContain(id);
        assertThat(used("k8s")).isZero();
    }

    @Test
    void releasingTwiceFreesOneUnit() {
        long first = deploy().botId();
        deploy();
        assertThat(used("k8s")).isEqualTo(2);
        finish(first);
        finish(first);
        services.bots().transition(first, BotStatus.FATAL, "late", false);
        assertThat(used("k8s")).isEqualTo(1);
    }

    @Test
    void aDeployedBotThatNeverCallsBackIsGivenUpStoppedAndReleased() {
        long silent = deploy().botId();
        long talking = deploy().botId();
        clock.advance(Duration.ofMinutes(12));
        services.deployments().report(talking, tokens.tokenFor(talking), BotStatus.IN_CALL, null);
        clock.advance(Duration.ofMinutes(3).plusSeconds(1)); // 15 min since the deploy, 3 since the heartbeat

        HybridPlatformService.DrainReport report = services.hybrid().processQueue("drainer", Duration.ofSeconds(10));
        assertThat(report.silent()).isEqualTo(1);
        assertThat(services.bots().find(silent).status()).isEqualTo(BotStatus.FATAL);
        assertThat(services.bots().find(silent).statusReason()).isEqualTo("DEPLOY_TIMEOUT");
        assertThat(k8s.live()).containsExactly(talking);
        assertThat(used("k8s")).isEqualTo(1);

        clock.advance(Duration.ofMinutes(5)); // the talking bot now went quiet for over HEARTBEAT_TIMEOUT
        services.hybrid().processQueue("drainer", Duration.ofSeconds(10));
        assertThat(services.bots().find(talking).statusReason()).isEqualTo("HEARTBEAT_TIMEOUT");
        assertThat(k8s.live()).isEmpty();
        assertThat(used("k8s")).isZero();
    }

    @Test
    void anEntryPastItsTimeoutEndsFatalWithQueueTimeout() {
        fill();
        long queued = deploy().botId();
        clock.advance(Duration.ofMinutes(10).plusSeconds(1));
        HybridReport report = HybridReport.of(services.hybrid().processQueue("drainer", Duration.ofSeconds(10)));
        assertThat(report.expired()).containsExactly(queued);
        Bot bot = services.bots().find(queued);
        assertThat(bot.status()).isEqualTo(BotStatus.FATAL);
        assertThat(bot.statusReason()).isEqualTo("QUEUE_TIMEOUT");
        assertThat(db.count("SELECT count(*) AS n FROM deployment_queue")).isZero();
    }

    @Test
    void aBotStartingInAnHourWaitsForItsNotBeforeAndGoesOutWithTheFirstDrainAfterIt() {
        DeployOutcome outcome = services.deployments().deploy(Fixtures.config(clock.instant().plus(Duration.ofHours(1))), null);
        assertThat(outcome.status()).isEqualTo(BotStatus.QUEUED);
        assertThat(outcome.estimatedWait()).isGreaterThanOrEqualTo(Duration.ofMinutes(55));

        clock.advance(Duration.ofMinutes(54));
        services.hybrid().processQueue("drainer", Duration.ofSeconds(10));
        assertThat(k8s.starts()).isEmpty();

        clock.advance(Duration.ofMinutes(1).plusSeconds(1)); // past start - 5 min lead
        services.hybrid().processQueue("drainer", Duration.ofSeconds(10));
        assertThat(k8s.starts()).containsKey(outcome.botId());
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstAnswerAndStartsNothingNew() {
        DeployOutcome first = services.deployments().deploy(Fixtures.config(), "key-1");
        DeployOutcome again = services.deployments().deploy(Fixtures.config(), "key-1");
        assertThat(again.botId()).isEqualTo(first.botId());
        assertThat(again.replay()).isTrue();
        assertThat(again.platformIdentifier()).isEqualTo(first.platformIdentifier());
        assertThat(k8s.starts()).hasSize(1);
        assertThat(db.count("SELECT count(*) AS n FROM bots")).isEqualTo(1);
    }

    @Test
    void anIdempotencyKeyReusedForAnotherRequestIsRefused() {
        services.deployments().deploy(Fixtures.config(), "key-2");
        var other = Fixtures.config(clock.instant().plus(Duration.ofDays(1)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> services.deployments().deploy(other, "key-2"))
                .isInstanceOf(BotDeploymentService.IdempotencyConflict.class);
    }

    @Test
    void anIdempotencyKeyTellsRequestsApartByEveryFieldNotByTheirText() {
        var c = Fixtures.config();
        var first = new BotConfig(new Meeting(MeetingPlatform.ZOOM, c.meeting().url(), "x, password=y", "z"),
                c.displayName(), c.imageUrl(), c.recordingEnabled(), c.automaticLeave(), c.startTime(), c.endTime(),
                c.callbackUrl(), c.tenant(), c.priority());
        var other = new BotConfig(new Meeting(MeetingPlatform.ZOOM, c.meeting().url(), "x", "y, password=z"),
                c.displayName(), c.imageUrl(), c.recordingEnabled(), c.automaticLeave(), c.startTime(), c.endTime(),
                c.callbackUrl(), c.tenant(), c.priority());
        services.deployments().deploy(first, "key-3");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> services.deployments().deploy(other, "key-3"))
                .isInstanceOf(BotDeploymentService.IdempotencyConflict.class);
        assertThat(services.deployments().deploy(first, "key-3").replay()).isTrue();
        assertThat(db.count("SELECT count(*) AS n FROM bots")).isEqualTo(1);
    }

    @Test
    void aWrongTokenIsRefusedAndChangesNothing() {
        long id = deploy().botId();
        var callback = services.deployments().report(id, "forged", BotStatus.DONE, null);
        assertThat(callback.result()).isEqualTo(BotDeploymentService.CallbackResult.UNAUTHORIZED);
        assertThat(services.bots().find(id).status()).isEqualTo(BotStatus.DEPLOYING);
        assertThat(services.bots().find(id).lastHeartbeat()).isNull();
    }

    @Test
    void theQueueDrainsInPriorityThenArrivalOrder() {
        fill();
        long first = deploy().botId();
        long urgent = services.deployments().deploy(Fixtures.withPriority(-5), null).botId();
        long last = deploy().botId();
        assertThat(services.queue().list(10)).extracting(QueueEntry::botId).containsExactly(urgent, first, last);
        finish(1);
        services.hybrid().processQueue("drainer", Duration.ofSeconds(10));
        assertThat(k8s.starts()).containsKey(urgent).doesNotContainKeys(first, last);
    }

    /** Shorthand over the drain report. */
    private record HybridReport(List<Long> expired, long reclaimed, int deployed) {
        static HybridReport of(io.botfleet.platform.HybridPlatformService.DrainReport r) {
            return new HybridReport(r.expired(), r.reclaimed(), r.deployed());
        }
    }
}
