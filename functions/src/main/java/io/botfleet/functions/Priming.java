package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import io.botfleet.Log;
import io.botfleet.Services;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.config.Settings;
import io.botfleet.deployment.WebhookSender;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.aws.AwsPlatformService;
import io.botfleet.platform.coolify.CoolifyPriming;
import io.botfleet.platform.kubernetes.KubernetesPriming;
import io.botfleet.deployment.BotStore;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.functions.http.Caller;
import io.botfleet.functions.http.DeployRequest;
import io.botfleet.functions.http.HttpResponses;
import io.botfleet.functions.http.Json;
import io.botfleet.functions.http.Views;
import io.botfleet.store.DataApiRetry;
import io.botfleet.store.DataApiSql;
import io.botfleet.store.Params;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.InstanceProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.rdsdata.RdsDataClient;

/**
 * SnapStart's hooks. Before the snapshot, the code a first call runs is run once, so its classes
 * are loaded and initialised in the snapshot instead of after each restore: the HTTP layer
 * (route matching, request parsing and validation, the answers' JSON, problem+json) through the
 * handlers with requests that fail validation, the Data API path both ways (our parameters
 * into SDK requests, marshalling, signing, unmarshalling, our reading of the fields) through a
 * client whose HTTP client answers from memory, and each configured platform's adapter (ECS,
 * Kubernetes through fabric8, Coolify through OkHttp) and the webhook sender the same way; the
 * JDK's sockets through one exchange with a loopback listener of its own. No name is resolved,
 * no connection leaves the process or stays open, and no transaction is opened: none could be
 * restored. The
 * platforms' own clients are not made here (they are made at their first call: a kubeconfig may
 * name a credential plugin, which must not run into a snapshot). After a restore,
 * the first invocation is a cold start again for the logs; nothing else is derived from time or
 * randomness at init (lease owners and request keys are made per request).
 */
public final class Priming implements Resource {
    private static final String SAMPLE_BODY = """
            {"meeting": {"platform": "google-meet", "url": "https://meet.google.com/abc-defg-hij"},
             "displayName": "Notetaker", "recordingEnabled": true, "callbackUrl": "https://example.com/cb",
             "automaticLeave": {"waitingRoomTimeoutMs": 600000}, "tenant": "acme", "priority": 0}""";
    /** The bots' environment in priming: a made-up callback URL and token secret. */
    private static final BotEnvironment ENVIRONMENT = new BotEnvironment("https://priming.invalid",
            new BotTokens("priming-secret-of-sixteen-chars"));
    /** CRaC keeps its resources by weak reference: this one lives as long as the class. */
    private static Priming registered;

    private final Services services;

    private Priming(Services services) {
        this.services = services;
    }

    /** Registers the hooks for this container's services (once). */
    static synchronized void register(Services services) {
        if (registered == null) {
            registered = new Priming(services);
            Core.getGlobalContext().register(registered);
        }
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        try {
            prime(services);
        } catch (RuntimeException e) { // a snapshot that is less primed still beats none
            Log.warn("priming.failed", Map.of(), e);
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        Log.coldStartAgain();
    }

    /** {@link #prime} for this container's services (what the hook does; the cold-start benchmark calls it). */
    public static void primeThisContainer() {
        prime(FunctionServices.get());
    }

    /**
     * Runs what a first call runs, without the database or a platform: the HTTP layer, the Data
     * API path, and each configured platform's adapter and the webhook sender (when a secret is
     * set) against answers in memory. Answers the parts that ran through; one that failed is
     * logged and left out (a snapshot less primed still beats none).
     */
    public static List<String> prime(Services services) {
        try {
            // the whole body's checks, whatever the settings, and the JSON the store makes of it
            BotStore.primeJson(DeployRequest.parse(Json.MAPPER.readTree(SAMPLE_BODY), true, Caller.OPERATOR));
        } catch (Exception e) {
            throw new IllegalStateException("the priming sample no longer parses", e);
        }
        HttpResponses.json(201, Views.deployed(new DeployOutcome(1, BotStatus.DEPLOYING, "k8s", "botfleet-bot-1",
                null, null, null, false)));
        HttpResponses.json(202, Views.deployed(new DeployOutcome(2, BotStatus.QUEUED, null, null, 1L,
                Duration.ofMinutes(30), null, false)));
        // requests that fail validation before any statement: routing, parsing, problem+json
        new DeployBotHandler(services).handleRequest(event("POST", "/bots", "{\"meeting\": {}}"), null);
        new BotStatusHandler(services).handleRequest(event("GET", "/bots/not-a-number", null), null);
        new StopBotHandler(services).handleRequest(event("POST", "/bots/0/stop", null), null);
        new TenantsHandler(services).handleRequest(event("PUT", "/tenants/not$a$name", "{}"), null);
        List<String> primed = new ArrayList<>(List.of("http"));
        Settings settings = services.settings();
        Log.info("priming.platforms", Map.of("note",
                "platform calls answered in memory: the bot, Job and task they name do not exist"));
        part(primed, "data-api", Priming::primeDataApi);
        part(primed, "aws-http", LoopbackExchange::run);
        part(primed, "aws-credentials", Priming::primeCredentialsChain);
        if (settings.ecs() != null) {
            part(primed, "aws", () -> primeEcs(settings));
        }
        if (settings.kubernetes() != null) {
            part(primed, "k8s", () -> KubernetesPriming.prime(settings.kubernetes(), settings.botImages(), ENVIRONMENT,
                    sampleBot(), settings.platformCallTimeout()));
        }
        if (settings.coolify() != null) {
            part(primed, "coolify", () -> CoolifyPriming.prime(settings.platformCallTimeout()));
        }
        if (settings.webhookSecret() != null) {
            part(primed, "webhook", WebhookSender::prime);
        }
        Log.info("priming.done", Map.of("parts", String.join(",", primed)));
        return primed;
    }

    @FunctionalInterface
    private interface Part {
        void run() throws Exception;
    }

    private static void part(List<String> primed, String name, Part part) {
        try {
            part.run();
            primed.add(name);
        } catch (Exception e) {
            Log.warn("priming.part_failed", Map.of("part", name), e);
        }
    }

    private static Bot sampleBot() throws Exception {
        BotConfig config = DeployRequest.parse(Json.MAPPER.readTree(SAMPLE_BODY), true, Caller.OPERATOR);
        return new Bot(0, config, BotStatus.QUEUED, null, null, null, Instant.EPOCH, null, null, null, 0, null);
    }

    /**
     * The providers of the default credentials chain every AWS client here takes, made and closed
     * unasked: the chain makes them at its first call, and asking them would read the environment or
     * call the credentials endpoint into the snapshot.
     */
    private static void primeCredentialsChain() {
        try (AwsCredentialsProviderChain chain = AwsCredentialsProviderChain.builder().reuseLastProviderEnabled(true)
                .credentialsProviders(SystemPropertyCredentialsProvider.create(), EnvironmentVariableCredentialsProvider.create(),
                        WebIdentityTokenFileCredentialsProvider.builder().build(), ProfileCredentialsProvider.builder().build(),
                        ContainerCredentialsProvider.builder().build(), InstanceProfileCredentialsProvider.builder().build())
                .build()) {
            chain.toString();
        }
    }

    /**
     * The ECS adapter's deploy, the first call's largest share when aws is a platform: our
     * RunTask request, its marshalling and signing, the answer, through an ECS client whose HTTP
     * client answers from memory (nothing reaches ECS; the task it names does not exist).
     */
    private static void primeEcs(Settings settings) throws Exception {
        try (EcsClient ecs = EcsClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("PRIMING", "PRIMING")))
                .httpClient(new AnsweredFromMemory(ECS_ANSWER)).overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)).apiCallTimeout(Duration.ofSeconds(5)))
                .build()) {
            new AwsPlatformService(ecs, settings.ecs(), ENVIRONMENT, Duration.ofSeconds(5)).deployBot(sampleBot());
        }
    }

    /**
     * The Data API path both ways through a client whose HTTP client answers from memory: our
     * parameters into a request, its marshalling and signing, the answer's unmarshalling, our
     * reading of its fields.
     */
    private static void primeDataApi() {
        try (RdsDataClient client = RdsDataClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("PRIMING", "PRIMING")))
                .httpClient(new AnsweredFromMemory()).overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)).apiCallTimeout(Duration.ofSeconds(5)))
                .build()) {
            DataApiSql sql = new DataApiSql(client, new DataApiSql.Target("arn:aws:rds:us-east-1:000000000000:cluster:priming",
                    "arn:aws:secretsmanager:us-east-1:000000000000:secret:priming", "priming"), DataApiRetry.standard());
            sql.query("SELECT :text AS t, :number AS n, :at AS a, :flag AS f", Params.of("text", "priming")
                    .and("number", 1L).and("at", Instant.EPOCH).and("flag", true));
            sql.update("UPDATE priming SET n = :number", Params.of("number", 2L));
        }
    }

    /** What the in-memory ECS answers: a started task (RunTask and DescribeTasks read the same shape). */
    private static final byte[] ECS_ANSWER = """
            {"tasks": [{"taskArn": "arn:aws:ecs:us-east-1:000000000000:task/priming/0", "lastStatus": "PROVISIONING",
              "desiredStatus": "RUNNING", "startedBy": "botfleet-0"}], "failures": []}""".getBytes(StandardCharsets.UTF_8);

    /** An HTTP client that sends nothing: every call gets the same answer (by default a Data API row of the usual types). */
    private static final class AnsweredFromMemory implements SdkHttpClient {
        private static final byte[] DATA_API_ANSWER = """
                {"columnMetadata": [{"name": "t", "label": "t", "typeName": "text"},
                  {"name": "n", "label": "n", "typeName": "int8"}, {"name": "a", "label": "a", "typeName": "timestamptz"},
                  {"name": "f", "label": "f", "typeName": "bool"}],
                 "records": [[{"stringValue": "priming"}, {"longValue": 1}, {"stringValue": "1970-01-01 00:00:00"},
                  {"booleanValue": true}]], "numberOfRecordsUpdated": 1}""".getBytes(StandardCharsets.UTF_8);
        private final byte[] answer;

        AnsweredFromMemory() {
            this(DATA_API_ANSWER);
        }

        AnsweredFromMemory(byte[] answer) {
            this.answer = answer;
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() {
                    return HttpExecuteResponse.builder()
                            .response(SdkHttpResponse.builder().statusCode(200).putHeader("Content-Type", "application/json")
                                    .putHeader("Content-Length", Integer.toString(answer.length)).build())
                            .responseBody(AbortableInputStream.create(new ByteArrayInputStream(answer))).build();
                }

                @Override
                public void abort() {
                }
            };
        }

        @Override
        public void close() {
        }
    }

    private static APIGatewayV2HTTPEvent event(String method, String path, String body) {
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setRouteKey("$default");
        event.setRawPath(path);
        event.setBody(body);
        event.setHeaders(Map.of("content-type", "application/json"));
        event.setRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withStage("$default")
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                .build());
        return event;
    }
}
