package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Events of a catch-all route ({@code $default}, {@code ANY /{proxy+}} on a named stage), from
 * the fixtures under events/, reach the use case their method and path name: in the one function
 * that has every route, and in the function of that route alone.
 */
class CatchAllRouteTest {
    private final Api api = new Api();
    private final ApiHandler all = new ApiHandler(api.services);

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void aDeployThroughTheDefaultRouteDeploysTheBot() {
        APIGatewayV2HTTPResponse response = all.handleRequest(Api.event("apigw/default-route-deploy-bot.json"), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
        assertThat(Api.body(response).get("platform").asString()).isEqualTo("k8s");

        APIGatewayV2HTTPEvent again = Api.event("apigw/default-route-deploy-bot.json");
        again.getHeaders().remove("idempotency-key");
        assertThat(api.deploy.handleRequest(again, null).getStatusCode()).as("the deploy function alone").isEqualTo(201);
        assertThat(api.db.count("SELECT count(*) AS n FROM bots")).isEqualTo(2);
    }

    @Test
    void aReadThroughTheProxyRouteOfANamedStageFindsTheBotOfItsPath() {
        api.call(Api.event("apigw/deploy-bot.json"));
        APIGatewayV2HTTPResponse response = all.handleRequest(Api.event("apigw/proxy-route-get-bot.json"), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(Api.body(response).get("id").asLong()).isEqualTo(1);
        assertThat(api.status.handleRequest(Api.event("apigw/proxy-route-get-bot.json"), null).getStatusCode())
                .as("the status function alone").isEqualTo(200);
    }

    @Test
    void aKnownPathWithAnotherMethodIs405AndAnUnknownPathIs404() {
        APIGatewayV2HTTPEvent delete = Api.event("apigw/proxy-route-get-bot.json");
        delete.getRequestContext().getHttp().setMethod("DELETE");
        APIGatewayV2HTTPResponse refused = all.handleRequest(delete, null);
        assertThat(refused.getStatusCode()).isEqualTo(405);
        assertThat(refused.getHeaders()).containsEntry("Content-Type", "application/problem+json");

        APIGatewayV2HTTPEvent unknown = Api.event("apigw/proxy-route-get-bot.json");
        unknown.setRawPath("/prod/robots/1");
        assertThat(all.handleRequest(unknown, null).getStatusCode()).isEqualTo(404);
        APIGatewayV2HTTPEvent deployElsewhere = Api.event("apigw/default-route-deploy-bot.json");
        assertThat(api.status.handleRequest(deployElsewhere, null).getStatusCode())
                .as("POST /bots at the status function, which lists with GET /bots").isEqualTo(405);
        APIGatewayV2HTTPEvent stopElsewhere = Api.event("apigw/proxy-route-get-bot.json");
        stopElsewhere.setRawPath("/prod/bots/1/stop");
        stopElsewhere.getRequestContext().getHttp().setMethod("POST");
        assertThat(api.status.handleRequest(stopElsewhere, null).getStatusCode())
                .as("a route only another function serves").isEqualTo(404);
    }
}
