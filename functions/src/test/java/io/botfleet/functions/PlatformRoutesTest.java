package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The operator's platform routes through the stop function, on the fixtures under events/: a hold
 * sends new bots to the next platform and shows on /capacity, a release puts the platform back, a
 * drain stops its bots; bad input is a problem+json that changes nothing.
 */
class PlatformRoutesTest {
    private final Api api = new Api();

    @AfterEach
    void close() {
        api.close();
    }

    private long deploy() {
        APIGatewayV2HTTPEvent deploy = Api.event("apigw/deploy-bot.json");
        deploy.getHeaders().remove("idempotency-key");
        return Api.body(api.call(deploy)).get("id").asLong();
    }

    private JsonNode k8sOnCapacity() {
        return Api.body(api.call(Api.event("apigw/get-capacity.json"))).get("platforms").get(0);
    }

    @Test
    void aHoldSendsNewBotsToTheNextPlatformUntilItIsReleased() {
        APIGatewayV2HTTPResponse held = api.call(Api.event("apigw/hold-platform.json"));
        assertThat(held.getStatusCode()).isEqualTo(200);
        JsonNode body = Api.body(held);
        assertThat(body.get("platform").asString()).isEqualTo("k8s");
        assertThat(body.get("hold").asString()).isEqualTo("HELD");
        assertThat(body.get("heldAt").isNull()).isFalse();
        assertThat(body.get("stopped").asInt()).isZero();

        deploy();
        assertThat(api.aws.starts()).hasSize(1);
        assertThat(api.k8s.starts()).isEmpty();
        assertThat(k8sOnCapacity().get("hold").asString()).isEqualTo("HELD");

        JsonNode released = Api.body(api.call(Api.event("apigw/release-platform.json")));
        assertThat(released.get("hold").isNull()).isTrue();
        assertThat(k8sOnCapacity().get("heldAt").isNull()).isTrue();
        deploy();
        assertThat(api.k8s.starts()).hasSize(1);
    }

    @Test
    void aDrainStopsThePlatformsBotsAndHoldsIt() {
        long first = deploy();
        long second = deploy();
        JsonNode drained = Api.body(api.call(Api.event("apigw/drain-platform.json")));
        assertThat(drained.get("hold").asString()).isEqualTo("DRAINING");
        assertThat(drained.get("stopped").asInt()).isEqualTo(2);
        assertThat(drained.get("used").asInt()).as("both stops confirmed at once").isZero();
        for (long id : new long[] {first, second}) {
            JsonNode bot = Api.body(api.call(Api.forBot("apigw/get-bot.json", Long.toString(id))));
            assertThat(bot.get("status").asString()).isEqualTo("DONE");
            assertThat(bot.get("statusReason").asString()).isEqualTo("PLATFORM_DRAINED");
        }
        JsonNode again = Api.body(api.call(Api.event("apigw/drain-platform.json")));
        assertThat(again.get("stopped").asInt()).as("a repeated drain stops nothing more").isZero();
    }

    @Test
    void anUnknownOrUnconfiguredPlatformOrABodyIsAProblemAndChangesNothing() {
        String before = api.tables();
        for (Map.Entry<String, Integer> name : Map.of("moon", 400, "local", 404).entrySet()) {
            APIGatewayV2HTTPEvent hold = Api.event("apigw/hold-platform.json");
            hold.setPathParameters(Map.of("platform", name.getKey()));
            hold.setRawPath("/platforms/" + name.getKey() + "/hold");
            APIGatewayV2HTTPResponse answer = api.call(hold);
            assertThat(answer.getStatusCode()).as(name.getKey()).isEqualTo(name.getValue());
            assertThat(answer.getHeaders().get("Content-Type")).isEqualTo("application/problem+json");
        }
        APIGatewayV2HTTPResponse withBody = api.call(Api.withBody("apigw/drain-platform.json", "{\"force\":true}"));
        assertThat(withBody.getStatusCode()).isEqualTo(400);
        assertThat(Api.body(withBody).get("errors").get(0).get("pointer").asString()).isEqualTo("/force");
        assertThat(api.tables()).isEqualTo(before);
        assertThat(k8sOnCapacity().get("hold").isNull()).isTrue();
    }
}
