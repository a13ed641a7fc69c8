package io.botfleet.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.functions.ApiHandler;
import io.botfleet.functions.http.Json;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * HTTP requests as API Gateway hands them to a catch-all route ({@code $default}: the method and
 * the path pick the route), timed around the handler's call.
 */
final class ApiCalls {
    private ApiCalls() {
    }

    /** What the handler answered, its body parsed, and how long the call took. */
    record Answer(int status, JsonNode body, long nanos) {
        String text(String field) {
            JsonNode value = body.get(field);
            return value == null || value.isNull() ? null : value.asString();
        }
    }

    static APIGatewayV2HTTPEvent get(String path, Map<String, String> query) {
        return event("GET", path, query, null, Map.of());
    }

    static APIGatewayV2HTTPEvent post(String path, String body) {
        return post(path, body, Map.of());
    }

    static APIGatewayV2HTTPEvent post(String path, String body, Map<String, String> headers) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("content-type", "application/json");
        return event("POST", path, Map.of(), body, all);
    }

    static Answer call(ApiHandler api, APIGatewayV2HTTPEvent event) {
        long start = System.nanoTime();
        APIGatewayV2HTTPResponse response = api.handleRequest(event, null);
        long nanos = System.nanoTime() - start;
        String body = response.getBody();
        return new Answer(response.getStatusCode(), body == null || body.isEmpty() ? Json.object()
                : Json.MAPPER.readTree(body), nanos);
    }

    /** The answer, or an exception naming the request and what came back instead of {@code expected}. */
    static Answer expect(ApiHandler api, APIGatewayV2HTTPEvent event, int expected) {
        Answer answer = call(api, event);
        if (answer.status() != expected) {
            throw new IllegalStateException(event.getRequestContext().getHttp().getMethod() + " " + event.getRawPath()
                    + " " + event.getQueryStringParameters() + " answered " + answer.status() + ", expected " + expected
                    + ": " + answer.body());
        }
        return answer;
    }

    private static APIGatewayV2HTTPEvent event(String method, String path, Map<String, String> query, String body,
                                               Map<String, String> headers) {
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setVersion("2.0");
        event.setRouteKey("$default");
        event.setRawPath(path);
        event.setQueryStringParameters(query.isEmpty() ? null : Map.copyOf(query));
        event.setBody(body);
        event.setIsBase64Encoded(false);
        event.setHeaders(Map.copyOf(headers));
        event.setRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withStage("$default")
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                .build());
        return event;
    }
}
