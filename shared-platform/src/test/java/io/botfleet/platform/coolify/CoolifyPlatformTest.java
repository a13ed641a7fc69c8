package io.botfleet.platform.coolify;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.platform.coolify.FakeCoolify.ListFailure;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Bots on the Coolify pool, end to end: the fake Coolify runs each slot's container as a simulated bot. */
class CoolifyPlatformTest {
    private static final String ZOOM = "ghcr.io/botfleet/zoom-bot:1.0";
    private static final String MEET = "ghcr.io/botfleet/meet-bot:1.0";
    private CoolifyFleet fleet;

    @AfterEach
    void close() {
        if (fleet != null) {
            assertThat(fleet.coolify.violations()).as("requests Coolify would refuse").isEmpty();
            fleet.close();
        }
    }

    private Services start(int limit, Duration botCall, Map<String, String> env) {
        fleet = new CoolifyFleet(TestDatabase.Adapter.JDBC, limit, botCall, env);
        return fleet.instance();
    }

    /** Drains, as the schedule would, until {@code done} holds (or 20 s pass). */
    private static void drainUntil(Services services, BooleanSupplier done) {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("reached in time").isLessThan(end);
            services.hybrid().processQueue("tick-" + System.nanoTime(), Duration.ofSeconds(10));
            pause(50);
        }
    }

    private String status(long botId) {
        return fleet.text("SELECT status AS s FROM bots WHERE id = " + botId);
    }

    @Test
    void aBotRunsOnASlotCallsBackAndLeavesTheSlotIdle() {
        Services api = start(2, Duration.ofMillis(500), Map.of());
        DeployOutcome outcome = fleet.deploy(api, MeetingPlatform.ZOOM);
        assertThat(outcome.status()).isEqualTo(BotStatus.DEPLOYING);
        assertThat(outcome.platform()).isEqualTo("coolify");
        drainUntil(api, () -> status(outcome.botId()).equals("DONE"));
        drainUntil(api, () -> fleet.n("SELECT count(*) AS n FROM bot_pool_slots WHERE status = 'IDLE'") == 1);
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(fleet.n("SELECT count(*) AS n FROM bot_pool_slots WHERE assigned_bot_id IS NOT NULL")).isZero();
            soft.assertThat(fleet.n("SELECT sum(used) AS n FROM platform_capacity")).isZero();
            soft.assertThat(fleet.text("SELECT image AS s FROM bot_pool_slots")).isEqualTo(ZOOM);
            soft.assertThat(fleet.coolify.requests()).contains("POST /deploy", "PATCH /applications/{}/envs/bulk".replace("{}",
                    fleet.text("SELECT application_uuid AS s FROM bot_pool_slots")));
        });
    }

    @Test
    void aDeploymentThatFailsTwiceThenSucceedsEndsWithTheBotRunning() {
        Services api = start(2, Duration.ofSeconds(2), Map.of());
        fleet.coolify.failNextDeployments(2);
        long id = fleet.deploy(api, MeetingPlatform.ZOOM).botId();
        drainUntil(api, () -> status(id).equals("IN_CALL"));
        assertThat(fleet.n("SELECT deploy_attempts AS n FROM bot_pool_slots")).isEqualTo(3);
    }

    @Test
    void aDeploymentThatAlwaysFailsEndsWithTheSlotInErrorAndTheBotFatalWithCoolifysReason() {
        Services api = start(2, Duration.ofSeconds(2), Map.of());
        fleet.coolify.failEveryDeployment(true);
        long id = fleet.deploy(api, MeetingPlatform.ZOOM).botId();
        drainUntil(api, () -> status(id).equals("FATAL"));
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(fleet.text("SELECT status_reason AS s FROM bots WHERE id = " + id))
                    .startsWith("COOLIFY_DEPLOY_FAILED").contains("failed").contains("after 3 deployments");
            soft.assertThat(fleet.text("SELECT status AS s FROM bot_pool_slots")).as("slot").isIn("ERROR", null);
            soft.assertThat(fleet.n("SELECT sum(used) AS n FROM platform_capacity")).isZero();
        });
    }

    @Test
    void aDeploymentWithNoProgressPastTheDeployTimeoutIsCancelledAndTriedAgainThenGivenUp() {
        Services api = start(2, Duration.ofSeconds(2), Map.of("COOLIFY_DEPLOY_TIMEOUT", "1m"));
        fleet.coolify.stallDeployments(FakeCoolify.Stall.BEFORE_THE_CONTAINER_STARTED);
        long id = fleet.deploy(api, MeetingPlatform.ZOOM).botId();
        for (int deployment = 1; deployment <= 3; deployment++) {
            pause(300);
            api.hybrid().processQueue("tick", Duration.ofSeconds(10));
            assertThat(status(id)).as("not given up before its time").isEqualTo("DEPLOYING");
            fleet.clock.advance(Duration.ofSeconds(61));
            api.hybrid().processQueue("tick", Duration.ofSeconds(10));
        }
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(status(id)).isEqualTo("FATAL");
            soft.assertThat(fleet.text("SELECT status_reason AS s FROM bots WHERE id = " + id))
                    .startsWith("COOLIFY_DEPLOY_FAILED: no progress within 60 s").contains("after 3 deployments");
            soft.assertThat(fleet.coolify.requests().stream().filter(r -> r.endsWith("/cancel")).distinct())
                    .as("each of the three deployments cancelled").hasSize(3);
            soft.assertThat(fleet.n("SELECT sum(used) AS n FROM platform_capacity")).isZero();
        });
    }

    /** Heartbeat-aware: a bot that calls back runs, however long Coolify takes to call its deployment finished. */
    @Test
    void aBotThatCalledBackIsNotTakenForAStuckDeployment() {
        Services api = start(2, Duration.ofSeconds(30), Map.of("COOLIFY_DEPLOY_TIMEOUT", "1m"));
        fleet.coolify.stallDeployments(FakeCoolify.Stall.AFTER_THE_CONTAINER_STARTED);
        long id = fleet.deploy(api, MeetingPlatform.ZOOM).botId();
        drainUntil(api, () -> status(id).equals("IN_CALL"));
        fleet.clock.advance(Duration.ofMinutes(2));
        api.hybrid().processQueue("tick", Duration.ofSeconds(10));
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(status(id)).isEqualTo("IN_CALL");
            soft.assertThat(fleet.text("SELECT status AS s FROM bot_pool_slots")).isEqualTo("HEALTHY");
            soft.assertThat(fleet.coolify.requests()).noneMatch(r -> r.endsWith("/cancel"));
            soft.assertThat(fleet.coolify.backend().containersRunning()).isEqualTo(1);
        });
    }

    @ParameterizedTest
    @EnumSource(value = ListFailure.class, names = {"SERVER_ERROR", "TOO_SLOW", "TRUNCATED"})
    void aFailedListCallDeletesNothingAndEndsNoBot(ListFailure failure) {
        Services api = start(2, Duration.ofSeconds(30), Map.of("PLATFORM_CALL_TIMEOUT", "1s", "QUEUE_LEASE", "5s"));
        long id = fleet.deploy(api, MeetingPlatform.ZOOM).botId();
        drainUntil(api, () -> status(id).equals("IN_CALL"));
        fleet.coolify.failListing(failure);
        for (int i = 0; i < 3; i++) {
            api.hybrid().processQueue("tick-" + i, Duration.ofSeconds(10));
        }
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(status(id)).isEqualTo("IN_CALL");
            soft.assertThat(fleet.n("SELECT count(*) AS n FROM bot_pool_slots")).isEqualTo(1);
            soft.assertThat(fleet.coolify.backend().apps).hasSize(1);
            soft.assertThat(fleet.coolify.backend().containersRunning()).isEqualTo(1);
        });
    }

    /** The rule: an application with the pool's tag and a slot's name that no slot row names is removed; others are left alone. */
    @Test
    void anApplicationOfThePoolThatNoSlotNamesIsRemoved() throws Exception {
        Services api = start(2, Duration.ofSeconds(30), Map.of());
        long id = fleet.deploy(api, MeetingPlatform.ZOOM).botId();
        drainUntil(api, () -> status(id).equals("IN_CALL"));
        CoolifyApiClient client = new CoolifyApiClient(new CoolifyApiClient.Endpoint(fleet.coolify.url(), FakeCoolify.TOKEN,
                Duration.ofSeconds(5)));
        String tag = "botfleet-pool-prj1a2b3c";
        String orphan = client.createDockerImageApplication(new CoolifyApiClient.NewApplication("prj1a2b3c", "srv9z8y7",
                "production", null, "botfleet-slot-9", "left behind", "ghcr.io/botfleet/zoom-bot", "1.0", List.of(tag)));
        String elsewhere = client.createDockerImageApplication(new CoolifyApiClient.NewApplication("prj1a2b3c", "srv9z8y7",
                "production", null, "not-ours", "another tag", "nginx", "1", List.of("someone-else")));
        String taggedButNoSlot = client.createDockerImageApplication(new CoolifyApiClient.NewApplication("prj1a2b3c",
                "srv9z8y7", "production", null, "reporting", "our tag, not a slot's name", "nginx", "1", List.of(tag)));
        api.hybrid().processQueue("tick", Duration.ofSeconds(10));
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(fleet.coolify.backend().apps).doesNotContainKey(orphan).containsKeys(elsewhere, taggedButNoSlot);
            soft.assertThat(status(id)).isEqualTo("IN_CALL");
            soft.assertThat(fleet.coolify.backend().containersRunning()).isEqualTo(1);
        });
    }

    /** A slot made by another instance while the tick waited for the list is not taken for an orphan. */
    @Test
    void anApplicationMadeWhileTheListWasReadIsNotAnOrphan() {
        Services ticking = start(2, Duration.ofSeconds(30), Map.of());
        Services other = fleet.instance();
        long[] meanwhile = new long[1];
        fleet.coolify.beforeNextListing(() -> meanwhile[0] = fleet.deploy(other, MeetingPlatform.ZOOM).botId());
        ticking.hybrid().processQueue("tick", Duration.ofSeconds(10));
        assertThat(meanwhile[0]).as("the other instance deployed during the tick's list call").isPositive();
        drainUntil(ticking, () -> status(meanwhile[0]).equals("IN_CALL"));
        assertThat(fleet.coolify.backend().apps).hasSize(1);
    }

    /** With the pool full of idle Zoom slots, a Google Meet bot runs at once on one of them, repurposed. */
    @Test
    void aBotOfAnotherMeetingPlatformRunsAtOnceOnARepurposedSlot() {
        Services api = start(2, Duration.ofMillis(300), Map.of());
        fleet.pulled(ZOOM, MEET);
        long a = fleet.deploy(api, MeetingPlatform.ZOOM).botId();
        long b = fleet.deploy(api, MeetingPlatform.ZOOM).botId();
        drainUntil(api, () -> status(a).equals("DONE") && status(b).equals("DONE"));
        drainUntil(api, () -> fleet.n("SELECT count(*) AS n FROM bot_pool_slots WHERE status = 'IDLE'") == 2);

        DeployOutcome meet = fleet.deploy(api, MeetingPlatform.GOOGLE_MEET);
        assertThat(meet.status()).as("runs at once, not queued").isEqualTo(BotStatus.DEPLOYING);
        String app = meet.platformIdentifier();
        var backend = fleet.coolify.backend();
        synchronized (backend) {
            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(backend.apps.get(app).image + ":" + backend.apps.get(app).tag).isEqualTo(MEET);
                soft.assertThat(backend.apps.get(app).envs).containsEntry("MEETING_PLATFORM", "google-meet")
                        .containsEntry("BOT_ID", Long.toString(meet.botId()));
                soft.assertThat(fleet.n("SELECT count(*) AS n FROM bot_pool_slots")).as("no slot made").isEqualTo(2);
            });
        }
        drainUntil(api, () -> status(meet.botId()).equals("DONE"));
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
