package io.botfleet.platform.coolify;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The pool's tick against a stop that lands between what it read and what it calls: every call
 * the tick makes for a slot is decided on the slot and its bot as they are at that moment, and
 * its outcome is recorded only if they still are; a stopped bot's application never runs again.
 * Both adapters.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class CoolifyTickRaceTest {
    private final CoolifyFleet fleet;
    private final Services ticking;
    private final Services stopping;

    CoolifyTickRaceTest(TestDatabase.Adapter adapter) {
        fleet = new CoolifyFleet(adapter, 1, Duration.ofSeconds(30), Map.of());
        ticking = fleet.instance();
        stopping = fleet.instance();
    }

    @AfterEach
    void close() {
        assertThat(fleet.coolify.violations()).as("requests Coolify would refuse").isEmpty();
        fleet.close();
    }

    /** A bot whose first deployment failed: the tick's next visit would deploy its slot again. */
    private long botWithAFailedDeployment() {
        fleet.coolify.failNextDeployments(1);
        long id = fleet.deploy(ticking, MeetingPlatform.ZOOM).botId();
        until(() -> { // the deployment has failed
            synchronized (fleet.coolify.backend()) {
                return fleet.coolify.backend().deployments.stream().anyMatch(d -> d.status.equals("failed"));
            }
        });
        return id;
    }

    private long deploysAsked() {
        return fleet.coolify.requests().stream().filter(r -> r.equals("POST /deploy")).count();
    }

    private void assertNothingOfTheStoppedBotRuns(long id) {
        pause(1_000); // a deployment queued by mistake would have built and started its container by now
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(fleet.text("SELECT status AS s FROM bots WHERE id = " + id)).isEqualTo("DONE");
            soft.assertThat(fleet.coolify.backend().containersRunning()).as("containers running").isZero();
            synchronized (fleet.coolify.backend()) {
                soft.assertThat(fleet.coolify.backend().deployments.stream()
                        .filter(d -> d.status.equals("queued") || d.status.equals("in_progress") || d.status.equals("finished")))
                        .as("deployments that run or ran").isEmpty();
            }
            soft.assertThat(fleet.n("SELECT count(*) AS n FROM bot_pool_slots WHERE assigned_bot_id IS NULL AND status = 'IDLE'"))
                    .as("idle slots").isEqualTo(1);
            soft.assertThat(fleet.n("SELECT sum(used) AS n FROM platform_capacity")).isZero();
        });
    }

    /** The stop lands after the tick read the pool and before it asks about the failed deployment. */
    @Test
    void aStopBetweenTheTicksReadAndItsCallsIsNotUndone() {
        long id = botWithAFailedDeployment();
        long deploysBefore = deploysAsked();
        fleet.coolify.beforeNext("GET /deployments/", () -> stopping.deployments().stop(id));
        ticking.hybrid().processQueue("tick", Duration.ofSeconds(10));
        assertThat(deploysAsked()).as("deployments asked for after the stop").isEqualTo(deploysBefore);
        assertNothingOfTheStoppedBotRuns(id);
    }

    /** The stop lands while the tick's deploy call is on its way: what that call queued is taken back. */
    @Test
    void aStopDuringTheTicksDeployCallLeavesNothingRunning() {
        long id = botWithAFailedDeployment();
        fleet.coolify.beforeNext("POST /deploy", () -> stopping.deployments().stop(id));
        ticking.hybrid().processQueue("tick", Duration.ofSeconds(10));
        assertNothingOfTheStoppedBotRuns(id);
    }

    private static void until(BooleanSupplier condition) {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("reached in time").isLessThan(end);
            pause(20);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
