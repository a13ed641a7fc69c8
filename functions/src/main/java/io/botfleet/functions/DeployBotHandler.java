package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.BotDeploymentService;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.functions.http.DeployRequest;
import io.botfleet.functions.http.HttpApi;
import io.botfleet.functions.http.HttpRequest;
import io.botfleet.functions.http.HttpResponses;
import io.botfleet.functions.http.Problem;
import io.botfleet.functions.http.Views;
import java.util.HashMap;
import java.util.Map;

/** {@code POST /bots}: 201 when a platform took the bot, 202 when it waits in the queue. */
public final class DeployBotHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final HttpApi api;

    public DeployBotHandler() {
        this(FunctionServices.get());
    }

    public DeployBotHandler(Services services) {
        BotDeploymentService deployments = services.deployments();
        this.api = new HttpApi(Map.of("POST /bots", request -> deploy(deployments, request)),
                services.settings().apiToken());
    }

    /** The API Gateway route keys this function serves. */
    public java.util.Set<String> routeKeys() {
        return api.routeKeys();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return api.handle(event, context);
    }

    private static APIGatewayV2HTTPResponse deploy(BotDeploymentService deployments, HttpRequest request) {
        BotConfig config = DeployRequest.parse(request.jsonBody());
        String key = DeployRequest.idempotencyKey(request.header("Idempotency-Key"));
        DeployOutcome outcome;
        try {
            outcome = deployments.deploy(config, key);
        } catch (BotDeploymentService.IdempotencyConflict e) {
            throw new Problem(422, "idempotency-key-reused", "Idempotency-Key reused", e.getMessage());
        }
        APIGatewayV2HTTPResponse response = HttpResponses.json(outcome.status() == BotStatus.QUEUED ? 202 : 201,
                Views.deployed(outcome));
        if (outcome.replay()) {
            Map<String, String> headers = new HashMap<>(response.getHeaders());
            headers.put("Idempotent-Replayed", "true");
            response.setHeaders(headers);
        }
        return response;
    }
}
