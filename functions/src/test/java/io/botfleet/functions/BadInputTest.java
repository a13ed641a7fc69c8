package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input gets a 400 problem+json naming what is wrong, and changes no row anywhere. */
class BadInputTest {
    private static Api api;

    @BeforeAll
    static void start() {
        api = new Api();
        api.call(Api.event("apigw/deploy-bot.json")); // some state for "unchanged" to mean something
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    static Stream<Arguments> badRequests() {
        String valid = "{\"meeting\":{\"platform\":\"zoom\",\"url\":\"https://zoom.us/j/1\"}}";
        return Stream.of(
                Arguments.of("malformed JSON", Api.withBody("apigw/deploy-bot.json", "{\"meeting\": {"),
                        "malformed-json", null),
                Arguments.of("missing meeting URL", Api.withBody("apigw/deploy-bot.json", "{\"meeting\":{\"platform\":\"zoom\"}}"),
                        "invalid-request", "/meeting/url"),
                Arguments.of("unknown meeting platform", Api.withBody("apigw/deploy-bot.json",
                        "{\"meeting\":{\"platform\":\"skype\",\"url\":\"https://skype.com/x\"}}"), "invalid-request", "/meeting/platform"),
                Arguments.of("a 65 KiB body", Api.withBody("apigw/deploy-bot.json",
                        valid.replace("}}", "},\"displayName\":\"" + "x".repeat(65 * 1024) + "\"}")), "body-too-large", null),
                Arguments.of("a non-numeric id to stop", Api.forBot("apigw/stop-bot.json", "abc"), "invalid-request", "/id"),
                Arguments.of("a non-numeric id to read", Api.forBot("apigw/get-bot.json", "1e3"), "invalid-request", "/id"),
                Arguments.of("a non-numeric id in a callback", Api.forBot("apigw/bot-status-callback.json", "-1"),
                        "invalid-request", "/id"),
                Arguments.of("a body that is not an object", Api.withBody("apigw/deploy-bot.json", "[1,2]"),
                        "invalid-request", ""),
                Arguments.of("a misspelt field", Api.withBody("apigw/deploy-bot.json",
                        valid.replace("}}", "},\"meetingURL\":\"x\"}")), "invalid-request", "/meetingURL"),
                Arguments.of("an end before the start", Api.withBody("apigw/deploy-bot.json", valid.replace("}}",
                        "},\"startTime\":\"2026-11-28T10:00:00Z\",\"endTime\":\"2026-11-28T09:00:00Z\"}")), "invalid-request", "/endTime"),
                Arguments.of("a status a bot cannot report", Api.withBody("apigw/bot-status-callback.json",
                        "{\"status\":\"QUEUED\"}"), "invalid-request", "/status"),
                Arguments.of("a bad queue limit", queueLimit("0"), "invalid-request", "/limit"));
    }

    private static APIGatewayV2HTTPEvent queueLimit(String limit) {
        APIGatewayV2HTTPEvent event = Api.event("apigw/get-queue.json");
        event.setQueryStringParameters(java.util.Map.of("limit", limit));
        return event;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void isRefusedWithAProblemAndChangesNothing(String what, APIGatewayV2HTTPEvent event, String type, String pointer) {
        String before = api.tables();
        APIGatewayV2HTTPResponse response = api.call(event);

        int status = type.equals("body-too-large") ? 413 : 400; // 413 Content Too Large, as HTTP says
        assertThat(response.getStatusCode()).isEqualTo(status);
        assertThat(response.getHeaders()).containsEntry("Content-Type", "application/problem+json");
        JsonNode problem = Api.body(response);
        assertThat(problem.get("type").asText()).isEqualTo("urn:botfleet:problem:" + type);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asText()).isNotBlank();
        assertThat(problem.get("detail").asText()).isNotBlank();
        if (pointer != null) {
            assertThat(problem.get("errors")).extracting(e -> e.get("pointer").asText()).contains(pointer);
        }
        assertThat(api.tables()).as("tables unchanged").isEqualTo(before);
    }
}
