package io.botfleet.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An RFC 9457 problem: {@code application/problem+json} with a stable {@code type} per kind of
 * error, and, for invalid input, an {@code errors} list of JSON pointers into the request body.
 */
public final class Problem extends RuntimeException {

    /** One invalid field: where it is in the body (a JSON pointer) and what is wrong with it. */
    public record FieldError(String pointer, String detail) {
    }

    private final int status;
    private final String type;
    private final String title;
    private final List<FieldError> errors;
    private final Map<String, String> extensions;

    public Problem(int status, String type, String title, String detail) {
        this(status, type, title, detail, List.of(), Map.of());
    }

    public Problem(int status, String type, String title, String detail, List<FieldError> errors,
                   Map<String, String> extensions) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
        this.errors = errors;
        this.extensions = extensions;
    }

    public static Problem invalid(String detail, List<FieldError> errors) {
        return new Problem(400, "invalid-request", "The request is invalid", detail, errors, Map.of());
    }

    public static Problem notFound(String detail) {
        return new Problem(404, "not-found", "No such resource", detail);
    }

    public int status() {
        return status;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public APIGatewayV2HTTPResponse toResponse() {
        ObjectNode body = Json.object();
        body.put("type", "urn:botfleet:problem:" + type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", getMessage());
        if (!errors.isEmpty()) {
            ArrayNode list = body.putArray("errors");
            errors.forEach(e -> list.addObject().put("pointer", e.pointer()).put("detail", e.detail()));
        }
        extensions.forEach(body::put);
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(status)
                .withHeaders(status == 401 ? Map.of("Content-Type", "application/problem+json", "WWW-Authenticate", "Bearer")
                        : Map.of("Content-Type", "application/problem+json"))
                .withBody(body.toString())
                .build();
    }
}
