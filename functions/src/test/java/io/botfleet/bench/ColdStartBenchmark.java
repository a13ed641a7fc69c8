package io.botfleet.bench;

import io.botfleet.platform.aws.FakeEcs;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Cold starts of the Lambda artifact, measured: for each handler, fresh JVMs with the flags of
 * Lambda's java21 runtime run {@link ColdStartProbe} against the Data API stand-in (no added
 * latency) and the ECS stand-in, and it prints the median of (a) JVM start to handler
 * constructed, (b) the first call, (c) the second call, and (d) the first call after priming (what
 * a SnapStart restore pays), each against a trivial handler measured in the same run.
 */
public final class ColdStartBenchmark {
    private static final int RUNS = 5;
    private static final List<String> LAMBDA_JAVA21_FLAGS = List.of(
            "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xmx1g");

    private ColdStartBenchmark() {
    }

    record Run(double constructMs, double firstMs, double secondMs) {
    }

    public static void main(String[] args) throws Exception {
        Path jar = List.of(Path.of("functions/target/botfleet-lambda.jar"), Path.of("target/botfleet-lambda.jar")).stream()
                .filter(Files::exists).findFirst()
                .orElseThrow(() -> new IllegalStateException("build the Lambda jar first: mvn -q install -DskipTests"));
        // the artifact as Lambda loads it, plus the probe and the event fixtures: nothing else
        String classpath = Stream.concat(Stream.of(jar.toAbsolutePath().toString()), Arrays.stream(
                        ((URLClassLoader) Thread.currentThread().getContextClassLoader()).getURLs())
                .map(u -> Path.of(u.getPath()).toString())
                .filter(p -> p.endsWith("functions/target/test-classes") || p.matches(".*/events-[^/]*\\.jar|.*/events/target/classes")))
                .collect(Collectors.joining(File.pathSeparator));
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API); FakeEcs ecs = new FakeEcs()) {
            Map<String, String> env = environment(db, ecs);
            System.out.printf("cold starts, %d cores, median of %d fresh JVMs each, java %s, flags %s%n",
                    Runtime.getRuntime().availableProcessors(), RUNS, System.getProperty("java.version"), LAMBDA_JAVA21_FLAGS);
            Map<String, Run> plain = new HashMap<>();
            Map<String, Run> primed = new HashMap<>();
            for (String handler : List.of("trivial", "deploy", "status", "processQueue")) {
                plain.put(handler, median(classpath, env, handler, false));
                primed.put(handler, median(classpath, env, handler, true));
            }
            Run base = plain.get("trivial");
            double baseTotal = base.constructMs() + base.firstMs();
            System.out.printf("%-13s %10s %10s %10s %14s %12s %10s%n", "handler", "(a) ms", "(b) ms", "(c) ms",
                    "(d) primed ms", "(a+b)/triv", "(d)/(c)");
            for (String handler : plain.keySet().stream().sorted().toList()) {
                Run r = plain.get(handler);
                Run p = primed.get(handler);
                System.out.printf("%-13s %10.1f %10.1f %10.2f %14.1f %11.1fx %9.1fx%n", handler, r.constructMs(),
                        r.firstMs(), r.secondMs(), p.firstMs(), (r.constructMs() + r.firstMs()) / baseTotal,
                        p.firstMs() / Math.max(0.001, r.secondMs()));
            }
        }
    }

    private static Map<String, String> environment(TestDatabase db, FakeEcs ecs) {
        Map<String, String> env = new HashMap<>(Fixtures.ECS_BASICS);
        env.putAll(Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "AWS_LAMBDA_FUNCTION_NAME", "botfleet-bench", "AWS_LAMBDA_FUNCTION_VERSION", "1",
                "AWS_REGION", "eu-west-1", "AWS_ACCESS_KEY_ID", "AKIDBENCH", "AWS_SECRET_ACCESS_KEY", "secret",
                "LOG_LEVEL", "WARN"));
        env.putAll(Map.of("DB_MODE", "data-api", "DB_CLUSTER_ARN", TestDatabase.TARGET.clusterArn(),
                "DB_SECRET_ARN", TestDatabase.TARGET.secretArn(), "DB_NAME", TestDatabase.TARGET.database(),
                "DATA_API_ENDPOINT", db.dataApi().endpoint().toString(), "BOT_TOKEN_SECRET", Fixtures.SECRET,
                "BOTFLEET_CALLBACK_URL", "https://botfleet.example.com", "PLATFORM_PRIORITY", "aws",
                "AWS_BOT_LIMIT", "100000", "ECS_ENDPOINT", ecs.endpoint()));
        env.put("WEBHOOK_SECRET", Fixtures.WEBHOOK_SECRET); // the fixture's deploy has a callbackUrl
        return env;
    }

    private static Run median(String classpath, Map<String, String> env, String handler, boolean primed) throws Exception {
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            runs.add(once(classpath, env, handler, primed));
        }
        return new Run(median(runs.stream().map(Run::constructMs).toList()), median(runs.stream().map(Run::firstMs).toList()),
                median(runs.stream().map(Run::secondMs).toList()));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static Run once(String classpath, Map<String, String> env, String handler, boolean primed) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(LAMBDA_JAVA21_FLAGS);
        command.addAll(List.of("-cp", classpath, ColdStartProbe.class.getName(), handler, primed ? "primed" : "plain"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        builder.environment().putAll(env);
        long started = System.nanoTime();
        Process process = builder.start();
        double constructMs = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.equals("PROBE constructed")) {
                    constructMs = (System.nanoTime() - started) / 1e6;
                } else if (line.startsWith("PROBE ")) {
                    String[] micros = line.substring(6).split(" ");
                    process.waitFor();
                    return new Run(constructMs, Long.parseLong(micros[0]) / 1e3, Long.parseLong(micros[1]) / 1e3);
                }
            }
        }
        throw new IllegalStateException(handler + ": the probe ended without its figures (exit " + process.waitFor() + ")");
    }
}
