package io.botfleet.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.functions.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The local runner as a user runs it: a process of its own ({@code java -cp} of the test class
 * path, {@link LocalRunner}'s main) in a session of its own, so a signal to its process group is
 * what a terminal's Ctrl-C sends, and never reaches this test. Its output goes to a file.
 */
final class RunnerProcess implements AutoCloseable {
    /** The readiness line: {@code {"event":"runner.listening","url":"http://127.0.0.1:<port>",...}}. */
    private static final Pattern LISTENING = Pattern.compile(
            "\"event\":\"runner\\.listening\",\"url\":\"http://127\\.0\\.0\\.1:(\\d+)\"");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path output;
    private final Path data;
    private int port;

    private RunnerProcess(Process process, Path output, Path data) {
        this.process = process;
        this.output = output;
        this.data = data;
    }

    /**
     * Starts a runner on {@code data} with these settings over a clean environment (every other
     * setting at its default). {@code setsid} gives it its own session and process group;
     * {@code env --default-signal=INT} undoes an ignored SIGINT this test's JVM may have inherited
     * (a background job's), as a terminal's foreground program has it.
     */
    static RunnerProcess launch(Path data, Map<String, String> settings) throws IOException {
        Files.createDirectories(data.getParent());
        Path output = Files.createTempFile(data.getParent(), "runner-", ".log");
        ProcessBuilder builder = new ProcessBuilder("setsid", "env", "--default-signal=INT",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LocalRunner.class.getName());
        Map<String, String> env = builder.environment();
        env.keySet().retainAll(List.of("PATH", "HOME", "LANG", "TMPDIR"));
        env.put("BOTFLEET_DATA_DIR", data.toString());
        env.putAll(settings);
        builder.redirectErrorStream(true).redirectOutput(output.toFile());
        return new RunnerProcess(builder.start(), output, data);
    }

    /** Starts a runner and waits until it listens; {@code PORT=0} unless the settings name one. */
    static RunnerProcess start(Path data, Map<String, String> settings) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(Map.of("PORT", "0"));
        all.putAll(settings);
        RunnerProcess runner = launch(data, all);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (runner.port == 0) {
            Matcher m = LISTENING.matcher(runner.output());
            if (m.find()) {
                runner.port = Integer.parseInt(m.group(1));
            } else {
                assertThat(runner.process.isAlive()).as("the runner starts; it wrote:%n%s", runner.output()).isTrue();
                assertThat(System.nanoTime()).as("the runner listens within 60 s").isLessThan(deadline);
                Thread.sleep(100);
            }
        }
        assertThat(runner.processGroup()).as("the runner leads its own process group").isEqualTo(runner.pid());
        return runner;
    }

    long pid() {
        return process.pid();
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    String output() throws IOException {
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    /** Every line it wrote, on either stream, each parsed as one JSON object (fails naming a line that is not). */
    List<JsonNode> jsonLines() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output().lines().toList()) {
            try {
                JsonNode json = Json.MAPPER.readTree(line);
                assertThat(json.isObject()).as("a JSON object: %s", line).isTrue();
                lines.add(json);
            } catch (tools.jackson.core.JacksonException notJson) {
                throw new AssertionError("a line that is not JSON: " + line + "\nit wrote:\n" + output(), notJson);
            }
        }
        return lines;
    }

    /** What a terminal does on Ctrl-C: the signal to every process of the runner's process group. */
    void signalGroup(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + pid()).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s -%d", signal, pid()).isTrue();
    }

    /** Its exit code, once it ended within {@code within}. */
    int awaitExit(Duration within) throws Exception {
        assertThat(process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS))
                .as("the runner ends within %s; it wrote:%n%s", within, output()).isTrue();
        return process.exitValue();
    }

    /** The live processes started for this data folder: its bots (their arguments name it) and its database. */
    List<ProcessHandle> leftovers() {
        String folder = data.toAbsolutePath().toString();
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive).filter(p -> p.pid() != pid())
                .filter(p -> p.info().arguments().map(args -> Arrays.stream(args).anyMatch(a -> a.contains(folder)))
                        .orElse(false))
                .toList();
    }

    /** The process group id, from {@code /proc/<pid>/stat} (its fifth field). */
    private long processGroup() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[2]);
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The body of a GET, as text. */
    String text(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    JsonNode get(String path) throws Exception {
        return Json.MAPPER.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(base() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /**
     * Ends what is left after a test that failed half-way: the runner (SIGTERM, then a kill), then
     * every process started for its data folder, each by its own id.
     */
    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        List<ProcessHandle> left = new ArrayList<>(leftovers());
        left.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : left) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }
}
