package io.botfleet.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.testing.Harness;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The README's promises about the runner, on the runner as a user runs it: a real process in a
 * session of its own, signalled as a terminal signals it, its bots real child processes.
 */
class RunnerProcessTest {
    private static final String ZOOM = "{\"meetingUrl\":\"https://zoom.us/j/123\"}";

    @TempDir
    Path temp;

    private final List<RunnerProcess> started = new ArrayList<>();

    @AfterEach
    void endWhatIsLeft() throws Exception {
        for (RunnerProcess runner : started) {
            runner.close();
        }
    }

    private RunnerProcess start(Path data, Map<String, String> settings) throws Exception {
        RunnerProcess runner = RunnerProcess.start(data, settings);
        started.add(runner);
        return runner;
    }

    /**
     * Ctrl-C signals the runner's whole process group. The runner stops its bots first (they end
     * DONE, their callbacks answered) and its database last, and nothing of it outlives it; the next
     * start finds every bot DONE and has its whole limit.
     */
    @Test
    void ctrlCWithBotsRunningEndsThemDoneAndTheNextStartHasItsWholeLimit() throws Exception {
        Path data = temp.resolve("data");
        Map<String, String> settings = Map.of("LOCAL_BOT_LIMIT", "2", "BOT_SIM_DURATION", "10m",
                "BOT_HEARTBEAT_INTERVAL", "500ms");
        RunnerProcess runner = start(data, settings);
        for (int i = 0; i < 2; i++) {
            assertThat(runner.post("/bots", ZOOM).statusCode()).isEqualTo(201);
        }
        awaitStatus(runner, 1, "IN_CALL", Duration.ofSeconds(30));
        awaitStatus(runner, 2, "IN_CALL", Duration.ofSeconds(30));

        runner.signalGroup("INT");
        runner.awaitExit(Duration.ofSeconds(40));
        assertThat(runner.leftovers()).as("no bot and no database process outlives the runner").isEmpty();
        assertThat(runner.jsonLines()).as("it stopped its bots").anyMatch(l -> "runner.stopping_bots".equals(
                l.path("event").asString()) && l.path("bots").asInt() == 2);

        RunnerProcess again = start(data, settings);
        for (int id = 1; id <= 2; id++) {
            JsonNode bot = again.get("/bots/" + id);
            assertThat(bot.get("status").asString()).as("bot %d after the restart: %s", id, bot).isEqualTo("DONE");
        }
        assertThat(again.get("/capacity").get("platforms").get(0).get("used").asInt()).as("units held").isZero();
        for (int i = 0; i < 2; i++) {
            assertThat(again.post("/bots", ZOOM).statusCode()).as("the whole limit again").isEqualTo(201);
        }
        again.signalGroup("INT");
        again.awaitExit(Duration.ofSeconds(40));
        assertThat(again.leftovers()).isEmpty();
    }

    /**
     * The operator holds the local platform and the runner restarts: the hold is still there (a new
     * bot waits, PLATFORM_HELD) until it is released. GET /metrics counts what the drains counted.
     */
    @Test
    void aHoldOutlivesARestartAndTheMetricsPageCountsThePlacements() throws Exception {
        Path data = temp.resolve("data");
        Map<String, String> settings = Map.of("SCHEDULE_INTERVAL", "200ms", "BOT_SIM_DURATION", "10m");
        RunnerProcess runner = start(data, settings);
        assertThat(runner.post("/bots", ZOOM).statusCode()).isEqualTo(201);
        Harness.until(() -> text(runner, "/metrics").contains("botfleet_bots_placed_total{platform=\"local\"} 1\n"));
        assertThat(runner.post("/platforms/local/hold", "").statusCode()).isEqualTo(200);
        runner.signalGroup("INT");
        runner.awaitExit(Duration.ofSeconds(40));

        RunnerProcess again = start(data, settings);
        assertThat(again.get("/capacity").get("platforms").get(0).get("hold").asString()).isEqualTo("HELD");
        assertThat(again.post("/bots", ZOOM).statusCode()).as("held: it waits").isEqualTo(202);
        assertThat(again.get("/bots/2").get("waitReason").asString()).isEqualTo("PLATFORM_HELD");
        assertThat(again.post("/platforms/local/release", "").statusCode()).isEqualTo(200);
        awaitStatus(again, 2, "IN_CALL", Duration.ofSeconds(30));
        assertThat(text(again, "/metrics")).as("counted since this start: the bot placed after the release")
                .contains("botfleet_bots_placed_total{platform=\"local\"} 1\n");
        again.signalGroup("INT");
        again.awaitExit(Duration.ofSeconds(40));
        assertThat(again.leftovers()).isEmpty();
    }

    private static String text(RunnerProcess runner, String path) {
        try {
            return runner.text(path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A bot whose process dies without calling back ends at one of the next two scheduled drains,
     * with every setting at its default but the schedule's interval (here 1 s, to be quick): the
     * reconcile fits the budget the runner gives its drain.
     */
    @Test
    void aKilledBotProcessEndsItsBotWithinTwoScheduledDrainsWithDefaultSettings() throws Exception {
        Duration interval = Duration.ofSeconds(1);
        RunnerProcess runner = start(temp.resolve("data"), Map.of("SCHEDULE_INTERVAL", interval.toMillis() + "ms"));
        for (int i = 0; i < 2; i++) {
            assertThat(runner.post("/bots", ZOOM).statusCode()).isEqualTo(201);
        }
        awaitStatus(runner, 1, "IN_CALL", Duration.ofSeconds(30));
        awaitStatus(runner, 2, "IN_CALL", Duration.ofSeconds(30));
        long pid = Long.parseLong(runner.get("/bots/1").get("platformIdentifier").asString().substring("local-".length()));
        ProcessHandle bot = ProcessHandle.of(pid).orElseThrow();

        bot.destroyForcibly(); // SIGKILL: no callback, no goodbye
        long killed = System.nanoTime();
        bot.onExit().join();
        // two intervals, plus the drains' own time and this test's polling on a busy machine
        Duration within = interval.multipliedBy(2).plusSeconds(2);
        JsonNode ended = awaitEnded(runner, 1, killed, within);
        assertThat(ended.get("status").asString()).isEqualTo("FATAL");
        assertThat(ended.get("statusReason").asString()).startsWith("CONTAINER_STOPPED");
        assertThat(runner.get("/bots/2").get("status").asString()).as("the other bot goes on").isEqualTo("IN_CALL");
        assertThat(runner.get("/capacity").get("platforms").get(0).get("used").asInt()).as("the unit came back").isEqualTo(1);
        assertThat(runner.output()).as("the drain's time fits its parts").doesNotContain("queue.budget_too_small");
    }

    /**
     * A runner killed outright (SIGKILL: no shutdown at all) leaves its database process behind, in
     * a session of its own. The next start on that folder is the folder's owner: it stops that
     * leftover and starts, with the state kept.
     */
    @Test
    void aRunnerKilledOutrightLeavesNothingThatStopsTheNextStart() throws Exception {
        Path data = temp.resolve("data");
        RunnerProcess runner = start(data, Map.of());
        assertThat(runner.post("/bots", ZOOM).statusCode()).isEqualTo(201);
        ProcessHandle.of(runner.pid()).orElseThrow().destroyForcibly();
        runner.awaitExit(Duration.ofSeconds(20));

        RunnerProcess again = start(data, Map.of());
        assertThat(again.get("/bots/1").get("id").asLong()).as("the state is kept").isEqualTo(1);
        again.signalGroup("INT");
        again.awaitExit(Duration.ofSeconds(40));
        assertThat(again.leftovers()).isEmpty();
    }

    /**
     * From start to Ctrl-C every line the runner writes, on either stream, is one JSON object: no
     * set-up chatter of the embedded database or the pool at the default level, the readiness line
     * names the URL, the platforms and the data folder, and stopping says so. While nothing is
     * queued the queue metric is written once, not at every drain (here one every 200 ms).
     */
    @Test
    void everyLineFromStartToCtrlCIsJsonAndAnIdleQueueMetricIsNotRepeatedEveryDrain() throws Exception {
        Path data = temp.resolve("data");
        RunnerProcess runner = start(data, Map.of("SCHEDULE_INTERVAL", "200ms"));
        Thread.sleep(3_000); // about 15 drains, nothing queued
        runner.signalGroup("INT");
        runner.awaitExit(Duration.ofSeconds(40));

        List<JsonNode> lines = runner.jsonLines();
        String output = runner.output();
        assertThat(lines).as("time and level on every line but the metric's; it wrote:%n%s", output)
                .allSatisfy(l -> assertThat(l.has("_aws") || l.has("time") && l.has("level")).as(l.toString()).isTrue());
        assertThat(lines).as("no set-up chatter at INFO; it wrote:%n%s", output).noneMatch(l -> l.has("logger")
                && "INFO".equals(l.path("level").asString()));
        JsonNode ready = lines.stream().filter(l -> "runner.listening".equals(l.path("event").asString())).findFirst()
                .orElseThrow(() -> new AssertionError("no runner.listening line; it wrote:\n" + output));
        assertThat(ready.path("level").asString()).isEqualTo("INFO");
        assertThat(ready.path("url").asString()).isEqualTo(runner.base());
        assertThat(ready.path("platforms").path("local").asInt()).as(ready.toString()).isEqualTo(5);
        assertThat(ready.path("dataFolder").asString()).isEqualTo(data.toAbsolutePath().toString());
        assertThat(lines).extracting(l -> l.path("event").asString()).as("stopping is said")
                .contains("runner.stopping", "runner.stopped");
        assertThat(lines.stream().filter(l -> l.has("OldestQueuedBotAgeSeconds")))
                .as("the idle metric, written when it changes or after a minute; it wrote:%n%s", output).hasSize(1);
    }

    /** A second runner on a data folder in use: one error line naming BOTFLEET_DATA_DIR, no stack trace, a failing exit code. */
    @Test
    void aSecondRunnerOnTheSameDataFolderSaysSoInOneLine() throws Exception {
        Path data = temp.resolve("data");
        RunnerProcess first = start(data, Map.of());
        RunnerProcess second = RunnerProcess.launch(data, Map.of("PORT", "0"));
        started.add(second);
        int exit = second.awaitExit(Duration.ofSeconds(60));
        assertOneClearLine(second, exit, "BOTFLEET_DATA_DIR", data.toString());
        assertThat(first.get("/capacity").has("platforms")).as("the first runner goes on").isTrue();
    }

    /** A port in use: one error line naming the port and PORT, no stack trace, a failing exit code. */
    @Test
    void aPortInUseIsNamedWithItsSetting() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String port = Integer.toString(taken.getLocalPort());
            RunnerProcess runner = RunnerProcess.launch(temp.resolve("data"), Map.of("PORT", port));
            started.add(runner);
            int exit = runner.awaitExit(Duration.ofSeconds(60));
            assertOneClearLine(runner, exit, "PORT", port);
        }
    }

    private static void assertOneClearLine(RunnerProcess runner, int exit, String setting, String value) throws Exception {
        String output = runner.output();
        assertThat(exit).as("exit code; it wrote:%n%s", output).isNotZero();
        List<JsonNode> errors = runner.jsonLines().stream().filter(l -> "ERROR".equals(l.path("level").asString())).toList();
        assertThat(errors).as("its error lines; it wrote:%n%s", output).hasSize(1);
        assertThat(errors.get(0).path("event").asString()).isEqualTo("runner.cannot_start");
        assertThat(errors.get(0).path("reason").asString()).contains(setting).contains(value);
        assertThat(output).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception in thread");
        assertThat(errors.get(0).has("error")).as("no stack trace: %s", errors.get(0)).isFalse();
    }

    private static void awaitStatus(RunnerProcess runner, long id, String status, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!status.equals(runner.get("/bots/" + id).get("status").asString())) {
            assertThat(System.nanoTime()).as("bot %d reaches %s", id, status).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static JsonNode awaitEnded(RunnerProcess runner, long id, long since, Duration within) throws Exception {
        while (true) {
            JsonNode bot = runner.get("/bots/" + id);
            String status = bot.get("status").asString();
            if (status.equals("DONE") || status.equals("FATAL")) {
                return bot;
            }
            assertThat(Duration.ofNanos(System.nanoTime() - since)).as("bot %d ends after its process died: %s", id, bot)
                    .isLessThan(within);
            Thread.sleep(100);
        }
    }
}
