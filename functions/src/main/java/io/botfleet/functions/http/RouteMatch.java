package io.botfleet.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds which of a function's routes a request is for. An event of a route of its own names it in
 * {@code routeKey}; an event of a catch-all route ({@code $default}, {@code ANY /{proxy+}}) names
 * that route, so the method and the path decide, and the path's {@code {name}} segments become
 * its path parameters, as API Gateway would have filled them.
 */
final class RouteMatch {
    private RouteMatch() {
    }

    /** The route key this event is for, with its path parameters set on the event; empty if none matches. */
    static Optional<String> of(APIGatewayV2HTTPEvent event, Set<String> routeKeys) {
        if (routeKeys.contains(event.getRouteKey())) {
            return Optional.of(event.getRouteKey());
        }
        String method = event.getRequestContext() == null || event.getRequestContext().getHttp() == null ? null
                : event.getRequestContext().getHttp().getMethod();
        String path = withoutStage(event);
        if (method == null || path == null) {
            return Optional.empty();
        }
        for (String key : routeKeys) {
            int space = key.indexOf(' ');
            Map<String, String> parameters = parameters(key.substring(space + 1), path);
            if (parameters != null && key.substring(0, space).equalsIgnoreCase(method)) {
                event.setRouteKey(key);
                event.setPathParameters(parameters);
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    /** Whether some route has this path with another method (405 rather than 404). */
    static boolean pathKnown(APIGatewayV2HTTPEvent event, Set<String> routeKeys) {
        String path = withoutStage(event);
        return path != null && routeKeys.stream().anyMatch(k -> parameters(k.substring(k.indexOf(' ') + 1), path) != null);
    }

    /** A named stage's events carry its name as the first segment of {@code rawPath}. */
    private static String withoutStage(APIGatewayV2HTTPEvent event) {
        String path = event.getRawPath();
        String stage = event.getRequestContext() == null ? null : event.getRequestContext().getStage();
        if (path != null && stage != null && !"$default".equals(stage) && path.startsWith("/" + stage + "/")) {
            return path.substring(stage.length() + 1);
        }
        return path;
    }

    /** The template's parameters in this path, or null when the path is not the template's. */
    private static Map<String, String> parameters(String template, String path) {
        String[] want = template.split("/", -1);
        String[] have = (path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path).split("/", -1);
        if (want.length != have.length) {
            return null;
        }
        Map<String, String> parameters = new HashMap<>();
        for (int i = 0; i < want.length; i++) {
            if (want[i].startsWith("{") && want[i].endsWith("}") && !have[i].isEmpty()) {
                parameters.put(want[i].substring(1, want[i].length() - 1), have[i]);
            } else if (!want[i].equals(have[i])) {
                return null;
            }
        }
        return parameters;
    }
}
