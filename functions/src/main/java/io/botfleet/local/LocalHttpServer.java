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
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Serves the HTTP API on localhost by turning each request into the API Gateway v2 event of an
 * HTTP API's {@code $default} route (lower-cased headers, query parameters, the raw path), for
 * the function with every route: it matches method and path as it does behind API Gateway.
 */
final class LocalHttpServer {
    private final HttpServer server;
    private volatile RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> api;
    private volatile boolean stopping;

    /** Listens on {@code port} of 127.0.0.1 now; a port it cannot have is named with its setting. */
    LocalHttpServer(int port) throws IOException {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        } catch (BindException e) {
            throw new IOException("cannot listen on 127.0.0.1:" + port + " (" + e.getMessage()
                    + "): stop what uses it, or set PORT to another port (PORT=0 picks a free one)", e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::serve);
    }

    int port() {
        return server.getAddress().getPort();
    }

    /**
     * Starts serving every request with this function (the one with every route), and {@code GET
     * /metrics} with what {@code metrics} says then (Prometheus's text format; counts only, so open
     * on this loopback address like the rest of the local API's reads).
     */
    void start(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> function, Supplier<String> metrics) {
        this.api = function;
        server.createContext("/metrics", exchange -> metrics(exchange, metrics));
        server.start();
    }

    private static void metrics(HttpExchange exchange, Supplier<String> metrics) throws IOException {
        boolean get = exchange.getRequestMethod().equals("GET");
        byte[] body = (get ? metrics.get() : "GET only\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        if (!get) {
            exchange.getResponseHeaders().set("Allow", "GET");
        }
        exchange.sendResponseHeaders(get ? 200 : 405, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    void stop() {
        server.stop(0);
    }

    /**
     * From now on a new bot is refused (503): the runner is stopping its bots, and one started now
     * would outlive it holding a unit. The bots' callbacks and every read still go through.
     */
    void refuseNewBots() {
        stopping = true;
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

    /** Every request as an HTTP API's {@code $default} route delivers it: the function matches method and path. */
    private APIGatewayV2HTTPResponse dispatch(HttpExchange exchange) throws IOException {
        if (stopping && exchange.getRequestMethod().equals("POST")
                && exchange.getRequestURI().getRawPath().replaceAll("/+$", "").equals("/bots")) {
            throw new Problem(503, "shutting-down", "botfleet is stopping",
                    "no new bot is started while the runner stops its bots; ask again once it runs");
        }
        return api.handleRequest(event(exchange), new LocalContext("api", Duration.ofSeconds(30)));
    }

    private static APIGatewayV2HTTPEvent event(HttpExchange exchange) throws IOException {
        String routeKey = "$default";
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
            throw new Problem(413, "body-too-large", "The request body is too large",
                    "at most " + HttpRequest.MAX_BODY_BYTES + " bytes are accepted");
        }
        return bytes;
    }
}
