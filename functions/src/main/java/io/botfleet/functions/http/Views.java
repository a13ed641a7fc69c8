package io.botfleet.functions.http;

import io.botfleet.bot.AutomaticLeave;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotConfig;
import io.botfleet.deployment.FleetViews.CapacityView;
import io.botfleet.deployment.FleetViews.Waiting;
import io.botfleet.deployment.BotHistory;
import io.botfleet.deployment.BotView;
import io.botfleet.deployment.CapacityCalendar;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.deployment.FleetViews;
import io.botfleet.deployment.PlatformHolds;
import io.botfleet.deployment.TenantKeys;
import io.botfleet.deployment.Tenants.Tenant;
import io.botfleet.deployment.WebhookDeliveries;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The JSON shapes of the API's answers, in one place. */
public final class Views {
    private Views() {
    }

    public static ObjectNode deployed(DeployOutcome outcome) {
        ObjectNode node = Json.object();
        node.put("id", outcome.botId());
        node.put("status", outcome.status().name());
        if (outcome.queuePosition() != null) {
            node.put("queuePosition", outcome.queuePosition());
            if (outcome.estimatedWait() != null) { // none while its tenant's limit is 0
                node.put("estimatedWaitMs", outcome.estimatedWait().toMillis());
            }
        } else {
            node.put("platform", outcome.platform());
            node.put("platformIdentifier", outcome.platformIdentifier());
        }
        if (outcome.reason() != null) {
            node.put("reason", outcome.reason());
        }
        return node;
    }

    /** A page of bots, as {@code GET /bots/{id}} shows each (without asking its platform). */
    public static ObjectNode list(BotHistory.Page page) {
        ObjectNode node = Json.object();
        ArrayNode bots = node.putArray("bots");
        page.bots().forEach(b -> bots.add(bot(new BotView(b, null, null, null))));
        node.put("nextCursor", page.nextBefore() == null ? null : ListRequest.cursor(page.nextBefore()));
        return node;
    }

    /** Everything the bot needs to join and behave, for the bot itself. */
    public static ObjectNode config(long botId, BotConfig config) {
        ObjectNode node = Json.object();
        node.put("botId", botId);
        ObjectNode meeting = node.putObject("meeting");
        meeting.put("platform", config.meeting().platform().wireName()).put("url", config.meeting().url())
                .put("id", config.meeting().id()).put("password", config.meeting().password());
        node.put("displayName", config.displayName());
        node.put("imageUrl", config.imageUrl());
        node.put("recordingEnabled", config.recordingEnabled());
        AutomaticLeave leave = config.automaticLeave();
        node.putObject("automaticLeave").put("waitingRoomTimeoutMs", leave.waitingRoomTimeoutMs())
                .put("noOneJoinedTimeoutMs", leave.noOneJoinedTimeoutMs())
                .put("everyoneLeftTimeoutMs", leave.everyoneLeftTimeoutMs())
                .put("inactivityTimeoutMs", leave.inactivityTimeoutMs());
        node.put("startTime", text(config.startTime()));
        node.put("endTime", text(config.endTime()));
        return node;
    }

    public static ObjectNode webhooks(long botId, List<WebhookDeliveries.Attempted> attempts) {
        ObjectNode node = Json.object();
        node.put("botId", botId);
        ArrayNode list = node.putArray("webhooks");
        attempts.forEach(a -> list.addObject().put("webhookId", "evt_" + a.eventId()).put("status", a.status())
                .put("state", a.state()).put("attempts", a.attempts()).put("lastAnswer", a.lastAnswer())
                .put("answeredAt", text(a.answeredAt())).put("nextAttemptAt", "PENDING".equals(a.state())
                        ? text(a.nextAttemptAt()) : null));
        return node;
    }

    public static ObjectNode events(long botId, List<BotHistory.Event> events) {
        ObjectNode node = Json.object();
        node.put("botId", botId);
        ArrayNode list = node.putArray("events");
        events.forEach(e -> {
            ObjectNode event = list.addObject().put("status", e.status()).put("previousStatus", e.previousStatus())
                    .put("reason", e.reason()).put("platform", e.platform()).put("at", text(e.at()));
            if (e.lateByMs() != null) { // the event of a scheduled bot's joining its call
                event.put("lateByMs", e.lateByMs());
            }
        });
        return node;
    }

    public static ObjectNode bot(BotView view) {
        Bot bot = view.bot();
        ObjectNode node = Json.object();
        node.put("id", bot.id());
        node.put("status", bot.status().name());
        node.put("statusReason", bot.statusReason());
        node.put("platform", bot.deploymentPlatform());
        node.put("platformIdentifier", bot.platformIdentifier());
        if (view.platformStatus() != null) {
            node.put("platformStatus", view.platformStatus().state().name());
            if (view.platformStatus().reason() != null) {
                node.put("platformStatusReason", view.platformStatus().reason());
            }
        }
        if (view.queueEntry() != null) {
            node.put("waitReason", view.queueEntry().waitReason().name());
            if (view.estimatedWait() != null) { // a bot its platform holds has no place in the line
                node.put("queuePosition", view.queueEntry().position());
                node.put("estimatedWaitMs", view.estimatedWait().toMillis());
            }
        }
        node.put("lastHeartbeat", text(bot.lastHeartbeat()));
        node.put("createdAt", text(bot.createdAt()));
        node.put("deployedAt", text(bot.deployedAt()));
        node.put("joinedAt", text(bot.joinedAt()));
        if (bot.lateBy() != null) {
            node.put("lateByMs", bot.lateBy().toMillis());
        }
        node.put("endedAt", text(bot.endedAt()));
        return node;
    }

    public static ObjectNode capacity(CapacityView view) {
        ObjectNode node = Json.object();
        ArrayNode platforms = node.putArray("platforms");
        view.platforms().forEach(p -> platform(platforms.addObject(), p));
        node.putObject("queue").put("waiting", view.queue().waiting())
                .put("oldestQueuedAt", text(view.queue().oldestQueuedAt()));
        return node;
    }

    /** Bots placed and ended per minute and platform, from {@code from} to {@code to}. */
    public static ObjectNode activity(Instant from, Instant to, List<BotHistory.Minute> minutes) {
        ObjectNode node = Json.object().put("from", text(from)).put("to", text(to));
        ArrayNode list = node.putArray("minutes");
        minutes.forEach(m -> list.addObject().put("at", text(m.at())).put("platform", m.platform())
                .put("placed", m.placed()).put("ended", m.ended()));
        return node;
    }

    /** A platform after a hold, a release or a drain: its capacity, and the bots that drain asked to stop. */
    public static ObjectNode held(PlatformHolds.Held held) {
        return platform(Json.object(), held.platform()).put("stopped", held.stopped());
    }

    private static ObjectNode platform(ObjectNode node, FleetViews.PlatformUsage p) {
        return node.put("platform", p.platform()).put("limit", p.limit()).put("used", p.used())
                .put("hold", p.hold() == null ? null : p.hold().name()).put("heldAt", text(p.heldAt()));
    }

    public static ObjectNode queue(List<Waiting> waiting) {
        ObjectNode node = Json.object();
        ArrayNode list = node.putArray("waiting");
        for (Waiting w : waiting) {
            ObjectNode item = list.addObject().put("botId", w.entry().botId()).put("position", w.entry().position())
                    .put("priority", w.entry().priority()).put("queuedAt", text(w.entry().queuedAt()))
                    .put("notBefore", text(w.entry().notBefore())).put("timeoutAt", text(w.entry().timeoutAt()))
                    .put("waitReason", w.entry().waitReason().name());
            if (w.estimatedWait() != null) { // none while its tenant's limit is 0
                item.put("estimatedWaitMs", w.estimatedWait().toMillis());
            }
        }
        return node;
    }

    /** The capacity calendar between two instants: free units per window, and the reservations in it. */
    public static ObjectNode schedule(Instant from, Instant to, CapacityCalendar.Schedule schedule) {
        ObjectNode node = Json.object().put("from", text(from)).put("to", text(to)).put("units", schedule.units());
        ArrayNode windows = node.putArray("windows");
        schedule.windows().forEach(w -> windows.addObject().put("from", text(w.from())).put("to", text(w.to()))
                .put("promised", w.promised()).put("free", w.free()));
        ArrayNode reservations = node.putArray("reservations");
        schedule.reservations().forEach(r -> reservations.addObject().put("botId", r.botId()).put("tenant", r.tenant())
                .put("startTime", text(r.startTime())).put("from", text(r.from())).put("to", text(r.until()))
                .put("status", r.status()));
        return node;
    }

    /** A tenant's settings ({@code limit} null: no limit) and its figures now. */
    public static ObjectNode tenant(Tenant tenant) {
        ObjectNode node = Json.object();
        node.put("tenant", tenant.tenant());
        node.put("weight", tenant.weight());
        node.put("limit", tenant.limit());
        node.put("guaranteed", tenant.guaranteed());
        node.put("used", tenant.used());
        node.put("waiting", tenant.waiting());
        node.put("share", tenant.share());
        return node;
    }

    public static ObjectNode tenants(List<Tenant> tenants) {
        ObjectNode node = Json.object();
        ArrayNode list = node.putArray("tenants");
        tenants.forEach(t -> list.add(tenant(t)));
        return node;
    }

    /** A tenant's API key as listed: never the key itself. */
    public static ObjectNode tenantKey(TenantKeys.Key key) {
        ObjectNode node = Json.object();
        node.put("keyId", key.id());
        node.put("tenant", key.tenant());
        node.put("prefix", key.prefix());
        node.put("createdAt", text(key.createdAt()));
        node.put("revokedAt", text(key.revokedAt()));
        return node;
    }

    /** A key just made: as listed, and the key itself, this once. */
    public static ObjectNode createdKey(TenantKeys.Created created) {
        return tenantKey(created.key()).put("key", created.secret());
    }

    /** A tenant's keys, as listed. */
    public static ObjectNode tenantKeys(String tenant, List<TenantKeys.Key> keys) {
        ObjectNode node = Json.object().put("tenant", tenant);
        ArrayNode list = node.putArray("keys");
        keys.forEach(k -> list.add(tenantKey(k)));
        return node;
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
