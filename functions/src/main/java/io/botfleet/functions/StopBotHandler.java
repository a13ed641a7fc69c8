package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.Services;
import io.botfleet.deployment.BotDeploymentService.Stop;
import io.botfleet.deployment.PlatformHolds;
import io.botfleet.deployment.PlatformHolds.Held;
import io.botfleet.functions.http.HttpFunction;
import io.botfleet.functions.http.HttpRequest;
import io.botfleet.functions.http.HttpResponses;
import io.botfleet.functions.http.Json;
import io.botfleet.functions.http.Problem;
import io.botfleet.functions.http.Views;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The stop routes. {@code POST /bots/{id}/stop}: 202 with the bot's status: DONE once its platform
 * confirmed the stop, LEAVING while the stop is owed (retried by the drain until the platform
 * confirms). Stopping a bot that already ended is a no-op, so a retried stop is safe. And the
 * operator's platform holds: {@code POST /platforms/{platform}/hold} (no new placement there),
 * {@code /release} (back in rotation) and {@code /drain} (held, and its running bots stopped), each
 * answering the platform's limit, use and hold; safe to repeat.
 */
public final class StopBotHandler extends HttpFunction {

    public StopBotHandler() {
        this(FunctionServices.get());
    }

    public StopBotHandler(Services services) {
        super(routes(services), services);
    }

    private static Map<String, Route> routes(Services services) {
        PlatformHolds holds = services.platformHolds();
        return Map.of(
                "POST /bots/{id}/stop", request -> stop(services, request),
                "POST /platforms/{platform}/hold", request -> held(request, holds::hold),
                "POST /platforms/{platform}/release", request -> held(request, holds::release),
                "POST /platforms/{platform}/drain", request -> held(request, holds::drain));
    }

    private static APIGatewayV2HTTPResponse stop(Services services, HttpRequest request) {
        long id = request.id();
        request.caller().requireBot(id, services.bots()::find);
        Stop stop = services.deployments().stop(id);
        return switch (stop.result()) {
            case NOT_FOUND -> throw Problem.notFound("no bot " + id);
            default -> HttpResponses.json(202, Json.object().put("id", id).put("status", stop.status().name()));
        };
    }

    private static APIGatewayV2HTTPResponse held(HttpRequest request, Function<String, Optional<Held>> change) {
        String platform = request.platform();
        request.noFields();
        Held held = change.apply(platform)
                .orElseThrow(() -> Problem.notFound("platform " + platform + " is not in PLATFORM_PRIORITY here"));
        return HttpResponses.json(200, Views.held(held));
    }
}
