package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.platform.Budget;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.LogLines;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A webhook answered with a failure (an error status, a timeout, a refused connection, an address
 * botfleet does not send to) is one warning line: the bot, the webhook, what came back and when it
 * goes again, or that it will not. Never the URL's path or query, the signature or the secret.
 */
class WebhookFailureLogTest {
    /** The parts of a callback URL that may hold the receiver's own secret. */
    private static final String PATH = "/hooks/path-secret-7Qx";
    private static final String QUERY = "?token=query-secret-9Kd";

    private final TestDatabase db = TestDatabase.fresh();
    private final MutableClock clock = new MutableClock();
    private final Services services = Fixtures.services(Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s",
            "K8S_BOT_LIMIT", "5")), db.sql(4), List.of(new FakePlatform("k8s")), clock);
    private final WebhookSender sender = new WebhookSender(Fixtures.WEBHOOK_SECRET, true, clock, Duration.ofMillis(700),
            okhttp3.Dns.SYSTEM);
    private final Webhooks webhooks = new Webhooks(new WebhookDeliveries(db.sql(2), clock), sender);
    private final MockWebServer failing = new MockWebServer();
    private final MockWebServer slow = new MockWebServer();

    @AfterEach
    void close() {
        failing.close();
        slow.close();
        db.close();
    }

    @Test
    void eachFailedSendIsOneWarningWithItsAnswerAndNextAttemptAndNoSecret() throws Exception {
        failing.start();
        slow.start();
        failing.enqueue(new MockResponse.Builder().code(503).build());
        slow.enqueue(new MockResponse.Builder().code(204).headersDelay(3, TimeUnit.SECONDS).build());
        long answered503 = deployTo(failing.url(PATH) + QUERY);
        long timedOut = deployTo(slow.url(PATH) + QUERY);
        long refused = deployTo("http://127.0.0.1:" + closedPort() + PATH + QUERY);
        long privateAddress = deployTo("https://10.0.0.1" + PATH + QUERY);

        List<JsonNode> lines = LogLines.of(() -> webhooks.sendDue(Budget.of(Duration.ofSeconds(30))));

        String retry = clock.instant().plus(Duration.ofSeconds(5)).toString(); // the first backoff
        for (long bot : List.of(answered503, timedOut, refused)) {
            assertThat(linesOf(lines, bot)).as("one line for bot %d's send (its later webhooks wait); lines: %s", bot, lines)
                    .hasSize(1);
        }
        assertFailure(linesOf(lines, answered503).get(0), "503", retry);
        assertFailure(linesOf(lines, timedOut).get(0), "no answer: timeout", retry);
        assertFailure(linesOf(lines, refused).get(0), "no answer: connection refused", retry);
        List<JsonNode> givenUp = linesOf(lines, privateAddress); // each of its webhooks fails at once, one after the other
        assertThat(givenUp).as("lines: %s", lines).isNotEmpty().allSatisfy(line -> {
            assertFailure(line, "not sent: a private address", null);
            assertThat(line.path("givenUp").asBoolean()).as(line.toString()).isTrue();
            assertThat(line.path("state").asString()).isEqualTo("FAILED");
        });
        assertThat(givenUp).extracting(l -> l.path("webhookId").asString()).as("one line per webhook").doesNotHaveDuplicates();

        String all = lines.toString();
        assertThat(all).doesNotContain("path-secret").doesNotContain("query-secret").doesNotContain("/hooks")
                .doesNotContain(Fixtures.WEBHOOK_SECRET.substring("whsec_".length())).doesNotContain("v1,");
    }

    private static List<JsonNode> linesOf(List<JsonNode> lines, long botId) {
        return lines.stream().filter(l -> l.path("botId").asLong() == botId).toList();
    }

    /** A line about a first attempt: a warning, with what came back and its next attempt (null: none). */
    private static void assertFailure(JsonNode line, String answer, String nextAttemptAt) {
        assertThat(line.path("level").asString()).isEqualTo("WARN");
        assertThat(line.path("event").asString()).isEqualTo("webhook.failed");
        assertThat(line.path("webhookId").asString()).as(line.toString()).matches("evt_\\d+");
        assertThat(line.path("attempt").asInt()).isEqualTo(1);
        assertThat(line.path("answer").asString()).as(line.toString()).startsWith(answer);
        if (nextAttemptAt == null) {
            assertThat(line.has("nextAttemptAt")).as(line.toString()).isFalse();
        } else {
            assertThat(line.path("nextAttemptAt").asString()).as(line.toString()).isEqualTo(nextAttemptAt);
            assertThat(line.has("givenUp")).as(line.toString()).isFalse();
        }
    }

    private long deployTo(String callbackUrl) {
        BotConfig c = Fixtures.config();
        return services.deployments().deploy(new BotConfig(c.meeting(), c.displayName(), c.imageUrl(), c.recordingEnabled(),
                c.automaticLeave(), c.startTime(), c.endTime(), callbackUrl, c.tenant(), c.priority()), null).botId();
    }

    /** A loopback port nothing listens on: a connection to it is refused. */
    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
