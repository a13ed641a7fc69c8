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
 * The schedule's on-time ratio as CloudWatch gets it: the drain after scheduled bots joined their
 * calls writes one Embedded Metric Format line counting those joins, and the next drain does not
 * count them again.
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

    private long deployStartingAt(Instant start) {
        APIGatewayV2HTTPEvent deploy = Api.withBody("apigw/deploy-bot.json", """
                {"meeting": {"platform": "zoom", "url": "https://zoom.us/j/123456789"}, "startTime": "%s"}"""
                .formatted(start));
        deploy.getHeaders().remove("idempotency-key");
        return Api.body(api.call(deploy)).get("id").asLong();
    }

    private void join(long id) {
        APIGatewayV2HTTPEvent callback = Api.forBot("apigw/bot-status-callback.json", Long.toString(id));
        callback.getHeaders().put("x-bot-token", new BotTokens(Fixtures.SECRET).tokenFor(id));
        callback.setBody("{\"status\":\"JOINING_CALL\"}");
        assertThat(api.call(callback).getStatusCode()).isEqualTo(200);
    }

    private static List<JsonNode> metricLines(List<JsonNode> lines) {
        return lines.stream().filter(l -> l.has("ScheduledJoins")).toList();
    }
}
