package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The dashboard's two routes on their fixtures: the page loads with no credential where the API
 * needs a token, and is small; its chart's data counts the placements and ends of each minute.
 */
class DashboardRoutesTest {
    private final Api api = new Api(Map.of("BOTFLEET_API_TOKEN", "local-api-token"));

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void thePageLoadsWithoutATokenAndIsSmall() {
        APIGatewayV2HTTPResponse page = api.call(Api.event("apigw/get-dashboard.json"));
        assertThat(page.getStatusCode()).isEqualTo(200);
        assertThat(page.getHeaders().get("Content-Type")).startsWith("text/html");
        assertThat(page.getBody()).contains("<title>botfleet</title>", "id=\"platforms\"", "id=\"queue\"",
                "id=\"bots\"", "id=\"timeline\"", "id=\"chart\"");
        assertThat(page.getBody().getBytes(StandardCharsets.UTF_8).length).as("no build step, no framework")
                .isLessThan(50 * 1024);
        APIGatewayV2HTTPEvent withoutToken = Api.event("apigw/get-capacity.json");
        withoutToken.getHeaders().remove("authorization");
        assertThat(api.call(withoutToken).getStatusCode()).as("its data still needs the token").isEqualTo(401);
    }

    @Test
    void theActivityCountsEachMinutesPlacementsAndEndsByPlatform() {
        for (int i = 0; i < 4; i++) { // k8s takes two, aws one, one waits
            APIGatewayV2HTTPEvent deploy = Api.event("apigw/deploy-bot.json");
            deploy.getHeaders().remove("idempotency-key");
            api.call(deploy);
        }
        api.call(Api.event("apigw/stop-bot.json")); // bot 1, on k8s

        JsonNode activity = Api.body(api.call(Api.event("apigw/get-activity.json")));
        long placedOnK8s = 0;
        long endedOnK8s = 0;
        long placedOnAws = 0;
        for (JsonNode minute : activity.get("minutes")) {
            if (minute.get("platform").asString().equals("k8s")) {
                placedOnK8s += minute.get("placed").asLong();
                endedOnK8s += minute.get("ended").asLong();
            } else {
                placedOnAws += minute.get("placed").asLong();
            }
        }
        assertThat(placedOnK8s).as("bots 1 and 2").isEqualTo(2);
        assertThat(endedOnK8s).isEqualTo(1);
        assertThat(placedOnAws).isEqualTo(1);

        APIGatewayV2HTTPEvent tooFar = Api.event("apigw/get-activity.json");
        tooFar.setQueryStringParameters(Map.of("minutes", "100000"));
        tooFar.setRawQueryString("minutes=100000");
        APIGatewayV2HTTPResponse refused = api.call(tooFar);
        assertThat(refused.getStatusCode()).isEqualTo(400);
        assertThat(refused.getHeaders().get("Content-Type")).isEqualTo("application/problem+json");
    }
}
