package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.platform.Budget;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Status webhooks against a real HTTP receiver: every signature checked with the Standard
 * Webhooks algorithm written out here, every transition in order, retries after a 500 and a
 * timeout, nothing to private or metadata addresses, and nothing lost when the process dies
 * between a change and its delivery.
 */
class WebhookDeliveryTest {
    private static final byte[] KEY = "botfleet-test-webhook-key-32-bytes!!".getBytes(StandardCharsets.UTF_8);
    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(KEY);
    private static final JsonMapper JSON = JsonMapper.shared();

    private final TestDatabase db = TestDatabase.fresh();
    private final MutableClock clock = new MutableClock();
    private final MockWebServer receiver = new MockWebServer();
    private final FakePlatform k8s = new FakePlatform("k8s");
    private final Services services = Fixtures.services(Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s",
            "K8S_BOT_LIMIT", "5")), db.sql(4), List.of(k8s), clock);
    private final WebhookDeliveries deliveries = new WebhookDeliveries(db.sql(2), clock);
    private final Webhooks webhooks = new Webhooks(deliveries,
            new WebhookSender(SECRET, true, clock, Duration.ofMillis(700), okhttp3.Dns.SYSTEM));

    @AfterEach
    void close() {
        receiver.close();
        db.close();
    }

    private long deployTo(String callbackUrl) {
        BotConfig c = Fixtures.config();
        return services.deployments().deploy(new BotConfig(c.meeting(), c.displayName(), c.imageUrl(), c.recordingEnabled(),
                c.automaticLeave(), c.startTime(), c.endTime(), callbackUrl, c.tenant(), c.priority()), null).botId();
    }

    private List<JsonNode> received(int n) throws Exception {
        List<JsonNode> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RecordedRequest request = receiver.takeRequest(5, TimeUnit.SECONDS);
            assertThat(request).as("delivery " + (i + 1)).isNotNull();
            String body = request.getBody().utf8();
            String id = request.getHeaders().get("webhook-id");
            String timestamp = request.getHeaders().get("webhook-timestamp");
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
            String expected = "v1," + Base64.getEncoder().encodeToString(
                    mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
            assertThat(request.getHeaders().get("webhook-signature")).as("signature of " + id).isEqualTo(expected);
            JsonNode json = JSON.readTree(body);
            ((tools.jackson.databind.node.ObjectNode) json).put("webhookId", id);
            bodies.add(json);
        }
        return bodies;
    }

    @Test
    void everyTransitionArrivesSignedAndInOrder() throws Exception {
        receiver.start();
        long id = deployTo(receiver.url("/hooks").toString());
        BotTokens tokens = new BotTokens(Fixtures.SECRET);
        services.deployments().report(id, tokens.tokenFor(id), BotStatus.IN_CALL, null);
        services.deployments().report(id, tokens.tokenFor(id), BotStatus.DONE, null);
        for (int i = 0; i < 4; i++) {
            receiver.enqueue(new MockResponse.Builder().code(204).build());
        }
        assertThat(webhooks.sendDue(Budget.of(Duration.ofSeconds(30)))).isEqualTo(4);

        List<JsonNode> got = received(4);
        assertThat(got).extracting(b -> b.at("/data/status").asString()).containsExactly("QUEUED", "DEPLOYING", "IN_CALL", "DONE");
        assertThat(got).extracting(b -> b.at("/data/previousStatus").asString(null)).containsExactly(null, "QUEUED", "DEPLOYING", "IN_CALL");
        assertThat(got).allSatisfy(b -> {
            assertThat(b.get("type").asString()).isEqualTo("bot.status_changed");
            assertThat(b.at("/data/botId").asLong()).isEqualTo(id);
        });
        assertThat(got).extracting(b -> b.get("webhookId").asString()).doesNotHaveDuplicates();
        assertThat(deliveries.of(id)).extracting(WebhookDeliveries.Attempted::state).containsOnly("DELIVERED");
    }

    @Test
    void aFailedDeliveryIsRetriedAfterA500AndATimeoutAndHoldsBackTheBotsLaterEvents() throws Exception {
        receiver.start();
        long id = deployTo(receiver.url("/hooks").toString()); // QUEUED, then DEPLOYING
        receiver.enqueue(new MockResponse.Builder().code(500).build());
        webhooks.sendDue(Budget.of(Duration.ofSeconds(30)));
        assertThat(receiver.getRequestCount()).as("the first event, answered 500; the second waits for it").isEqualTo(1);

        clock.advance(Duration.ofSeconds(6));
        receiver.enqueue(new MockResponse.Builder().code(200).headersDelay(3, TimeUnit.SECONDS).build());
        webhooks.sendDue(Budget.of(Duration.ofSeconds(30)));
        assertThat(receiver.getRequestCount()).as("retried after 5 s, then timed out").isEqualTo(2);

        clock.advance(Duration.ofMinutes(6));
        receiver.enqueue(new MockResponse.Builder().code(200).build());
        receiver.enqueue(new MockResponse.Builder().code(200).build());
        webhooks.sendDue(Budget.of(Duration.ofSeconds(30)));
        List<RecordedRequest> all = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            all.add(receiver.takeRequest(5, TimeUnit.SECONDS));
        }
        assertThat(all).extracting(r -> r.getHeaders().get("webhook-id"))
                .as("one event three times, then the next").containsExactly(all.get(0).getHeaders().get("webhook-id"),
                        all.get(0).getHeaders().get("webhook-id"), all.get(0).getHeaders().get("webhook-id"),
                        all.get(3).getHeaders().get("webhook-id"));
        assertThat(deliveries.of(id)).extracting(WebhookDeliveries.Attempted::attempts).containsExactly(3, 1);
    }

    @Test
    void nothingIsSentToMetadataOrPrivateAddresses() {
        long metadata = deployTo("http://169.254.169.254/latest/meta-data/");
        long metadataTls = deployTo("https://169.254.169.254/latest/meta-data/");
        long privateNet = deployTo("https://10.0.0.1/hooks");
        webhooks.sendDue(Budget.of(Duration.ofSeconds(30)));
        for (long id : List.of(metadata, metadataTls, privateNet)) {
            assertThat(deliveries.of(id)).as("bot " + id).isNotEmpty().allSatisfy(a -> {
                assertThat(a.state()).isEqualTo("FAILED");
                assertThat(a.lastAnswer()).startsWith("not sent");
            });
        }
    }

    @Test
    void aChangeWhoseSenderDiedIsDeliveredByTheNextTick() throws Exception {
        receiver.start();
        long id = deployTo(receiver.url("/hooks").toString());
        // a sender claims the first event and dies before sending it
        assertThat(deliveries.claim(id, 1)).hasSize(1);
        receiver.enqueue(new MockResponse.Builder().code(200).build());
        receiver.enqueue(new MockResponse.Builder().code(200).build());
        assertThat(webhooks.sendDue(Budget.of(Duration.ofSeconds(30)))).as("leased by the dead sender").isZero();

        clock.advance(WebhookDeliveries.LEASE.plusSeconds(1));
        assertThat(webhooks.sendDue(Budget.of(Duration.ofSeconds(30)))).isEqualTo(2);
        assertThat(received(2)).extracting(b -> b.at("/data/status").asString()).containsExactly("QUEUED", "DEPLOYING");
    }
}
