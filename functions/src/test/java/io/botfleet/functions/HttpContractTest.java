package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import io.botfleet.bot.BotTokens;
import io.botfleet.deployment.WaitReason;
import io.botfleet.functions.http.Json;
import io.botfleet.testing.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import tools.jackson.databind.JsonNode;

/** Every route and trigger, driven by the real-shaped fixtures under events/. */
class HttpContractTest {
    private final Api api = new Api();

    @AfterEach
    void close() {
        api.close();
    }

    private long deployOne() {
        APIGatewayV2HTTPResponse response = api.call(Api.event("apigw/deploy-bot.json"));
        return Api.body(response).get("id").asLong();
    }

    @ParameterizedTest
    @Event(value = "apigw/deploy-bot.json", type = APIGatewayV2HTTPEvent.class)
    void deployAnswers201WithThePlatformAnd202WhenQueued(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPResponse first = api.call(event);
        assertThat(first.getStatusCode()).isEqualTo(201);
        JsonNode body = Api.body(first);
        assertThat(body.get("status").asString()).isEqualTo("DEPLOYING");
        assertThat(body.get("platform").asString()).isEqualTo("k8s");
        assertThat(body.get("platformIdentifier").asString()).isEqualTo("k8s-" + body.get("id").asLong());

        for (int i = 0; i < 2; i++) {
            event.getHeaders().put("idempotency-key", "other-" + i);
            assertThat(api.call(event).getStatusCode()).isEqualTo(201);
        }
        event.getHeaders().put("idempotency-key", "queued");
        APIGatewayV2HTTPResponse queued = api.call(event);
        assertThat(queued.getStatusCode()).isEqualTo(202);
        assertThat(Api.body(queued).get("status").asString()).isEqualTo("QUEUED");
        assertThat(Api.body(queued).get("queuePosition").asLong()).isEqualTo(1);
        assertThat(Api.body(queued).get("estimatedWaitMs").asLong()).isPositive();
    }

    @ParameterizedTest
    @Event(value = "apigw/deploy-bot.json", type = APIGatewayV2HTTPEvent.class)
    void aRepeatedIdempotencyKeyReplaysTheFirstAnswer(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPResponse first = api.call(event);
        APIGatewayV2HTTPResponse again = api.call(Api.event("apigw/deploy-bot.json"));
        assertThat(again.getStatusCode()).isEqualTo(first.getStatusCode());
        assertThat(Api.body(again)).isEqualTo(Api.body(first));
        assertThat(again.getHeaders()).containsEntry("Idempotent-Replayed", "true");
        assertThat(api.k8s.starts()).hasSize(1);

        long id = Api.body(first).get("id").asLong();
        api.call(callback(id, "{\"status\":\"DONE\"}"));
        APIGatewayV2HTTPResponse afterDone = api.call(Api.event("apigw/deploy-bot.json"));
        assertThat(afterDone.getStatusCode()).as("the first answer, not the bot's state now").isEqualTo(first.getStatusCode());
        assertThat(Api.body(afterDone)).isEqualTo(Api.body(first));

        event.setBody(event.getBody().replace("Notetaker", "Someone else"));
        APIGatewayV2HTTPResponse reused = api.call(event);
        assertThat(reused.getStatusCode()).isEqualTo(422);
        assertThat(Api.body(reused).get("type").asString()).isEqualTo("urn:botfleet:problem:idempotency-key-reused");
    }

    @Test
    void anIdempotencyKeyComparesBodiesByWhatTheySayNotByHowTheyAreWritten() {
        String url = "https://zoom.us/j/1";
        APIGatewayV2HTTPEvent first = Api.withBody("apigw/deploy-bot.json",
                "{\"meetingUrl\":\"" + url + "\",\"meeting\":{\"id\":\"x, password=y\",\"password\":\"z\"}}");
        APIGatewayV2HTTPResponse answer = api.call(first);
        assertThat(answer.getStatusCode()).isEqualTo(201);

        // the same text once the two fields are run together, as BotConfig.toString() shows them
        APIGatewayV2HTTPEvent other = Api.withBody("apigw/deploy-bot.json",
                "{\"meetingUrl\":\"" + url + "\",\"meeting\":{\"id\":\"x\",\"password\":\"y, password=z\"}}");
        String before = api.tables();
        APIGatewayV2HTTPResponse reused = api.call(other);
        assertThat(reused.getStatusCode()).as("another meeting password under the same key").isEqualTo(422);
        assertThat(Api.body(reused).get("type").asString()).isEqualTo("urn:botfleet:problem:idempotency-key-reused");
        assertThat(api.tables()).isEqualTo(before);

        APIGatewayV2HTTPEvent reordered = Api.withBody("apigw/deploy-bot.json",
                "{ \"meeting\" : {\n  \"password\" : \"z\",\t\"id\" : \"x, password=y\" },\n \"meetingUrl\" : \"" + url + "\" }");
        APIGatewayV2HTTPResponse replayed = api.call(reordered);
        assertThat(replayed.getStatusCode()).as("the same body, keys reordered, other whitespace").isEqualTo(201);
        assertThat(replayed.getHeaders()).containsEntry("Idempotent-Replayed", "true");
        assertThat(Api.body(replayed)).isEqualTo(Api.body(answer));
        assertThat(api.k8s.starts()).hasSize(1);
    }

    @ParameterizedTest
    @Event(value = "apigw/get-bot.json", type = APIGatewayV2HTTPEvent.class)
    void getBotShowsStatusPlatformAndHeartbeat(APIGatewayV2HTTPEvent event) {
        deployOne();
        APIGatewayV2HTTPResponse response = api.call(event);
        assertThat(response.getStatusCode()).isEqualTo(200);
        JsonNode body = Api.body(response);
        assertThat(body.get("id").asLong()).isEqualTo(1);
        assertThat(body.get("status").asString()).isEqualTo("DEPLOYING");
        assertThat(body.get("platformStatus").asString()).isEqualTo("RUNNING");
        assertThat(body.has("lastHeartbeat")).isTrue();
        assertThat(api.call(Api.forBot("apigw/get-bot.json", "999")).getStatusCode()).isEqualTo(404);
    }

    @ParameterizedTest
    @Event(value = "apigw/bot-status-callback.json", type = APIGatewayV2HTTPEvent.class)
    void theBotsCallbackNeedsItsOwnTokenAndMovesStatusForwardOnly(APIGatewayV2HTTPEvent event) {
        long id = deployOne();
        String before = api.tables();
        APIGatewayV2HTTPResponse forged = api.call(event); // the fixture carries a placeholder token
        assertThat(forged.getStatusCode()).isEqualTo(401);
        assertThat(api.tables()).isEqualTo(before);

        event.getHeaders().put("x-bot-token", new BotTokens(Fixtures.SECRET).tokenFor(id));
        assertThat(api.call(event).getStatusCode()).isEqualTo(200);
        assertThat(Api.body(api.call(Api.event("apigw/get-bot.json"))).get("status").asString()).isEqualTo("IN_CALL");

        event.setBody("{\"status\":\"DONE\"}");
        assertThat(api.call(event).getStatusCode()).isEqualTo(200);
        event.setBody("{\"status\":\"IN_CALL\"}");
        APIGatewayV2HTTPResponse late = api.call(event);
        assertThat(late.getStatusCode()).isEqualTo(409);
        assertThat(Api.body(late).get("currentStatus").asString()).isEqualTo("DONE");
    }

    @ParameterizedTest
    @Event(value = "apigw/stop-bot.json", type = APIGatewayV2HTTPEvent.class)
    void stopAnswers202AndFreesTheUnit(APIGatewayV2HTTPEvent event) {
        deployOne();
        APIGatewayV2HTTPResponse response = api.call(event);
        assertThat(response.getStatusCode()).isEqualTo(202);
        assertThat(Api.body(response).get("status").asString()).isEqualTo("DONE");
        assertThat(api.k8s.live()).isEmpty();
        assertThat(api.call(event).getStatusCode()).as("a second stop is a no-op").isEqualTo(202);
    }

    @ParameterizedTest
    @Event(value = "apigw/get-capacity.json", type = APIGatewayV2HTTPEvent.class)
    void capacityShowsLimitsUseAndTheQueue(APIGatewayV2HTTPEvent event) {
        deployOne();
        JsonNode body = Api.body(api.call(event));
        assertThat(body.get("platforms").get(0).get("platform").asString()).isEqualTo("k8s");
        assertThat(body.get("platforms").get(0).get("limit").asInt()).isEqualTo(2);
        assertThat(body.get("platforms").get(0).get("used").asInt()).isEqualTo(1);
        assertThat(body.get("platforms").get(1).get("platform").asString()).isEqualTo("aws");
        assertThat(body.get("queue").get("waiting").asLong()).isZero();
    }

    @ParameterizedTest
    @Event(value = "apigw/get-schedule.json", type = APIGatewayV2HTTPEvent.class)
    void aScheduledBotIsReservedOrRefusedWith409AndTheScheduleShowsTheReservations(APIGatewayV2HTTPEvent event) {
        int units = Api.body(api.call(event)).get("units").asInt();
        String body = "{\"meetingUrl\":\"https://zoom.us/j/123\",\"startTime\":\"2026-12-24T14:00:00Z\","
                + "\"endTime\":\"2026-12-24T14:30:00Z\"}";
        for (int i = 0; i <= units; i++) {
            APIGatewayV2HTTPEvent deploy = Api.withBody("apigw/deploy-bot.json", body);
            deploy.getHeaders().remove("idempotency-key");
            APIGatewayV2HTTPResponse answer = api.call(deploy);
            if (i < units) {
                assertThat(answer.getStatusCode()).as("reserved").isEqualTo(202);
                assertThat(Api.body(answer).get("status").asString()).isEqualTo("QUEUED");
            } else {
                assertThat(answer.getStatusCode()).as("every unit of the window is reserved").isEqualTo(409);
                assertThat(answer.getHeaders()).containsEntry("Content-Type", "application/problem+json");
                JsonNode problem = Api.body(answer);
                assertThat(problem.get("type").asString()).isEqualTo("urn:botfleet:problem:capacity-unavailable");
                assertThat(problem.get("nextStartTime").asString()).as("the window after 13:55 to 14:30")
                        .isEqualTo("2026-12-24T14:36:00Z");
                assertThat(problem.get("nextEndTime").asString()).isEqualTo("2026-12-24T15:06:00Z");
            }
        }
        JsonNode schedule = Api.body(api.call(event));
        assertThat(schedule.get("reservations")).hasSize(units);
        assertThat(schedule.get("reservations").get(0).get("from").asString()).isEqualTo("2026-12-24T13:55:00Z");
        assertThat(schedule.get("windows")).extracting(w -> w.get("from").asString() + " " + w.get("free").asInt())
                .containsExactly("2026-12-24T12:00:00Z " + units, "2026-12-24T13:55:00Z 0", "2026-12-24T14:31:00Z " + units);
    }

    @ParameterizedTest
    @Event(value = "apigw/get-queue.json", type = APIGatewayV2HTTPEvent.class)
    void queueListsWaitingBotsWithPositionAndEta(APIGatewayV2HTTPEvent event) {
        api.deployMany(5);
        JsonNode waiting = Api.body(api.call(event)).get("waiting");
        assertThat(waiting).hasSize(2);
        assertThat(waiting.get(0).get("botId").asLong()).isEqualTo(4);
        assertThat(waiting.get(1).get("position").asLong()).isEqualTo(2);
        assertThat(waiting.get(1).get("estimatedWaitMs").asLong()).isPositive();
        assertThat(waiting).extracting(w -> w.get("waitReason").asString()).containsExactly("NO_CAPACITY", "NO_CAPACITY");
    }

    /** A queued bot says why it waits, from the set the document names; a reason outside it breaks the document. */
    @Test
    void aQueuedBotSaysWhyItWaits() throws Exception {
        api.deployMany(4);
        APIGatewayV2HTTPEvent read = Api.forBot("apigw/get-bot.json", "4");
        APIGatewayV2HTTPResponse queued = api.call(read);
        JsonNode body = Api.body(queued);
        assertThat(body.get("status").asString()).isEqualTo("QUEUED");
        assertThat(body.get("waitReason").asString()).isEqualTo("NO_CAPACITY");
        assertThat(body.get("queuePosition").asLong()).isEqualTo(1);

        APIGatewayV2HTTPResponse broken = APIGatewayV2HTTPResponse.builder().withStatusCode(200)
                .withHeaders(queued.getHeaders())
                .withBody(queued.getBody().replace("\"NO_CAPACITY\"", "\"BUSY\"")).build();
        assertThat(broken.getBody()).as("the test changed the answer").isNotEqualTo(queued.getBody());
        assertThat(Contract.violations(read, broken)).isNotEmpty();

        JsonNode document;
        try (var in = HttpContractTest.class.getResourceAsStream("/openapi.json")) {
            document = Json.MAPPER.readTree(in);
        }
        assertThat(document.at("/components/schemas/WaitReason/enum")).extracting(JsonNode::asString)
                .as("the documented set is the service's").containsExactlyElementsOf(
                        java.util.Arrays.stream(WaitReason.values()).map(Enum::name).toList());
    }

    /** Four bots of acme: three hold a unit (k8s 2, aws 1), one waits. */
    @ParameterizedTest
    @Event(value = "apigw/put-tenant.json", type = APIGatewayV2HTTPEvent.class)
    void tenantsAreSetAndReadWithTheirUseWaitingAndShare(APIGatewayV2HTTPEvent event) {
        api.deployMany(4);
        APIGatewayV2HTTPResponse put = api.call(event);
        assertThat(put.getStatusCode()).isEqualTo(200);
        assertThat(Api.body(put)).isEqualTo(Api.body(api.call(Api.event("apigw/get-tenant.json"))));
        assertThat(Api.body(put).toString()).isEqualTo(
                "{\"tenant\":\"acme\",\"weight\":3,\"limit\":20,\"guaranteed\":2,\"used\":3,\"waiting\":1,\"share\":3.0}");

        APIGatewayV2HTTPEvent idle = Api.withBody("apigw/put-tenant.json", null);
        idle.setPathParameters(Map.of("tenant", "globex"));
        idle.setRawPath("/tenants/globex");
        assertThat(Api.body(api.call(idle)).toString()).as("an empty body: every default").isEqualTo(
                "{\"tenant\":\"globex\",\"weight\":1,\"limit\":null,\"guaranteed\":0,\"used\":0,\"waiting\":0,\"share\":0.0}");

        JsonNode listed = Api.body(api.call(Api.event("apigw/get-tenants.json"))).get("tenants");
        assertThat(listed).extracting(t -> t.get("tenant").asString()).containsExactly("acme", "globex");

        APIGatewayV2HTTPEvent unknown = Api.event("apigw/get-tenant.json");
        unknown.setPathParameters(Map.of("tenant", "initech"));
        unknown.setRawPath("/tenants/initech");
        APIGatewayV2HTTPResponse defaults = api.call(unknown);
        assertThat(defaults.getStatusCode()).as("a tenant never configured").isEqualTo(200);
        assertThat(Api.body(defaults).get("weight").asInt()).isEqualTo(1);
        assertThat(Api.body(defaults).get("limit").isNull()).isTrue();
    }

    @ParameterizedTest
    @Event(value = "schedule/process-queue.json", type = ScheduledEvent.class)
    void theScheduleDrainsWhatFits(ScheduledEvent event) {
        api.deployMany(4);
        api.call(Api.event("apigw/stop-bot.json"));
        Map<String, Object> report = api.processQueue.handleRequest(event, null);
        assertThat(report).containsEntry("deployed", 1);
        assertThat(api.k8s.starts()).containsKey(4L);
    }

    @ParameterizedTest
    @Event(value = "sqs/capacity-released.json", type = SQSEvent.class)
    void capacityReleasedMessagesDrainOnceAndReportNoFailures(SQSEvent event) {
        api.deployMany(4);
        api.call(Api.event("apigw/stop-bot.json"));
        SQSBatchResponse response = api.processQueue.handleCapacityReleased(event, null);
        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(api.k8s.starts()).containsKey(4L);
    }

    @Test
    void withAnApiTokenEveryRouteButTheCallbackNeedsIt() {
        try (Api secured = new Api(Map.of("BOTFLEET_API_TOKEN", "local-api-token"))) {
            APIGatewayV2HTTPEvent deploy = Api.event("apigw/deploy-bot.json");
            assertThat(secured.call(deploy).getStatusCode()).isEqualTo(201);
            deploy.getHeaders().put("authorization", "Bearer wrong");
            APIGatewayV2HTTPResponse refused = secured.call(deploy);
            assertThat(refused.getStatusCode()).isEqualTo(401);
            assertThat(refused.getHeaders()).containsEntry("Content-Type", "application/problem+json");
            APIGatewayV2HTTPEvent capacity = Api.event("apigw/get-capacity.json");
            capacity.getHeaders().remove("authorization");
            assertThat(secured.call(capacity).getStatusCode()).isEqualTo(401);

            APIGatewayV2HTTPEvent callback = Api.event("apigw/bot-status-callback.json");
            callback.getHeaders().put("x-bot-token", new BotTokens(Fixtures.SECRET).tokenFor(1));
            assertThat(secured.call(callback).getStatusCode()).isEqualTo(200);
        }
    }

    @Test
    void aBotReadsItsOwnConfigWithItsTokenAndNothingElseDoes() {
        long id = deployOne();
        APIGatewayV2HTTPEvent read = Api.forBot("apigw/get-bot.json", Long.toString(id));
        read.setRouteKey("GET /bots/{id}/config");
        read.getHeaders().remove("authorization");
        assertThat(api.call(read).getStatusCode()).as("without its token").isEqualTo(401);

        read.getHeaders().put("x-bot-token", new BotTokens(Fixtures.SECRET).tokenFor(id));
        APIGatewayV2HTTPResponse own = api.call(read);
        assertThat(own.getStatusCode()).isEqualTo(200);
        JsonNode config = Api.body(own);
        assertThat(config.at("/meeting/url").asString()).isEqualTo("https://meet.google.com/abc-defg-hij");
        assertThat(config.get("displayName").asString()).isEqualTo("Notetaker");
        assertThat(config.at("/automaticLeave/waitingRoomTimeoutMs").asLong()).isEqualTo(600_000);
        var environment = new io.botfleet.platform.BotEnvironment("https://botfleet.example.com",
                new BotTokens(Fixtures.SECRET)).forBot(api.services.bots().find(id));
        assertThat(environment).as("what every platform puts in the container's spec: no meeting URL or password")
                .containsOnlyKeys("BOT_ID", "BOTFLEET_URL", "BOT_TOKEN", "MEETING_PLATFORM");
    }

    @Test
    void anEndedBotsTokenNoLongerReadsItsConfig() {
        api.deployMany(2);
        long done = 1;
        long fatal = 2;
        assertThat(api.call(callback(done, "{\"status\":\"DONE\"}")).getStatusCode()).isEqualTo(200);
        assertThat(api.call(callback(fatal, "{\"status\":\"FATAL\",\"reason\":\"crashed\"}")).getStatusCode())
                .isEqualTo(200);
        for (long id : new long[] {done, fatal}) {
            String before = api.tables();
            APIGatewayV2HTTPResponse gone = api.call(ownConfig(id));
            assertThat(gone.getStatusCode()).as("config of ended bot " + id).isEqualTo(410);
            assertThat(gone.getHeaders()).containsEntry("Content-Type", "application/problem+json");
            assertThat(Api.body(gone).get("type").asString()).isEqualTo("urn:botfleet:problem:bot-ended");
            assertThat(gone.getBody()).as("no part of the config in the answer").doesNotContain("meet.google.com");
            APIGatewayV2HTTPResponse late = api.call(callback(id, "{\"status\":\"IN_CALL\"}"));
            assertThat(late.getStatusCode()).as("the callback still refuses changes").isEqualTo(409);
            assertThat(api.tables()).isEqualTo(before);
        }
    }

    /** The bot's own config read, with its token. */
    private static APIGatewayV2HTTPEvent ownConfig(long id) {
        APIGatewayV2HTTPEvent read = Api.forBot("apigw/get-bot.json", Long.toString(id));
        read.setRouteKey("GET /bots/{id}/config");
        read.getHeaders().remove("authorization");
        read.getHeaders().put("x-bot-token", new BotTokens(Fixtures.SECRET).tokenFor(id));
        return read;
    }

    @Test
    void listingHistoryAndWebhooksAnswerAsTheDocumentSays() {
        long id = deployOne();
        api.call(callback(id, "{\"status\":\"IN_CALL\"}"));
        APIGatewayV2HTTPEvent list = Api.event("apigw/get-queue.json");
        list.setRouteKey("GET /bots");
        list.setRawPath("/bots");
        list.setQueryStringParameters(Map.of("status", "IN_CALL", "limit", "10"));
        JsonNode page = Api.body(api.call(list));
        assertThat(page.get("bots")).extracting(b -> b.get("id").asLong()).containsExactly(id);

        APIGatewayV2HTTPEvent events = Api.forBot("apigw/get-bot.json", Long.toString(id));
        events.setRouteKey("GET /bots/{id}/events");
        assertThat(Api.body(api.call(events)).get("events")).extracting(e -> e.get("status").asString())
                .containsExactly("QUEUED", "DEPLOYING", "IN_CALL");

        APIGatewayV2HTTPEvent webhooks = Api.forBot("apigw/get-bot.json", Long.toString(id));
        webhooks.setRouteKey("GET /bots/{id}/webhooks");
        assertThat(Api.body(api.call(webhooks)).get("webhooks")).as("the fixture's callbackUrl gets one per change")
                .hasSize(3);
    }

    /** The bot's own status callback, with its token. */
    private static APIGatewayV2HTTPEvent callback(long id, String body) {
        APIGatewayV2HTTPEvent event = Api.forBot("apigw/bot-status-callback.json", Long.toString(id));
        event.getHeaders().put("x-bot-token", new BotTokens(Fixtures.SECRET).tokenFor(id));
        event.setBody(body);
        return event;
    }
}
