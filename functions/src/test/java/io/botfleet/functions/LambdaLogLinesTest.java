package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.functions.http.Json;
import io.botfleet.local.LocalContext;
import io.botfleet.platform.aws.FakeEcs;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What a Lambda user sees in CloudWatch for a cold start and a first call: a fresh JVM with a
 * function's environment constructs the deploy handler and deploys one bot (Data API, ECS through
 * local stand-ins). Every line it writes, on either stream, the libraries' included, is one JSON
 * object with the fields log queries filter on.
 */
class LambdaLogLinesTest {
    private static final String TRACE = "Root=1-6748a1f0-2b3c4d5e6f708192a3b4c5d6;Parent=53995c3f42cd8ad8;Sampled=1";

    @TempDir
    Path home;

    @Test
    void everyLineOfAColdStartAndFirstCallIsJsonWithTheInvocationFields() throws Exception {
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API); FakeEcs ecs = new FakeEcs()) {
            ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), FirstCall.class.getName());
            child.environment().clear();
            Map<String, String> env = new java.util.HashMap<>(Fixtures.ECS_BASICS);
            env.putAll(Map.of("HOME", home.toString(), "AWS_LAMBDA_FUNCTION_NAME", "botfleet-deploy",
                    "AWS_LAMBDA_FUNCTION_VERSION", "7", "_X_AMZN_TRACE_ID", TRACE, "AWS_REGION", "eu-west-1",
                    "AWS_ACCESS_KEY_ID", "AKIDLAMBDA", "AWS_SECRET_ACCESS_KEY", "secret", "AWS_SESSION_TOKEN", "token"));
            env.putAll(Map.of("DB_MODE", "data-api", "DB_CLUSTER_ARN", TestDatabase.TARGET.clusterArn(),
                    "DB_SECRET_ARN", TestDatabase.TARGET.secretArn(), "DB_NAME", TestDatabase.TARGET.database(),
                    "DATA_API_ENDPOINT", db.dataApi().endpoint().toString(), "BOT_TOKEN_SECRET", Fixtures.SECRET,
                    "BOTFLEET_CALLBACK_URL", "https://botfleet.example.com", "PLATFORM_PRIORITY", "aws",
                    "AWS_BOT_LIMIT", "2", "ECS_ENDPOINT", ecs.endpoint()));
            env.put("WEBHOOK_SECRET", Fixtures.WEBHOOK_SECRET); // the fixture's deploy has a callbackUrl
            child.environment().putAll(env);
            Path out = home.resolve("stdout.txt");
            Path err = home.resolve("stderr.txt");
            Process process = child.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

            List<JsonNode> lines = new ArrayList<>();
            for (Path stream : List.of(out, err)) {
                for (String line : Files.readAllLines(stream, StandardCharsets.UTF_8)) {
                    lines.add(Json.MAPPER.readTree(line)); // throws on a line that is not JSON
                }
            }
            assertThat(lines).as("the deploy logs").hasSizeGreaterThanOrEqualTo(2);
            assertThat(lines).as("the request's platform call, as a metric line").anyMatch(l -> l.has("PlatformCalls"));
            lines.removeIf(l -> l.has("_aws")); // metric lines (Embedded Metric Format) carry no log fields
            for (JsonNode line : lines) {
                assertThat(line.has("level") && (line.has("event") || line.has("message"))).as(line.toString()).isTrue();
                assertThat(line.path("function_name").asString()).as(line.toString()).isEqualTo("botfleet-deploy");
                assertThat(line.path("function_version").asString()).as(line.toString()).isEqualTo("7");
                assertThat(line.path("cold_start").isBoolean()).as(line.toString()).isTrue();
            }
            List<JsonNode> ofTheCall = lines.stream().filter(l -> l.has("requestId")).toList();
            assertThat(ofTheCall).as("lines of the first call").isNotEmpty()
                    .allSatisfy(l -> {
                        assertThat(l.path("requestId").asString()).isEqualTo(ofTheCall.get(0).path("requestId").asString());
                        assertThat(l.path("cold_start").asBoolean()).isTrue();
                        assertThat(l.path("xray_trace_id").asString()).isEqualTo("1-6748a1f0-2b3c4d5e6f708192a3b4c5d6");
                    });
            assertThat(lines).as("the answer").anyMatch(l -> "answer".equals(l.path("event").asString())
                    && l.path("statusCode").asInt() == 201);
        }
    }

    /** The function in its own JVM: constructed from the environment, one deploy, its status logged. */
    public static final class FirstCall {
        public static void main(String[] args) {
            APIGatewayV2HTTPResponse response = new DeployBotHandler()
                    .handleRequest(Api.event("apigw/deploy-bot.json"), new LocalContext("botfleet-deploy", Duration.ofSeconds(30)));
            io.botfleet.Log.info("answer", Map.of("statusCode", response.getStatusCode()));
            System.exit(0);
        }
    }
}
