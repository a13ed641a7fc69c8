package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.BotDeploymentService;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.functions.http.DeployRequest;
import io.botfleet.functions.http.HttpFunction;
import io.botfleet.functions.http.HttpRequest;
import io.botfleet.functions.http.HttpResponses;
import io.botfleet.functions.http.Problem;
import io.botfleet.functions.http.Views;
import java.util.HashMap;
import java.util.Map;

/** {@code POST /bots}: 201 when a platform took the bot, 202 when it waits in the queue or for its platform's answer. */
public final class DeployBotHandler extends HttpFunction {

    public DeployBotHandler() {
        this(FunctionServices.get());
    }

    public DeployBotHandler(Services services) {
        super(Map.of("POST /bots", request -> deploy(services.deployments(), request)), services.settings());
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
        // 201 once a platform named the container; 202 while it waits, or while its platform's
        // answer is still out (DEPLOYING, confirmed by the drain)
        boolean placed = outcome.status() != BotStatus.QUEUED && outcome.platformIdentifier() != null;
        APIGatewayV2HTTPResponse response = HttpResponses.json(placed ? 201 : 202, Views.deployed(outcome));
        if (outcome.replay()) {
            Map<String, String> headers = new HashMap<>(response.getHeaders());
            headers.put("Idempotent-Replayed", "true");
            response.setHeaders(headers);
        }
        return response;
    }
}
