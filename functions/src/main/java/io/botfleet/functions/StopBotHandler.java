package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.Services;
import io.botfleet.deployment.BotDeploymentService.Stop;
import io.botfleet.functions.http.HttpFunction;
import io.botfleet.functions.http.HttpRequest;
import io.botfleet.functions.http.HttpResponses;
import io.botfleet.functions.http.Json;
import io.botfleet.functions.http.Problem;
import java.util.Map;

/**
 * {@code POST /bots/{id}/stop}: 202 with the bot's status: DONE once its platform confirmed the
 * stop, LEAVING while the stop is owed (retried by the drain until the platform confirms).
 * Stopping a bot that already ended is a no-op, so a retried stop is safe.
 */
public final class StopBotHandler extends HttpFunction {

    public StopBotHandler() {
        this(FunctionServices.get());
    }

    public StopBotHandler(Services services) {
        super(Map.of("POST /bots/{id}/stop", request -> stop(services, request)), services);
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
}
