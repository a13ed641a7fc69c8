package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Where no {@code WEBHOOK_SECRET} is set, no webhook can be signed: a deploy with a
 * {@code callbackUrl} is a 400 problem naming the setting, rather than a bot whose webhooks
 * silently never go. Without a {@code callbackUrl} it deploys as ever.
 */
class WebhookSecretRequiredTest {
    private final Api api = new Api(Map.of("WEBHOOK_SECRET", "")); // a blank setting is an unset one

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void aCallbackUrlWithoutAWebhookSecretIsRefusedNamingTheSetting() {
        String before = api.tables();
        APIGatewayV2HTTPResponse response = api.call(Api.event("apigw/deploy-bot.json")); // it has a callbackUrl

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(response.getHeaders()).containsEntry("Content-Type", "application/problem+json");
        JsonNode problem = Api.body(response);
        assertThat(problem.get("type").asString()).isEqualTo("urn:botfleet:problem:invalid-request");
        assertThat(problem.get("errors")).singleElement().satisfies(e -> {
            assertThat(e.get("pointer").asString()).isEqualTo("/callbackUrl");
            assertThat(e.get("detail").asString()).contains("WEBHOOK_SECRET");
        });
        assertThat(api.tables()).as("tables unchanged").isEqualTo(before);
    }

    @Test
    void withoutACallbackUrlItDeploysAsEver() {
        APIGatewayV2HTTPResponse response = api.call(Api.withBody("apigw/deploy-bot.json",
                "{\"meetingUrl\":\"https://zoom.us/j/123456789\"}"));
        assertThat(response.getStatusCode()).isEqualTo(201);
    }
}
