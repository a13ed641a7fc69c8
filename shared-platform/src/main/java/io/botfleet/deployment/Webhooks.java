package io.botfleet.deployment;

import io.botfleet.JsonMapping;
import io.botfleet.Log;
import io.botfleet.platform.Budget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.databind.node.ObjectNode;

/**
 * Status webhooks: {@code {type: "bot.status_changed", timestamp, data: {botId, status,
 * previousStatus, reason, platform, at}}} to the bot's {@code callbackUrl}, each event once
 * delivered (at least once: a receiver deduplicates by {@code webhook-id}), in each bot's order.
 * Sent at once after a change, best effort, and by every scheduled drain for what is due.
 */
public final class Webhooks {
    /**
     * Sends one drain has in flight at once, each to a different bot (a claim holds at most one
     * delivery per bot). 200 deliveries a second to a receiver answering in 50 ms need 10 in
     * flight, plus the recording statement (a Data API call, about 20 ms) each: 16. Several
     * drains (Lambda instances) each have their own.
     */
    static final int PARALLEL = 16;
    /** Deliveries one drain claims ahead of free slots: a claim's round trip is hidden behind these many sends. */
    static final int AHEAD = PARALLEL / 2;

    private final WebhookDeliveries deliveries;
    private final WebhookSender sender;
    private final ExecutorService soon = Executors.newVirtualThreadPerTaskExecutor();

    public Webhooks(WebhookDeliveries deliveries, WebhookSender sender) {
        this.deliveries = deliveries;
        this.sender = sender;
    }

    /** The bot's due webhooks, sent on another thread: the request that changed it does not wait. */
    public void sendSoon(long botId) {
        soon.submit(Log.carried(() -> {
            try {
                // the next event of the bot is due once the one before it is delivered
                for (List<WebhookDeliveries.Due> due; !(due = deliveries.claim(botId, 1)).isEmpty(); ) {
                    send(due.get(0));
                }
            } catch (RuntimeException e) {
                Log.warn("webhook.send_failed", Map.of("botId", botId), e); // the drain sends it
            }
            return null;
        }));
    }

    /**
     * What is due while time is left (a drain's share), {@link #PARALLEL} sends at a time. Slots
     * are claimed again as sends come back, with up to {@link #AHEAD} more claimed ahead, so a
     * claim's round trip does not leave slots idle; a delivery claimed ahead waits for at most one
     * send (its lease outlasts that and its own send), and only while the budget has time for
     * both. A slow receiver holds one slot, not the drain, and several drains share the backlog.
     * The sends in flight are waited for. Returns how many were sent.
     */
    public int sendDue(Budget budget) {
        int sent = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, Thread.ofVirtual().name("webhook-", 0).factory())) {
            CompletionService<WebhookDeliveries.Recorded> sends = new ExecutorCompletionService<>(pool);
            int claimed = 0; // sending, or waiting for a slot
            boolean probes = true; // at the start, and again after a paused receiver answered
            while (true) {
                int room = !budget.allows(WebhookSender.TIMEOUT) ? 0
                        : PARALLEL - claimed + (budget.allows(WebhookSender.TIMEOUT.multipliedBy(2)) ? AHEAD : 0);
                if (claimed <= PARALLEL && room > 0) {
                    List<WebhookDeliveries.Due> due = new ArrayList<>();
                    if (probes) {
                        due.addAll(deliveries.probeAndRelease(room));
                        probes = false;
                    }
                    if (due.size() < room) {
                        due.addAll(deliveries.claim(null, room - due.size()));
                    }
                    for (WebhookDeliveries.Due d : due) {
                        sends.submit(Log.carried(() -> send(d)));
                    }
                    claimed += due.size();
                    sent += due.size();
                }
                if (claimed == 0) {
                    return sent;
                }
                for (Future<WebhookDeliveries.Recorded> done = sends.take(); done != null; done = sends.poll()) {
                    claimed--;
                    probes |= done.get().resumed() != null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the pool's close waits for the sends in flight
            return sent;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause()); // send catches what a send or its record throws
        }
    }

    public WebhookDeliveries deliveries() {
        return deliveries;
    }

    /** Sends one, records what it got (a failed record leaves the lease to run out: it goes again). */
    private WebhookDeliveries.Recorded send(WebhookDeliveries.Due d) {
        WebhookSender.Sent sent = sender.send("evt_" + d.eventId(), d.url(), body(d));
        WebhookDeliveries.Recorded recorded;
        try {
            recorded = deliveries.record(d, sent);
        } catch (RuntimeException e) {
            Log.warn("webhook.record_failed", Map.of("botId", d.botId(), "webhookId", "evt_" + d.eventId()), e);
            return WebhookDeliveries.Recorded.notHeld();
        }
        if (recorded.held() && !sent.delivered()) {
            failed(d, sent, recorded);
        } else { // not held: this send outlived its lease and another sender has the delivery now
            Log.info(recorded.held() ? "webhook.sent" : "webhook.sent_after_lease", Map.of("botId", d.botId(),
                    "webhookId", "evt_" + d.eventId(), "status", d.status(), "attempt", d.attempt(), "answer", sent.answer()));
        }
        if (recorded.paused() != null) {
            Log.warn("webhook.receiver_paused", Map.of("receiver", recorded.paused(),
                    "pauseAfterFailures", WebhookDeliveries.PAUSE_AFTER_FAILURES, "probeEverySeconds",
                    WebhookDeliveries.PROBE_EVERY.toSeconds()));
        }
        if (recorded.resumed() != null) {
            Log.info("webhook.receiver_resumed", Map.of("receiver", recorded.resumed()));
        }
        return recorded;
    }

    /**
     * One line for a send that was not answered with a 2xx: the bot, the webhook (its
     * {@code webhook-id}), what came back (a status, or the kind of failure: never the URL, the
     * signature or the secret) and when it goes again, or that it will not.
     */
    private static void failed(WebhookDeliveries.Due d, WebhookSender.Sent sent, WebhookDeliveries.Recorded recorded) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("botId", d.botId());
        line.put("webhookId", "evt_" + d.eventId());
        line.put("attempt", d.attempt());
        line.put("answer", sent.answer());
        if (recorded.nextAttemptAt() != null) {
            line.put("nextAttemptAt", recorded.nextAttemptAt().toString());
        } else {
            line.put("givenUp", true);
            line.put("state", recorded.state()); // FAILED, or GONE (410: the receiver wants no more)
        }
        Log.warn("webhook.failed", line);
    }

    static String body(WebhookDeliveries.Due d) {
        ObjectNode body = JsonMapping.MAPPER.createObjectNode();
        body.put("type", "bot.status_changed");
        body.put("timestamp", d.at().toString());
        body.putObject("data").put("botId", d.botId()).put("status", d.status()).put("previousStatus", d.previousStatus())
                .put("reason", d.reason()).put("platform", d.platform()).put("at", d.at().toString());
        if (d.lateByMs() != null) { // on the event of a scheduled bot's joining its call
            ((ObjectNode) body.get("data")).put("lateByMs", d.lateByMs());
        }
        return body.toString();
    }
}
