package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.BotDeploymentService;
import io.botfleet.deployment.BotDeploymentService.CallbackResult;
import io.botfleet.deployment.BotHistory;
import io.botfleet.deployment.CapacityCalendar;
import io.botfleet.deployment.Webhooks;
import io.botfleet.deployment.BotDeploymentService.Callback;
import io.botfleet.functions.http.HttpFunction;
import io.botfleet.functions.http.HttpRequest;
import io.botfleet.functions.http.HttpResponses;
import io.botfleet.functions.http.ListRequest;
import io.botfleet.functions.http.Json;
import io.botfleet.functions.http.Problem;
import io.botfleet.functions.http.Views;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The status routes: the bots page by page, a bot's view and history, the bot's own callbacks
 * (authenticated by its per-bot token in {@code X-Bot-Token}), the fleet's capacity, queue, schedule
 * and activity, and the dashboard page ({@code GET /}, which reads those routes from the browser).
 */
public final class BotStatusHandler extends HttpFunction {

    public BotStatusHandler() {
        this(FunctionServices.get());
    }

    public BotStatusHandler(Services services) {
        super(routes(services), services);
    }

    private static Map<String, Route> routes(Services services) {
        BotDeploymentService deployments = services.deployments();
        BotHistory history = services.history();
        return Map.ofEntries(
                Map.entry("GET /bots", request -> HttpResponses.json(200, Views.list(history.list(ListRequest.parse(request))))),
                Map.entry("GET /bots/{id}/events", request -> HttpResponses.json(200, Views.events(ownBot(services, request),
                        history.events(request.id()).orElseThrow(() -> Problem.notFound("no bot " + request.id()))))),
                Map.entry("GET /bots/{id}/webhooks", request -> HttpResponses.json(200, Views.webhooks(ownBot(services, request),
                        services.webhooks().deliveries().of(request.id())))),
                Map.entry("GET /bots/{id}", request -> HttpResponses.json(200, Views.bot(deployments.views()
                        .view(ownBot(services, request)).orElseThrow(() -> Problem.notFound("no bot " + request.id()))))),
                Map.entry("POST /bots/{id}/status", request -> callback(deployments, services.webhooks(), request)),
                Map.entry("GET /bots/{id}/config", request -> ownConfig(deployments, request)),
                Map.entry("GET /capacity", request -> HttpResponses.json(200, Views.capacity(deployments.views().capacity()))),
                Map.entry("GET /queue", request -> HttpResponses.json(200,
                        Views.queue(deployments.views().waiting(request.intQuery("limit", 100, 1, 1000))))),
                Map.entry("GET /schedule", request -> schedule(services.calendar(), request)),
                Map.entry("GET /activity", request -> activity(history, services.calendar().now(), request)),
                Map.entry("GET /openapi.json", request -> HttpResponses.raw(200, Bundled.OPENAPI)),
                Map.entry("GET /", request -> HttpResponses.html(200, Bundled.DASHBOARD)));
    }

    /**
     * The capacity calendar from {@code from} (default now) to {@code to} (default a day later), at
     * most a week: units promised and free per window, and the reservations held in it. The
     * operator's, like the rest of the fleet's figures: a tenant learns the next window from a refusal.
     */
    private static APIGatewayV2HTTPResponse schedule(CapacityCalendar calendar, HttpRequest request) {
        Instant from = request.instantQuery("from", calendar.now());
        Instant to = request.instantQuery("to", from.plus(Duration.ofDays(1)));
        if (!to.isAfter(from) || to.isAfter(from.plus(CapacityCalendar.SEARCH))) {
            throw Problem.invalid("to must be after from, and at most 7 days after it",
                    List.of(new Problem.FieldError("/to", "must be after from and at most 7 days after it")));
        }
        return HttpResponses.json(200, Views.schedule(from, to,
                calendar.schedule(from, to, request.intQuery("limit", 1000, 1, 1000))));
    }

    /**
     * Bots placed and ended per minute and platform over the last {@code minutes} (default 60, at
     * most a day): the dashboard's chart. The operator's, like the rest of the fleet's figures.
     */
    private static APIGatewayV2HTTPResponse activity(BotHistory history, Instant now, HttpRequest request) {
        int minutes = request.intQuery("minutes", 60, 1, 1440);
        Instant from = now.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).minus(Duration.ofMinutes(minutes - 1));
        return HttpResponses.json(200, Views.activity(from, now, history.activity(from)));
    }

    /** The path's bot id, once the caller may see that bot (404 for a tenant's key and another tenant's bot). */
    private static long ownBot(Services services, HttpRequest request) {
        long id = request.id();
        request.caller().requireBot(id, services.bots()::find);
        return id;
    }

    private static APIGatewayV2HTTPResponse callback(BotDeploymentService deployments, Webhooks webhooks,
                                                     HttpRequest request) {
        long id = request.id();
        JsonNode body = request.jsonBody("/reason"); // a reason is free text: tab and newline are fine
        BotStatus status = reportedStatus(body);
        boolean heartbeat = body.path("heartbeat").asBoolean(false);
        // a number or true is taken as its text, an object or array as empty text
        String reason = body.hasNonNull("reason") ? body.get("reason").asString("") : null;
        if (status == null && !heartbeat) {
            throw Problem.invalid("send a status, a heartbeat, or both",
                    List.of(new Problem.FieldError("/status", "is required when heartbeat is not true")));
        }
        if (reason != null && reason.length() > 200) {
            throw Problem.invalid("reason is too long", List.of(new Problem.FieldError("/reason", "at most 200 characters")));
        }
        Callback result = deployments.report(id, request.header("X-Bot-Token"), status, reason);
        if (status != null && result.result() == CallbackResult.ACCEPTED) {
            webhooks.sendSoon(id); // a status change's webhook at once, best effort; a heartbeat has none
        }
        return switch (result.result()) {
            case UNAUTHORIZED -> throw new Problem(401, "invalid-bot-token", "Invalid bot token",
                    "X-Bot-Token is missing or is not this bot's token");
            case NOT_FOUND -> throw Problem.notFound("no bot " + id);
            case CONFLICT -> throw new Problem(409, "invalid-transition", "Status cannot move backwards",
                    "the bot is " + result.status() + (status == null ? "" : "; it cannot become " + status),
                    List.of(), Map.of("currentStatus", result.status().name()));
            case ACCEPTED -> HttpResponses.json(200, Json.object().put("id", id)
                    .put("status", result.status() == null ? null : result.status().name()));
        };
    }

    /**
     * The bot's own configuration, for the bot (its token): the meeting's password never sits in a
     * container spec. Once the bot ended, 410: its token, still in that spec, opens nothing more.
     */
    private static APIGatewayV2HTTPResponse ownConfig(BotDeploymentService deployments, HttpRequest request) {
        long id = request.id();
        BotDeploymentService.OwnConfig own = deployments.ownConfig(id, request.header("X-Bot-Token"));
        return switch (own.result()) {
            case UNAUTHORIZED -> throw new Problem(401, "invalid-bot-token", "Invalid bot token",
                    "X-Bot-Token is missing or is not this bot's token");
            case NOT_FOUND -> throw Problem.notFound("no bot " + id);
            case ENDED -> throw new Problem(410, "bot-ended", "The bot has ended",
                    "bot " + id + " is " + own.status() + "; an ended bot's configuration is no longer served");
            case ACCEPTED -> HttpResponses.json(200, Views.config(id, own.config()));
        };
    }

    private static BotStatus reportedStatus(JsonNode body) {
        JsonNode node = body.get("status");
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            BotStatus status = node.isString() ? BotStatus.valueOf(node.stringValue()) : null;
            if (status != null && status.isReportable()) {
                return status;
            }
        } catch (IllegalArgumentException ignored) {
            // answered below
        }
        throw Problem.invalid("status " + node + " is not one a bot can report",
                List.of(new Problem.FieldError("/status", "must be one of JOINING_CALL, IN_WAITING_ROOM, IN_CALL, "
                        + "LEAVING, CALL_ENDED, DONE, FATAL")));
    }
}
