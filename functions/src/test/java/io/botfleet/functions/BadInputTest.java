package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.bot.BotTokens;
import io.botfleet.testing.Fixtures;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** Bad input gets a 400 problem+json naming what is wrong, and changes no row anywhere. */
class BadInputTest {
    private static Api api;

    @BeforeAll
    static void start() {
        api = new Api();
        api.call(Api.event("apigw/deploy-bot.json")); // some state for "unchanged" to mean something
        api.keyOf("acme");
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
                Arguments.of("a bad queue limit", queueLimit("0"), "invalid-request", "/limit"),
                // every string the API reads: no control character (tab and newline only in free text), whole Unicode
                Arguments.of("U+0000 in a display name", deploy(valid, "\"displayName\":\"a\\u0000b\""),
                        "invalid-request", "/displayName"),
                Arguments.of("U+0000 in a meeting password", deploy(valid.replace("\"}}", "\",\"password\":\"p\\u0000\"}}"), ""),
                        "invalid-request", "/meeting/password"),
                Arguments.of("a tab in a display name", deploy(valid, "\"displayName\":\"a\\tb\""),
                        "invalid-request", "/displayName"),
                Arguments.of("U+0085 in a meeting id", deploy(valid.replace("\"}}", "\",\"id\":\"1\\u0085\"}}"), ""),
                        "invalid-request", "/meeting/id"),
                Arguments.of("U+007F in a tenant", deploy(valid, "\"tenant\":\"acme\\u007f\""), "invalid-request", "/tenant"),
                Arguments.of("U+0000 in a field's name", deploy(valid, "\"x\\u0000\":\"1\""), "invalid-request", "/x\u0000"),
                Arguments.of("a lone high surrogate", deploy(valid, "\"displayName\":\"a\\ud800\""),
                        "invalid-request", "/displayName"),
                Arguments.of("a lone low surrogate", deploy(valid.replace("\"}}", "\",\"id\":\"\\udc00x\"}}"), ""),
                        "invalid-request", "/meeting/id"),
                Arguments.of("U+0000 in a callback's reason", callback("{\"status\":\"IN_CALL\",\"reason\":\"a\\u0000\"}"),
                        "invalid-request", "/reason"),
                Arguments.of("a vertical tab in a callback's reason", callback("{\"status\":\"IN_CALL\",\"reason\":\"a\\u000bb\"}"),
                        "invalid-request", "/reason"),
                Arguments.of("a lone surrogate in a callback's reason", callback("{\"status\":\"FATAL\",\"reason\":\"\\udfff\"}"),
                        "invalid-request", "/reason"),
                Arguments.of("U+0000 in a tenant filter", list(Map.of("tenant", "acme\u0000")), "invalid-request", "/tenant"),
                Arguments.of("U+0000 in a status filter", list(Map.of("status", "IN_CALL\u0000")), "invalid-request", "/status"),
                Arguments.of("U+001B in a cursor", list(Map.of("cursor", "\u001b[2J")), "invalid-request", "/cursor"),
                Arguments.of("U+0000 in a queue limit", queueLimit("1\u0000"), "invalid-request", "/limit"),
                // times within 2000-2100
                Arguments.of("a start in 1999", deploy(valid, "\"startTime\":\"1999-12-31T23:59:59Z\""),
                        "invalid-request", "/startTime"),
                Arguments.of("an end in 2101", deploy(valid, "\"endTime\":\"2101-01-01T00:00:00Z\""),
                        "invalid-request", "/endTime"),
                // whole numbers past a long's range are refused, not wrapped into it (2^64 + 5 is not 5 ms)
                Arguments.of("a leave timeout past the range of a long", deploy(valid,
                        "\"automaticLeave\":{\"waitingRoomTimeoutMs\":18446744073709551621}"),
                        "invalid-request", "/automaticLeave/waitingRoomTimeoutMs"),
                Arguments.of("a status that is an object", callback("{\"status\":{\"name\":\"IN_CALL\"}}"),
                        "invalid-request", "/status"),
                Arguments.of("a start in the year 10000", deploy(valid, "\"startTime\":\"+10000-01-01T00:00:00Z\""),
                        "invalid-request", "/startTime"),
                Arguments.of("a list from 1999", list(Map.of("createdAfter", "1999-12-31T23:59:59Z")),
                        "invalid-request", "/createdAfter"),
                Arguments.of("a list from 2101", list(Map.of("createdAfter", "2101-01-01T00:00:00Z")),
                        "invalid-request", "/createdAfter"),
                // the shape of the JSON itself
                Arguments.of("65 levels of nesting", deploy(valid, "\"displayName\":" + nested(64)),
                        "invalid-request", "/displayName" + "/0".repeat(63)),
                Arguments.of("10000 levels of nesting", deploy(valid, "\"displayName\":" + nested(10_000)),
                        "invalid-request", "/displayName" + "/0".repeat(63)),
                Arguments.of("65 levels of nesting in a callback",
                        callback("{\"status\":\"IN_CALL\",\"reason\":" + nested(64) + "}"),
                        "invalid-request", "/reason" + "/0".repeat(63)),
                Arguments.of("a field given twice", deploy(valid, "\"displayName\":\"a\",\"displayName\":\"b\""),
                        "invalid-request", "/displayName"),
                Arguments.of("a nested field given twice", deploy(valid.replace("\"}}", "\",\"url\":\"https://zoom.us/j/2\"}}"), ""),
                        "invalid-request", "/meeting/url"),
                Arguments.of("a status given twice", callback("{\"status\":\"IN_CALL\",\"status\":\"DONE\"}"),
                        "invalid-request", "/status"),
                // a tenant's settings, and its name in the path (the deploy's rule for a tenant)
                Arguments.of("a tenant's weight of 0", putTenant("acme", "{\"weight\":0}"), "invalid-request", "/weight"),
                Arguments.of("a tenant's weight of 1001", putTenant("acme", "{\"weight\":1001}"), "invalid-request", "/weight"),
                Arguments.of("a tenant's weight that is text", putTenant("acme", "{\"weight\":\"x\"}"),
                        "invalid-request", "/weight"),
                Arguments.of("a tenant's weight of 1.5", putTenant("acme", "{\"weight\":1.5}"), "invalid-request", "/weight"),
                Arguments.of("a tenant's weight of null", putTenant("acme", "{\"weight\":null}"), "invalid-request", "/weight"),
                Arguments.of("a tenant's limit of -1", putTenant("acme", "{\"limit\":-1}"), "invalid-request", "/limit"),
                Arguments.of("a tenant's limit past an int", putTenant("acme", "{\"limit\":2147483648}"),
                        "invalid-request", "/limit"),
                Arguments.of("a tenant's guaranteed of -1", putTenant("acme", "{\"guaranteed\":-1}"),
                        "invalid-request", "/guaranteed"),
                Arguments.of("a tenant's guaranteed above its limit", putTenant("acme", "{\"limit\":2,\"guaranteed\":3}"),
                        "invalid-request", "/guaranteed"),
                Arguments.of("an unknown field of a tenant", putTenant("acme", "{\"weigth\":2}"), "invalid-request", "/weigth"),
                Arguments.of("a tenant's settings that are not an object", putTenant("acme", "[1]"), "invalid-request", ""),
                Arguments.of("a tenant's name of 129 characters", putTenant("a".repeat(129), "{}"), "invalid-request", "/tenant"),
                Arguments.of("a tenant's name with '$'", putTenant("acme$", "{}"), "invalid-request", "/tenant"),
                Arguments.of("a tenant's name with U+0000 to read", getTenant("acme\u0000"), "invalid-request", "/tenant"),
                Arguments.of("a tenant's name with '*' to read", getTenant("ac*me"), "invalid-request", "/tenant"),
                // a tenant's API keys: the tenant's name, the key's id, and a body that has nothing to say
                Arguments.of("a key for a tenant's name with '$'", tenantKey("apigw/post-tenant-key.json", "acme$", null, "{}"),
                        "invalid-request", "/tenant"),
                Arguments.of("a key with a field", tenantKey("apigw/post-tenant-key.json", "acme", null, "{\"name\":\"ci\"}"),
                        "invalid-request", "/name"),
                Arguments.of("a key's body that is not an object", tenantKey("apigw/post-tenant-key.json", "acme", null, "[1]"),
                        "invalid-request", ""),
                Arguments.of("a key's body that is malformed", tenantKey("apigw/post-tenant-key.json", "acme", null, "{"),
                        "malformed-json", null),
                Arguments.of("the keys of a tenant's name with U+0000", tenantKey("apigw/get-tenant-keys.json", "acme\u0000",
                        null, null), "invalid-request", "/tenant"),
                Arguments.of("a key id that is text", tenantKey("apigw/delete-tenant-key.json", "acme", "abc", null),
                        "invalid-request", "/keyId"),
                Arguments.of("a key id of 0", tenantKey("apigw/delete-tenant-key.json", "acme", "0", null),
                        "invalid-request", "/keyId"),
                Arguments.of("a key id past a long", tenantKey("apigw/delete-tenant-key.json", "acme", "9223372036854775808",
                        null), "invalid-request", "/keyId"),
                Arguments.of("a revoke for a tenant's name of 129 characters", tenantKey("apigw/delete-tenant-key.json",
                        "a".repeat(129), "1", null), "invalid-request", "/tenant"));
    }

    /** {@code PUT /tenants/{tenant}} with this name and body. */
    private static APIGatewayV2HTTPEvent putTenant(String tenant, String body) {
        APIGatewayV2HTTPEvent event = Api.withBody("apigw/put-tenant.json", body);
        event.setPathParameters(Map.of("tenant", tenant));
        event.setRawPath("/tenants/" + tenant);
        return event;
    }

    /** A key route's fixture for this tenant (and key id, when not null), with this body. */
    private static APIGatewayV2HTTPEvent tenantKey(String fixture, String tenant, String keyId, String body) {
        APIGatewayV2HTTPEvent event = Api.withBody(fixture, body);
        event.setPathParameters(keyId == null ? Map.of("tenant", tenant) : Map.of("tenant", tenant, "keyId", keyId));
        event.setRawPath("/tenants/" + tenant + "/keys" + (keyId == null ? "" : "/" + keyId));
        return event;
    }

    /** {@code GET /tenants/{tenant}} of this name. */
    private static APIGatewayV2HTTPEvent getTenant(String tenant) {
        APIGatewayV2HTTPEvent event = Api.event("apigw/get-tenant.json");
        event.setPathParameters(Map.of("tenant", tenant));
        event.setRawPath("/tenants/" + tenant);
        return event;
    }

    /** A deploy of {@code valid} with {@code fields} added at its top level; no key, so only the body decides. */
    private static APIGatewayV2HTTPEvent deploy(String valid, String fields) {
        APIGatewayV2HTTPEvent event = Api.withBody("apigw/deploy-bot.json",
                fields.isEmpty() ? valid : valid.replace("}}", "}," + fields + "}"));
        event.getHeaders().remove("idempotency-key");
        return event;
    }

    /** Bot 1's own callback, with its token. */
    private static APIGatewayV2HTTPEvent callback(String body) {
        APIGatewayV2HTTPEvent event = Api.withBody("apigw/bot-status-callback.json", body);
        event.getHeaders().put("x-bot-token", new BotTokens(Fixtures.SECRET).tokenFor(1));
        return event;
    }

    /** {@code GET /bots} with these query parameters. */
    private static APIGatewayV2HTTPEvent list(Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Api.event("apigw/get-queue.json");
        event.setRouteKey("GET /bots");
        event.setRawPath("/bots");
        event.setQueryStringParameters(query);
        return event;
    }

    /** {@code depth} arrays, one in the other. */
    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private static APIGatewayV2HTTPEvent queueLimit(String limit) {
        APIGatewayV2HTTPEvent event = Api.event("apigw/get-queue.json");
        event.setQueryStringParameters(Map.of("limit", limit));
        return event;
    }

    @Test
    void whatTheRulesAllowStillPasses() {
        try (Api fresh = new Api()) {
            APIGatewayV2HTTPEvent deploy = Api.withBody("apigw/deploy-bot.json", "{\"meetingUrl\":\"https://zoom.us/j/1\","
                    + "\"displayName\":\"Notetaker \\ud83e\\udd16 caf\u00e9\",\"endTime\":\"2100-12-31T23:59:59Z\"}");
            APIGatewayV2HTTPResponse deployed = fresh.call(deploy);
            assertThat(deployed.getStatusCode()).isEqualTo(201);
            long id = Api.body(deployed).get("id").asLong();
            assertThat(fresh.db.text("SELECT display_name AS s FROM bots")).isEqualTo("Notetaker \ud83e\udd16 caf\u00e9");

            APIGatewayV2HTTPEvent report = Api.withBody("apigw/bot-status-callback.json",
                    "{\"status\":\"FATAL\",\"reason\":\"could not join:\\n\\twaiting room closed\"}");
            report.getHeaders().put("x-bot-token", new BotTokens(Fixtures.SECRET).tokenFor(id));
            assertThat(fresh.call(report).getStatusCode()).as("tab and newline in free text").isEqualTo(200);
            assertThat(fresh.db.text("SELECT status_reason AS s FROM bots")).isEqualTo("could not join:\n\twaiting room closed");

            APIGatewayV2HTTPResponse listed = fresh.call(list(Map.of("createdAfter", "2000-01-01T00:00:00Z")));
            assertThat(listed.getStatusCode()).isEqualTo(200);
            assertThat(Api.body(listed).get("bots")).hasSize(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void isRefusedWithAProblemAndChangesNothing(String what, APIGatewayV2HTTPEvent event, String type, String pointer) {
        String before = api.tables();
        long bots = api.db.count("SELECT count(*) AS n FROM bots");
        APIGatewayV2HTTPResponse response = api.call(event);

        int status = type.equals("body-too-large") ? 413 : 400; // 413 Content Too Large, as HTTP says
        assertThat(response.getStatusCode()).isEqualTo(status);
        assertThat(response.getHeaders()).containsEntry("Content-Type", "application/problem+json");
        JsonNode problem = Api.body(response);
        assertThat(problem.get("type").asString()).isEqualTo("urn:botfleet:problem:" + type);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).isNotBlank();
        if (pointer != null) {
            assertThat(problem.get("errors")).extracting(e -> e.get("pointer").asString()).contains(pointer);
        }
        assertThat(api.db.count("SELECT count(*) AS n FROM bots")).as("no bot written").isEqualTo(bots);
        assertThat(api.tables()).as("tables unchanged").isEqualTo(before);
    }
}
