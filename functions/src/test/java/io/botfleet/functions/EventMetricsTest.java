package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.botfleet.bot.BotTokens;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.LogLines;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The metrics made of the bots' events as CloudWatch and Prometheus get them: the drain after bots
 * were placed, ended or joined on schedule writes Embedded Metric Format lines counting them (and
 * the next drain does not count them again), and GET /metrics's text has the same totals.
 */
class EventMetricsTest {
    private final Api api = new Api();

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void theDrainAfterScheduledBotsJoinedCountsTheJoinsAndThoseOnTimeOnce() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        long onTime = deployStartingAt(now.plus(Duration.ofMinutes(3))); // inside the lead: placed at once
        long late = deployStartingAt(now.minus(Duration.ofMinutes(1)));
        join(onTime);
        join(late);
        ScheduledEvent tick = EventLoader.loadScheduledEvent("schedule/process-queue.json");

        List<JsonNode> first = metricLines(LogLines.of(() -> api.processQueue.handleRequest(tick, null)));
        List<JsonNode> second = metricLines(LogLines.of(() -> api.processQueue.handleRequest(tick, null)));

        assertThat(first).hasSize(1);
        JsonNode line = first.get(0);
        assertThat(line.path("ScheduledJoins").asLong()).isEqualTo(2);
        assertThat(line.path("ScheduledOnTime").asLong()).isEqualTo(1);
        assertThat(line.path("service").asString()).isEqualTo("botfleet");
        JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
        assertThat(directive.path("Namespace").asString()).isEqualTo("botfleet");
        assertThat(directive.at("/Dimensions/0/0").asString()).isEqualTo("service");
        assertThat(directive.path("Metrics")).extracting(m -> m.path("Name").asString() + "/" + m.path("Unit").asString())
                .containsExactly("ScheduledJoins/Count", "ScheduledOnTime/Count");
        assertThat(second).as("each join is counted by one drain").isEmpty();
    }

    @Test
    void theDrainCountsPlacementsByPlatformAndEndsByStatusAndReasonInBothFormats() throws Exception {
        long stopped = deployStartingAt(null);
        long failed = deployStartingAt(null);
        deployStartingAt(null); // aws: k8s has two units
        assertThat(api.call(Api.forBot("apigw/stop-bot.json", Long.toString(stopped))).getStatusCode()).isEqualTo(202);
        report(failed, "{\"status\":\"FATAL\",\"reason\":\"the meeting was locked\"}");
        ScheduledEvent tick = EventLoader.loadScheduledEvent("schedule/process-queue.json");

        List<JsonNode> lines = LogLines.of(() -> api.processQueue.handleRequest(tick, null));

        assertThat(lines.stream().filter(l -> l.has("BotsPlaced")).map(l -> l.path("platform").asString() + "="
                + l.path("BotsPlaced").asLong())).containsExactlyInAnyOrder("k8s=2", "aws=1");
        assertThat(lines.stream().filter(l -> l.has("BotsEnded")).map(l -> l.path("status").asString() + "/"
                + l.path("reason").asString() + "=" + l.path("BotsEnded").asLong()))
                .containsExactlyInAnyOrder("DONE/STOPPED=1", "FATAL/BOT_REPORTED=1");
        JsonNode ended = lines.stream().filter(l -> l.has("BotsEnded")).findFirst().orElseThrow();
        assertThat(ended.at("/_aws/CloudWatchMetrics/0/Dimensions").toString())
                .as("by reason, and by status alone").isEqualTo("[[\"service\",\"status\",\"reason\"],[\"service\",\"status\"]]");
        assertThat(api.processQueue.prometheus().text()).contains(
                "botfleet_bots_placed_total{platform=\"k8s\"} 2\n",
                "botfleet_bots_ended_total{reason=\"STOPPED\",status=\"DONE\"} 1\n",
                "botfleet_bots_ended_total{reason=\"BOT_REPORTED\",status=\"FATAL\"} 1\n",
                "# TYPE botfleet_queued_bots gauge\nbotfleet_queued_bots 0\n");
    }

    @Test
    void eachRequestWritesItsPlatformCallsByOutcomeAndTheTotalsReachTheMetricsPage() throws Exception {
        api.k8s.then(api.k8s.fail(io.botfleet.platform.PlatformDeployError.Kind.TRANSIENT)); // then aws takes it
        List<JsonNode> lines = LogLines.of(() -> deployStartingAt(null));

        List<JsonNode> calls = lines.stream().filter(l -> l.has("PlatformCalls")).toList();
        assertThat(calls).extracting(l -> l.path("platform").asString() + "/" + l.path("operation").asString() + "/"
                + l.path("outcome").asString() + "=" + l.path("PlatformCalls").asLong())
                .as("the refused deploy, its pooled resource given back, the deploy that took it")
                .containsExactlyInAnyOrder("k8s/deploy/TRANSIENT=1", "k8s/release/OK=1", "aws/deploy/OK=1");
        assertThat(calls).allSatisfy(l -> {
            assertThat(l.path("PlatformCallMs").asLong()).isNotNegative();
            assertThat(l.at("/_aws/CloudWatchMetrics/0/Metrics/1/Unit").asString()).isEqualTo("Milliseconds");
        });
        assertThat(api.processQueue.prometheusText())
                .containsPattern("botfleet_platform_calls_total\\{operation=\"deploy\",outcome=\"TRANSIENT\",platform=\"k8s\"} [1-9]")
                .containsPattern("botfleet_platform_call_seconds_sum\\{operation=\"deploy\",outcome=\"OK\",platform=\"aws\"} ");
    }

    private long deployStartingAt(Instant start) {
        APIGatewayV2HTTPEvent deploy = Api.withBody("apigw/deploy-bot.json", start == null
                ? "{\"meetingUrl\": \"https://zoom.us/j/123456789\"}"
                : """
                {"meeting": {"platform": "zoom", "url": "https://zoom.us/j/123456789"}, "startTime": "%s"}"""
                .formatted(start));
        deploy.getHeaders().remove("idempotency-key");
        return Api.body(api.call(deploy)).get("id").asLong();
    }

    private void join(long id) {
        report(id, "{\"status\":\"JOINING_CALL\"}");
    }

    private void report(long id, String body) {
        APIGatewayV2HTTPEvent callback = Api.forBot("apigw/bot-status-callback.json", Long.toString(id));
        callback.getHeaders().put("x-bot-token", new BotTokens(Fixtures.SECRET).tokenFor(id));
        callback.setBody(body);
        assertThat(api.call(callback).getStatusCode()).isEqualTo(200);
    }

    private static List<JsonNode> metricLines(List<JsonNode> lines) {
        return lines.stream().filter(l -> l.has("ScheduledJoins")).toList();
    }
}
