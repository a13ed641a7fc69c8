package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.botfleet.local.LocalContext;
import io.botfleet.testing.LogLines;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A drain given less time than its longest part needs (the reconcile: a list, then the calls it
 * decides on) would skip that part on every run. The function says so at its first drain, naming
 * the settings, instead of skipping in silence.
 */
class DrainBudgetTest {
    private static final Map<String, String> DEFAULT_CALLS = Map.of("PLATFORM_CALL_TIMEOUT", "30s", "QUEUE_LEASE", "5m");

    @Test
    void aFunctionWhoseTimeoutIsTooShortForTheReconcileSaysSoOnceNamingTheSettings() throws Exception {
        try (Api api = new Api(DEFAULT_CALLS)) {
            List<JsonNode> lines = LogLines.of(() -> {
                for (int i = 0; i < 2; i++) {
                    api.processQueue.handleRequest(new ScheduledEvent(), new LocalContext("processQueue", Duration.ofSeconds(40)));
                }
            });
            List<JsonNode> said = lines.stream().filter(l -> "queue.budget_too_small".equals(l.path("event").asString())).toList();
            assertThat(said).as("said once, at the first drain; lines: %s", lines).hasSize(1);
            assertThat(said.get(0).path("level").asString()).isEqualTo("ERROR");
            assertThat(said.get(0).path("settings").asString()).contains("PLATFORM_CALL_TIMEOUT");
            // 2 x PLATFORM_CALL_TIMEOUT for the reconcile, after the drain's first statements (5 s), and the margin (5 s)
            assertThat(said.get(0).path("neededMs").asLong()).isEqualTo(Duration.ofSeconds(70).toMillis());
            assertThat(api.processQueue.minimumTimeout()).isEqualTo(Duration.ofSeconds(70));
        }
    }

    @Test
    void aFunctionWithTimeForEveryPartSaysNothing() throws Exception {
        try (Api api = new Api(DEFAULT_CALLS)) {
            List<JsonNode> lines = LogLines.of(() -> api.processQueue.handleRequest(new ScheduledEvent(),
                    new LocalContext("processQueue", Duration.ofSeconds(120))));
            assertThat(lines).noneMatch(l -> "queue.budget_too_small".equals(l.path("event").asString()));
        }
    }
}
