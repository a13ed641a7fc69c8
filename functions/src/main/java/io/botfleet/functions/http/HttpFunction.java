package io.botfleet.functions.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.Log;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;

/**
 * What every HTTP function shares: a routing table keyed by API Gateway's route key (data, not
 * an if-chain), the optional API token, and the mapping of every failure to problem+json.
 * A function only declares its routes.
 */
public abstract class HttpFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** One route: decode, call one service method, encode. */
    @FunctionalInterface
    public interface Route {
        APIGatewayV2HTTPResponse handle(HttpRequest request);
    }

    /** The bot's own callback carries its per-bot token instead of the API token. */
    private static final Set<String> OPEN_ROUTES = Set.of("POST /bots/{id}/status");

    private final Map<String, Route> routes;
    private final String apiToken;

    protected HttpFunction(Map<String, Route> routes, String apiToken) {
        this.routes = Map.copyOf(routes);
        this.apiToken = apiToken;
    }

    /** The API Gateway route keys this function serves. */
    public final Set<String> routeKeys() {
        return routes.keySet();
    }

    @Override
    public final APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Log.setRequestId(context == null ? null : context.getAwsRequestId());
        try {
            Route route = routes.get(event.getRouteKey());
            if (route == null) {
                throw Problem.notFound("no route " + event.getRouteKey());
            }
            if (!OPEN_ROUTES.contains(event.getRouteKey())) {
                authorize(new HttpRequest(event));
            }
            return route.handle(new HttpRequest(event));
        } catch (Problem problem) {
            return problem.toResponse();
        } catch (RuntimeException e) {
            Log.error("http.failed", Map.of("route", String.valueOf(event.getRouteKey()), "error", e.toString()));
            return new Problem(500, "internal", "Internal error",
                    "the request failed inside botfleet; it is logged").toResponse();
        }
    }

    private void authorize(HttpRequest request) {
        if (apiToken == null) {
            return;
        }
        String header = request.header("Authorization");
        String presented = header != null && header.startsWith("Bearer ") ? header.substring(7).strip() : "";
        if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), apiToken.getBytes(StandardCharsets.UTF_8))) {
            throw new Problem(401, "unauthorized", "Authentication required",
                    "send Authorization: Bearer <BOTFLEET_API_TOKEN>");
        }
    }
}
