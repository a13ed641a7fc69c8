package io.botfleet.bench;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.botfleet.bench.ScaleFleet.Instance;
import io.botfleet.local.LocalContext;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The webhook backlog an outage leaves, drained by the scheduled drain. While the receiver
 * answers 503, one bot with a callbackUrl lives its whole life through the HTTP API (POST /bots,
 * then its own callbacks JOINING_CALL, IN_CALL, CALL_ENDED, DONE): its first webhook fails once
 * (the send right after the change) and the rest wait behind it. The other bots are filled in
 * bulk with the same life (so their webhooks are written by the status trigger, not sent: as if
 * every send had failed), then VACUUM (ANALYZE), and one of them is checked through GET
 * /bots/{id}/webhooks. Then the
 * receiver is back, answering in {@code answerAfter}; once the first retry is due, the scheduled
 * drain ({@code ProcessQueueHandler}, with a Lambda context of the time left) runs until the
 * backlog is delivered or the time cap is reached, and the receiver checks each bot's order.
 */
final class WebhookBacklog {
    /** Standard Webhooks' form: {@code whsec_} and the base64 of 32 bytes. */
    private static final String SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("botfleet-scale-benchmark-key-32b".getBytes(StandardCharsets.UTF_8));
    private static final List<String> CALLBACKS = List.of("JOINING_CALL", "IN_CALL", "CALL_ENDED", "DONE");
    /** The wait before a failed webhook's first retry (5 s), and a margin. */
    private static final Duration FIRST_RETRY = Duration.ofMillis(5_500);

    record Result(int bots, int perBot, double fillSeconds, long delivered, double drainSeconds, int drains,
                  List<String> outOfOrder, long repeats) {
        long backlog() {
            return (long) bots * perBot;
        }

        double rate() {
            return delivered / drainSeconds;
        }
    }

    private WebhookBacklog() {
    }

    static Result run(EmbeddedPostgres postgres, String database, int deliveries, Duration cap, Duration answerAfter)
            throws InterruptedException {
        try (WebhookReceiver receiver = new WebhookReceiver(answerAfter);
             // a short platform call timeout: the instant platforms need none, and the least time a drain
             // invocation may have follows from it, so the time cap holds to a few seconds
             ScaleFleet fleet = new ScaleFleet(postgres, database, 100, 100, Map.of("WEBHOOK_SECRET", SECRET,
                     "WEBHOOK_ALLOW_LOOPBACK", "true", "PLATFORM_CALL_TIMEOUT", "2s"))) {
            long fillStart = System.nanoTime();
            long template = live(fleet, fleet.main, receiver.url());
            List<String> life = statuses(fleet.main, template);
            int bots = Math.max(1, Math.ceilDiv(deliveries, life.size()));
            if (bots > 1) {
                long[] ids = ScaleFill.webhookBots(fleet.setup(), template, bots - 1, life, Instant.now());
                ScaleFill.vacuumAnalyze(fleet.setup());
                List<String> filled = statuses(fleet.main, ids[1]);
                if (!filled.equals(life)) {
                    throw new IllegalStateException("a bulk-filled bot has the webhooks " + filled + ", the bot that lived"
                            + " through the API " + life + ": the fill (ScaleFill) misses what the outbox now keeps");
                }
            }
            double fillSeconds = (System.nanoTime() - fillStart) / 1e9;

            receiver.up();
            Thread.sleep(Math.max(0, FIRST_RETRY.minus(receiver.sinceLastRefusal()).toMillis()));
            long start = System.nanoTime();
            long capNanos = cap.toNanos();
            long backlog = (long) bots * life.size();
            int drains = 0;
            while (receiver.delivered() < backlog && System.nanoTime() - start < capNanos) {
                long progress = receiver.delivered();
                // the webhooks get what the drain leaves of the invocation, less the last send's timeout and a margin
                Duration timeout = Duration.ofNanos(capNanos - (System.nanoTime() - start)).plusSeconds(15);
                if (timeout.compareTo(fleet.main.processQueue().minimumTimeout()) < 0) {
                    timeout = fleet.main.processQueue().minimumTimeout();
                }
                fleet.main.processQueue().handleRequest(new ScheduledEvent(), new LocalContext("processQueue", timeout));
                drains++;
                if (receiver.delivered() == progress) {
                    break; // nothing more went out: what is left is not due
                }
            }
            double drainSeconds = (System.nanoTime() - start) / 1e9;
            return new Result(bots, life.size(), fillSeconds, receiver.delivered(), drainSeconds, drains,
                    receiver.outOfOrder(), receiver.repeats());
        }
    }

    /** The statuses of the bot's webhooks, in order, as GET /bots/{id}/webhooks shows them; each must be pending. */
    private static List<String> statuses(Instance instance, long botId) {
        List<String> statuses = new ArrayList<>();
        for (JsonNode webhook : ApiCalls.expect(instance.api(), ApiCalls.get("/bots/" + botId + "/webhooks", Map.of()),
                200).body().path("webhooks")) {
            if (!"PENDING".equals(webhook.path("state").asString())) {
                throw new IllegalStateException("bot " + botId + " has a webhook that is not pending: " + webhook);
            }
            statuses.add(webhook.path("status").asString());
        }
        return statuses;
    }

    /** One bot's whole life through the HTTP API, placed at once; returns its id. */
    private static long live(ScaleFleet fleet, Instance instance, String url) {
        long id = ApiCalls.expect(instance.api(), ApiCalls.post("/bots", """
                {"meetingUrl":"https://zoom.us/j/123456789","displayName":"webhook bot","callbackUrl":"%s"}"""
                .formatted(url)), 201).body().path("id").asLong();
        for (String status : CALLBACKS) {
            ApiCalls.expect(instance.api(), ApiCalls.post("/bots/" + id + "/status", "{\"status\":\"" + status + "\"}",
                    Map.of("x-bot-token", fleet.token(id))), 200);
        }
        return id;
    }
}
