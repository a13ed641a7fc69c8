package io.botfleet.functions.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.Log;
import io.botfleet.RequestDeadline;
import io.botfleet.Services;
import io.botfleet.deployment.TenantKeys;
import io.botfleet.functions.metrics.PlatformCallMetrics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What every HTTP function shares: a routing table keyed by API Gateway's route key (data, not
 * an if-chain), matched by method and path for catch-all routes, who the caller is (the operator,
 * or a tenant by its API key: {@link Caller}) and which routes are the operator's alone, and the
 * mapping of every failure to problem+json. A function only declares its routes.
 */
public abstract class HttpFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** One route: decode, call one service method, encode. */
    @FunctionalInterface
    public interface Route {
        APIGatewayV2HTTPResponse handle(HttpRequest request);
    }

    /**
     * The bot's own routes carry its per-bot token instead of the API token; the API's document and
     * the dashboard page are public (the page's data calls carry the API's credentials).
     */
    private static final Set<String> OPEN_ROUTES = Set.of("POST /bots/{id}/status", "GET /bots/{id}/config",
            "GET /openapi.json", "GET /");

    /**
     * What a tenant's API key cannot call: the fleet as a whole, every tenant's settings, the keys
     * themselves, and the platforms' holds.
     */
    private static final Set<String> OPERATOR_ROUTES = Set.of("GET /capacity", "GET /queue", "GET /schedule",
            "GET /activity", "GET /tenants",
            "PUT /tenants/{tenant}", "POST /tenants/{tenant}/keys", "GET /tenants/{tenant}/keys",
            "DELETE /tenants/{tenant}/keys/{keyId}", "POST /platforms/{platform}/hold", "POST /platforms/{platform}/release",
            "POST /platforms/{platform}/drain");

    /** Left for the answer to reach API Gateway after the work stops. */
    private static final Duration ANSWER_MARGIN = Duration.ofMillis(500);

    private final Map<String, Route> routes;
    private final String apiToken;
    private final TenantKeys keys;
    private final Duration requestBudget;

    protected HttpFunction(Map<String, Route> routes, Services services) {
        this.routes = Map.copyOf(routes);
        this.apiToken = services.settings().apiToken();
        this.keys = services.tenantKeys();
        this.requestBudget = services.settings().requestBudget();
    }

    /** One function with the routes of these, for a single function behind a catch-all route. */
    protected HttpFunction(Services services, HttpFunction... parts) {
        Map<String, Route> all = new HashMap<>();
        for (HttpFunction part : parts) {
            all.putAll(part.routes);
        }
        this.routes = Map.copyOf(all);
        this.apiToken = services.settings().apiToken();
        this.keys = services.tenantKeys();
        this.requestBudget = services.settings().requestBudget();
    }

    /** The API Gateway route keys this function serves. */
    public final Set<String> routeKeys() {
        return routes.keySet();
    }

    @Override
    public final APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Log.setRequestId(context == null ? null : context.getAwsRequestId());
        RequestDeadline.start(budget(context));
        try {
            String key = RouteMatch.of(event, routes.keySet()).orElseThrow(() -> noRoute(event));
            Caller caller = OPEN_ROUTES.contains(key) ? null : authorize(new HttpRequest(event, null));
            if (caller != null && !caller.isOperator() && OPERATOR_ROUTES.contains(key)) {
                throw Caller.operatorOnly(key);
            }
            return routes.get(key).handle(new HttpRequest(event, caller));
        } catch (Problem problem) {
            return problem.toResponse();
        } catch (RuntimeException e) {
            Log.error("http.failed", Map.of("route", String.valueOf(event.getRouteKey())), e);
            return new Problem(500, "internal", "Internal error",
                    "the request failed inside botfleet; it is logged").toResponse();
        } finally {
            RequestDeadline.clear();
            PlatformCallMetrics.write(); // the calls this request made (a deploy's placement, a stop)
        }
    }

    /** {@code REQUEST_BUDGET}, or less when the function's own timeout comes sooner. */
    private Duration budget(Context context) {
        if (context == null) {
            return requestBudget;
        }
        Duration left = Duration.ofMillis(context.getRemainingTimeInMillis()).minus(ANSWER_MARGIN);
        return left.compareTo(requestBudget) < 0 ? (left.isNegative() ? Duration.ZERO : left) : requestBudget;
    }

    private Problem noRoute(APIGatewayV2HTTPEvent event) {
        String method = event.getRequestContext() == null || event.getRequestContext().getHttp() == null ? "?"
                : event.getRequestContext().getHttp().getMethod();
        if (RouteMatch.pathKnown(event, routes.keySet())) {
            return new Problem(405, "method-not-allowed", "Method not allowed",
                    method + " is not a method of " + event.getRawPath() + "; the routes here: " + new TreeSet<>(routes.keySet()));
        }
        return Problem.notFound("no route " + method + " " + event.getRawPath() + " (route key " + event.getRouteKey() + ")");
    }

    /**
     * The operator when the API token is presented, or when none is set (then the client routes are
     * open, or API Gateway's IAM or JWT authorizer admitted the request); a tenant when its API key
     * is presented, looked up afresh on each request. Anything else is 401. The database is asked
     * only for a bearer token that is not the API token and looks like a key.
     */
    private Caller authorize(HttpRequest request) {
        String header = request.header("Authorization");
        String presented = header != null && header.startsWith("Bearer ") ? header.substring(7).strip() : "";
        if (apiToken != null
                && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), apiToken.getBytes(StandardCharsets.UTF_8))) {
            return Caller.OPERATOR;
        }
        if (presented.startsWith(TenantKeys.PREFIX)) {
            return keys.tenantOf(presented).map(Caller::new).orElseThrow(() -> new Problem(401, "unauthorized",
                    "Authentication required", "the API key is not one botfleet knows, or it was revoked"));
        }
        if (apiToken == null) {
            return Caller.OPERATOR;
        }
        throw new Problem(401, "unauthorized", "Authentication required",
                "send Authorization: Bearer <BOTFLEET_API_TOKEN>, or a tenant's API key");
    }
}
