package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The adapter against the real SDK client and a fake SQS endpoint on loopback, so what is checked is
 * what actually goes over the wire (AWS JSON 1.0), not what a mock was told to expect.
 */
class SqsCapacityReleasedPublisherTest {
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/capacity";

    /** One request as the fake endpoint saw it. */
    record Seen(String method, String target, String contentType, JsonNode body) {
    }

    /** What the fake endpoint answers: an HTTP status and an optional AWS JSON error body. */
    private volatile int status = 200;
    private volatile String errorBody;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private SqsClient sqs;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
        sqs = client(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @AfterEach
    void stop() {
        sqs.close();
        server.stop(0);
    }

    @Test
    void capacityReleaseSendsOneMessageToTheQueue() throws Exception {
        String output = capturingStdout(() -> new SqsCapacityReleasedPublisher(sqs, QUEUE_URL).capacityReleased("k8s"));

        // The SDK accepted our answer (MD5 included); otherwise the adapter would have logged a failure.
        assertThat(output).doesNotContain("capacity.publish_failed");
        assertThat(seen).hasSize(1);
        Seen request = seen.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.target()).isEqualTo("AmazonSQS.SendMessage");
        assertThat(request.contentType()).startsWith("application/x-amz-json-1.0");
        assertThat(request.body().path("QueueUrl").asString()).isEqualTo(QUEUE_URL);
        // The message body is itself JSON, read by processQueue: parse it rather than compare strings.
        JsonNode message = JSON.readTree(request.body().path("MessageBody").asString());
        assertThat(message.path("type").asString()).isEqualTo("capacity-released");
        assertThat(message.path("platform").asString()).isEqualTo("k8s");
        assertThat(message.size()).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource({
        "500, com.amazonaws.sqs#InternalError",
        "400, com.amazonaws.sqs#QueueDoesNotExist",
    })
    void anErrorAnswerIsLoggedNotThrown(int errorStatus, String errorType) {
        status = errorStatus;
        errorBody = "{\"__type\":\"" + errorType + "\",\"message\":\"boom\"}";
        SqsCapacityReleasedPublisher publisher = new SqsCapacityReleasedPublisher(sqs, QUEUE_URL);

        String output = capturingStdout(() -> assertThatCode(() -> publisher.capacityReleased("k8s"))
                .doesNotThrowAnyException());

        // The endpoint really answered the error (at most twice: the client allows one retry).
        assertThat(seen).isNotEmpty().hasSizeLessThanOrEqualTo(2)
                .allSatisfy(request -> assertThat(request.target()).isEqualTo("AmazonSQS.SendMessage"));
        assertThat(output).contains("\"event\":\"capacity.publish_failed\"").contains("\"platform\":\"k8s\"");
    }

    @Test
    void anUnreachableEndpointIsLoggedNotThrown() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (SqsClient unreachable = client(URI.create("http://127.0.0.1:" + closedPort))) {
            // The client on its own fails: so a silent return below is the adapter swallowing, not luck.
            assertThatThrownBy(() -> unreachable.sendMessage(r -> r.queueUrl(QUEUE_URL).messageBody("x")))
                    .isInstanceOf(SdkClientException.class);

            SqsCapacityReleasedPublisher publisher = new SqsCapacityReleasedPublisher(unreachable, QUEUE_URL);
            long started = System.nanoTime();
            String output = capturingStdout(() -> assertThatCode(() -> publisher.capacityReleased("k8s"))
                    .doesNotThrowAnyException());

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(output).contains("\"event\":\"capacity.publish_failed\"");
        }
    }

    /** Like Services#publisher, but with dummy keys, an explicit region, one retry and short timeouts. */
    private static SqsClient client(URI endpoint) {
        return SqsClient.builder()
                .endpointOverride(endpoint)
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")))
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(1))
                        .socketTimeout(Duration.ofSeconds(2)).build())
                .overrideConfiguration(c -> c.retryStrategy(b -> b.maxAttempts(2))
                        .apiCallTimeout(Duration.ofSeconds(4)))
                .build();
    }

    /** Records the request, then answers either the error or a SendMessage result the SDK accepts. */
    private void answer(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("X-Amz-Target"),
                exchange.getRequestHeaders().getFirst("Content-Type"), body));
        String response = errorBody != null ? errorBody
                // The SDK checks MD5OfMessageBody by default, so it must be the real digest of the body.
                : "{\"MessageId\":\"5fea7756-0ea4-451a-a703-a558b933e274\",\"MD5OfMessageBody\":\""
                        + md5Hex(body.path("MessageBody").asString()) + "\"}";
        byte[] bytes = response.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String md5Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Log writes one JSON line per event to stdout; capture it to see the adapter took its failure path. */
    private static String capturingStdout(Runnable action) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setOut(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
