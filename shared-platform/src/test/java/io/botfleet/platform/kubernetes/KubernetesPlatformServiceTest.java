package io.botfleet.platform.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.botfleet.bot.Bot;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.config.Settings;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Kubernetes platform against fabric8's CRUD mock API server: what it writes, and what it makes of what it reads. */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesPlatformServiceTest {
    private static final String NS = "bots";
    KubernetesMockServer server;
    KubernetesClient client;
    private final MutableClock clock = new MutableClock();
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);

    private KubernetesPlatformService platform(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "4",
                "K8S_NAMESPACE", NS, "K8S_IMAGE_PULL_SECRET", "registry", "K8S_ENV_FROM_SECRET", "bot-shared"));
        all.putAll(env);
        Settings settings = Fixtures.settings(all);
        return new KubernetesPlatformService(asInProduction(settings), settings.kubernetes(), settings.botImages(),
                new BotEnvironment("https://botfleet.example.com", tokens), clock);
    }

    private Bot bot(long id, MeetingPlatform meeting, String tenant, Instant end) {
        BotConfig c = Fixtures.config();
        return new Bot(id, new BotConfig(new Meeting(meeting, "https://meet.google.com/abc-defg-hij", null, null), c.displayName(),
                c.imageUrl(), c.recordingEnabled(), c.automaticLeave(), c.startTime(), end, c.callbackUrl(), tenant, c.priority()),
                BotStatus.DEPLOYING, null, "k8s", null, clock.instant(), null, null, null, 1, null);
    }

    private Job job(long id) {
        return client.batch().v1().jobs().inNamespace(NS).withName("botfleet-bot-" + id).get();
    }

    @Test
    void theJobCarriesEverythingTheBotNeedsAndItsTokenOnlyByReference() throws Exception {
        Instant end = clock.instant().plus(Duration.ofHours(1));
        String name = platform(Map.of()).deployBot(bot(42, MeetingPlatform.GOOGLE_MEET, "acme corp", end)).identifier();
        assertThat(name).isEqualTo("botfleet-bot-42");
        Job job = job(42);
        assertThat(job.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "botfleet")
                .containsEntry("botfleet.io/bot-id", "42").containsEntry("botfleet.io/meeting-platform", "google-meet")
                .containsEntry("botfleet.io/tenant", "acme_corp");
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(600);
        assertThat(job.getSpec().getActiveDeadlineSeconds()).as("end time plus 15 minutes").isEqualTo(75 * 60L);
        var pod = job.getSpec().getTemplate().getSpec();
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("botfleet.io/bot-id", "42");
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
        assertThat(pod.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("registry");
        Container bot = pod.getContainers().get(0);
        assertThat(bot.getImage()).isEqualTo("ghcr.io/botfleet/meet-bot:1.0");
        assertThat(bot.getEnv()).extracting(EnvVar::getName).as("the meeting itself is read from the bot's config route")
                .containsExactlyInAnyOrder("BOT_ID", "BOTFLEET_URL", "MEETING_PLATFORM", "BOT_TOKEN");
        EnvVar token = bot.getEnv().stream().filter(e -> e.getName().equals("BOT_TOKEN")).findFirst().orElseThrow();
        assertThat(token.getValue()).isNull();
        assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo("botfleet-bot-42");
        assertThat(Serialization.asJson(job)).doesNotContain(tokens.tokenFor(42));
        assertThat(bot.getEnvFrom().get(0).getSecretRef().getName()).isEqualTo("bot-shared");
        assertThat(bot.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(bot.getResources().getLimits().get("memory").toString()).isEqualTo("2Gi");
        assertThat(bot.getVolumeMounts().get(0).getMountPath()).isEqualTo("/dev/shm");
        assertThat(pod.getVolumes().get(0).getEmptyDir().getMedium()).isEqualTo("Memory");

        Secret secret = client.secrets().inNamespace(NS).withName("botfleet-bot-42").get();
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(job.getMetadata().getUid()));
        String stored = secret.getStringData() != null ? secret.getStringData().get("token")
                : new String(java.util.Base64.getDecoder().decode(secret.getData().get("token")));
        assertThat(stored).isEqualTo(tokens.tokenFor(42));
    }

    @Test
    void deployingTwiceMakesOneJobAndAJobBotfleetDidNotMakeIsNotTaken() throws Exception {
        KubernetesPlatformService k8s = platform(Map.of());
        String first = k8s.deployBot(bot(7, MeetingPlatform.ZOOM, null, null)).identifier();
        String again = k8s.deployBot(bot(7, MeetingPlatform.ZOOM, null, null)).identifier();
        assertThat(again).isEqualTo(first);
        assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(1);
        assertThat(job(7).getSpec().getActiveDeadlineSeconds()).as("no end time: K8S_MAX_RUNTIME").isEqualTo(4 * 3600L);

        client.batch().v1().jobs().inNamespace(NS).resource(new JobBuilder().withNewMetadata().withName("botfleet-bot-8")
                .endMetadata().withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("x").withImage("busybox")
                .endContainer().endSpec().endTemplate().endSpec().build()).create();
        PlatformDeployError foreign = catchThrowableOfType(PlatformDeployError.class,
                () -> k8s.deployBot(bot(8, MeetingPlatform.ZOOM, null, null)));
        assertThat(foreign.kind()).isEqualTo(Kind.PERMANENT);
        assertThat(foreign).hasMessageContaining("botfleet did not make");
    }

    @Test
    void stopDeletesTheJobWithTheGracePeriodAndIsDoneOnlyWhenNoPodRuns() throws Exception {
        KubernetesPlatformService k8s = platform(Map.of("K8S_STOP_GRACE", "45s"));
        String name = k8s.deployBot(bot(5, MeetingPlatform.ZOOM, null, null)).identifier();
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name + "-x")
                .addToLabels("app.kubernetes.io/managed-by", "botfleet").addToLabels("botfleet.io/bot-id", "5").endMetadata()
                .withNewStatus().withPhase("Running").endStatus().build()).create();

        PlatformDeployError stopping = catchThrowableOfType(PlatformDeployError.class, () -> k8s.stopBot(5, name));
        assertThat(stopping.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(stopping).hasMessageContaining("still stopping");
        assertThat(job(5)).isNull();
        assertThat(requestBodies()).anySatisfy(body -> assertThat(body).contains("\"gracePeriodSeconds\":45")
                .contains("\"propagationPolicy\":\"Foreground\""));

        client.pods().inNamespace(NS).withName(name + "-x").delete(); // its grace is over: the pod is gone
        k8s.stopBot(5, name);
        assertThat(k8s.findBot(5)).isEmpty();
        assertThat(k8s.getBotStatus(name).state()).isEqualTo(PlatformBotStatus.STOPPED);
    }

    private java.util.List<String> requestBodies() throws InterruptedException {
        java.util.List<String> bodies = new java.util.ArrayList<>();
        int n = server.getRequestCount();
        for (int i = 0; i < n; i++) {
            var request = server.takeRequest(1, java.util.concurrent.TimeUnit.SECONDS);
            if (request == null) {
                break;
            }
            bodies.add(request.getMethod() + " " + request.getPath() + " " + request.getUtf8Body());
        }
        return bodies;
    }

    /** A client to the mock server configured as the service configures its own: no retries inside the client. */
    private KubernetesClient asInProduction(Settings settings) {
        return new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(KubernetesPlatformService.clientConfig(
                client.getConfiguration(), settings.kubernetes(), Duration.ofSeconds(5))).build();
    }
}
