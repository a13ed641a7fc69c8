package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.Services;
import io.botfleet.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A tenant's API key acts as that tenant only, over the real handlers and database: every route
 * refuses it another tenant's things without showing they exist and changes nothing; its own
 * bots it deploys, lists, reads and stops; it is kept only as a hash; revoked, it stops at once.
 */
class TenantKeysTest {
    private static final String TOKEN = "local-api-token";
    /** The routes that take no API credential: the bot's own (its token), the document and the dashboard page. */
    private static final Set<String> NO_API_CREDENTIAL = Set.of("POST /bots/{id}/status", "GET /bots/{id}/config",
            "GET /openapi.json", "GET /");

    private final Api api = new Api(Map.of("BOTFLEET_API_TOKEN", TOKEN));

    @AfterEach
    void close() {
        api.close();
    }

    /** acme's bot 1 and acme's key 1, made by the operator. */
    private void acmeHasABotAndAKey() {
        assertThat(api.call(Api.event("apigw/deploy-bot.json")).getStatusCode()).isEqualTo(201);
        api.keyOf("acme");
    }

    /**
     * Every route but the three that take no API credential, read from the handlers (so a route
     * added later is called too), aimed at acme's bot, acme's name and acme's key.
     */
    private List<APIGatewayV2HTTPEvent> everyClientRouteAtAcme() {
        Set<String> routes = new TreeSet<>(new ApiHandler(api.services).routeKeys());
        assertThat(routes).containsAll(NO_API_CREDENTIAL);
        routes.removeAll(NO_API_CREDENTIAL);
        return routes.stream().map(TenantKeysTest::atAcme).toList();
    }

    private static APIGatewayV2HTTPEvent atAcme(String route) {
        String method = route.substring(0, route.indexOf(' '));
        String template = route.substring(route.indexOf(' ') + 1);
        APIGatewayV2HTTPEvent event = Api.withBody("apigw/get-capacity.json", switch (route) {
            case "POST /bots" -> Api.event("apigw/deploy-bot.json").getBody(); // its tenant is acme
            case "PUT /tenants/{tenant}" -> "{\"weight\":5}";
            case "POST /tenants/{tenant}/keys" -> "{}";
            default -> null;
        });
        event.getHeaders().remove("authorization");
        if (event.getBody() != null) {
            event.getHeaders().put("content-type", "application/json");
        }
        event.setRouteKey(route);
        event.getRequestContext().getHttp().setMethod(method);
        Map<String, String> parameters = new HashMap<>();
        String path = template;
        for (String[] p : new String[][] {{"id", "1"}, {"tenant", "acme"}, {"keyId", "1"}, {"platform", "k8s"}}) {
            if (template.contains("{" + p[0] + "}")) {
                parameters.put(p[0], p[1]);
                path = path.replace("{" + p[0] + "}", p[1]);
            }
        }
        event.setPathParameters(parameters.isEmpty() ? null : parameters);
        event.setRawPath(path);
        if (route.equals("GET /bots")) {
            event.setQueryStringParameters(Map.of("tenant", "acme"));
        }
        return event;
    }

    @Test
    void everyRouteRefusesAnotherTenantsKeyWithoutShowingWhatExistsAndChangesNothing() {
        acmeHasABotAndAKey();
        String globex = api.keyOf("globex");
        List<APIGatewayV2HTTPEvent> routes = everyClientRouteAtAcme();
        assertThat(routes).hasSizeGreaterThanOrEqualTo(14);
        String before = api.tables();

        for (APIGatewayV2HTTPEvent event : routes) {
            APIGatewayV2HTTPResponse answer = api.call(Api.as(globex, event));
            assertThat(answer.getStatusCode()).as(event.getRouteKey()).isIn(403, 404);
            assertThat(answer.getHeaders()).as(event.getRouteKey()).containsEntry("Content-Type", "application/problem+json");
            assertThat(answer.getBody()).as(event.getRouteKey() + ": nothing of acme's shown").doesNotContain("Notetaker");

            APIGatewayV2HTTPResponse none = api.call(Api.as(null, atAcme(event.getRouteKey())));
            assertThat(none.getStatusCode()).as(event.getRouteKey() + " with no credential").isEqualTo(401);
            APIGatewayV2HTTPResponse unknown = api.call(Api.as("bf_" + "A".repeat(43), atAcme(event.getRouteKey())));
            assertThat(unknown.getStatusCode()).as(event.getRouteKey() + " with a key botfleet never made").isEqualTo(401);
        }
        assertThat(api.tables()).as("no row changed").isEqualTo(before);

        // the same requests with the operator's token are not refused: the refusals above are the key's
        for (APIGatewayV2HTTPEvent event : everyClientRouteAtAcme()) {
            assertThat(api.call(Api.as(TOKEN, event)).getStatusCode()).as(event.getRouteKey()).isLessThan(300);
        }
    }

    @Test
    void aTenantKeyDeploysListsReadsAndStopsOnlyItsOwnBots() {
        acmeHasABotAndAKey();
        String globex = api.keyOf("globex");
        String meeting = "{\"meetingUrl\":\"https://zoom.us/j/1\"";

        APIGatewayV2HTTPResponse untold = api.call(Api.as(globex, deploy(meeting + "}")));
        assertThat(untold.getStatusCode()).isEqualTo(201);
        long own = Api.body(untold).get("id").asLong();
        assertThat(api.db.text("SELECT tenant AS s FROM bots WHERE id = " + own)).as("no tenant: the key's").isEqualTo("globex");
        APIGatewayV2HTTPResponse named = api.call(Api.as(globex, deploy(meeting + ",\"tenant\":\"globex\"}")));
        assertThat(named.getStatusCode()).as("its own tenant named").isEqualTo(201);

        String before = api.tables();
        APIGatewayV2HTTPResponse other = api.call(Api.as(globex, deploy(meeting + ",\"tenant\":\"acme\"}")));
        assertThat(other.getStatusCode()).isEqualTo(403);
        assertThat(Api.body(other).get("type").asString()).isEqualTo("urn:botfleet:problem:forbidden");
        assertThat(Api.body(other).get("errors")).extracting(e -> e.get("pointer").asString()).containsExactly("/tenant");
        assertThat(api.tables()).as("no bot made").isEqualTo(before);

        JsonNode listed = Api.body(api.call(Api.as(globex, list(Map.of()))));
        assertThat(listed.get("bots")).extracting(b -> b.get("id").asLong())
                .containsExactly(Api.body(named).get("id").asLong(), own);
        assertThat(Api.body(api.call(Api.as(globex, list(Map.of("tenant", "globex"))))).get("bots")).hasSize(2);
        assertThat(Api.body(api.call(Api.as(TOKEN, list(Map.of())))).get("bots")).as("the operator sees all").hasSize(3);

        for (String fixture : List.of("apigw/get-bot.json", "apigw/stop-bot.json")) {
            assertThat(api.call(Api.as(globex, Api.forBot(fixture, "1"))).getStatusCode()).as(fixture + ", acme's").isEqualTo(404);
        }
        assertThat(api.call(Api.as(globex, Api.forBot("apigw/get-bot.json", Long.toString(own)))).getStatusCode()).isEqualTo(200);
        for (String route : List.of("GET /bots/{id}/events", "GET /bots/{id}/webhooks")) {
            APIGatewayV2HTTPEvent read = atAcme(route);
            read.setPathParameters(Map.of("id", Long.toString(own)));
            read.setRawPath(read.getRawPath().replace("/1/", "/" + own + "/"));
            assertThat(api.call(Api.as(globex, read)).getStatusCode()).as(route + ", its own").isEqualTo(200);
        }
        APIGatewayV2HTTPResponse stopped = api.call(Api.as(globex, Api.forBot("apigw/stop-bot.json", Long.toString(own))));
        assertThat(stopped.getStatusCode()).isEqualTo(202);
        assertThat(api.db.text("SELECT status AS s FROM bots WHERE id = 1")).as("acme's bot untouched").isEqualTo("DEPLOYING");

        APIGatewayV2HTTPEvent tenant = atAcme("GET /tenants/{tenant}");
        tenant.setPathParameters(Map.of("tenant", "globex"));
        tenant.setRawPath("/tenants/globex");
        assertThat(api.call(Api.as(globex, tenant)).getStatusCode()).as("its own tenant").isEqualTo(200);
    }

    @Test
    void aKeyIsKeptOnlyAsItsHashAndListedWithoutIt() throws Exception {
        APIGatewayV2HTTPResponse made = api.call(Api.event("apigw/post-tenant-key.json"));
        assertThat(made.getStatusCode()).isEqualTo(201);
        JsonNode created = Api.body(made);
        String key = created.get("key").asString();
        assertThat(key).startsWith("bf_").hasSize(3 + 43); // 32 random bytes, base64url without padding
        assertThat(created.get("prefix").asString()).isEqualTo(key.substring(0, 8));

        String rows = api.db.text("SELECT string_agg(t::text, '|') AS s FROM tenant_keys t");
        assertThat(rows).doesNotContain(key).doesNotContain(key.substring(3));
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        assertThat(api.db.text("SELECT key_hash AS s FROM tenant_keys")).isEqualTo(sha256);

        APIGatewayV2HTTPResponse listed = api.call(Api.event("apigw/get-tenant-keys.json"));
        assertThat(listed.getStatusCode()).isEqualTo(200);
        assertThat(listed.getBody()).doesNotContain(key.substring(8));
        assertThat(Api.body(listed).get("keys")).hasSize(1);
        assertThat(Api.body(listed).get("keys").get(0).get("revokedAt").isNull()).isTrue();

        assertThat(api.call(Api.as(key, Api.event("apigw/post-tenant-key.json"))).getStatusCode())
                .as("a tenant's key makes no key").isEqualTo(403);
        assertThat(api.call(Api.as(key, Api.event("apigw/get-tenant-keys.json"))).getStatusCode())
                .as("nor lists them, even its own").isEqualTo(403);
    }

    @Test
    void aRevokedKeyIsRefusedAtTheNextRequestOnEveryInstance() {
        String key = api.keyOf("acme");
        // a second instance of the functions over the same database: each Lambda instance is one
        Services other = Fixtures.services(api.services.settings(), api.db.sql(2), List.of(api.k8s, api.aws), Clock.systemUTC());
        BotStatusHandler elsewhere = new BotStatusHandler(other);
        assertThat(elsewhere.handleRequest(Api.as(key, list(Map.of())), null).getStatusCode()).isEqualTo(200);

        APIGatewayV2HTTPEvent revoke = Api.event("apigw/delete-tenant-key.json");
        APIGatewayV2HTTPResponse revoked = api.call(revoke);
        assertThat(revoked.getStatusCode()).isEqualTo(204);

        APIGatewayV2HTTPResponse refused = elsewhere.handleRequest(Api.as(key, list(Map.of())), null);
        assertThat(refused.getStatusCode()).isEqualTo(401);
        assertThat(api.call(Api.as(key, list(Map.of()))).getStatusCode()).isEqualTo(401);
        JsonNode listed = Api.body(api.call(Api.event("apigw/get-tenant-keys.json"))).get("keys").get(0);
        assertThat(listed.get("revokedAt").asString()).isNotBlank();

        assertThat(api.call(Api.event("apigw/delete-tenant-key.json")).getStatusCode()).as("revoked again: the same").isEqualTo(204);
        APIGatewayV2HTTPEvent notTheirs = Api.event("apigw/delete-tenant-key.json");
        notTheirs.setPathParameters(Map.of("tenant", "globex", "keyId", "1"));
        notTheirs.setRawPath("/tenants/globex/keys/1");
        assertThat(api.call(notTheirs).getStatusCode()).as("acme's key under globex's name").isEqualTo(404);
    }

    /** What the functions print while a key is made, used, refused and revoked holds neither the key nor its hash. */
    @Test
    void neitherAKeyNorItsHashIsPrinted() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = System.out;
        PrintStream err = System.err;
        String key;
        try (PrintStream both = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setOut(both);
            System.setErr(both);
            key = api.keyOf("acme");
            api.call(Api.as(key, deploy("{\"meetingUrl\":\"https://zoom.us/j/1\"}")));
            api.call(Api.as(key, list(Map.of("tenant", "globex"))));
            api.call(Api.as(TOKEN, Api.event("apigw/delete-tenant-key.json")));
            api.call(Api.as(key, list(Map.of())));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        assertThat(printed.toString(StandardCharsets.UTF_8)).doesNotContain(key.substring(8)).doesNotContain(sha256);
    }

    /** {@code POST /bots} with this body, no Idempotency-Key. */
    private static APIGatewayV2HTTPEvent deploy(String body) {
        APIGatewayV2HTTPEvent event = Api.withBody("apigw/deploy-bot.json", body);
        event.getHeaders().remove("idempotency-key");
        return event;
    }

    /** {@code GET /bots} with these query parameters. */
    private static APIGatewayV2HTTPEvent list(Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Api.event("apigw/get-queue.json");
        event.setRouteKey("GET /bots");
        event.setRawPath("/bots");
        event.getRequestContext().getHttp().setPath("/bots");
        event.setQueryStringParameters(query);
        return event;
    }
}
