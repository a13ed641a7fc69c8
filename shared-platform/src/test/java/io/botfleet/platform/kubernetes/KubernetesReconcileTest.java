package io.botfleet.platform.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.config.Settings;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes platform inside the service, against fabric8's CRUD mock API server and a small
 * stand-in for the Job controller: the reconcile ends a bot whose container died, deletes a Job
 * whose bot ended, and an API server that fails (500, 429) changes no bot.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesReconcileTest {
    private static final String NS = "bots";
    KubernetesMockServer server;
    KubernetesClient client;
    private final MutableClock clock = new MutableClock();
    private TestDatabase db;
    private Services api;
    private KubernetesPlatformService k8s;
    private FakeJobController cluster;
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);

    @BeforeEach
    void start() {
        db = TestDatabase.fresh(TestDatabase.Adapter.JDBC);
        Settings settings = Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "2", "K8S_NAMESPACE", NS,
                "K8S_STOP_GRACE", "5s"));
        k8s = new KubernetesPlatformService(asInProduction(settings), settings.kubernetes(), settings.botImages(),
                new BotEnvironment("http://127.0.0.1:1", tokens), clock);
        api = new Services(settings, db.sql(4), List.of(k8s), platform -> { }, clock);
        cluster = new FakeJobController(client, NS);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private long deploy() {
        long id = api.deployments().deploy(Fixtures.config(), null).botId();
        cluster.step();
        return id;
    }

    private void drain() {
        api.hybrid().processQueue("tick-" + System.nanoTime(), Duration.ofSeconds(20));
    }

    private String status(long id) {
        return db.text("SELECT status AS s FROM bots WHERE id = " + id);
    }

    @Test
    void aBotWhoseContainerDiedEndsAtTheNextTickWithKubernetesReason() {
        long crashed = deploy();
        long finished = deploy();
        api.deployments().report(crashed, tokens.tokenFor(crashed), BotStatus.IN_CALL, null);
        clock.advance(Duration.ofMinutes(1));
        cluster.exit(crashed, 3);
        cluster.exit(finished, 0);
        drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(status(crashed)).isEqualTo("FATAL");
            soft.assertThat(db.text("SELECT status_reason AS s FROM bots WHERE id = " + crashed))
                    .startsWith("CONTAINER_FAILED").contains("exited with code 3");
            soft.assertThat(status(finished)).isEqualTo("DONE");
            soft.assertThat(db.count("SELECT sum(used) AS n FROM platform_capacity")).isZero();
        });
    }

    @Test
    void aJobWhoseBotEndedIsDeletedAndOneGoneEndsItsBot() {
        long done = deploy();
        long vanished = deploy();
        api.deployments().report(done, tokens.tokenFor(done), BotStatus.DONE, null); // its container hangs on
        clock.advance(Duration.ofMinutes(1));
        cluster.vanish(vanished);
        drain();
        cluster.step();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).isEmpty();
            soft.assertThat(cluster.runningPods()).isZero();
            soft.assertThat(status(vanished)).isEqualTo("FATAL");
            soft.assertThat(db.text("SELECT status_reason AS s FROM bots WHERE id = " + vanished)).contains("Job is gone");
        });
    }

    @Test
    void anApiServerThatFailsChangesNoBot() throws Exception {
        long id = deploy();
        clock.advance(Duration.ofMinutes(1));
        cluster.exit(id, 1);
        String job = "/apis/batch/v1/namespaces/" + NS + "/jobs/" + BotJobs.name(id);
        server.expect().get().withPath(job).andReturn(500, "etcdserver: request timed out").once();
        server.expect().get().withPath(job).andReturn(429, "Too many requests").once();
        assertThat(k8s.getBotStatus(BotJobs.name(id)).state()).isEqualTo(PlatformBotStatus.UNKNOWN);
        assertThat(k8s.getBotStatus(BotJobs.name(id)).state()).isEqualTo(PlatformBotStatus.UNKNOWN);

        String list = "/apis/batch/v1/namespaces/" + NS + "/jobs?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dbotfleet&limit=500";
        server.expect().get().withPath(list).andReturn(500, "etcdserver: leader changed").once();
        drain();
        assertThat(status(id)).as("a failed list decides nothing").isEqualTo("DEPLOYING");
        server.expect().get().withPath(list).andReturn(429, "Too many requests").once();
        PlatformDeployError throttled = catchThrowableOfType(PlatformDeployError.class, k8s::listBots);
        assertThat(throttled.kind()).isEqualTo(PlatformDeployError.Kind.TRANSIENT);
        drain();
        assertThat(status(id)).as("the next complete list decides").isEqualTo("FATAL");
    }

    /** A client to the mock server configured as the service configures its own: no retries inside the client. */
    private KubernetesClient asInProduction(Settings settings) {
        return new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(KubernetesPlatformService.clientConfig(
                client.getConfiguration(), settings.kubernetes(), Duration.ofSeconds(5))).build();
    }
}
