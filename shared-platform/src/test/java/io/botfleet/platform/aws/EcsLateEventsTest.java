package io.botfleet.platform.aws;

import static io.botfleet.testing.HookedSql.containing;
import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotTokens;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.HookedSql;
import io.botfleet.testing.HookedSql.When;
import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Late and duplicate ECS task events against the real SDK client and a local ECS endpoint, over
 * both SQL adapters: every statement an event makes is conditioned on the task the bot has at
 * that moment, so an event read before the bot moved on (re-queued, placed on a new task) changes
 * nothing when it acts.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class EcsLateEventsTest {
    private final TestDatabase db;
    private final FakeEcs ecs = new FakeEcs();
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);
    private final Services first;
    private final HookedSql lateSql;
    private final Services late;

    EcsLateEventsTest(TestDatabase.Adapter adapter) {
        db = TestDatabase.fresh(adapter);
        first = instance(new HookedSql(db.sql(3)));
        lateSql = new HookedSql(db.sql(3));
        late = instance(lateSql);
    }

    private Services instance(HookedSql sql) {
        AwsPlatformService aws = AwsPlatformServiceTest.platform(ecs, tokens, Map.of("AWS_BOT_LIMIT", "1"));
        return new Services(Fixtures.settings(Map.of("PLATFORM_PRIORITY", "aws", "AWS_BOT_LIMIT", "1")), sql,
                List.of(aws), CapacityReleasedPublisher.NONE, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        ecs.close();
        db.close();
    }

    private String task(long botId) {
        return db.text("SELECT platform_identifier AS s FROM bots WHERE id = " + botId);
    }

    /**
     * The second delivery of a Spot interruption was read before the first one re-queued the bot,
     * and acts after the drain placed the bot on a new task: it must not put the bot back in the
     * queue, free its unit, and leave the new task running untracked.
     */
    @Test
    void aDuplicateSpotInterruptionReadBeforeTheRequeueChangesNothingAfterTheRedeploy() throws Exception {
        long id = first.deployments().deploy(Fixtures.config(), null).botId();
        String interrupted = task(id);
        ecs.interrupt(interrupted);
        PlatformStatus spot = PlatformStatus.reclaimed("SpotInterruption: Your Spot Task was interrupted.");

        CountDownLatch read = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        // the duplicate has read the bot and is about to write when the world moves on
        lateSql.on(containing("UPDATE bots"), When.BEFORE, 1, () -> {
            read.countDown();
            await(goOn);
        });
        CompletableFuture<Boolean> duplicate = CompletableFuture.supplyAsync(
                () -> late.hybrid().containerEnded(id, "aws", interrupted, spot));
        assertThat(read.await(10, TimeUnit.SECONDS)).as("the duplicate reached its write").isTrue();

        assertThat(first.hybrid().containerEnded(id, "aws", interrupted, spot)).as("the first delivery").isTrue();
        first.hybrid().processQueue("drain", Duration.ofSeconds(20));
        String replacement = task(id);
        assertThat(replacement).as("placed again on a new task").isNotNull().isNotEqualTo(interrupted);

        goOn.countDown();
        boolean changed = duplicate.get(10, TimeUnit.SECONDS);
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(changed).as("the duplicate changed something").isFalse();
            soft.assertThat(db.text("SELECT status AS s FROM bots WHERE id = " + id)).isEqualTo("DEPLOYING");
            soft.assertThat(task(id)).isEqualTo(replacement);
            soft.assertThat(db.count("SELECT used AS n FROM platform_capacity WHERE platform = 'aws'")).as("its unit").isEqualTo(1);
            soft.assertThat(db.count("SELECT count(*) AS n FROM deployment_queue")).as("queue entries").isZero();
            soft.assertThat(ecs.runningByBot()).containsEntry(id, replacement);
        });
    }

    /** An event for a task that is not the bot's current one changes nothing, whatever it says. */
    @Test
    void anEventForAnyOtherTaskChangesNothing() {
        long id = first.deployments().deploy(Fixtures.config(), null).botId();
        String current = task(id);
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(first.hybrid().containerEnded(id, "aws", current + "-other",
                    PlatformStatus.reclaimed("SpotInterruption"))).isFalse();
            soft.assertThat(first.hybrid().containerEnded(id, "aws", current + "-other",
                    PlatformStatus.of(io.botfleet.platform.PlatformBotStatus.FAILED, "exit 1"))).isFalse();
            soft.assertThat(db.text("SELECT status AS s FROM bots WHERE id = " + id)).isEqualTo("DEPLOYING");
            soft.assertThat(task(id)).isEqualTo(current);
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
