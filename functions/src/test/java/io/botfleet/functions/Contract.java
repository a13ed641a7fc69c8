package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import io.botfleet.functions.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * botfleet's own OpenAPI document ({@code openapi.json}, the one {@code GET /openapi.json}
 * serves) as the judge of the contract tests: every answer must be one the document describes,
 * and every request that was accepted must be one it allows. So the document cannot drift from
 * the code.
 */
final class Contract {
    private static final OpenApiInteractionValidator VALIDATOR = OpenApiInteractionValidator
            .createForSpecificationUrl(Contract.class.getResource("/openapi.json").toString()).build();
    /** The document's status webhook as the one path of a copy: the validator judges requests to paths only. */
    private static final String WEBHOOK_PATH = "/webhook";
    private static final OpenApiInteractionValidator WEBHOOK = OpenApiInteractionValidator
            .createForInlineApiSpecification(webhookAsPath()).build();

    private Contract() {
    }

    /** What the exchange breaks of the document; empty when it keeps it. */
    static List<String> violations(APIGatewayV2HTTPEvent event, APIGatewayV2HTTPResponse response) {
        String method = event.getRequestContext().getHttp().getMethod();
        SimpleRequest.Builder request = new SimpleRequest.Builder(Request.Method.valueOf(method), path(event));
        if (event.getHeaders() != null) {
            event.getHeaders().forEach(request::withHeader);
        }
        if (event.getQueryStringParameters() != null) {
            event.getQueryStringParameters().forEach((k, v) -> request.withQueryParam(k, v));
        }
        if (event.getBody() != null) {
            request.withBody(event.getBody());
        }
        SimpleResponse.Builder answer = SimpleResponse.Builder.status(response.getStatusCode());
        Map<String, String> headers = response.getHeaders() == null ? Map.of() : response.getHeaders();
        headers.forEach(answer::withHeader);
        if (response.getBody() != null) {
            answer.withBody(response.getBody());
        }
        ValidationReport report = response.getStatusCode() < 300
                ? VALIDATOR.validate(request.build(), answer.build())
                : VALIDATOR.validateResponse(path(event), Request.Method.valueOf(method), answer.build());
        return report.getMessages().stream().filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .map(m -> method + " " + path(event) + " -> " + response.getStatusCode() + ": " + m.getMessage()).toList();
    }

    /** What a status webhook (its headers and body, as a receiver got them) breaks of the document; empty when it keeps it. */
    static List<String> webhookViolations(Map<String, String> headers, String body) {
        SimpleRequest.Builder request = new SimpleRequest.Builder(Request.Method.POST, WEBHOOK_PATH);
        headers.forEach(request::withHeader);
        request.withBody(body);
        return WEBHOOK.validateRequest(request.build()).getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR).map(m -> "webhook: " + m.getMessage()).toList();
    }

    private static String webhookAsPath() {
        try (InputStream in = Contract.class.getResourceAsStream("/openapi.json")) {
            ObjectNode document = (ObjectNode) Json.MAPPER.readTree(in);
            document.putObject("paths").set(WEBHOOK_PATH, document.get("webhooks").get("botStatusChanged"));
            document.remove("webhooks");
            return document.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The path as the document names it: the fixtures' routes carry their id or tenant as a path parameter. */
    private static String path(APIGatewayV2HTTPEvent event) {
        String key = event.getRouteKey();
        String path = key.substring(key.indexOf(' ') + 1);
        if (event.getPathParameters() != null) {
            for (Map.Entry<String, String> parameter : event.getPathParameters().entrySet()) {
                path = path.replace("{" + parameter.getKey() + "}", parameter.getValue());
            }
        }
        return path;
    }
}
