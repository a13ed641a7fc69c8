package io.botfleet.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.functions.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The README walk-through as a test: the runner on the embedded default, five simulated bots
 * (real child processes calling back over HTTP) with a limit of two, the first stopped while it is
 * in its call; then a restart keeps state.
 */
class LocalRunnerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path data;

    @Test
    void fiveBotsWithALimitOfTwoAllFinishAndARestartKeepsThem() throws Exception {
        // long enough in their call for bot 1 to be stopped in it, and bot 2 to be in it still
        // when bot 3 takes the unit bot 1 freed
        Map<String, String> env = Map.of("PORT", "0", "BOTFLEET_DATA_DIR", data.toString(), "LOCAL_BOT_LIMIT", "2",
                "BOT_SIM_DURATION", "8s", "BOT_HEARTBEAT_INTERVAL", "300ms", "SCHEDULE_INTERVAL", "500ms");
        List<Integer> codes = new ArrayList<>();
        try (LocalRunner runner = LocalRunner.start(env)) {
            String base = "http://127.0.0.1:" + runner.port();
            for (int i = 0; i < 5; i++) {
                codes.add(post(base + "/bots", "{\"meeting\":{\"platform\":\"zoom\",\"url\":\"https://zoom.us/j/1\"}}").statusCode());
            }
            assertThat(codes).containsExactly(201, 201, 202, 202, 202);
            assertThat(get(base + "/capacity").get("platforms").get(0).get("used").asInt()).isEqualTo(2);

            awaitStatus(base, 1, "IN_CALL");
            awaitStatus(base, 2, "IN_CALL");
            HttpResponse<String> stop = post(base + "/bots/1/stop", "");
            assertThat(stop.statusCode()).isEqualTo(202);
            assertThat(Json.MAPPER.readTree(stop.body()).get("status").asString()).as("the platform confirmed: %s", stop.body())
                    .isEqualTo("DONE");
            assertThat(get(base + "/bots/1/events").findValuesAsString("status"))
                    .containsSubsequence("IN_CALL", "LEAVING", "CALL_ENDED", "DONE");
            assertThat(get(base + "/bots/1").get("statusReason").asString()).isEqualTo("STOPPED");
            long placed = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while ("QUEUED".equals(get(base + "/bots/3").get("status").asString())) {
                assertThat(System.nanoTime()).as("bot 3 takes the unit bot 1 freed").isLessThan(placed);
                Thread.sleep(50);
            }
            assertThat(get(base + "/bots/2").get("status").asString()).as("bot 3 took bot 1's unit, not bot 2's")
                    .isEqualTo("IN_CALL");

            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!allDone(base)) {
                assertThat(System.nanoTime()).as("all five bots finish").isLessThan(deadline);
                Thread.sleep(250);
            }
            JsonNode capacity = get(base + "/capacity");
            assertThat(capacity.get("platforms").get(0).get("used").asInt()).isZero();
            assertThat(capacity.get("queue").get("waiting").asInt()).isZero();
        }
        try (LocalRunner again = LocalRunner.start(env)) {
            JsonNode bot = get("http://127.0.0.1:" + again.port() + "/bots/5");
            assertThat(bot.get("status").asString()).isEqualTo("DONE");
        }
    }

    /** The simulated bot reads its config with its token and leaves at its endTime when that comes first. */
    @Test
    void aSimulatedBotLeavesAtTheEndTimeOfItsConfig() throws Exception {
        Map<String, String> env = Map.of("PORT", "0", "BOTFLEET_DATA_DIR", data.toString(), "LOCAL_BOT_LIMIT", "1",
                "BOT_SIM_DURATION", "10m", "BOT_HEARTBEAT_INTERVAL", "300ms", "SCHEDULE_INTERVAL", "500ms");
        try (LocalRunner runner = LocalRunner.start(env)) {
            String base = "http://127.0.0.1:" + runner.port();
            java.time.Instant end = java.time.Instant.now().plusSeconds(4);
            assertThat(post(base + "/bots", "{\"meetingUrl\":\"https://zoom.us/j/1\",\"endTime\":\"" + end + "\"}")
                    .statusCode()).isEqualTo(201);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!"DONE".equals(get(base + "/bots/1").get("status").asString())) {
                assertThat(System.nanoTime()).as("left at its end time, not after 10 minutes").isLessThan(deadline);
                Thread.sleep(200);
            }
            assertThat(java.time.Instant.now()).as("not before its end time").isAfterOrEqualTo(end.minusMillis(500));
        }
    }

    /** Ctrl-C with bots running: they are stopped and recorded, so the next start has its whole limit. */
    @Test
    void aRunnerStoppedWithBotsRunningStopsThemAndTheNextStartHasItsLimit() throws Exception {
        Map<String, String> env = Map.of("PORT", "0", "BOTFLEET_DATA_DIR", data.toString(), "LOCAL_BOT_LIMIT", "2",
                "BOT_SIM_DURATION", "10m", "BOT_HEARTBEAT_INTERVAL", "300ms", "SCHEDULE_INTERVAL", "500ms",
                "LOCAL_STOP_GRACE", "3s");
        try (LocalRunner runner = LocalRunner.start(env)) {
            String base = "http://127.0.0.1:" + runner.port();
            for (int i = 0; i < 2; i++) {
                assertThat(post(base + "/bots", "{\"meeting\":{\"platform\":\"zoom\",\"url\":\"https://zoom.us/j/1\"}}")
                        .statusCode()).isEqualTo(201);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!"IN_CALL".equals(get(base + "/bots/1").get("status").asString())
                    || !"IN_CALL".equals(get(base + "/bots/2").get("status").asString())) {
                assertThat(System.nanoTime()).as("both bots in their call").isLessThan(deadline);
                Thread.sleep(100);
            }
            assertThat(botProcesses()).as("the two bot processes, found by their names").isEqualTo(2);
        }
        assertThat(botProcesses()).as("no bot process outlives the runner").isZero();
        try (LocalRunner again = LocalRunner.start(env)) {
            String base = "http://127.0.0.1:" + again.port();
            assertThat(get(base + "/bots/1").get("status").asString()).isEqualTo("DONE");
            assertThat(get(base + "/capacity").get("platforms").get(0).get("used").asInt()).isZero();
            assertThat(post(base + "/bots", "{\"meeting\":{\"platform\":\"zoom\",\"url\":\"https://zoom.us/j/1\"}}")
                    .statusCode()).isEqualTo(201);
        }
        assertThat(botProcesses()).isZero();
    }

    /**
     * This test's bot processes: they carry a bot's name on their command line, and are this
     * JVM's children, or orphans (re-parented to init) when a runner failed to stop them.
     */
    private long botProcesses() {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(args -> java.util.Arrays.stream(args)
                        .anyMatch(a -> a.startsWith("botfleet-bot="))).orElse(false))
                .filter(p -> p.parent().map(parent -> parent.pid() == ProcessHandle.current().pid() || parent.pid() == 1)
                        .orElse(true))
                .count();
    }

    private void awaitStatus(String base, int id, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!status.equals(get(base + "/bots/" + id).get("status").asString())) {
            assertThat(System.nanoTime()).as("bot %d reaches %s", id, status).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private boolean allDone(String base) throws Exception {
        for (int id = 1; id <= 5; id++) {
            if (!"DONE".equals(get(base + "/bots/" + id).get("status").asString())) {
                return false;
            }
        }
        return true;
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String url) throws Exception {
        return Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }
}
