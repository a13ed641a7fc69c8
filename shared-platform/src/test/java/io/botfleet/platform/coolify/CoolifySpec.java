package io.botfleet.platform.coolify;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.report.ValidationReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import mockwebserver3.RecordedRequest;

/**
 * Coolify's own OpenAPI document (test resource {@code coolify/openapi.yaml}) as a request
 * validator: what a request breaks of the path, method, parameters and body schemas it states.
 * Where Coolify's code is more lenient than its document, the one known case is let through:
 * creating an application needs one of {@code environment_name} and {@code environment_uuid},
 * although the document marks both required.
 */
final class CoolifySpec {
    /** Given as text, not by URL: the parser cannot resolve references inside a jar (the test-jar other modules use). */
    private static final OpenApiInteractionValidator VALIDATOR = OpenApiInteractionValidator
            .createForInlineApiSpecification(document())
            .withBasePathOverride("/api/v1")
            .build();

    private CoolifySpec() {
    }

    private static String document() {
        try (InputStream in = CoolifySpec.class.getResourceAsStream("/coolify/openapi.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses the document (a few seconds, once) if not done yet, so that no request's call timeout pays for it. */
    static void load() {
        VALIDATOR.getClass();
    }

    /** What the request breaks; empty when the document allows it. */
    static List<String> violations(RecordedRequest recorded) {
        String body = recorded.getBody() == null ? null : recorded.getBody().utf8();
        SimpleRequest.Builder request = new SimpleRequest.Builder(Request.Method.valueOf(recorded.getMethod()),
                recorded.getUrl().encodedPath());
        recorded.getUrl().queryParameterNames().forEach(name ->
                request.withQueryParam(name, recorded.getUrl().queryParameterValues(name)));
        recorded.getHeaders().forEach(h -> request.withHeader(h.getFirst(), h.getSecond()));
        if (body != null && !body.isEmpty()) {
            request.withBody(body);
        }
        ValidationReport report = VALIDATOR.validateRequest(request.build());
        boolean namesEnvironment = body != null && body.contains("\"environment_name\"");
        return report.getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .map(ValidationReport.Message::getMessage)
                .filter(m -> !(namesEnvironment && m.contains("environment_uuid")))
                .map(m -> recorded.getMethod() + " " + recorded.getUrl().encodedPath() + ": " + m)
                .toList();
    }
}
