package io.botfleet.platform.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.botfleet.bot.Bot;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.config.Settings;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.platform.SeenContainer;
import io.botfleet.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The ECS platform with the real SDK client against a local endpoint that speaks ECS's JSON protocol. */
class AwsPlatformServiceTest {
    static final Map<String, String> ECS = Map.of("PLATFORM_PRIORITY", "aws", "AWS_BOT_LIMIT", "3");
    private static final JsonMapper JSON = JsonMapper.shared();
    private final FakeEcs fake = new FakeEcs();
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);

    @AfterEach
    void close() {
        fake.close();
    }

    static AwsPlatformService platform(FakeEcs fake, BotTokens tokens, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(ECS);
        all.put("ECS_ENDPOINT", fake.endpoint());
        all.putAll(env);
        Settings settings = Fixtures.settings(all);
        return new AwsPlatformService(AwsPlatformService.client(settings.ecs(), "us-east-1", Duration.ofSeconds(5),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret"))), settings.ecs(),
                new BotEnvironment("https://botfleet.example.com", tokens), Duration.ofSeconds(5));
    }

    private AwsPlatformService platform(Map<String, String> env) {
        return platform(fake, tokens, env);
    }

    private static Bot bot(long id, MeetingPlatform meeting, int attempt) {
        BotConfig c = Fixtures.config();
        return new Bot(id, new BotConfig(new Meeting(meeting, "https://zoom.us/j/1", null, null), c.displayName(), c.imageUrl(),
                c.recordingEnabled(), c.automaticLeave(), c.startTime(), c.endTime(), c.callbackUrl(), "acme", c.priority()),
                BotStatus.DEPLOYING, null, "aws", null, Instant.now(), null, null, null, attempt, null);
    }

    private JsonNode lastCall(String operation) throws Exception {
        String call = fake.calls().stream().filter(c -> c.startsWith(operation + " ")).reduce((a, b) -> b).orElseThrow();
        return JSON.readTree(call.substring(operation.length() + 1));
    }

    @Test
    void runTaskCarriesTheBotsNamesEnvironmentTagsAndStrategyAndARepeatGetsTheSameTask() throws Exception {
        AwsPlatformService aws = platform(Map.of());
        String arn = aws.deployBot(bot(42, MeetingPlatform.GOOGLE_MEET, 3)).identifier();
        JsonNode run = lastCall("RunTask");
        assertThat(run.path("clientToken").asString()).isEqualTo("botfleet-42-3");
        assertThat(run.path("startedBy").asString()).isEqualTo("botfleet-42");
        assertThat(run.path("taskDefinition").asString()).isEqualTo("meet-bot:4");
        assertThat(run.path("cluster").asString()).isEqualTo("bots");
        assertThat(run.path("capacityProviderStrategy").path(0).path("capacityProvider").asString()).isEqualTo("FARGATE_SPOT");
        assertThat(run.path("launchType").isMissingNode()).as("a strategy, not a launch type").isTrue();
        assertThat(run.path("propagateTags").asString()).isEqualTo("TASK_DEFINITION");
        var vpc = run.path("networkConfiguration").path("awsvpcConfiguration");
        assertThat(vpc.path("subnets").toString()).isEqualTo("[\"subnet-a\",\"subnet-b\"]");
        assertThat(vpc.path("assignPublicIp").asString()).isEqualTo("DISABLED");
        FakeEcsTask task = fake.task(arn);
        assertThat(task.environment).containsEntry("BOT_ID", "42").containsEntry("MEETING_PLATFORM", "google-meet")
                .containsEntry("BOT_TOKEN", tokens.tokenFor(42)).containsKey("BOTFLEET_URL");
        assertThat(task.tags).containsEntry("botfleet:bot-id", "42").containsEntry("botfleet:tenant", "acme")
                .containsEntry("botfleet:meeting-platform", "google-meet");

        assertThat(aws.deployBot(bot(42, MeetingPlatform.GOOGLE_MEET, 3)).identifier()).as("the same claim, repeated").isEqualTo(arn);
        assertThat(fake.tasks()).hasSize(1);
        assertThat(aws.deployBot(bot(42, MeetingPlatform.ZOOM, 3)).identifier())
                .as("the token used with other parameters: ECS names the task it started, which is adopted").isEqualTo(arn);
        assertThat(fake.tasks()).hasSize(1);
    }

    @Test
    void whenSpotHasNoCapacityTheBotRunsOnFargateAndWithoutAFallbackItIsCapacity() throws Exception {
        fake.spotUnavailable(true);
        String arn = platform(Map.of()).deployBot(bot(5, MeetingPlatform.ZOOM, 1)).identifier();
        assertThat(fake.task(arn).capacityProvider).isEqualTo("FARGATE");
        assertThat(lastCall("RunTask").path("clientToken").asString()).isEqualTo("botfleet-5-1-fallback");
        assertThat(fake.calls().stream().filter(c -> c.startsWith("RunTask "))).hasSize(2);

        PlatformDeployError full = catchThrowableOfType(PlatformDeployError.class,
                () -> platform(Map.of("ECS_FALLBACK_CAPACITY_PROVIDER", "none")).deployBot(bot(6, MeetingPlatform.ZOOM, 1)));
        assertThat(full.kind()).isEqualTo(Kind.CAPACITY);
        assertThat(full.outcomeUnknown()).isFalse();
        assertThat(full).hasMessageContaining("Capacity is unavailable");
    }

    @Test
    void everyFailureRunTaskReportsIsSurfacedAndClassified() {
        AwsPlatformService aws = platform(Map.of("ECS_CAPACITY_PROVIDERS", "FARGATE"));
        Map<String, Kind> expected = Map.of("RESOURCE:MEMORY", Kind.CAPACITY, "AGENT", Kind.TRANSIENT, "MISSING", Kind.PERMANENT,
                "ATTRIBUTE", Kind.PERMANENT);
        for (var e : expected.entrySet()) {
            fake.failRunTasks(1, e.getKey());
            PlatformDeployError error = catchThrowableOfType(PlatformDeployError.class,
                    () -> aws.deployBot(bot(System.nanoTime() % 100_000, MeetingPlatform.ZOOM, 1)));
            assertThat(error.kind()).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(error.outcomeUnknown()).isFalse();
            assertThat(error).hasMessageContaining(e.getKey());
        }
        assertThat(fake.tasks()).isEmpty();
    }

    @Test
    void aThrottledDescribeTasksIsUnknownNeverFailed() throws Exception {
        AwsPlatformService aws = platform(Map.of());
        String arn = aws.deployBot(bot(1, MeetingPlatform.ZOOM, 1)).identifier();
        fake.throttleDescribes(10); // more than the SDK's own retries
        var status = aws.getBotStatus(arn);
        assertThat(status.state()).isEqualTo(PlatformBotStatus.UNKNOWN);
        assertThat(status.reason()).contains("ThrottlingException");
        fake.throttleDescribes(0);
        assertThat(aws.getBotStatus(arn).state()).isEqualTo(PlatformBotStatus.RUNNING);
        assertThat(aws.getBotStatus("arn:aws:ecs:us-east-1:123456789012:task/bots/gone").state())
                .isEqualTo(PlatformBotStatus.STOPPED);
    }

    @Test
    void stopAsksEcsWithAReasonAndIsDoneOnceTheTaskStopped() throws Exception {
        AwsPlatformService aws = platform(Map.of());
        String arn = aws.deployBot(bot(8, MeetingPlatform.ZOOM, 1)).identifier();
        PlatformDeployError stopping = catchThrowableOfType(PlatformDeployError.class, () -> aws.stopBot(8, null));
        assertThat(stopping.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(stopping).hasMessageContaining("still stopping");
        assertThat(lastCall("StopTask").path("reason").asString()).isEqualTo("botfleet: bot 8 stopped");
        assertThat(aws.getBotStatus(arn).state()).as("stopping: it still holds its capacity").isEqualTo(PlatformBotStatus.RUNNING);
        fake.finishStopping();
        aws.stopBot(8, arn);
        assertThat(aws.findBot(8)).isEmpty();
        assertThat(aws.getBotStatus(arn).reason()).contains("UserInitiated");
    }

    @Test
    void theListHasEveryRunningTaskBotfleetStartedAcrossPages() throws Exception {
        AwsPlatformService aws = platform(Map.of());
        for (long id = 1; id <= 5; id++) {
            aws.deployBot(bot(id, MeetingPlatform.ZOOM, 1));
        }
        String ended = aws.findBot(3).orElseThrow();
        fake.exit(ended, 0);
        fake.pageSize(2);
        assertThat(aws.listBots().orElseThrow()).extracting(SeenContainer::botId).containsExactlyInAnyOrder(1L, 2L, 4L, 5L);
        assertThat(aws.getBotStatus(ended).state()).isEqualTo(PlatformBotStatus.SUCCEEDED);
        assertThat(fake.calls().stream().filter(c -> c.startsWith("ListTasks ")).count()).isGreaterThanOrEqualTo(2);
    }
}
