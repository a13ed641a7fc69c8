package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.BotDeploymentService;
import io.botfleet.deployment.FirstAnswers;
import io.botfleet.deployment.FirstAnswers.Answer;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.functions.http.DeployRequest;
import io.botfleet.functions.http.HttpFunction;
import io.botfleet.functions.http.HttpRequest;
import io.botfleet.functions.http.HttpResponses;
import io.botfleet.functions.http.Json;
import io.botfleet.functions.http.Problem;
import io.botfleet.functions.http.Views;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code POST /bots}: 201 when a platform took the bot, 202 when it waits in the queue or for its platform's answer. */
public final class DeployBotHandler extends HttpFunction {

    public DeployBotHandler() {
        this(FunctionServices.get());
    }

    public DeployBotHandler(Services services) {
        super(Map.of("POST /bots", request -> deploy(services, request)), services);
    }

    private static APIGatewayV2HTTPResponse deploy(Services services, HttpRequest request) {
        BotDeploymentService deployments = services.deployments();
        FirstAnswers answers = services.firstAnswers();
        BotConfig config = DeployRequest.parse(request.jsonBody(), services.settings().webhookSecret() != null,
                request.caller());
        String key = DeployRequest.idempotencyKey(request.header("Idempotency-Key"));
        DeployOutcome outcome;
        try {
            outcome = deployments.deploy(config, key);
        } catch (BotDeploymentService.IdempotencyConflict e) {
            throw new Problem(422, "idempotency-key-reused", "Idempotency-Key reused", e.getMessage());
        } catch (BotDeploymentService.CapacityUnavailable e) {
            Map<String, String> next = e.nextStartTime() == null ? Map.of() : Map.of(
                    "nextStartTime", e.nextStartTime().toString(), "nextEndTime", e.nextEndTime().toString());
            throw new Problem(409, "capacity-unavailable", "No unit is free for this bot's window", e.getMessage(),
                    List.of(), next);
        }
        if (config.callbackUrl() != null && !outcome.replay()) {
            services.webhooks().sendSoon(outcome.botId()); // best effort; the drain sends what this misses
        }
        if (outcome.replay()) {
            // the first answer again; if its request ended before keeping it, where the bot is now
            Answer first = answers.of(outcome.botId()).orElseGet(() -> answer(outcome));
            return replayed(HttpResponses.raw(first.status(), first.body()));
        }
        Answer answer = answer(outcome);
        if (key != null) {
            answers.keep(outcome.botId(), answer);
        }
        return HttpResponses.raw(answer.status(), answer.body());
    }

    /** 201 once a platform named the container; 202 while it waits, or while its platform's answer is still out. */
    private static Answer answer(DeployOutcome outcome) {
        boolean placed = outcome.status() != BotStatus.QUEUED && outcome.platformIdentifier() != null;
        return new Answer(placed ? 201 : 202, Json.write(Views.deployed(outcome)));
    }

    private static APIGatewayV2HTTPResponse replayed(APIGatewayV2HTTPResponse response) {
        Map<String, String> headers = new HashMap<>(response.getHeaders());
        headers.put("Idempotent-Replayed", "true");
        response.setHeaders(headers);
        return response;
    }
}
