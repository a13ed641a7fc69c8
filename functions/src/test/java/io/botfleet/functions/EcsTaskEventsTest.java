package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.config.Settings;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.aws.AwsPlatformService;
import io.botfleet.platform.aws.FakeEcs;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The ECS task state change handler, driven by the real-shaped fixture under events/, with the aws
 * platform deploying to a local ECS endpoint: a stopped task ends its bot as ECS says, frees its
 * unit and asks for a drain; a Spot interruption before the bot joined re-queues it at the front;
 * duplicate, late and foreign events change nothing.
 */
class EcsTaskEventsTest {
    private final TestDatabase db = TestDatabase.fresh();
    private final FakeEcs ecs = new FakeEcs();
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);
    private final List<String> drainsAskedFor = Collections.synchronizedList(new ArrayList<>());
    private final Services services;
    private final EcsTaskStateHandler handler;

    EcsTaskEventsTest() {
        Settings settings = Fixtures.settings(
                Map.of("PLATFORM_PRIORITY", "aws", "AWS_BOT_LIMIT", "1", "ECS_ENDPOINT", ecs.endpoint()));
        AwsPlatformService aws = new AwsPlatformService(AwsPlatformService.client(settings.ecs(), "eu-west-1",
                Duration.ofSeconds(5), StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret"))),
                settings.ecs(), new BotEnvironment("http://127.0.0.1:1", tokens), Duration.ofSeconds(5));
        services = new Services(settings, db.sql(4), List.of(aws), drainsAskedFor::add, Clock.systemUTC());
        handler = new EcsTaskStateHandler(services);
    }

    @AfterEach
    void close() {
        ecs.close();
        db.close();
    }

    private long deploy() {
        return services.deployments().deploy(Fixtures.config(), null).botId();
    }

    private String task(long botId) {
        return db.text("SELECT platform_identifier AS s FROM bots WHERE id = " + botId);
    }

    /** The fixture, for this bot's task, as ECS would send it when the task stopped this way. */
    private static ScheduledEvent stopped(long botId, String taskArn, String stopCode, Integer exitCode) {
        ScheduledEvent event = EventLoader.loadScheduledEvent("ecs/task-stopped.json");
        Map<String, Object> detail = event.getDetail();
        detail.put("startedBy", "botfleet-" + botId);
        detail.put("taskArn", taskArn);
        detail.put("stopCode", stopCode);
        detail.put("stoppedReason", stopCode.equals("SpotInterruption") ? "Your Spot Task was interrupted." : "Essential container in task exited");
        @SuppressWarnings("unchecked")
        Map<String, Object> container = ((List<Map<String, Object>>) detail.get("containers")).get(0);
        container.put("exitCode", exitCode);
        return event;
    }

    private String status(long botId) {
        return db.text("SELECT status AS s FROM bots WHERE id = " + botId);
    }

    @Test
    void theFixtureIsAStoppedTaskOfABotThatFinished() {
        ScheduledEvent fixture = EventLoader.loadScheduledEvent("ecs/task-stopped.json");
        assertThat(fixture.getDetailType()).isEqualTo("ECS Task State Change");
        assertThat(fixture.getSource()).isEqualTo("aws.ecs");
        assertThat(fixture.getDetail()).containsEntry("lastStatus", "STOPPED").containsEntry("startedBy", "botfleet-42");
        assertThat(handler.handleRequest(fixture, null)).containsEntry("changed", false); // bot 42 does not exist here
    }

    @Test
    void aTaskThatExitedZeroEndsItsBotDoneAndOneThatFailedEndsItFatal() {
        long done = deploy();
        services.deployments().report(done, tokens.tokenFor(done), BotStatus.IN_CALL, null);
        assertThat(handler.handleRequest(stopped(done, task(done), "EssentialContainerExited", 0), null))
                .containsEntry("changed", true);
        assertThat(status(done)).isEqualTo("DONE");
        assertThat(db.count("SELECT sum(used) AS n FROM platform_capacity")).isZero();
        assertThat(drainsAskedFor).contains("aws");

        long crashed = deploy();
        handler.handleRequest(stopped(crashed, task(crashed), "EssentialContainerExited", 139), null);
        assertThat(status(crashed)).isEqualTo("FATAL");
        assertThat(db.text("SELECT status_reason AS s FROM bots WHERE id = " + crashed)).contains("exited with code 139");
        assertThat(handler.handleRequest(stopped(crashed, task(crashed), "EssentialContainerExited", 0), null))
                .as("a duplicate").containsEntry("changed", false);
        assertThat(status(crashed)).isEqualTo("FATAL");
    }

    @Test
    void aSpotInterruptionBeforeTheBotJoinedPutsItAtTheFrontOfTheQueueAndALateEventForItsOldTaskChangesNothing() {
        long interrupted = deploy();
        long waiting = deploy(); // the limit is one: it waits
        assertThat(status(waiting)).isEqualTo("QUEUED");
        String first = task(interrupted);
        ecs.interrupt(first);
        assertThat(handler.handleRequest(stopped(interrupted, first, "SpotInterruption", null), null)).containsEntry("changed", true);
        assertThat(status(interrupted)).isEqualTo("QUEUED");
        assertThat(db.count("SELECT sum(used) AS n FROM platform_capacity")).isZero();

        services.hybrid().processQueue("drain", Duration.ofSeconds(20)); // the drain the release asked for
        assertThat(status(interrupted)).as("placed again before the bot that waited").isEqualTo("DEPLOYING");
        assertThat(status(waiting)).isEqualTo("QUEUED");
        assertThat(task(interrupted)).isNotEqualTo(first);
        assertThat(handler.handleRequest(stopped(interrupted, first, "SpotInterruption", null), null))
                .as("the old task's event, late").containsEntry("changed", false);
        assertThat(status(interrupted)).isEqualTo("DEPLOYING");
    }

    @Test
    void eventsOfOtherTasksAndOtherStatesAreIgnored() {
        long id = deploy();
        ScheduledEvent foreign = stopped(id, task(id), "EssentialContainerExited", 1);
        foreign.getDetail().put("startedBy", "ecs-svc/1234567890");
        assertThat(handler.handleRequest(foreign, null)).containsEntry("changed", false);
        ScheduledEvent running = stopped(id, task(id), "EssentialContainerExited", 1);
        running.getDetail().put("lastStatus", "RUNNING");
        assertThat(handler.handleRequest(running, null)).containsEntry("changed", false);
        assertThat(status(id)).isEqualTo("DEPLOYING");
    }
}
