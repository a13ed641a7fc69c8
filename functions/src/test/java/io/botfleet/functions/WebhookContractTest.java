package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.platform.Budget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The status webhooks botfleet really sends, judged by the document's {@code webhooks}: a bot
 * deployed with a callbackUrl on this machine, then stopped, and every POST its receiver got.
 */
class WebhookContractTest {
    private final MockWebServer receiver = new MockWebServer();
    private final Api api = new Api(Map.of("WEBHOOK_ALLOW_LOOPBACK", "true"));

    @AfterEach
    void close() {
        receiver.close();
        api.close();
    }

    @Test
    void everyWebhookSentIsOneTheDocumentDescribes() throws Exception {
        for (int i = 0; i < 3; i++) {
            receiver.enqueue(new MockResponse.Builder().code(204).build());
        }
        receiver.start();
        String deploy = Api.event("apigw/deploy-bot.json").getBody()
                .replace("https://example.com/botfleet/callback", receiver.url("/hooks").toString());
        long id = Api.body(api.call(Api.withBody("apigw/deploy-bot.json", deploy))).get("id").asLong();
        api.call(Api.forBot("apigw/stop-bot.json", Long.toString(id)));

        List<RecordedRequest> got = received(3); // QUEUED (no previous status, no platform), DEPLOYING, DONE
        for (RecordedRequest request : got) {
            assertThat(Contract.webhookViolations(headers(request), request.getBody().utf8()))
                    .as(request.getBody().utf8()).isEmpty();
        }

        RecordedRequest last = got.get(got.size() - 1);
        String body = last.getBody().utf8();
        Map<String, String> unsigned = headers(last);
        unsigned.put("webhook-signature", "v1,not-a-signature");
        assertThat(Contract.webhookViolations(unsigned, body)).as("a wrong signature header").isNotEmpty();
        assertThat(Contract.webhookViolations(headers(last), body.replace("\"status\":\"DONE\"", "\"status\":\"SLEEPING\"")))
                .as("an unknown status").isNotEmpty();
    }

    /** The first {@code n} webhooks: the deploy's are sent at once, the stop's by a drain, as the scheduled one would. */
    private List<RecordedRequest> received(int n) throws InterruptedException {
        List<RecordedRequest> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (got.size() < n && System.nanoTime() < deadline) {
            api.services.webhooks().sendDue(Budget.of(Duration.ofSeconds(20)));
            for (RecordedRequest r; (r = receiver.takeRequest(200, TimeUnit.MILLISECONDS)) != null; ) {
                got.add(r);
            }
        }
        assertThat(got).as("webhooks received").hasSizeGreaterThanOrEqualTo(n);
        return got;
    }

    private static Map<String, String> headers(RecordedRequest request) {
        Map<String, String> headers = new HashMap<>();
        request.getHeaders().names().forEach(name -> headers.put(name, request.getHeaders().get(name)));
        return headers;
    }
}
