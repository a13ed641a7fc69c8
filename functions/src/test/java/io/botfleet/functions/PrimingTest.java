package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.botfleet.Services;
import io.botfleet.config.Settings;
import io.botfleet.platform.PlatformService;
import io.botfleet.platform.aws.FakeEcs;
import io.botfleet.platform.coolify.FakeCoolify;
import io.botfleet.platform.kubernetes.FakeKubernetesApi;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What runs before a SnapStart snapshot touches neither the database nor a platform: a connection
 * or transaction opened then would be restored stale in every copy. Every platform here is
 * configured and real (the adapters as the settings build them, each against a local stand-in
 * that records every request), and priming still runs each one's code through, answered in
 * memory, while the stand-ins see nothing.
 */
class PrimingTest {
    private static final List<String> EVERY_PART = List.of("http", "data-api", "aws-http", "aws-credentials", "aws", "k8s", "coolify", "webhook");

    @TempDir
    Path dir;

    @Test
    void primingRunsEveryConfiguredPlatformsCodeWithoutAStatementOrAPlatformCall() {
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API); FakeKubernetesApi k8s = new FakeKubernetesApi();
             FakeCoolify coolify = new FakeCoolify(Duration.ofMillis(100), Duration.ofSeconds(1)); FakeEcs ecs = new FakeEcs()) {
            Map<String, String> env = new HashMap<>(Map.of("PLATFORM_PRIORITY", "k8s,coolify,aws", "K8S_BOT_LIMIT", "1",
                    "COOLIFY_BOT_LIMIT", "1", "AWS_BOT_LIMIT", "1", "K8S_KUBECONFIG_CONTENT", k8s.kubeconfig("bots"),
                    "ECS_ENDPOINT", ecs.endpoint()));
            env.putAll(Map.of("COOLIFY_API_URL", coolify.url(), "COOLIFY_API_TOKEN", FakeCoolify.TOKEN,
                    "COOLIFY_PROJECT_UUID", "prj1a2b3c", "COOLIFY_SERVER_UUID", "srv9z8y7"));
            Settings settings = Fixtures.settings(env); // and WEBHOOK_SECRET
            List<PlatformService> platforms = Services.platforms(settings, dir, db.sql(1), Clock.systemUTC());
            Services services = Fixtures.services(settings, db.sql(1), platforms, Clock.systemUTC());

            assertThat(Priming.prime(services)).as("parts primed").containsExactlyElementsOf(EVERY_PART);
            assertThat(Priming.prime(services)).as("a second checkpoint of the same container").containsExactlyElementsOf(EVERY_PART);

            for (String operation : List.of("ExecuteStatement", "BatchExecuteStatement", "BeginTransaction")) {
                assertThat(db.dataApi().calls(operation)).as(operation).isZero();
            }
            assertThat(db.count("SELECT count(*) AS n FROM bots")).isZero();
            assertThat(k8s.requests()).as("requests to the Kubernetes API").isEmpty();
            assertThat(coolify.requests()).as("requests to Coolify").isEmpty();
            assertThat(ecs.calls()).as("calls to ECS").isEmpty();

            // the stand-ins do see the platforms' calls: the first real call of each reaches it
            catchThrowable(() -> platforms.get(0).findBot(1));
            platforms.get(1).getBotStatus("app-1");
            catchThrowable(() -> platforms.get(2).findBot(1));
            assertThat(k8s.requests()).isNotEmpty();
            assertThat(coolify.requests()).isNotEmpty();
            assertThat(ecs.calls()).isNotEmpty();
        }
    }

    @Test
    void onlyWhatIsConfiguredIsPrimed() {
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API)) {
            Settings settings = Fixtures.settings(Map.of("PLATFORM_PRIORITY", "local", "LOCAL_BOT_LIMIT", "1",
                    "WEBHOOK_SECRET", ""));
            Services services = Fixtures.services(settings, db.sql(1), Services.platforms(settings, dir, db.sql(1),
                    Clock.systemUTC()), Clock.systemUTC());
            assertThat(Priming.prime(services)).containsExactly("http", "data-api", "aws-http", "aws-credentials");
        }
    }
}
