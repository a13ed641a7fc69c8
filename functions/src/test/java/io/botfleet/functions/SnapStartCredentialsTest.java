package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A function restored from a SnapStart snapshot has no key variables: its credentials come from
 * the container credentials endpoint ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI} with an
 * authorization token). A fresh JVM with exactly that environment (the endpoint served here)
 * constructs the status handler the way Lambda does and answers {@code GET /capacity} through the
 * Data API, signed with the container's credentials.
 */
class SnapStartCredentialsTest {
    private static final String CONTAINER_KEY = "ASIACONTAINERCREDS01";
    private static final String AUTH_TOKEN = "lambda-container-auth-token";

    @TempDir
    Path home;

    @Test
    void aRestoredFunctionSignsItsDataApiCallsWithTheContainerCredentials() throws Exception {
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API);
             MockWebServer credentials = new MockWebServer()) {
            credentials.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
                    .body("{\"AccessKeyId\":\"" + CONTAINER_KEY + "\",\"SecretAccessKey\":\"container-secret\","
                            + "\"Token\":\"container-session-token\",\"Expiration\":\"2099-01-01T00:00:00Z\"}").build());
            credentials.start();
            ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), RestoredFunction.class.getName());
            child.environment().clear(); // no AWS_ACCESS_KEY_ID, no profile: what a restored function has
            child.environment().putAll(Map.ofEntries(
                    Map.entry("HOME", home.toString()),
                    Map.entry("AWS_LAMBDA_FUNCTION_NAME", "botfleet-status"),
                    Map.entry("AWS_REGION", "eu-west-1"),
                    Map.entry("AWS_CONTAINER_CREDENTIALS_FULL_URI", credentials.url("/2021-04-23/credentials").toString()),
                    Map.entry("AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH_TOKEN),
                    Map.entry("DB_MODE", "data-api"),
                    Map.entry("DB_CLUSTER_ARN", TestDatabase.TARGET.clusterArn()),
                    Map.entry("DB_SECRET_ARN", TestDatabase.TARGET.secretArn()),
                    Map.entry("DB_NAME", TestDatabase.TARGET.database()),
                    Map.entry("DATA_API_ENDPOINT", db.dataApi().endpoint().toString()),
                    Map.entry("BOT_TOKEN_SECRET", Fixtures.SECRET),
                    Map.entry("BOTFLEET_CALLBACK_URL", "https://botfleet.example.com"),
                    Map.entry("PLATFORM_PRIORITY", "local"),
                    Map.entry("LOCAL_BOT_LIMIT", "1")));
            Path output = home.resolve("out.txt");
            Process process = child.redirectErrorStream(true).redirectOutput(output.toFile()).start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the function answered").isTrue();
            String printed = Files.readString(output, StandardCharsets.UTF_8);

            assertThat(printed).as(printed).contains("statusCode=200").contains("\"platform\":\"local\"");
            RecordedRequest asked = credentials.takeRequest(5, TimeUnit.SECONDS);
            assertThat(asked).as("the container credentials endpoint was asked").isNotNull();
            assertThat(asked.getHeaders().get("Authorization")).isEqualTo(AUTH_TOKEN);
            assertThat(db.dataApi().accessKeys()).as("Data API calls signed with").containsExactly(CONTAINER_KEY);
        }
    }

    /** The function in its own JVM: constructed from the environment, one call, its answer printed. */
    public static final class RestoredFunction {
        public static void main(String[] args) throws IOException {
            APIGatewayV2HTTPEvent event = Api.event("apigw/get-capacity.json");
            APIGatewayV2HTTPResponse response = new BotStatusHandler().handleRequest(event, null);
            System.out.println("statusCode=" + response.getStatusCode() + " body=" + response.getBody());
            System.exit(0); // the SDK's and the pool's threads would keep a Lambda-less JVM alive
        }
    }
}
