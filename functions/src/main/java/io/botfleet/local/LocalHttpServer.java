package io.botfleet.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.botfleet.functions.http.HttpRequest;
import io.botfleet.functions.http.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Serves the HTTP API on localhost by turning each request into the API Gateway v2 event the
 * Lambda would get (route key, path parameters, lower-cased headers) for the same handler.
 */
final class LocalHttpServer {
    /** Route template ("POST /bots/{id}/stop") to the function that serves it. */
    private final Map<String, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> routes = new LinkedHashMap<>();
    private final HttpServer server;

    LocalHttpServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::serve);
    }

    int port() {
        return server.getAddress().getPort();
    }

    void route(Iterable<String> routeKeys, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
        routeKeys.forEach(key -> routes.put(key, handler));
    }

    void start() {
        server.start();
    }

    void stop() {
        server.stop(0);
    }

    private void serve(HttpExchange exchange) throws IOException {
        APIGatewayV2HTTPResponse response;
        try {
            response = dispatch(exchange);
        } catch (Problem problem) {
            response = problem.toResponse();
        }
        byte[] body = response.getBody() == null ? new byte[0] : response.getBody().getBytes(StandardCharsets.UTF_8);
        if (response.getHeaders() != null) {
            response.getHeaders().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        }
        exchange.sendResponseHeaders(response.getStatusCode(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    private APIGatewayV2HTTPResponse dispatch(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = exchange.getRequestURI().getRawPath();
        for (var route : routes.entrySet()) {
            Map<String, String> pathParameters = match(route.getKey(), method, path);
            if (pathParameters != null) {
                APIGatewayV2HTTPEvent event = event(exchange, route.getKey(), pathParameters);
                return route.getValue().handleRequest(event, new LocalContext(route.getKey(), Duration.ofSeconds(30)));
            }
        }
        throw Problem.notFound("no route " + method + " " + path);
    }

    /** The path parameters if {@code template} matches, else null. */
    static Map<String, String> match(String template, String method, String path) {
        String[] parts = template.split(" ", 2);
        if (!parts[0].equals(method)) {
            return null;
        }
        String[] want = parts[1].split("/");
        String[] have = path.split("/");
        if (want.length != have.length) {
            return null;
        }
        Map<String, String> parameters = new HashMap<>();
        for (int i = 0; i < want.length; i++) {
            if (want[i].startsWith("{") && want[i].endsWith("}")) {
                parameters.put(want[i].substring(1, want[i].length() - 1), URLDecoder.decode(have[i], StandardCharsets.UTF_8));
            } else if (!want[i].equals(have[i])) {
                return null;
            }
        }
        return parameters;
    }

    private static APIGatewayV2HTTPEvent event(HttpExchange exchange, String routeKey, Map<String, String> pathParameters)
            throws IOException {
        byte[] body = readBounded(exchange.getRequestBody());
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        String query = exchange.getRequestURI().getRawQuery();
        Map<String, String> queryParameters = new HashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                queryParameters.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(routeKey)
                .withRawPath(exchange.getRequestURI().getRawPath())
                .withRawQueryString(query == null ? "" : query)
                .withHeaders(headers)
                .withQueryStringParameters(queryParameters.isEmpty() ? null : queryParameters)
                .withPathParameters(pathParameters.isEmpty() ? null : pathParameters)
                .withBody(body.length == 0 ? null : new String(body, StandardCharsets.UTF_8))
                .withIsBase64Encoded(false)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRouteKey(routeKey)
                        .withStage("$default")
                        .withRequestId(java.util.UUID.randomUUID().toString())
                        .withTimeEpoch(Instant.now().toEpochMilli())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(exchange.getRequestMethod())
                                .withPath(exchange.getRequestURI().getRawPath())
                                .withProtocol(exchange.getProtocol())
                                .withSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress())
                                .build())
                        .build())
                .build();
    }

    /** Reads at most one byte past the limit, so an oversized body is refused without buffering it all. */
    private static byte[] readBounded(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(HttpRequest.MAX_BODY_BYTES + 1);
        if (bytes.length > HttpRequest.MAX_BODY_BYTES) {
            throw new Problem(400, "body-too-large", "The request body is too large",
                    "at most " + HttpRequest.MAX_BODY_BYTES + " bytes are accepted");
        }
        return bytes;
    }
}
