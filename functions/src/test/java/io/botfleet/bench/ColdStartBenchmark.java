package io.botfleet.bench;

import io.botfleet.platform.aws.FakeEcs;
import io.botfleet.platform.coolify.FakeCoolify;
import io.botfleet.platform.kubernetes.FakeKubernetesApi;
import io.botfleet.store.Params;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Cold starts of the Lambda artifact, measured: for each handler, fresh JVMs with the flags of
 * Lambda's java21 runtime run {@link ColdStartProbe} against the Data API stand-in (no added
 * latency) and the ECS stand-in, and it prints the median of (a) JVM start to handler
 * constructed, (b) the first call, (c) the second call, and (d) the first call after priming (what
 * a SnapStart restore pays), each against a trivial handler measured in the same run. Then the
 * deploy once per platform, each against its stand-in (ECS, a Kubernetes API, Coolify): (b), (c)
 * and (d) of each. Run with the test class path ({@code java -cp}, see docs/lambda.md).
 */
public final class ColdStartBenchmark {
    private static final int RUNS = 5;
    private static final List<String> LAMBDA_JAVA21_FLAGS = List.of(
            "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xmx1g");

    private ColdStartBenchmark() {
    }

    record Run(double constructMs, double firstMs, double secondMs) {
    }

    /** @param args the Lambda jars to measure, one after the other in one run (a before and an after); none: the one built */
    public static void main(String[] args) throws Exception {
        System.setProperty("botfleet.log.level", "WARN"); // the stand-ins' and the database's lines would bury the figures
        List<Path> jars = args.length > 0 ? Arrays.stream(args).map(Path::of).toList()
                : List.of(Path.of("functions/target/botfleet-lambda.jar"), Path.of("target/botfleet-lambda.jar")).stream()
                        .filter(Files::exists).limit(1).toList();
        if (jars.isEmpty() || !jars.stream().allMatch(Files::exists)) {
            throw new IllegalStateException("build the Lambda jar first (see docs/lambda.md), or name jars that exist");
        }
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API); FakeEcs ecs = new FakeEcs();
             FakeKubernetesApi k8s = new FakeKubernetesApi(); FakeCoolify coolify = new FakeCoolify(Duration.ofHours(1), Duration.ofMinutes(1))) {
            Map<String, String> env = environment(db, ecs);
            Map<String, Map<String, String>> onPlatform = new java.util.LinkedHashMap<>();
            onPlatform.put("aws", env);
            onPlatform.put("k8s", onKubernetes(env, k8s));
            onPlatform.put("coolify", onCoolify(env, coolify, db));
            coolify.queueLimit(Integer.MAX_VALUE); // its builds never end: a full queue would queue the later runs' deploys
            System.out.printf("cold starts, %d cores, median of %d fresh JVMs each, java %s, flags %s%n",
                    Runtime.getRuntime().availableProcessors(), RUNS, System.getProperty("java.version"), LAMBDA_JAVA21_FLAGS);
            for (Path jar : jars) {
                measure(db, jar, onPlatform);
            }
        }
    }

    private static void measure(TestDatabase db, Path jar, Map<String, Map<String, String>> onPlatform) throws Exception {
        // the artifact as Lambda loads it, plus the probe and the event fixtures: nothing else
        String classpath = Stream.concat(Stream.of(jar.toAbsolutePath().toString()),
                        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> p.endsWith("functions/target/test-classes") || p.matches(".*/events-[^/]*\\.jar|.*/events/target/classes")))
                .collect(Collectors.joining(File.pathSeparator));
        Map<String, String> env = onPlatform.get("aws");
        System.out.printf("%n%s: %.1f MB, %d entries, %d classes%n", jar, Files.size(jar) / 1e6, entries(jar, ""),
                entries(jar, ".class"));
        Map<String, Run> plain = new HashMap<>();
        Map<String, Run> primed = new HashMap<>();
        for (String handler : List.of("trivial", "deploy", "status", "processQueue")) {
            plain.put(handler, median(db, classpath, env, handler, false));
            primed.put(handler, median(db, classpath, env, handler, true));
        }
        Run base = plain.get("trivial");
        double baseTotal = base.constructMs() + base.firstMs();
        System.out.printf("%-13s %10s %10s %10s %14s %12s %10s%n", "handler", "(a) ms", "(b) ms", "(c) ms",
                "(d) primed ms", "(a+b)/triv", "(d)/(c)");
        for (String handler : plain.keySet().stream().sorted().toList()) {
            Run r = plain.get(handler);
            Run p = primed.get(handler);
            System.out.printf("%-13s %10.1f %10.1f %10.2f %14.1f %11.1fx %10s%n", handler, r.constructMs(),
                    r.firstMs(), r.secondMs(), p.firstMs(), (r.constructMs() + r.firstMs()) / baseTotal,
                    handler.equals("trivial") ? "-" : "%.1fx".formatted(p.firstMs() / r.secondMs())); // its calls take ~0
        }
        Map<String, Run> plainDeploys = new java.util.LinkedHashMap<>(Map.of("aws", plain.get("deploy")));
        Map<String, Run> primedDeploys = new java.util.LinkedHashMap<>(Map.of("aws", primed.get("deploy")));
        for (String platform : List.of("k8s", "coolify")) {
            plainDeploys.put(platform, median(db, classpath, onPlatform.get(platform), "deploy", false));
            primedDeploys.put(platform, median(db, classpath, onPlatform.get(platform), "deploy", true));
        }
        List<String> platforms = List.of("aws", "k8s", "coolify");
        System.out.printf("%ndeploy per platform    %10s %10s %10s%n", "aws (ECS)", "k8s", "coolify");
        row("(b) first ms", platforms.stream().map(n -> plainDeploys.get(n).firstMs()).toList());
        row("(c) warm ms", platforms.stream().map(n -> plainDeploys.get(n).secondMs()).toList());
        row("(d) primed first ms", platforms.stream().map(n -> primedDeploys.get(n).firstMs()).toList());
        row("(d)/(c)", platforms.stream().map(n -> primedDeploys.get(n).firstMs()
                / Math.max(0.001, plainDeploys.get(n).secondMs())).toList());
        profile(db, classpath, onPlatform);
    }

    /**
     * Where the time goes: a cold deploy and the first deploy after priming on each platform, and the
     * first status and processQueue calls after priming, one more fresh JVM each with the class-load
     * log on: its loads, and the time up to each, charged to the loaded class's dependency.
     */
    private static void profile(TestDatabase db, String classpath, Map<String, Map<String, String>> onPlatform) throws Exception {
        for (Map.Entry<String, Map<String, String>> platform : onPlatform.entrySet()) {
            profile(classpath, platform.getValue(), "deploy on " + platform.getKey(), false);
            profile(classpath, platform.getValue(), "deploy on " + platform.getKey(), true);
        }
        profile(classpath, onPlatform.get("aws"), "status", true);
        sameStart(db, "processQueue");
        profile(classpath, onPlatform.get("aws"), "processQueue", true);
    }

    private static void profile(String classpath, Map<String, String> env, String call, boolean primed) throws Exception {
        Path log = Files.createTempFile("class-load", ".log");
        try {
            once(classpath, env, call.split(" ")[0], primed, "-Xlog:class+load=info:file=" + log + ":uptime");
            System.out.printf("%n%s, %s: classes loaded, and ms up to each load, per dependency%n", call,
                    primed ? "first call after priming (d)" : "cold (a)+(b)");
            ClassLoadProfile.of(log, primed).forEach((dependency, share) ->
                    System.out.printf("  %-22s %6d %9.1f%n", dependency, share.classes(), share.ms()));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static void row(String name, List<Double> values) {
        System.out.printf("%-22s %10.1f %10.1f %10.1f%n", name, values.get(0), values.get(1), values.get(2));
    }

    /** The jar's entries whose names end so ("": all of them). */
    private static long entries(Path jar, String ending) throws java.io.IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().filter(e -> e.getName().endsWith(ending)).count();
        }
    }

    /** Deploys go to the Kubernetes API stand-in, through a kubeconfig given as a value. */
    private static Map<String, String> onKubernetes(Map<String, String> env, FakeKubernetesApi k8s) {
        Map<String, String> on = new HashMap<>(env);
        on.putAll(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "100000", "K8S_NAMESPACE", "bots",
                "K8S_KUBECONFIG_CONTENT", k8s.kubeconfig("bots")));
        return on;
    }

    /**
     * Deploys go to the Coolify stand-in, whose builds never end here (so no container starts and
     * calls back), with room for every deploy and the images marked pulled (a first pull goes alone).
     */
    private static Map<String, String> onCoolify(Map<String, String> env, FakeCoolify coolify, TestDatabase db) {
        for (String image : List.of(env.get("BOT_IMAGE_ZOOM"), env.get("BOT_IMAGE_MICROSOFT_TEAMS"), env.get("BOT_IMAGE_GOOGLE_MEET"))) {
            db.sql(1).update("INSERT INTO coolify_images (image, pulled_at) VALUES (:i, now())", Params.of("i", image));
        }
        Map<String, String> on = new HashMap<>(env);
        on.putAll(Map.of("PLATFORM_PRIORITY", "coolify", "COOLIFY_BOT_LIMIT", "1000", "COOLIFY_MAX_CONCURRENT_DEPLOYS", "1000",
                "COOLIFY_API_URL", coolify.url(), "COOLIFY_API_TOKEN", FakeCoolify.TOKEN, "COOLIFY_PROJECT_UUID", "prj1a2b3c",
                "COOLIFY_SERVER_UUID", "srv9z8y7"));
        return on;
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
        env.putAll(Map.of("BOT_IMAGE_ZOOM", "ghcr.io/botfleet/zoom-bot:1.0", "BOT_IMAGE_MICROSOFT_TEAMS",
                "ghcr.io/botfleet/teams-bot:1.0", "BOT_IMAGE_GOOGLE_MEET", "ghcr.io/botfleet/meet-bot:1.0")); // k8s, coolify
        return env;
    }

    private static Run median(TestDatabase db, String classpath, Map<String, String> env, String handler, boolean primed)
            throws Exception {
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            sameStart(db, handler);
            runs.add(once(classpath, env, handler, primed));
        }
        return new Run(median(runs.stream().map(Run::constructMs).toList()), median(runs.stream().map(Run::firstMs).toList()),
                median(runs.stream().map(Run::secondMs).toList()));
    }

    /**
     * A drain's first and second calls start from the same state: without this the first would send
     * every webhook the earlier runs' deploys left due, and the second none.
     */
    private static void sameStart(TestDatabase db, String handler) {
        if (handler.equals("processQueue")) {
            db.sql(1).update("DELETE FROM webhook_deliveries", Params.of());
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static Run once(String classpath, Map<String, String> env, String handler, boolean primed, String... flags)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(LAMBDA_JAVA21_FLAGS);
        command.addAll(List.of(flags));
        command.addAll(List.of("-cp", classpath, ColdStartProbe.class.getName(), handler, primed ? "primed" : "plain"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
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
