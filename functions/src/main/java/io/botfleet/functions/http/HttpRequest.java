package io.botfleet.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/** Typed, validated access to an API Gateway v2 request: body, headers, path and query parameters. */
public final class HttpRequest {
    /** Bodies over 64 KiB are refused before they are parsed. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private final APIGatewayV2HTTPEvent event;
    private final Caller caller;
    private Map<String, String> query;

    /** @param caller who sent it, as {@link HttpFunction} found; null on a route that takes no API credential */
    HttpRequest(APIGatewayV2HTTPEvent event, Caller caller) {
        this.event = event;
        this.caller = caller;
    }

    /** Who sent this request to a client route: the operator, or one tenant by its API key. */
    public Caller caller() {
        if (caller == null) {
            throw new IllegalStateException("route " + routeKey() + " takes no API credential, so it has no caller");
        }
        return caller;
    }

    public String routeKey() {
        return event.getRouteKey();
    }

    /** A header, by case-insensitive name (API Gateway v2 lower-cases them; the local runner too). */
    public String header(String name) {
        Map<String, String> headers = event.getHeaders();
        if (headers == null) {
            return null;
        }
        for (var entry : headers.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(name)) {
                return entry.getValue();
            }
        }
        return null;
    }

    /** The {@code {id}} path parameter as a positive whole number. */
    public long id() {
        return positive("id", "the bot id");
    }

    /** The {@code {keyId}} path parameter as a positive whole number. */
    public long keyId() {
        return positive("keyId", "the key id");
    }

    private long positive(String name, String what) {
        String raw = event.getPathParameters() == null ? null : event.getPathParameters().get(name);
        try {
            long id = Long.parseLong(raw);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw Problem.invalid(what + " must be a positive whole number, got '" + raw + "'",
                List.of(new Problem.FieldError("/" + name, "must be a positive whole number")));
    }

    /** The {@code {platform}} path parameter: the name of one of the four platforms. */
    public String platform() {
        String raw = event.getPathParameters() == null ? null : event.getPathParameters().get("platform");
        if (raw == null || !java.util.Set.of("coolify", "k8s", "aws", "local").contains(raw)) {
            throw Problem.invalid("the platform in the path must be coolify, k8s, aws or local, got '" + raw + "'",
                    List.of(new Problem.FieldError("/platform", "must be one of coolify, k8s, aws, local")));
        }
        return raw;
    }

    /** The {@code {tenant}} path parameter, kept to {@link InputRules#isTenant}. */
    public String tenant() {
        String raw = event.getPathParameters() == null ? null : event.getPathParameters().get("tenant");
        if (raw == null || !InputRules.isTenant(raw)) {
            throw Problem.invalid("the tenant in the path " + InputRules.TENANT,
                    List.of(new Problem.FieldError("/tenant", InputRules.TENANT)));
        }
        return raw;
    }

    /** A query parameter, or null when absent or empty. */
    public String query(String name) {
        String raw = queryParameters().get(name);
        return raw == null || raw.isEmpty() ? null : raw;
    }

    /** A query parameter as an instant (RFC 3339, with its offset), or the fallback when absent. */
    public java.time.Instant instantQuery(String name, java.time.Instant fallback) {
        String raw = query(name);
        if (raw == null) {
            return fallback;
        }
        try {
            return java.time.OffsetDateTime.parse(raw).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw Problem.invalid(name + " must be a date and time with its offset",
                    List.of(new Problem.FieldError("/" + name, "must be an RFC 3339 date-time, such as 2026-12-24T13:00:00Z")));
        }
    }

    /** A query parameter as a whole number in [min, max], or the fallback when absent. */
    public int intQuery(String name, int fallback, int min, int max) {
        String raw = queryParameters().get(name);
        if (raw == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw Problem.invalid(name + " must be a whole number from " + min + " to " + max,
                List.of(new Problem.FieldError("/" + name, "must be a whole number from " + min + " to " + max)));
    }

    /**
     * The query parameters, every name and value kept to {@link InputRules#textProblem} (checked
     * at the first read, every bad one reported).
     */
    private Map<String, String> queryParameters() {
        if (query == null) {
            Map<String, String> raw = event.getQueryStringParameters() == null ? Map.of() : event.getQueryStringParameters();
            List<Problem.FieldError> errors = new ArrayList<>();
            new TreeMap<>(raw).forEach((name, value) -> {
                String problem = InputRules.textProblem(name, false);
                problem = problem != null ? "its name " + problem : value == null ? null : InputRules.textProblem(value, false);
                if (problem != null) {
                    errors.add(new Problem.FieldError("/" + name, problem));
                }
            });
            if (!errors.isEmpty()) {
                throw Problem.invalid(errors.size() + " invalid query parameter(s)", errors);
            }
            query = raw;
        }
        return query;
    }

    /**
     * The body parsed as JSON by {@link JsonBody}; refused when too large, malformed, or when a
     * string in it breaks {@link InputRules#textProblem}. An empty body is an empty object.
     *
     * @param freeText the JSON pointers of strings that may hold tab and newline
     */
    public JsonNode jsonBody(String... freeText) {
        String body = event.getBody();
        if (body == null || body.isBlank()) {
            return Json.object();
        }
        byte[] bytes = event.getIsBase64Encoded() ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BODY_BYTES) {
            throw new Problem(413, "body-too-large", "The request body is too large",
                    "the body is " + bytes.length + " bytes; at most " + MAX_BODY_BYTES + " are accepted");
        }
        return JsonBody.read(bytes, Set.of(freeText));
    }

    /** For a route that takes nothing yet: an empty body or {@code {}}; a field is a mistake, not ignored. */
    public void noFields() {
        JsonNode body = jsonBody();
        if (!body.isObject() || !body.isEmpty()) {
            throw Problem.invalid("this route takes no body, or {}", List.of(new Problem.FieldError(
                    body.isObject() ? "/" + body.propertyNames().iterator().next() : "", "is not a field of this route")));
        }
    }
}
