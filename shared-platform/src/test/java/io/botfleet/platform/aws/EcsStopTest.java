package io.botfleet.platform.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A stop of a bot on ECS is done only when every task of the bot is STOPPED, also when the stop
 * went by the bot's name (its deploy's answer was lost) and ECS takes its time to stop the task:
 * the unit is not given back while a task of the bot still runs. Both adapters.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class EcsStopTest {
    private final TestDatabase db;
    private final FakeEcs ecs = new FakeEcs();
    private final MutableClock clock = new MutableClock();
    private final Services services;

    EcsStopTest(TestDatabase.Adapter adapter) {
        db = TestDatabase.fresh(adapter);
        Map<String, String> env = Map.of("PLATFORM_PRIORITY", "aws", "AWS_BOT_LIMIT", "1", "PLATFORM_CALL_TIMEOUT", "2s");
        AwsPlatformService aws = AwsPlatformServiceTest.platform(ecs, new BotTokens(Fixtures.SECRET), env);
        services = new Services(Fixtures.settings(env), db.sql(3), List.of(aws), CapacityReleasedPublisher.NONE, clock);
    }

    @AfterEach
    void close() {
        ecs.close();
        db.close();
    }

    private void drainAfter(Duration wait) {
        clock.advance(wait);
        services.hybrid().processQueue("drain", Duration.ofSeconds(20));
    }

    private String status(long id) {
        return db.text("SELECT status AS s FROM bots WHERE id = " + id);
    }

    @Test
    void aStopByNameIsDoneOnlyWhenTheTaskItStoppedIsStopped() throws Exception {
        ecs.delayRunTasks(3_000); // the deploy's answer is lost: the bot is pinned, with no task ARN
        DeployOutcome deployed = services.deployments().deploy(Fixtures.config(), null);
        long id = deployed.botId();
        assertThat(deployed.platformIdentifier()).isNull();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ecs.tasks().isEmpty() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        String task = ecs.tasks().get(0).arn;
        ecs.delayRunTasks(0);

        assertThat(services.deployments().stop(id).status()).isEqualTo(BotStatus.LEAVING);
        drainAfter(Duration.ofMinutes(2)); // the deploy call has surely ended: the stop goes by name
        assertThat(ecs.task(task).desiredStatus).as("ECS was asked to stop it").isEqualTo("STOPPED");
        for (int retry = 0; retry < 3; retry++) {
            drainAfter(Duration.ofMinutes(6)); // ECS is still stopping the task: each retry of the stop finds it so
        }
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(ecs.task(task).lastStatus).isNotEqualTo("STOPPED");
            soft.assertThat(status(id)).as("while its task is still stopping").isEqualTo("LEAVING");
            soft.assertThat(db.count("SELECT used AS n FROM platform_capacity WHERE platform = 'aws'")).as("its unit").isEqualTo(1);
        });

        ecs.finishStopping();
        drainAfter(Duration.ofMinutes(6));
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(status(id)).isEqualTo("DONE");
            soft.assertThat(db.count("SELECT used AS n FROM platform_capacity WHERE platform = 'aws'")).isZero();
            soft.assertThat(db.count("SELECT count(*) AS n FROM platform_releases")).as("nothing left owed").isZero();
        });
    }
}
