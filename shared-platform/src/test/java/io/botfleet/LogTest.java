package io.botfleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The invocation's fields on every line: botfleet's, a library's, and those of its platform-call threads. */
class LogTest {
    private static final JsonMapper JSON = JsonMapper.shared();

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
        assertThat(lines.get(0).path("requestId").asString()).isEqualTo("req-42");
        assertThat(lines.get(1).path("requestId").asString()).as("carried onto the call's thread").isEqualTo("req-42");
        assertThat(lines.get(1).path("botId").asInt()).isEqualTo(7);
        assertThat(lines.get(2).has("requestId")).as("not carried where not asked").isFalse();
        assertThat(lines.get(3).path("logger").asString()).isEqualTo("com.zaxxer.hikari.HikariDataSource");
        assertThat(lines.get(3).path("message").asString()).isEqualTo("pool botfleet slow");
        assertThat(lines.get(3).path("requestId").asString()).isEqualTo("req-42");
        assertThat(lines).allSatisfy(l -> assertThat(l.has("cold_start")).isTrue());
    }

    /** An error line carries {@code error: {type, message, stack}}; a library's exception is named, its message withheld. */
    @Test
    void anErrorLineCarriesTheErrorAsTypeMessageAndStack() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Throwable library = catchThrowable(() -> Integer.parseInt("planted-Secret-3Xw")); // its message quotes the input
            IllegalStateException ours = new IllegalStateException("the deploy of bot 7 failed", library);
            LoggerFactory.getLogger("com.zaxxer.hikari.pool.HikariPool").error("pool failed", ours);
        } finally {
            System.setOut(original);
        }
        JsonNode error = json(captured.toString(StandardCharsets.UTF_8).strip()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("java.lang.IllegalStateException");
        assertThat(error.path("message").asString()).isEqualTo("the deploy of bot 7 failed");
        String stack = error.path("stack").asString();
        assertThat(stack).startsWith("\tat io.botfleet.LogTest.anErrorLineCarriesTheErrorAsTypeMessageAndStack(LogTest.java:")
                .contains("\nCaused by: java.lang.NumberFormatException\n\tat java.base/java.lang.NumberFormatException.")
                .doesNotContain("planted-Secret");
        assertThat(stack.lines()).as("frames and causes only").allMatch(l -> l.startsWith("\tat ")
                || l.startsWith("Caused by: ") || l.matches("\t\\.\\.\\. \\d+ more"));
    }

    /** Log.error with an exception: the event's fields, and the error with its suppressed ones; no field over the line's own. */
    @Test
    void botfleetsOwnErrorLinesCarryTheErrorBesideTheirFields() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            IllegalStateException failure = new IllegalStateException("the stop of bot 7 is owed");
            failure.addSuppressed(catchThrowable(() -> java.util.UUID.fromString("planted-Secret-3Xw")));
            Log.error("bot.stop_deferred", Map.of("botId", 7, "event", "not this"), failure);
        } finally {
            System.setOut(original);
        }
        JsonNode line = json(captured.toString(StandardCharsets.UTF_8).strip());
        assertThat(line.path("event").asString()).isEqualTo("bot.stop_deferred");
        assertThat(line.path("botId").asInt()).isEqualTo(7);
        assertThat(line.at("/error/type").asString()).isEqualTo("java.lang.IllegalStateException");
        assertThat(line.at("/error/message").asString()).isEqualTo("the stop of bot 7 is owed");
        assertThat(line.at("/error/stack").asString()).contains("\n\tSuppressed: java.lang.IllegalArgumentException\n\t\tat ")
                .doesNotContain("planted-Secret");
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
