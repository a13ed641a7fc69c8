package io.botfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The synthesized template of the stack with every platform configured (example-props.json). */
class BotfleetStackTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Template template;
    private static JsonNode resources;
    private static Path assembly;

    @BeforeAll
    static void synth() throws Exception {
        assembly = Files.createTempDirectory("botfleet-cdk");
        App app = new App(software.amazon.awscdk.AppProps.builder().outdir(assembly.toString()).build());
        BotfleetStack stack = new BotfleetStack(app, "Botfleet", StackProps.builder().build(),
                BotfleetProps.read(Path.of("example-props.json")));
        template = Template.fromStack(stack);
        resources = JSON.valueToTree(template.toJSON()).get("Resources");
    }

    private static List<JsonNode> ofType(String type) {
        List<JsonNode> found = new ArrayList<>();
        resources.forEach(r -> {
            if (type.equals(r.path("Type").asText())) {
                found.add(r);
            }
        });
        return found;
    }

    @Test
    void theDatabaseIsServerlessAuroraWithTheDataApiPausingAtZeroInUtc() {
        template.hasResourceProperties("AWS::RDS::DBCluster", Map.of("Engine", "aurora-postgresql",
                "EnableHttpEndpoint", true, "DeletionProtection", true, "StorageEncrypted", true,
                "ServerlessV2ScalingConfiguration", Map.of("MinCapacity", 0, "MaxCapacity", 4)));
        assertThat(ofType("AWS::RDS::DBCluster").get(0).path("Properties").path("EngineVersion").asText()).startsWith("17.");
        template.hasResourceProperties("AWS::RDS::DBClusterParameterGroup", Map.of("Parameters", Map.of("timezone", "UTC")));
        template.hasResource("AWS::RDS::DBCluster", Map.of("DeletionPolicy", "Snapshot"));
        template.resourceCountIs("AWS::EC2::NatGateway", 0);
    }

    @Test
    void everyFunctionIsTheBuiltJarOnJava21Arm64WithSnapStartBehindALiveAlias() {
        assertThat(Files.isRegularFile(Path.of(Functions.JAR))).as("the build's Lambda jar").isTrue();
        List<JsonNode> functions = ofType("AWS::Lambda::Function").stream()
                .filter(f -> f.path("Properties").path("Handler").asText().startsWith("io.botfleet.functions."))
                .filter(f -> !f.path("Properties").path("Handler").asText().endsWith("MigrationsHandler")).toList();
        assertThat(functions).extracting(f -> f.path("Properties").path("Handler").asText()).containsExactlyInAnyOrder(
                "io.botfleet.functions.DeployBotHandler", "io.botfleet.functions.StopBotHandler",
                "io.botfleet.functions.BotStatusHandler", "io.botfleet.functions.TenantsHandler",
                "io.botfleet.functions.ProcessQueueHandler",
                "io.botfleet.functions.ProcessQueueHandler::handleCapacityReleased", "io.botfleet.functions.EcsTaskStateHandler");
        assertThat(functions).allSatisfy(f -> {
            JsonNode p = f.path("Properties");
            assertThat(p.path("Runtime").asText()).isEqualTo("java21");
            assertThat(p.path("Architectures").get(0).asText()).isEqualTo("arm64");
            assertThat(p.path("SnapStart").path("ApplyOn").asText()).isEqualTo("PublishedVersions");
            assertThat(p.path("LoggingConfig").path("LogFormat").asText()).isEqualTo("JSON");
            assertThat(p.path("Environment").path("Variables").path("DB_MODE").asText()).isEqualTo("data-api");
        });
        template.resourcePropertiesCountIs("AWS::Lambda::Alias", Map.of("Name", "live"), 7);
        try (var staged = Files.list(assembly)) {
            assertThat(staged.filter(f -> f.getFileName().toString().matches("asset\\..*\\.jar")).toList())
                    .as("one code asset, byte for byte the build's jar").singleElement()
                    .satisfies(asset -> assertThat(Files.mismatch(asset, Path.of(Functions.JAR))).isEqualTo(-1L));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theApiRoutesClientCallsWithIamAndTheBotsOwnRoutesToTheHandlersCheck() {
        List<JsonNode> routes = ofType("AWS::ApiGatewayV2::Route");
        assertThat(routes).hasSize(23);
        for (JsonNode route : routes) {
            String key = route.path("Properties").path("RouteKey").asText();
            boolean open = key.equals("POST /bots/{id}/status") || key.equals("GET /bots/{id}/config")
                    || key.equals("GET /openapi.json") || key.equals("GET /");
            assertThat(route.path("Properties").path("AuthorizationType").asText()).as(key).isEqualTo(open ? "NONE" : "AWS_IAM");
        }
        template.hasResourceProperties("AWS::ApiGatewayV2::Stage", Map.of("AccessLogSettings",
                Match.objectLike(Map.of("DestinationArn", Match.anyValue()))));
    }

    @Test
    void theTriggersReachTheirAliases() {
        template.hasResourceProperties("AWS::Scheduler::Schedule", Map.of("ScheduleExpression", "rate(1 minute)",
                "Target", Match.objectLike(Map.of("Arn", Map.of("Ref", Match.stringLikeRegexp("FunctionsProcessQueueLive.*"))))));
        template.hasResourceProperties("AWS::Lambda::EventSourceMapping", Map.of(
                "FunctionResponseTypes", List.of("ReportBatchItemFailures"), "ScalingConfig", Map.of("MaximumConcurrency", 2)));
        assertThat(ofType("AWS::Lambda::EventSourceMapping").get(0).path("Properties").path("FunctionName").toString())
                .as("the capacity-released function's live alias").contains("FunctionsCapacityReleased").contains(":live");
        Object pattern = Map.of("source", List.of("aws.ecs"), "detail-type", List.of("ECS Task State Change"),
                "detail", Match.objectLike(Map.of("lastStatus", List.of("STOPPED"),
                        "startedBy", List.of(Map.of("prefix", "botfleet-")))));
        Object target = Match.objectLike(Map.of("Arn", Map.of("Ref", Match.stringLikeRegexp("FunctionsEcsTaskEventsLive.*")),
                "DeadLetterConfig", Match.objectLike(Map.of())));
        template.hasResourceProperties("AWS::Events::Rule", Map.of("EventPattern", pattern, "Targets", List.of(target)));
        template.hasResourceProperties("AWS::SQS::Queue", Map.of("RedrivePolicy", Match.objectLike(Map.of("maxReceiveCount", 5))));
    }

    @Test
    void noPolicyGrantsEveryActionAndPassRoleGoesOnlyToEcsTasks() {
        int statements = 0;
        for (JsonNode policy : ofType("AWS::IAM::Policy")) {
            for (JsonNode statement : policy.path("Properties").path("PolicyDocument").path("Statement")) {
                statements++;
                List<String> actions = new ArrayList<>();
                if (statement.path("Action").isArray()) {
                    statement.path("Action").forEach(a -> actions.add(a.asText()));
                } else {
                    actions.add(statement.path("Action").asText());
                }
                assertThat(actions).as(statement.toString()).noneMatch(a -> a.equals("*") || a.endsWith(":*"));
                if ("*".equals(statement.path("Resource").asText())) {
                    assertThat(actions).as("only actions with no resource type take *: " + statement)
                            .containsOnly("ecs:ListTasks");
                    assertThat(statement.path("Condition").path("ArnEquals").has("ecs:cluster")).isTrue();
                }
                if (actions.contains("iam:PassRole")) {
                    assertThat(statement.path("Condition").path("StringEquals").path("iam:PassedToService").asText())
                            .isEqualTo("ecs-tasks.amazonaws.com");
                }
                if (actions.contains("ecs:RunTask")) {
                    assertThat(statement.path("Resource").toString()).contains("task-definition/zoom-bot:7");
                }
            }
        }
        assertThat(statements).isGreaterThan(10);
    }

    /** The functions that send status webhooks: at once after a change (deploy, a bot's callback), and by the drain. */
    private static final List<String> WEBHOOK_SENDERS = List.of("io.botfleet.functions.DeployBotHandler",
            "io.botfleet.functions.BotStatusHandler", "io.botfleet.functions.ProcessQueueHandler",
            "io.botfleet.functions.ProcessQueueHandler::handleCapacityReleased");

    @Test
    void everyFunctionThatSendsWebhooksReadsAGeneratedWhsecSecret() {
        List<String> given = new ArrayList<>();
        for (JsonNode f : ofType("AWS::Lambda::Function")) {
            String handler = f.path("Properties").path("Handler").asText();
            JsonNode arn = f.path("Properties").path("Environment").path("Variables").path("WEBHOOK_SECRET_SECRET_ARN");
            if (!WEBHOOK_SENDERS.contains(handler)) {
                assertThat(arn.isMissingNode()).as(handler + " sends no webhook: no key for it").isTrue();
                continue;
            }
            String secret = arn.path("Ref").asText();
            assertThat(secret).as(handler + ": WEBHOOK_SECRET_SECRET_ARN").isNotEmpty();
            given.add(secret);
            String role = f.path("Properties").path("Role").path("Fn::GetAtt").get(0).asText();
            assertThat(ofType("AWS::IAM::Policy")).as(handler + " may read it").anySatisfy(policy -> {
                assertThat(policy.path("Properties").path("Roles").toString()).contains("\"" + role + "\"");
                assertThat(policy.path("Properties").path("PolicyDocument").path("Statement")).anySatisfy(statement -> {
                    assertThat(statement.path("Action").toString()).contains("secretsmanager:GetSecretValue");
                    assertThat(statement.path("Resource").path("Ref").asText()).isEqualTo(secret);
                });
            });
        }
        assertThat(given).as("one secret for every sender").hasSize(WEBHOOK_SENDERS.size()).containsOnly(given.get(0));

        // whsec_ + the whole value of a generated secret, joined by CloudFormation's dynamic reference at deploy time
        JsonNode value = resources.get(given.get(0)).path("Properties").path("SecretString").path("Fn::Join").get(1);
        assertThat(value.get(0).asText()).isEqualTo("whsec_{{resolve:secretsmanager:");
        assertThat(value.get(2).asText()).isEqualTo(":SecretString:::}}");
        String material = value.get(1).path("Ref").asText();
        JsonNode generated = resources.get(material).path("Properties").path("GenerateSecretString");
        // letters and digits are base64 characters, and every 4 of them carry 3 bytes: a valid base64 of 24+ bytes
        assertThat(generated.path("ExcludePunctuation").asBoolean()).isTrue();
        assertThat(generated.path("IncludeSpace").asBoolean(true)).isFalse();
        int length = generated.path("PasswordLength").asInt();
        assertThat(length % 4).as("whole base64 quanta").isZero();
        assertThat(length / 4 * 3).as("key bytes").isGreaterThanOrEqualTo(32);
        assertThat(ofType("AWS::Lambda::Function")).as("no function is given the key material")
                .noneSatisfy(f -> assertThat(f.path("Properties").path("Environment").toString()).contains(material));
        assertThat(ofType("AWS::IAM::Policy")).as("nor may read it")
                .noneSatisfy(p -> assertThat(p.path("Properties").path("PolicyDocument").toString()).contains(material));
    }

    @Test
    void theSchemaIsMigratedBeforeAnyAliasMoves() {
        List<JsonNode> schema = ofType("Custom::BotfleetSchema");
        assertThat(schema).hasSize(1);
        String schemaId = resources.properties().stream().filter(e -> e.getValue() == schema.get(0)).findFirst()
                .orElseThrow().getKey();
        assertThat(ofType("AWS::Lambda::Alias")).hasSize(7).allSatisfy(alias ->
                assertThat(alias.path("DependsOn").toString()).as("waits for the migrations").contains(schemaId));
        assertThat(ofType("AWS::Lambda::Function")).anySatisfy(f ->
                assertThat(f.path("Properties").path("Handler").asText()).isEqualTo("io.botfleet.functions.MigrationsHandler"));
    }

    @Test
    void alarmsWatchTheDeadLetterQueuesEveryFunctionTheQueueLateScheduledBotsFatalEndsAndFailedWebhooks() {
        List<JsonNode> alarms = ofType("AWS::CloudWatch::Alarm");
        assertThat(alarms).hasSize(2 + 7 * 2 + 1 + 3);
        assertThat(alarms).anySatisfy(a -> assertThat(a.path("Properties").path("Metrics").toString())
                .contains("100 * fatal / (fatal + done)", Alarms.BOTS_ENDED, "\"Value\":\"FATAL\""));
        assertThat(alarms).anySatisfy(a -> {
            assertThat(a.path("Properties").path("MetricName").asText()).isEqualTo(Alarms.WEBHOOK_DELIVERIES);
            assertThat(a.path("Properties").path("Dimensions").toString()).contains("FAILED", "botfleet");
        });
        assertThat(alarms).anySatisfy(a -> { // joins minus those on time, on the metrics processQueue writes
            String metrics = a.path("Properties").path("Metrics").toString();
            assertThat(metrics).contains("joins - onTime", Alarms.SCHEDULED_JOINS, Alarms.SCHEDULED_ON_TIME,
                    "\"Name\":\"service\"", "\"Value\":\"botfleet\"");
        });
        assertThat(alarms).anySatisfy(a -> {
            assertThat(a.path("Properties").path("MetricName").asText()).isEqualTo(Alarms.OLDEST_QUEUED);
            assertThat(a.path("Properties").path("Namespace").asText()).isEqualTo(Alarms.NAMESPACE);
        });
        assertThat(alarms).filteredOn(a -> a.path("Properties").path("MetricName").asText()
                .equals("ApproximateNumberOfMessagesVisible")).hasSize(2);
    }

    @Test
    void theDrainersConcurrencyIsBoundedAndAJwtPropSwitchesTheClientRoutesToIt() throws Exception {
        assertThat(ofType("AWS::Lambda::Function")).filteredOn(f -> f.path("Properties").path("Handler").asText()
                .startsWith("io.botfleet.functions.ProcessQueueHandler")).hasSize(2)
                .allSatisfy(f -> assertThat(f.path("Properties").path("ReservedConcurrentExecutions").asInt()).isEqualTo(2));

        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
                JSON.readTree(Files.readString(Path.of("example-props.json")));
        json.putObject("jwt").put("issuer", "https://auth.example.com/").putArray("audience").add("botfleet");
        App app = new App();
        Template withJwt = Template.fromStack(new BotfleetStack(app, "Jwt", StackProps.builder().build(), BotfleetProps.from(json)));
        withJwt.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", Map.of("AuthorizerType", "JWT",
                "JwtConfiguration", Map.of("Issuer", "https://auth.example.com/", "Audience", List.of("botfleet"))));
        withJwt.resourcePropertiesCountIs("AWS::ApiGatewayV2::Route", Map.of("AuthorizationType", "JWT"), 19);
    }

    /** The API routes exactly what the OpenAPI document names, so a route the functions gain cannot be left out here. */
    @Test
    void theApiRoutesEveryRouteOfTheOpenApiDocument() throws Exception {
        JsonNode document = JSON.readTree(Files.readString(Path.of("../functions/src/main/resources/openapi.json")));
        List<String> documented = new ArrayList<>();
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames()
                .forEachRemaining(method -> documented.add(method.toUpperCase() + " " + path.getKey())));
        assertThat(ofType("AWS::ApiGatewayV2::Route")).extracting(r -> r.path("Properties").path("RouteKey").asText())
                .containsExactlyInAnyOrderElementsOf(documented);
    }

    /**
     * With {@code tenantKeys}, no route has an API Gateway authorizer: the HTTP functions check the
     * operator's token, a generated secret, or a tenant's key themselves. Not with a JWT as well.
     */
    @Test
    void aTenantKeysPropLetsTheHttpFunctionsAuthorizeTheClientRoutes() throws Exception {
        Template keyed = Template.fromStack(new BotfleetStack(new App(), "Keys", StackProps.builder().build(),
                BotfleetProps.from(tenantKeysProps())));
        JsonNode keyedResources = JSON.valueToTree(keyed.toJSON()).get("Resources");
        List<JsonNode> routes = new ArrayList<>();
        List<JsonNode> functions = new ArrayList<>();
        keyedResources.forEach(r -> {
            if (r.path("Type").asText().equals("AWS::ApiGatewayV2::Route")) {
                routes.add(r);
            } else if (r.path("Type").asText().equals("AWS::Lambda::Function")) {
                functions.add(r);
            }
        });
        assertThat(routes).hasSize(23).allSatisfy(r ->
                assertThat(r.path("Properties").path("AuthorizationType").asText()).isEqualTo("NONE"));
        keyed.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 0);
        String secret = keyed.findResources("AWS::SecretsManager::Secret", Map.of("Properties",
                Map.of("Description", Match.stringLikeRegexp(".*operator's API token.*")))).keySet().iterator().next();
        for (JsonNode function : functions) {
            String handler = function.path("Properties").path("Handler").asText();
            JsonNode token = function.path("Properties").path("Environment").path("Variables").path("BOTFLEET_API_TOKEN_SECRET_ARN");
            boolean http = List.of("DeployBotHandler", "StopBotHandler", "BotStatusHandler", "TenantsHandler").stream()
                    .anyMatch(h -> handler.equals("io.botfleet.functions." + h));
            assertThat(token.toString()).as(handler).isEqualTo(http ? "{\"Ref\":\"" + secret + "\"}" : "");
        }
        keyed.hasOutput("ApiTokenSecretArn", Map.of("Value", Map.of("Ref", secret)));

        com.fasterxml.jackson.databind.node.ObjectNode both = tenantKeysProps();
        both.putObject("jwt").put("issuer", "https://auth.example.com/").putArray("audience").add("botfleet");
        assertThatThrownBy(() -> BotfleetProps.from(both)).hasMessageContaining("tenantKeys");
    }

    static com.fasterxml.jackson.databind.node.ObjectNode tenantKeysProps() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
                JSON.readTree(Files.readString(Path.of("example-props.json")));
        return json.put("tenantKeys", true);
    }

    @Test
    void propsThatLackAPlatformsSettingsNameWhatIsMissing() throws Exception {
        JsonNode json = JSON.readTree("{\"platformPriority\": [\"k8s\", \"aws\"], \"limits\": {\"k8s\": 5}}");
        assertThatThrownBy(() -> BotfleetProps.from(json)).hasMessageContaining("limits.aws")
                .hasMessageContaining("kubernetes.kubeconfigSecretArn").hasMessageContaining("ecs.clusterArn")
                .hasMessageContaining("botImages.ZOOM");
        assertThatThrownBy(() -> BotfleetProps.from(JSON.readTree("{}"))).hasMessageContaining("platformPriority");
    }
}
