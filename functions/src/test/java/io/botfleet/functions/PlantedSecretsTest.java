package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.platform.aws.FakeEcs;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The log scan: fresh JVMs with secrets planted in their settings and requests (a meeting password,
 * {@code BOT_TOKEN_SECRET}, {@code WEBHOOK_SECRET}, a kubeconfig's token, a Coolify token) serve good
 * and bad requests, meet statements the database refuses (through the API and through the store),
 * platform calls that fail and start-up errors. No planted secret is in any line either stream
 * printed, nor in any HTTP answer.
 */
class PlantedSecretsTest {
    static final String PASSWORD = "pwPlanted7f3Kq9Vd"; // one word: parsers that quote a token quote it whole
    static final String BOT_TOKEN_SECRET = "bts-Planted-Qm4x8Lw2Zr6";
    static final String WEBHOOK_KEY = Base64.getEncoder().encodeToString(
            "planted-webhook-secret-32-bytes!".getBytes(StandardCharsets.US_ASCII));
    static final String K8S_TOKEN = "k8s-Planted-eyJhbGciOiJSUzI1";
    static final String COOLIFY_TOKEN = "coolify-Planted-1AbCdEf9";
    private static final List<String> PLANTED = List.of(PASSWORD, BOT_TOKEN_SECRET, WEBHOOK_KEY, K8S_TOKEN, COOLIFY_TOKEN);

    @TempDir
    Path home;

    /** Good and bad requests, refused statements and failing platforms, on each SQL adapter. */
    @ParameterizedTest
    @EnumSource(TestDatabase.Adapter.class)
    void aRunWithRefusalsAndFailingPlatformsPrintsNoPlantedSecret(TestDatabase.Adapter adapter) throws Exception {
        try (TestDatabase db = TestDatabase.fresh(adapter); FakeEcs ecs = new FakeEcs();
             MockWebServer coolify = refusing(429, "{\"message\":\"Too many requests.\"}");
             MockWebServer k8s = refusing(429, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                     + "\"reason\":\"TooManyRequests\",\"message\":\"too many requests\",\"code\":429}");
             MockWebServer receiver = refusing(500, "")) {
            Map<String, String> env = functionEnvironment(db, adapter);
            env.putAll(Map.of("PLATFORM_PRIORITY", "coolify,k8s,aws", "COOLIFY_BOT_LIMIT", "1", "K8S_BOT_LIMIT", "1",
                    "AWS_BOT_LIMIT", "2", "ECS_ENDPOINT", ecs.endpoint(),
                    "COOLIFY_API_URL", coolify.url("/").toString(), "K8S_KUBECONFIG_CONTENT", kubeconfig(k8s.url("/").toString(), false),
                    "PLANTED_CALLBACK_URL", receiver.url("/hook").toString()));
            Path answers = home.resolve("answers.txt");
            Run run = run(PlantedRun.class, env, "serve", answers.toString());

            assertThat(run.exit).as(run.all()).isZero();
            String answered = Files.readString(answers, StandardCharsets.UTF_8);
            assertThat(answered).as("the run did what it is meant to").contains("status=201", "status=400", "status=500");
            assertThat(run.stdout).as("the refused deploy was logged").contains("http.failed");
            assertThat(run.all()).as("the platforms' failures were logged").contains("\"platform\":\"k8s\"", "\"platform\":\"coolify\"");
            assertThat(k8s.getRequestCount()).as("k8s was called with its token").isPositive();
            assertNothingPlanted(run.all() + answered);
        }
    }

    /** A malformed kubeconfig and a setting given a secret by mistake stop start-up, naming the settings only. */
    @Test
    void startUpErrorsNameTheSettingNotItsValue() throws Exception {
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.JDBC)) {
            Map<String, String> base = functionEnvironment(db, TestDatabase.Adapter.JDBC);
            base.putAll(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "1"));

            Map<String, String> malformed = new HashMap<>(base);
            malformed.put("K8S_KUBECONFIG_CONTENT", kubeconfig("https://127.0.0.1:1", true));
            Run lambda = run(PlantedRun.class, malformed, "start");
            Run local = run(io.botfleet.local.LocalRunner.class, withLocalRunner(malformed));

            Map<String, String> badSetting = new HashMap<>(base);
            badSetting.putAll(Map.of("PLATFORM_PRIORITY", "coolify,k8s", "COOLIFY_BOT_LIMIT", "1",
                    "COOLIFY_API_URL", COOLIFY_TOKEN, "COOLIFY_API_TOKEN", "x", "K8S_NAMESPACE", K8S_TOKEN));
            Run setting = run(PlantedRun.class, badSetting, "start");

            for (Run run : List.of(lambda, local, setting)) {
                assertThat(run.exit).as(run.all()).isNotZero();
                assertNothingPlanted(run.all());
            }
            assertThat(lambda.all()).contains("K8S_KUBECONFIG_CONTENT");
            assertThat(local.all()).contains("K8S_KUBECONFIG_CONTENT");
            assertThat(setting.all()).contains("COOLIFY_API_URL", "K8S_NAMESPACE");
        }
    }

    private static void assertNothingPlanted(String printed) {
        List<String> leaks = printed.lines().filter(l -> PLANTED.stream().anyMatch(l::contains)).toList();
        assertThat(leaks).as("lines with a planted secret").isEmpty();
    }

    /** What a function has in AWS, with the planted secrets; the database through {@code adapter}. */
    private Map<String, String> functionEnvironment(TestDatabase db, TestDatabase.Adapter adapter) {
        Map<String, String> env = new HashMap<>(Fixtures.ECS_BASICS);
        env.putAll(Map.of("HOME", home.toString(), "AWS_LAMBDA_FUNCTION_NAME", "botfleet-api", "AWS_REGION", "eu-west-1",
                "AWS_ACCESS_KEY_ID", "AKIDPLANTEDRUN", "AWS_SECRET_ACCESS_KEY", "secret",
                "BOT_TOKEN_SECRET", BOT_TOKEN_SECRET, "WEBHOOK_SECRET", "whsec_" + WEBHOOK_KEY,
                "WEBHOOK_ALLOW_LOOPBACK", "true", "BOTFLEET_CALLBACK_URL", "https://botfleet.example.com"));
        env.putAll(Map.of("COOLIFY_API_TOKEN", COOLIFY_TOKEN, "COOLIFY_PROJECT_UUID", "proj", "COOLIFY_SERVER_UUID", "srv",
                "BOT_IMAGE_ZOOM", "ghcr.io/botfleet/zoom-bot:1.0", "BOT_IMAGE_MICROSOFT_TEAMS", "ghcr.io/botfleet/teams-bot:1.0",
                "BOT_IMAGE_GOOGLE_MEET", "ghcr.io/botfleet/meet-bot:1.0"));
        if (adapter == TestDatabase.Adapter.DATA_API) {
            env.putAll(Map.of("DB_MODE", "data-api", "DB_CLUSTER_ARN", TestDatabase.TARGET.clusterArn(),
                    "DB_SECRET_ARN", TestDatabase.TARGET.secretArn(), "DB_NAME", TestDatabase.TARGET.database(),
                    "DATA_API_ENDPOINT", db.dataApi().endpoint().toString()));
        } else {
            env.putAll(Map.of("DB_MODE", "jdbc", "DATABASE_URL", db.jdbcUrl()));
        }
        return env;
    }

    /** The local runner ({@code java -jar botfleet.jar}) on the same database. */
    private Map<String, String> withLocalRunner(Map<String, String> env) {
        Map<String, String> local = new HashMap<>(env);
        local.remove("AWS_LAMBDA_FUNCTION_NAME");
        local.putAll(Map.of("PORT", "0", "BOTFLEET_DATA_DIR", home.resolve("data").toString()));
        return local;
    }

    /** A kubeconfig whose user has the planted token; {@code broken}: its token's line breaks the YAML. */
    static String kubeconfig(String server, boolean broken) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - cluster:
                    server: %s
                  name: c
                contexts:
                - context:
                    cluster: c
                    user: u
                  name: x
                current-context: x
                users:
                - name: u
                  user:
                    token: %s
                """.formatted(server, broken ? "\"" + K8S_TOKEN + "\n   : [" : K8S_TOKEN);
    }

    /** A stand-in that answers every request with {@code code} and {@code body}. */
    private static MockWebServer refusing(int code, String body) throws Exception {
        MockWebServer server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json")
                        .setHeader("Retry-After", "3600").body(body).build();
            }
        });
        server.start();
        return server;
    }

    private record Run(int exit, String stdout, String stderr) {
        String all() {
            return stdout + "\n" + stderr;
        }
    }

    private Run run(Class<?> main, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder child = new ProcessBuilder(command);
        child.environment().clear();
        child.environment().putAll(env);
        Path out = Files.createTempFile(home, "stdout", ".txt");
        Path err = Files.createTempFile(home, "stderr", ".txt");
        Process process = child.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the run did not end: " + Files.readString(out) + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
