package io.botfleet.platform.kubernetes;

import io.botfleet.bot.Bot;
import io.botfleet.config.BotImages;
import io.botfleet.config.KubernetesSettings;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.LoopbackListener;
import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformDeployError;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.time.Duration;

/**
 * The Kubernetes adapter's whole round for one bot (deploy: Job and Secret created; find and
 * status: Job read, pods listed; the reconcile's lists; stop: Job deleted, pods listed) through
 * fabric8's client as production builds it, from a kubeconfig of the usual shape, against
 * {@link InMemoryApiServer}; then one pod list through the client on the JDK's HttpClient, as
 * production makes it, to a {@link LoopbackListener}. Nothing is resolved or read from a file, and
 * no connection leaves the process. SnapStart priming runs it so that a restored container's
 * first Kubernetes call finds fabric8, its model, its JSON and the JDK's HttpClient loaded.
 */
public final class KubernetesPriming {
    /** A server and a token: nothing to read (no certificate or token file) and no credential plugin to run. */
    private static final String KUBECONFIG = """
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                server: https://priming.invalid:6443
              name: priming
            contexts:
            - context:
                cluster: priming
                user: priming
              name: priming
            current-context: priming
            users:
            - name: priming
              user:
                token: priming
            """;

    private static final String EMPTY_POD_LIST = """
            {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": []}""";

    private KubernetesPriming() {
    }

    public static void prime(KubernetesSettings settings, BotImages images, BotEnvironment environment, Bot bot,
                             Duration callTimeout) throws PlatformDeployError {
        Kubeconfig.check("the priming kubeconfig", KUBECONFIG);
        Config config = KubernetesPlatformService.clientConfig(Config.fromKubeconfig(KUBECONFIG), settings, callTimeout);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config)
                .withHttpClientFactory(new InMemoryApiServer()).build()) {
            KubernetesPlatformService k8s = new KubernetesPlatformService(client, settings, images, environment, Clock.systemUTC());
            String job = k8s.deployBot(bot).identifier();
            k8s.findBot(bot.id());
            if (k8s.getBotStatus(job).state() == PlatformBotStatus.UNKNOWN) {
                throw new IllegalStateException("the in-memory API server's Job was not read");
            }
            k8s.listBots();
            k8s.stopBot(bot.id(), job);
        }
        // the client as production makes it, on the JDK's HttpClient: one pod list, to a listener of this process
        try (LoopbackListener listener = LoopbackListener.answering(EMPTY_POD_LIST);
             KubernetesClient client = new KubernetesClientBuilder()
                     .withConfig(new ConfigBuilder(config).withMasterUrl(listener.uri().toString()).build()).build()) {
            client.pods().inNamespace(settings.namespace()).list();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("no loopback listener for priming", e);
        }
    }
}
