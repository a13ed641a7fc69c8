package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.config.Settings;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.aws.AwsPlatformService;
import io.botfleet.platform.aws.FakeEcs;
import io.botfleet.platform.kubernetes.FakeJobController;
import io.botfleet.platform.kubernetes.KubernetesPlatformService;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The real Kubernetes and ECS adapters side by side with a third platform, as several Lambda
 * instances run them: {@code PLATFORM_PRIORITY=k8s,aws,local} with limits 4/3/2, 100 concurrent
 * deploys fill k8s, then aws, then local, then queue; drainers and finishing bots then run the
 * queue dry. The limits are checked where the containers are (Jobs in the API server, tasks in
 * the ECS endpoint), not in our ledger.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
@EnableKubernetesMockClient(crud = true, https = false)
class MixedPlatformStressTest {
    private static final int INSTANCES = 3;
    private static final int BOTS = 100;
    private static final String NS = "bots";
    private final TestDatabase.Adapter adapter;
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);
    KubernetesClient client;

    MixedPlatformStressTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @RepeatedTest(2)
    void platformsFillInPriorityOrderAndNoneGoesOverItsLimit() throws Exception {
        FakeJobController cluster = new FakeJobController(client, NS);
        FakePlatform local = new FakePlatform("local");
        try (TestDatabase db = TestDatabase.fresh(adapter); FakeEcs ecs = new FakeEcs(); Watch jobs = cluster.countJobs()) {
            Settings settings = Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s,aws,local", "K8S_BOT_LIMIT", "4",
                    "AWS_BOT_LIMIT", "3", "LOCAL_BOT_LIMIT", "2", "K8S_NAMESPACE", NS, "ECS_ENDPOINT", ecs.endpoint()));
            List<Services> instances = IntStream.range(0, INSTANCES)
                    .mapToObj(i -> Fixtures.services(settings, db.sql(6), List.of(kubernetes(settings), ecs(settings), local),
                            Clock.systemUTC())).toList();

            Map<BotStatus, Integer> answers = CapacityStressTest.deployConcurrently(instances, BOTS, BOTS);
            assertThat(answers).as("9 deployed, the rest queued").isEqualTo(Map.of(BotStatus.DEPLOYING, 9, BotStatus.QUEUED, 91));
            assertThat(placed(db)).as("k8s filled first, then aws, then local")
                    .isEqualTo(Map.of("k8s", 4L, "aws", 3L, "local", 2L));

            finishEveryBot(db, instances, cluster, ecs, local);

            assertThat(cluster.peakJobs()).as("unfinished Jobs at once").isEqualTo(4);
            assertThat(ecs.peak()).as("ECS tasks at once").isEqualTo(3);
            assertThat(local.peak()).as("local containers at once").isEqualTo(2);
            Map<Long, Integer> starts = new HashMap<>(local.starts());
            ecs.startsByBot().forEach((id, n) -> starts.merge(id, n, Integer::sum));
            waitForTheWatch(cluster, db);
            cluster.jobsCreated().forEach((id, n) -> starts.merge(id, n, Integer::sum));
            assertThat(starts).as("every bot started").hasSize(BOTS);
            assertThat(starts.values()).as("each once").containsOnly(1);
            assertThat(db.count("SELECT count(*) AS n FROM deployment_queue")).as("queue").isZero();
            assertThat(db.count("SELECT sum(used) AS n FROM platform_capacity")).as("ledger").isZero();
        }
    }

    private KubernetesPlatformService kubernetes(Settings settings) {
        KubernetesClient own = new KubernetesClientBuilder().withConfig(KubernetesPlatformService.clientConfig(
                client.getConfiguration(), settings.kubernetes(), Duration.ofSeconds(5))).build();
        return new KubernetesPlatformService(own, settings.kubernetes(), settings.botImages(),
                new BotEnvironment("http://127.0.0.1:1", tokens), Clock.systemUTC());
    }

    private AwsPlatformService ecs(Settings settings) {
        return new AwsPlatformService(AwsPlatformService.client(settings.ecs(), "us-east-1", Duration.ofSeconds(5),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret"))), settings.ecs(),
                new BotEnvironment("http://127.0.0.1:1", tokens), Duration.ofSeconds(5));
    }

    private static Map<String, Long> placed(TestDatabase db) {
        Map<String, Long> placed = new HashMap<>();
        for (String platform : List.of("k8s", "aws", "local")) {
            placed.put(platform, db.count("SELECT count(*) AS n FROM bots WHERE deployment_platform = '" + platform + "'"));
        }
        return placed;
    }

    /** Two drainers loop while running containers finish at random and their bots report DONE. */
    private void finishEveryBot(TestDatabase db, List<Services> instances, FakeJobController cluster, FakeEcs ecs,
                                FakePlatform local) throws Exception {
        AtomicBoolean finished = new AtomicBoolean();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> drainers = new ArrayList<>();
            for (int d = 0; d < 2; d++) {
                Services drainer = instances.get(d);
                String name = "drainer-" + d + "-";
                drainers.add(threads.submit(() -> {
                    for (int round = 0; !finished.get(); round++) {
                        drainer.hybrid().processQueue(name + round, Duration.ofSeconds(10));
                        Thread.sleep(5);
                    }
                    return null;
                }));
            }
            Services reporter = instances.get(INSTANCES - 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (db.count("SELECT count(*) AS n FROM bots WHERE status = 'DONE'") < BOTS) {
                assertThat(System.nanoTime()).as("every bot done in time").isLessThan(deadline);
                cluster.step();
                ecs.finishStopping();
                for (long id : cluster.runningBots()) {
                    if (ThreadLocalRandom.current().nextBoolean()) {
                        cluster.exit(id, 0);
                        reporter.deployments().report(id, tokens.tokenFor(id), BotStatus.DONE, null);
                    }
                }
                for (Map.Entry<Long, String> task : ecs.runningByBot().entrySet()) {
                    if (ThreadLocalRandom.current().nextBoolean()) {
                        ecs.exit(task.getValue(), 0);
                        reporter.deployments().report(task.getKey(), tokens.tokenFor(task.getKey()), BotStatus.DONE, null);
                    }
                }
                for (long id : local.live()) {
                    if (ThreadLocalRandom.current().nextBoolean() && local.exit(id)) {
                        reporter.deployments().report(id, tokens.tokenFor(id), BotStatus.DONE, null);
                    }
                }
            }
            finished.set(true);
            for (Future<?> drainer : drainers) {
                drainer.get(30, TimeUnit.SECONDS); // rethrows anything a drainer hit
            }
        } finally {
            finished.set(true);
            threads.shutdownNow();
        }
    }

    /** The watch delivers the API server's events a little after they happen. */
    private static void waitForTheWatch(FakeJobController cluster, TestDatabase db) throws InterruptedException {
        long onK8s = db.count("SELECT count(*) AS n FROM bots WHERE deployment_platform = 'k8s'");
        for (int i = 0; i < 100 && cluster.jobsCreated().size() < onK8s; i++) {
            Thread.sleep(50);
        }
    }
}
