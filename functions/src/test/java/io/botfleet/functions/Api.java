package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.botfleet.Services;
import io.botfleet.functions.http.Json;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** The HTTP functions and the drain over one fresh database and two fake platforms (k8s limit 2, aws limit 1). */
final class Api implements AutoCloseable {
    final TestDatabase db = TestDatabase.fresh();
    final FakePlatform k8s = new FakePlatform("k8s");
    final FakePlatform aws = new FakePlatform("aws");
    final Services services;
    final DeployBotHandler deploy;
    final StopBotHandler stop;
    final BotStatusHandler status;
    final TenantsHandler tenants;
    final ProcessQueueHandler processQueue;

    Api(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(Map.of("PLATFORM_PRIORITY", "k8s,aws", "K8S_BOT_LIMIT", "2",
                "AWS_BOT_LIMIT", "1"));
        env.putAll(settings);
        services = Fixtures.services(Fixtures.settings(env), db.sql(4), List.of(k8s, aws), Clock.systemUTC());
        deploy = new DeployBotHandler(services);
        stop = new StopBotHandler(services);
        status = new BotStatusHandler(services);
        tenants = new TenantsHandler(services);
        processQueue = new ProcessQueueHandler(services);
    }

    Api() {
        this(Map.of());
    }

    static APIGatewayV2HTTPEvent event(String fixture) {
        return EventLoader.loadApiGatewayHttpEvent(fixture);
    }

    /** The fixture with another body. */
    static APIGatewayV2HTTPEvent withBody(String fixture, String body) {
        APIGatewayV2HTTPEvent event = event(fixture);
        event.setBody(body);
        return event;
    }

    /** The fixture for another bot id. */
    static APIGatewayV2HTTPEvent forBot(String fixture, String id) {
        APIGatewayV2HTTPEvent event = event(fixture);
        event.setPathParameters(Map.of("id", id));
        return event;
    }

    /** Deploys {@code n} bots from the fixture, without its idempotency key. */
    void deployMany(int n) {
        for (int i = 0; i < n; i++) {
            APIGatewayV2HTTPEvent deploy = event("apigw/deploy-bot.json");
            deploy.getHeaders().remove("idempotency-key");
            call(deploy);
        }
    }

    /** One call to the function of its route; the exchange must keep the OpenAPI document. */
    APIGatewayV2HTTPResponse call(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPResponse response;
        if (deploy.routeKeys().contains(event.getRouteKey())) {
            response = deploy.handleRequest(event, null);
        } else if (stop.routeKeys().contains(event.getRouteKey())) {
            response = stop.handleRequest(event, null);
        } else if (tenants.routeKeys().contains(event.getRouteKey())) {
            response = tenants.handleRequest(event, null);
        } else {
            response = status.handleRequest(event, null);
        }
        List<String> broken = Contract.violations(event, response);
        if (!broken.isEmpty()) {
            throw new AssertionError("the answer breaks openapi.json: " + broken + "\n" + response.getBody());
        }
        return response;
    }

    static JsonNode body(APIGatewayV2HTTPResponse response) {
        try {
            return Json.MAPPER.readTree(response.getBody());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + response.getBody(), e);
        }
    }

    /** A new API key of the tenant, made by the operator through its route: the key itself. */
    String keyOf(String tenant) {
        APIGatewayV2HTTPEvent make = event("apigw/post-tenant-key.json");
        make.setPathParameters(Map.of("tenant", tenant));
        make.setRawPath("/tenants/" + tenant + "/keys");
        APIGatewayV2HTTPResponse made = call(make);
        if (made.getStatusCode() != 201) {
            throw new AssertionError("no key made: " + made.getBody());
        }
        return body(made).get("key").asString();
    }

    /** The event sent with this bearer token in place of the fixture's credential; null: none. */
    static APIGatewayV2HTTPEvent as(String bearer, APIGatewayV2HTTPEvent event) {
        event.getHeaders().remove("authorization");
        if (bearer != null) {
            event.getHeaders().put("authorization", "Bearer " + bearer);
        }
        return event;
    }

    /** A digest of every row of the tables a request could change. */
    String tables() {
        return db.sql(1).queryOne("""
                SELECT (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM bots t)
                    || (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.tenant), '')) FROM tenants t)
                    || (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM deployment_queue t)
                    || (SELECT md5(string_agg(t::text, '|' ORDER BY t.platform)) FROM platform_capacity t)
                    || (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM tenant_keys t) AS n""",
                io.botfleet.store.Params.of()).getString("n");
    }

    @Override
    public void close() {
        db.close();
    }
}
