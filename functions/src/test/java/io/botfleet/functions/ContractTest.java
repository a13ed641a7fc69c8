package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import io.botfleet.functions.http.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document is a judge that can say no: answers with a wrong field fail it; it names
 * exactly the routes the functions serve; and it is served to anyone at {@code GET /openapi.json}.
 */
class ContractTest {
    private final Api api = new Api(Map.of("BOTFLEET_API_TOKEN", "local-api-token"));

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void anAnswerWithAWrongFieldBreaksTheDocument() {
        api.call(Api.event("apigw/deploy-bot.json"));
        APIGatewayV2HTTPEvent read = Api.event("apigw/get-bot.json");
        APIGatewayV2HTTPResponse real = api.call(read);
        assertThat(Contract.violations(read, real)).as("the real answer").isEmpty();

        for (String[] wrong : new String[][] {
                {"\"status\":\"DEPLOYING\"", "\"status\":\"SLEEPING\""},
                {"\"id\":1", "\"id\":\"1\""},
                {"\"createdAt\":", "\"created\":"},
                {"\"platform\":\"k8s\"", "\"platform\":\"mars\""}}) {
            APIGatewayV2HTTPResponse broken = APIGatewayV2HTTPResponse.builder().withStatusCode(200)
                    .withHeaders(real.getHeaders()).withBody(real.getBody().replace(wrong[0], wrong[1])).build();
            assertThat(broken.getBody()).as("the test changed the answer").isNotEqualTo(real.getBody());
            assertThat(Contract.violations(read, broken)).as(wrong[1]).isNotEmpty();
        }
    }

    @Test
    void theDocumentNamesExactlyTheRoutesTheFunctionsServe() {
        APIGatewayV2HTTPEvent get = Api.event("apigw/get-capacity.json");
        get.setRouteKey("GET /openapi.json");
        get.getHeaders().remove("authorization");
        APIGatewayV2HTTPResponse served = api.call(get);
        assertThat(served.getStatusCode()).as("no API token needed").isEqualTo(200);
        JsonNode document = Api.body(served);
        assertThat(document.get("openapi").asString()).isEqualTo("3.1.0");

        Set<String> documented = new HashSet<>();
        for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
            path.getValue().propertyNames().forEach(method -> documented.add(method.toUpperCase() + " " + path.getKey()));
        }
        assertThat(documented).isEqualTo(new ApiHandler(api.services).routeKeys());
    }

    /**
     * Each route asks for what its {@code security} names, with no credential sent: the API token
     * (here set) for a client route, the bot's own token for the bot's routes, nothing for the
     * document itself.
     */
    @Test
    void everyRouteAsksForTheCredentialTheDocumentNames() throws Exception {
        api.call(Api.event("apigw/deploy-bot.json"));
        JsonNode document;
        try (var in = ContractTest.class.getResourceAsStream("/openapi.json")) {
            document = Json.MAPPER.readTree(in);
        }
        for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
                String route = operation.getKey().toUpperCase() + " " + path.getKey();
                JsonNode security = operation.getValue().has("security") ? operation.getValue().get("security")
                        : document.get("security");
                APIGatewayV2HTTPEvent event = Api.withBody("apigw/get-capacity.json",
                        operation.getKey().equals("post") ? "{\"heartbeat\":true}" : null);
                event.getHeaders().remove("authorization");
                if (path.getKey().equals("/")) {
                    event.getHeaders().put("accept", "text/html"); // the page, as a browser asks for it
                }
                event.setRouteKey(route);
                event.getRequestContext().getHttp().setMethod(operation.getKey().toUpperCase());
                event.setRawPath(path.getKey().replace("{id}", "1").replace("{tenant}", "acme").replace("{keyId}", "1"));
                event.setPathParameters(path.getKey().contains("{id}") ? Map.of("id", "1")
                        : path.getKey().contains("{keyId}") ? Map.of("tenant", "acme", "keyId", "1")
                        : path.getKey().contains("{tenant}") ? Map.of("tenant", "acme") : null);
                APIGatewayV2HTTPResponse answer = api.call(event);

                String names = security.toString();
                if (names.contains("\"apiToken\"")) { // a tenant's key, where named too, is one of the alternatives
                    assertThat(answer.getStatusCode()).as(route).isEqualTo(401);
                    assertThat(Api.body(answer).get("type").asString()).as(route).isEqualTo("urn:botfleet:problem:unauthorized");
                } else if (names.equals("[{\"botToken\":[]}]")) {
                    assertThat(answer.getStatusCode()).as(route).isEqualTo(401);
                    assertThat(Api.body(answer).get("type").asString()).as(route).isEqualTo("urn:botfleet:problem:invalid-bot-token");
                } else {
                    assertThat(names).as(route).isEqualTo("[]");
                    assertThat(answer.getStatusCode()).as(route).isEqualTo(200);
                }
            }
        }
    }
}
