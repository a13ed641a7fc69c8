package io.botfleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.botfleet.config.Settings;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformService;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Building the services for every platform opens no connection and reads no file: each platform's
 * client is made on its first call, once. Every endpoint here is a local listener that counts the
 * connections it is offered (and drops them), and the kubeconfig file is not there while the
 * services are built.
 */
class LazyClientsTest {
    @TempDir
    Path dir;

    @Test
    void theServicesOfEveryPlatformConnectNowhereAndReadNoKubeconfigUntilTheirFirstCall() throws Exception {
        try (Listener k8s = new Listener(); Listener coolify = new Listener(); Listener ecs = new Listener();
             TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.JDBC)) {
            Path kubeconfig = Files.createFile(dir.resolve("kubeconfig")); // the settings check that it can be read
            Map<String, String> env = new HashMap<>(Map.of("PLATFORM_PRIORITY", "k8s,coolify,aws", "K8S_BOT_LIMIT", "2",
                    "COOLIFY_BOT_LIMIT", "2", "AWS_BOT_LIMIT", "2", "K8S_KUBECONFIG", kubeconfig.toString(),
                    "ECS_ENDPOINT", ecs.url(), "CAPACITY_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/000000000000/capacity"));
            env.putAll(Map.of("COOLIFY_API_URL", coolify.url(), "COOLIFY_API_TOKEN", "token",
                    "COOLIFY_PROJECT_UUID", "prj1", "COOLIFY_SERVER_UUID", "srv1"));
            Settings settings = Fixtures.settings(env);
            Files.delete(kubeconfig);

            List<PlatformService> platforms = Services.platforms(settings, dir, db.sql(1), Clock.systemUTC());
            CapacityReleasedPublisher publisher = Services.publisher(settings); // its SQS client is made at the first send
            new Services(settings, db.sql(1), platforms, publisher, Clock.systemUTC());
            assertThat(List.of(k8s.offered(), coolify.offered(), ecs.offered()))
                    .as("connections offered to k8s, coolify, ecs while the services were built").containsExactly(0, 0, 0);

            Files.writeString(kubeconfig, kubeconfig(k8s.url())); // written after the services were built
            PlatformDeployError k8sFirst = catchThrowableOfType(PlatformDeployError.class, () -> platforms.get(0).findBot(1));
            platforms.get(1).getBotStatus("app-1"); // unknown: the listener drops the connection
            catchThrowableOfType(PlatformDeployError.class, () -> platforms.get(2).findBot(1));
            assertThat(k8sFirst).as("the first k8s call reached the API server the kubeconfig names").isNotNull();
            assertThat(List.of(k8s.offered(), coolify.offered(), ecs.offered()))
                    .as("each first call connects").allSatisfy(n -> assertThat(n).isPositive());

            // made once: the kubeconfig is gone now, and the client made from it still serves
            Files.delete(kubeconfig);
            int before = k8s.offered();
            PlatformDeployError k8sSecond = catchThrowableOfType(PlatformDeployError.class, () -> platforms.get(0).findBot(2));
            assertThat(k8sSecond).hasMessageNotContaining("K8S_KUBECONFIG");
            assertThat(k8s.offered()).isGreaterThan(before);
        }
    }

    private static String kubeconfig(String server) {
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
                  name: ctx
                current-context: ctx
                users:
                - name: u
                  user:
                    token: t
                """.formatted(server);
    }

    /** A local port that counts the connections it is offered and closes each at once. */
    private static final class Listener implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger offered = new AtomicInteger();

        Listener() throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try (Socket ignored = server.accept()) {
                        offered.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        int offered() {
            return offered.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
