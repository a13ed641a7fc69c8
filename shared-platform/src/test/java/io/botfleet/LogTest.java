package io.botfleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The invocation's fields on every line: botfleet's, a library's, and those of its platform-call threads. */
class LogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theInvocationFollowsItsWorkOntoOtherThreadsAndLibraryLinesAreJson() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Log.setRequestId("req-42");
            Log.warn("on.handler.thread", Map.of());
            threads.submit(Log.carried(() -> {
                Log.warn("on.call.thread", Map.of("botId", 7));
                return null;
            })).get();
            threads.submit(() -> Log.warn("on.a.thread.of.no.invocation", Map.of())).get();
            LoggerFactory.getLogger("com.zaxxer.hikari.HikariDataSource").warn("pool {} slow", "botfleet");
        } finally {
            Log.setRequestId(null);
            System.setOut(original);
        }
        List<JsonNode> lines = captured.toString(StandardCharsets.UTF_8).lines().map(LogTest::json).toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0).path("requestId").asText()).isEqualTo("req-42");
        assertThat(lines.get(1).path("requestId").asText()).as("carried onto the call's thread").isEqualTo("req-42");
        assertThat(lines.get(1).path("botId").asInt()).isEqualTo(7);
        assertThat(lines.get(2).has("requestId")).as("not carried where not asked").isFalse();
        assertThat(lines.get(3).path("logger").asText()).isEqualTo("com.zaxxer.hikari.HikariDataSource");
        assertThat(lines.get(3).path("message").asText()).isEqualTo("pool botfleet slow");
        assertThat(lines.get(3).path("requestId").asText()).isEqualTo("req-42");
        assertThat(lines).allSatisfy(l -> assertThat(l.has("cold_start")).isTrue());
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
