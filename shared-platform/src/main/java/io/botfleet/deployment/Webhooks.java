package io.botfleet.deployment;

import io.botfleet.JsonMapping;
import io.botfleet.Log;
import io.botfleet.platform.Budget;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tools.jackson.databind.node.ObjectNode;

/**
 * Status webhooks: {@code {type: "bot.status_changed", timestamp, data: {botId, status,
 * previousStatus, reason, platform, at}}} to the bot's {@code callbackUrl}, each event once
 * delivered (at least once: a receiver deduplicates by {@code webhook-id}), in each bot's order.
 * Sent at once after a change, best effort, and by every scheduled drain for what is due.
 */
public final class Webhooks {
    private static final int BATCH = 20;

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
                while (sendRound(botId, Budget.unbounded()) > 0) {
                    // the next event of the bot is due once the one before it is delivered
                }
            } catch (RuntimeException e) {
                Log.warn("webhook.send_failed", Map.of("botId", botId), e); // the drain sends it
            }
            return null;
        }));
    }

    /** What is due, round after round while time is left (a drain's share). Returns how many were sent. */
    public int sendDue(Budget budget) {
        int sent = 0;
        for (int round; budget.allows(WebhookSender.TIMEOUT) && (round = sendRound(null, budget)) > 0; ) {
            sent += round;
        }
        return sent;
    }

    public WebhookDeliveries deliveries() {
        return deliveries;
    }

    private int sendRound(Long botId, Budget budget) {
        List<WebhookDeliveries.Due> due = deliveries.claim(botId, BATCH);
        for (WebhookDeliveries.Due d : due) {
            WebhookSender.Sent sent = sender.send("evt_" + d.eventId(), d.url(), body(d));
            boolean recorded = deliveries.record(d, sent);
            // not recorded: this send outlived its lease and another sender has the delivery now
            Log.info(recorded ? "webhook.sent" : "webhook.sent_after_lease", Map.of("botId", d.botId(),
                    "webhookId", "evt_" + d.eventId(), "status", d.status(), "attempt", d.attempt(), "answer", sent.answer()));
        }
        return due.size();
    }

    static String body(WebhookDeliveries.Due d) {
        ObjectNode body = JsonMapping.MAPPER.createObjectNode();
        body.put("type", "bot.status_changed");
        body.put("timestamp", d.at().toString());
        body.putObject("data").put("botId", d.botId()).put("status", d.status()).put("previousStatus", d.previousStatus())
                .put("reason", d.reason()).put("platform", d.platform()).put("at", d.at().toString());
        return body.toString();
    }
}
