package io.botfleet.platform.aws;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.config.EcsSettings;
import io.botfleet.log.Redacted;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.LazyClient;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.platform.PlatformDeployResult;
import io.botfleet.platform.PlatformService;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.platform.SeenContainer;
import io.botfleet.platform.mappers.EcsStatusMapper;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.EcsClientBuilder;
import software.amazon.awssdk.services.ecs.model.ConflictException;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.ListTasksResponse;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Each bot as one ECS task ({@link EcsTasks}) on Fargate. Deploy runs the task with a client
 * token made of the bot and its claim, so a deploy repeated after a lost answer gets the same
 * task; when the Spot strategy has no capacity it tries once on the fallback capacity provider.
 * Stop asks ECS to stop the bot's tasks, found by {@code startedBy} (which StopTask keeps), and
 * is done only once they are STOPPED. The reconcile's list reads the cluster's running tasks and
 * keeps those botfleet started.
 */
public final class AwsPlatformService implements PlatformService {
    private static final String PLATFORM = "aws";
    /** DescribeTasks takes at most this many tasks per call. */
    private static final int DESCRIBE_BATCH = 100;

    private final LazyClient<EcsClient> ecsClient;
    private final EcsSettings settings;
    private final EcsTasks tasks;
    private final RunTaskRate rate;
    private final BotEnvironment environment;
    private final Duration callTimeout;

    public AwsPlatformService(EcsClient ecs, EcsSettings settings, BotEnvironment environment, Duration callTimeout) {
        this(LazyClient.of(ecs), settings, environment, callTimeout);
    }

    private AwsPlatformService(LazyClient<EcsClient> ecsClient, EcsSettings settings, BotEnvironment environment,
                               Duration callTimeout) {
        this.ecsClient = ecsClient;
        this.settings = settings;
        this.tasks = new EcsTasks(settings);
        this.rate = new RunTaskRate(settings.runTaskRate());
        this.environment = environment;
        this.callTimeout = callTimeout;
    }

    /** The platform as the settings describe it, its {@link #client} made at the first call. */
    public static AwsPlatformService from(EcsSettings settings, String region, BotEnvironment environment, Duration callTimeout) {
        return new AwsPlatformService(new LazyClient<>(() -> client(settings, region, callTimeout, null)), settings,
                environment, callTimeout);
    }

    /**
     * The ECS client as the settings describe it: the small URL-connection HTTP client, each call
     * bounded by the platform call timeout (the SDK's own retries of throttling and server
     * errors included), and the endpoint override when one is set.
     */
    public static EcsClient client(EcsSettings settings, String region, Duration callTimeout, AwsCredentialsProvider credentials) {
        EcsClientBuilder builder = EcsClient.builder()
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5)).socketTimeout(callTimeout).build())
                .region(Region.of(region))
                .overrideConfiguration(c -> c.apiCallTimeout(callTimeout));
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        if (settings.endpoint() != null) {
            builder.endpointOverride(URI.create(settings.endpoint()));
        }
        return builder.build();
    }

    /** The bot a task belongs to, from the {@code startedBy} botfleet gave it; empty for any other task. */
    public static Optional<Long> botOfTask(String startedBy) {
        return EcsTasks.botId(startedBy);
    }

    @Override
    public String platformName() {
        return PLATFORM;
    }

    @Override
    public PlatformDeployResult deployBot(Bot bot) throws PlatformDeployError {
        Map<String, String> env = environment.forBot(bot);
        RunTaskResponse run = runTask(bot, env, settings.capacityProviders(), "");
        if (run.tasks().isEmpty() && settings.fallbackCapacityProvider() != null
                && settings.capacityProviders().stream().anyMatch(EcsSettings.CapacityProvider::spot)
                && !run.failures().isEmpty() && run.failures().stream().allMatch(EcsFailures::capacityUnavailable)) {
            Log.warn("aws.spot_unavailable", Map.of("botId", bot.id(), "platform", PLATFORM,
                    "fallback", settings.fallbackCapacityProvider(), "failures", String.valueOf(run.failures())));
            run = runTask(bot, env, List.of(new EcsSettings.CapacityProvider(settings.fallbackCapacityProvider(), 1, 0)), "-fallback");
        }
        if (run.tasks().isEmpty()) {
            throw EcsFailures.of(run.failures());
        }
        String arn = run.tasks().get(0).taskArn();
        Log.info("aws.task_started", Map.of("botId", bot.id(), "platform", PLATFORM, "task", arn));
        return new PlatformDeployResult(arn);
    }

    private RunTaskResponse runTask(Bot bot, Map<String, String> env, List<EcsSettings.CapacityProvider> strategy,
                                    String tokenSuffix) throws PlatformDeployError {
        try {
            if (!rate.take(callTimeout.dividedBy(2))) {
                throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "RunTask rate of this instance spent ("
                        + settings.runTaskRate() + "/s): try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "interrupted before RunTask");
        }
        EcsClient ecs = ecs();
        try {
            return ecs.runTask(tasks.runTask(bot, env, strategy, EcsTasks.clientToken(bot) + tokenSuffix));
        } catch (ConflictException e) {
            // the token was used before with other parameters: the task that call started is the bot's
            if (e.resourceIds() != null && !e.resourceIds().isEmpty()) {
                return RunTaskResponse.builder().tasks(Task.builder().taskArn(e.resourceIds().get(0)).build()).build();
            }
            throw EcsFailures.of(e, true, "RunTask");
        } catch (SdkException e) {
            throw EcsFailures.of(e, true, "RunTask");
        }
    }

    /**
     * Stops every task of the bot: those named by {@code identifier} (its task ARN, or the ARNs an
     * earlier try of this stop asked ECS to stop, space-separated) and those ECS still means to
     * run by its {@code startedBy}. Done once they are all STOPPED (or so old that ECS forgot them).
     * A task asked to stop is listed by {@code startedBy} no more, so a stop not done yet names
     * every task still stopping for its next try.
     */
    @Override
    public void stopBot(long botId, String identifier) throws PlatformDeployError {
        Set<String> arns = new LinkedHashSet<>();
        if (identifier != null) {
            arns.addAll(List.of(identifier.trim().split("\\s+")));
        }
        arns.addAll(running(botId));
        List<Task> described = describe(List.copyOf(arns));
        EcsClient ecs = ecs();
        for (Task task : described) {
            if (!"STOPPED".equals(task.lastStatus()) && !"STOPPED".equals(task.desiredStatus())) {
                call(() -> ecs.stopTask(r -> r.cluster(settings.cluster()).task(task.taskArn())
                        .reason("botfleet: bot " + botId + " stopped")), true, "StopTask");
            }
        }
        List<String> stopping = described.stream().filter(t -> !"STOPPED".equals(t.lastStatus())).map(Task::taskArn).toList();
        if (!stopping.isEmpty()) {
            throw PlatformDeployError.stillStopping(PLATFORM, stopping.size() + " task(s) of bot " + botId
                    + " still stopping (the bot gets its stop timeout to leave the call)", String.join(" ", stopping));
        }
    }

    @Override
    public Optional<String> findBot(long botId) throws PlatformDeployError {
        return running(botId).stream().findFirst();
    }

    @Override
    public PlatformStatus getBotStatus(String identifier) {
        try {
            List<Task> found = describe(List.of(identifier));
            return found.isEmpty() ? PlatformStatus.of(io.botfleet.platform.PlatformBotStatus.STOPPED,
                    "ECS no longer knows the task (it keeps stopped tasks for about an hour)")
                    : EcsStatusMapper.map(EcsTasks.state(found.get(0)), settings.containerName());
        } catch (PlatformDeployError e) {
            return PlatformStatus.unknown("ECS cannot be asked now: " + e.getMessage());
        }
    }

    /** The cluster's running tasks that botfleet started, every page or nothing. */
    @Override
    public Optional<List<SeenContainer>> listBots() throws PlatformDeployError {
        EcsClient ecs = ecs();
        List<String> arns = new ArrayList<>();
        String next = null;
        do {
            String page = next;
            ListTasksResponse listed = call(() -> ecs.listTasks(r -> r.cluster(settings.cluster())
                    .desiredStatus(DesiredStatus.RUNNING).maxResults(100).nextToken(page)), false, "ListTasks");
            arns.addAll(listed.taskArns());
            next = listed.nextToken();
        } while (next != null);
        List<SeenContainer> seen = new ArrayList<>();
        for (Task task : describe(arns)) {
            EcsTasks.botId(task.startedBy()).ifPresent(id -> seen.add(new SeenContainer(id, task.taskArn(),
                    EcsStatusMapper.map(EcsTasks.state(task), settings.containerName()))));
        }
        return Optional.of(seen);
    }

    /**
     * The bot's tasks ECS still means to run, found by the {@code startedBy} it was given. ECS
     * takes {@code startedBy} only as the sole filter; its default desired status is RUNNING.
     */
    private List<String> running(long botId) throws PlatformDeployError {
        EcsClient ecs = ecs();
        List<String> arns = new ArrayList<>();
        String next = null;
        do {
            String page = next;
            ListTasksResponse listed = call(() -> ecs.listTasks(r -> r.cluster(settings.cluster())
                    .startedBy(EcsTasks.startedBy(botId)).nextToken(page)), false, "ListTasks");
            arns.addAll(listed.taskArns());
            next = listed.nextToken();
        } while (next != null);
        return arns;
    }

    /** These tasks as ECS describes them, in calls of at most 100; a task ECS does not know is left out. */
    private List<Task> describe(List<String> arns) throws PlatformDeployError {
        EcsClient ecs = ecs();
        List<Task> described = new ArrayList<>();
        for (int i = 0; i < arns.size(); i += DESCRIBE_BATCH) {
            List<String> batch = arns.subList(i, Math.min(arns.size(), i + DESCRIBE_BATCH));
            DescribeTasksResponse answer = call(() -> ecs.describeTasks(r -> r.cluster(settings.cluster()).tasks(batch)),
                    false, "DescribeTasks");
            described.addAll(answer.tasks());
        }
        return described;
    }

    /** The client, made at the first call; one that cannot be made is a failure before anything was sent. */
    private EcsClient ecs() throws PlatformDeployError {
        try {
            return ecsClient.get();
        } catch (RuntimeException e) {
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "no ECS client: " + Redacted.typeOf(e), Redacted.of(e));
        }
    }

    @FunctionalInterface
    private interface EcsCall<T> {
        T call();
    }

    private static <T> T call(EcsCall<T> call, boolean changesState, String what) throws PlatformDeployError {
        try {
            return call.call();
        } catch (SdkException e) {
            throw EcsFailures.of(e, changesState, what);
        }
    }
}
