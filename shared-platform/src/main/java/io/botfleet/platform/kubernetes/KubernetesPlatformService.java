package io.botfleet.platform.kubernetes;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.config.BotImages;
import io.botfleet.config.KubernetesSettings;
import io.botfleet.log.Redacted;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.LazyClient;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.platform.PlatformDeployResult;
import io.botfleet.platform.PlatformService;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.platform.SeenContainer;
import io.botfleet.platform.mappers.KubernetesStatusMapper;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Each bot as one {@code batch/v1} Job ({@link BotJobs}) in one namespace. Deploy creates the Job,
 * or meets the one an earlier try made (409: adopted when it is botfleet's), then the Secret with
 * the bot's token. Stop deletes the Job with the bot's grace period so it can leave its call, and
 * is done only when no pod of the bot still runs. The reconcile's list reads botfleet's Jobs and
 * pods by label, page by page, and answers only when every page came.
 */
public final class KubernetesPlatformService implements PlatformService {
    private static final String PLATFORM = "k8s";
    private static final Set<String> RUNNING_PHASES = Set.of("Pending", "Running", "Unknown");
    private static final long PAGE = 500;

    private final LazyClient<KubernetesClient> kubernetes;
    private final KubernetesSettings settings;
    private final BotJobs jobs;
    private final BotEnvironment environment;

    public KubernetesPlatformService(KubernetesClient client, KubernetesSettings settings, BotImages images,
                                     BotEnvironment environment, Clock clock) {
        this(LazyClient.of(client), settings, images, environment, clock);
    }

    private KubernetesPlatformService(LazyClient<KubernetesClient> kubernetes, KubernetesSettings settings, BotImages images,
                                      BotEnvironment environment, Clock clock) {
        this.kubernetes = kubernetes;
        this.settings = settings;
        this.jobs = new BotJobs(settings, images, clock);
        this.environment = environment;
    }

    /**
     * The platform as the settings describe it: the cluster from a kubeconfig given as a value, a
     * kubeconfig file, or the usual places; every request bounded by the platform call timeout,
     * and no retries inside the client (the core decides what is tried again). The client is made
     * at the first call: only a kubeconfig given as a value is checked now, as YAML (a file, or
     * what a kubeconfig points to, is read then, and a credential plugin it names runs then).
     */
    public static KubernetesPlatformService from(KubernetesSettings settings, BotImages images, BotEnvironment environment,
                                                 Clock clock, Duration callTimeout) {
        if (settings.kubeconfig() != null) {
            Kubeconfig.check("K8S_KUBECONFIG_CONTENT", settings.kubeconfig());
        }
        return new KubernetesPlatformService(new LazyClient<>(() -> new KubernetesClientBuilder()
                .withConfig(clientConfig(config(settings), settings, callTimeout)).build()), settings, images, environment, clock);
    }

    private static Config config(KubernetesSettings settings) {
        return settings.kubeconfig() != null
                ? Kubeconfig.read("K8S_KUBECONFIG_CONTENT", () -> Config.fromKubeconfig(settings.kubeconfig()))
                : settings.kubeconfigPath() != null
                ? Kubeconfig.read("K8S_KUBECONFIG", () -> Config.fromKubeconfig(new File(settings.kubeconfigPath())))
                : Config.autoConfigure(null);
    }

    /** The cluster's config with botfleet's namespace and bounds, and without the client's own retries. */
    public static Config clientConfig(Config base, KubernetesSettings settings, Duration callTimeout) {
        return new ConfigBuilder(base).withNamespace(settings.namespace())
                .withRequestTimeout((int) callTimeout.toMillis()).withConnectionTimeout(5_000)
                .withRequestRetryBackoffLimit(0).build();
    }

    @Override
    public String platformName() {
        return PLATFORM;
    }

    @Override
    public PlatformDeployResult deployBot(Bot bot) throws PlatformDeployError {
        Map<String, String> env = new LinkedHashMap<>(environment.forBot(bot));
        String token = env.remove("BOT_TOKEN");
        String name = BotJobs.name(bot.id());
        KubernetesClient client = client();
        Job job;
        try {
            job = client.batch().v1().jobs().inNamespace(settings.namespace()).resource(jobs.job(bot, env)).create();
            Log.info("k8s.job_created", Map.of("botId", bot.id(), "platform", PLATFORM, "job", name));
        } catch (KubernetesClientException e) {
            if (!KubernetesFailures.conflict(e)) {
                throw KubernetesFailures.of(e, true, "create Job " + name);
            }
            job = existing(name); // an earlier deploy made it: found by its name, not made twice
        }
        try {
            client.secrets().inNamespace(settings.namespace()).resource(jobs.secret(job, token)).create();
        } catch (KubernetesClientException e) {
            if (!KubernetesFailures.conflict(e)) { // the Job runs without its token: a deploy again makes it
                throw PlatformDeployError.outcomeUnknown(PLATFORM, "the Job " + name + " exists but its Secret could not be made: "
                        + e.getMessage(), e);
            }
        }
        return new PlatformDeployResult(name);
    }

    /** The Job an earlier deploy of the bot made; one of another owner by that name is a setup error. */
    private Job existing(String name) throws PlatformDeployError {
        KubernetesClient client = client();
        Job job = call(() -> client.batch().v1().jobs().inNamespace(settings.namespace()).withName(name).get(), false,
                "read Job " + name);
        if (job == null) {
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "creating Job " + name + " met a conflict and no such Job exists");
        }
        if (!BotJobs.BOTFLEET.equals(job.getMetadata().getLabels() == null ? null : job.getMetadata().getLabels().get(BotJobs.MANAGED_BY))) {
            throw new PlatformDeployError(Kind.PERMANENT, PLATFORM, "a Job named " + name + " exists in namespace "
                    + settings.namespace() + " that botfleet did not make");
        }
        return job;
    }

    /** Deletes the bot's Job with its grace period; done when none of the bot's pods still runs. */
    @Override
    public void stopBot(long botId, String identifier) throws PlatformDeployError {
        String name = BotJobs.name(botId);
        KubernetesClient client = client();
        call(() -> client.batch().v1().jobs().inNamespace(settings.namespace()).withName(name)
                .withPropagationPolicy(DeletionPropagation.FOREGROUND).withGracePeriod(settings.stopGrace().toSeconds())
                .delete(), true, "delete Job " + name);
        long running = podsOf(botId).stream().filter(KubernetesPlatformService::running).count();
        if (running > 0) {
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, running + " pod(s) of " + name
                    + " still stopping (grace " + settings.stopGrace().toSeconds() + " s)");
        }
    }

    @Override
    public Optional<String> findBot(long botId) throws PlatformDeployError {
        String name = BotJobs.name(botId);
        KubernetesClient client = client();
        Job job = call(() -> client.batch().v1().jobs().inNamespace(settings.namespace()).withName(name).get(), false,
                "read Job " + name);
        return job == null ? Optional.empty() : Optional.of(name);
    }

    @Override
    public PlatformStatus getBotStatus(String identifier) {
        try {
            KubernetesClient client = client();
            Job job = call(() -> client.batch().v1().jobs().inNamespace(settings.namespace()).withName(identifier).get(),
                    false, "read Job " + identifier);
            Optional<Long> botId = job != null ? BotJobs.botId(job.getMetadata().getLabels()) : botIdOf(identifier);
            return KubernetesStatusMapper.map(job, botId.isPresent() ? podsOf(botId.get()) : List.of());
        } catch (PlatformDeployError e) {
            return PlatformStatus.unknown("Kubernetes cannot be asked now: " + e.getMessage());
        }
    }

    /** Every Job and pod labelled as botfleet's in the namespace: each bot's Job with its pods, or pods whose Job is gone. */
    @Override
    public Optional<List<SeenContainer>> listBots() throws PlatformDeployError {
        KubernetesClient client = client();
        List<Job> allJobs = listAll(token -> client.batch().v1().jobs().inNamespace(settings.namespace())
                .withLabel(BotJobs.MANAGED_BY, BotJobs.BOTFLEET).list(page(token)), JobList::getItems, l -> l.getMetadata().getContinue());
        List<Pod> allPods = listAll(token -> client.pods().inNamespace(settings.namespace())
                .withLabel(BotJobs.MANAGED_BY, BotJobs.BOTFLEET).list(page(token)), PodList::getItems, l -> l.getMetadata().getContinue());
        Map<Long, List<Pod>> podsByBot = allPods.stream().filter(p -> BotJobs.botId(p.getMetadata().getLabels()).isPresent())
                .collect(Collectors.groupingBy(p -> BotJobs.botId(p.getMetadata().getLabels()).orElseThrow()));
        Map<Long, Job> jobsByBot = new LinkedHashMap<>();
        allJobs.forEach(j -> BotJobs.botId(j.getMetadata().getLabels()).ifPresent(id -> jobsByBot.put(id, j)));
        List<SeenContainer> seen = new ArrayList<>();
        jobsByBot.forEach((id, job) -> seen.add(new SeenContainer(id, job.getMetadata().getName(),
                KubernetesStatusMapper.map(job, podsByBot.getOrDefault(id, List.of())))));
        podsByBot.forEach((id, pods) -> {
            if (!jobsByBot.containsKey(id)) {
                seen.add(new SeenContainer(id, BotJobs.name(id), KubernetesStatusMapper.map(null, pods)));
            }
        });
        return Optional.of(seen);
    }

    private List<Pod> podsOf(long botId) throws PlatformDeployError {
        KubernetesClient client = client();
        return call(() -> client.pods().inNamespace(settings.namespace()).withLabel(BotJobs.BOT_ID, Long.toString(botId))
                .list().getItems(), false, "list pods of bot " + botId);
    }

    /** The client, made at the first call; one that cannot be made is a failure before anything was sent. */
    private KubernetesClient client() throws PlatformDeployError {
        try {
            return kubernetes.get();
        } catch (RuntimeException e) { // made again at the next call: a kubeconfig fixed meanwhile is read then
            String why = Redacted.safeMessage(e);
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "no client for the cluster: "
                    + (why == null ? Redacted.typeOf(e) : why), Redacted.of(e));
        }
    }

    private static boolean running(Pod pod) {
        return pod.getStatus() == null || RUNNING_PHASES.contains(pod.getStatus().getPhase());
    }

    private static Optional<Long> botIdOf(String jobName) {
        String id = jobName.startsWith("botfleet-bot-") ? jobName.substring("botfleet-bot-".length()) : "";
        return !id.isEmpty() && id.chars().allMatch(Character::isDigit) ? Optional.of(Long.parseLong(id)) : Optional.empty();
    }

    private static io.fabric8.kubernetes.api.model.ListOptions page(String token) {
        return new ListOptionsBuilder().withLimit(PAGE).withContinue(token).build();
    }

    /** Every page of a list; a page that fails fails the whole list, so half a picture is never taken for all of it. */
    private <L, T> List<T> listAll(Function<String, L> page, Function<L, List<T>> items, Function<L, String> next)
            throws PlatformDeployError {
        List<T> all = new ArrayList<>();
        String token = null;
        do {
            String current = token;
            L list = call(() -> page.apply(current), false, "list botfleet's resources");
            all.addAll(items.apply(list));
            token = next.apply(list);
        } while (token != null && !token.isEmpty());
        return all;
    }

    @FunctionalInterface
    private interface ApiCall<T> {
        T call();
    }

    private static <T> T call(ApiCall<T> call, boolean changesState, String what) throws PlatformDeployError {
        try {
            return call.call();
        } catch (KubernetesClientException e) {
            throw KubernetesFailures.of(e, changesState, what);
        }
    }
}
