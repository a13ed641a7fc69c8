package io.botfleet.platform.kubernetes;

import io.botfleet.bot.Bot;
import io.botfleet.config.BotImages;
import io.botfleet.config.KubernetesSettings;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a bot's Job and its Secret are made of. The Job's name derives from the bot, so a repeated
 * deploy meets the Job it made before; its labels say whose and which bot it is, and the pod
 * carries them too. The bot's token, its only secret, lives in a Secret owned by the Job (so it
 * goes with the Job), referenced from the environment, never written into it.
 */
final class BotJobs {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String BOTFLEET = "botfleet";
    static final String BOT_ID = "botfleet.io/bot-id";
    private static final String TOKEN_KEY = "token";
    /** The bot's end time is a target, not a wall: it gets this long beyond it before Kubernetes stops it. */
    private static final Duration END_MARGIN = Duration.ofMinutes(15);

    private final KubernetesSettings settings;
    private final BotImages images;
    private final Clock clock;

    BotJobs(KubernetesSettings settings, BotImages images, Clock clock) {
        this.settings = settings;
        this.images = images;
        this.clock = clock;
    }

    /** {@code botfleet-bot-42}: a DNS-1123 name, the same for every deploy of the bot. */
    static String name(long botId) {
        return "botfleet-bot-" + botId;
    }

    /** The bot's id from a Job's or pod's label, if it is one of botfleet's. */
    static Optional<Long> botId(Map<String, String> labels) {
        String id = labels == null ? null : labels.get(BOT_ID);
        return id != null && !id.isEmpty() && id.chars().allMatch(Character::isDigit) ? Optional.of(Long.parseLong(id)) : Optional.empty();
    }

    /** @param environment the bot's environment without its token */
    Job job(Bot bot, Map<String, String> environment) {
        String name = name(bot.id());
        String image = images.of(bot.config().meeting().platform());
        List<EnvVar> env = new ArrayList<>();
        environment.forEach((k, v) -> env.add(new EnvVar(k, v, null)));
        env.add(new EnvVarBuilder().withName("BOT_TOKEN").withNewValueFrom().withNewSecretKeyRef()
                .withName(name).withKey(TOKEN_KEY).endSecretKeyRef().endValueFrom().build());
        Map<String, String> labels = labels(bot);
        return new JobBuilder()
                .withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec()
                .withBackoffLimit(0) // a bot that failed is not run again behind the service's back
                .withTtlSecondsAfterFinished((int) settings.jobTtl().toSeconds())
                .withActiveDeadlineSeconds(deadline(bot).toSeconds())
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withTerminationGracePeriodSeconds(settings.stopGrace().toSeconds())
                .addNewContainer()
                .withName("bot").withImage(image).withEnv(env)
                .withEnvFrom(settings.envFromSecret() == null ? List.of()
                        : List.of(new io.fabric8.kubernetes.api.model.EnvFromSourceBuilder().withNewSecretRef()
                        .withName(settings.envFromSecret()).endSecretRef().build()))
                .withNewResources()
                .addToRequests("cpu", new Quantity(settings.cpu())).addToRequests("memory", new Quantity(settings.memory()))
                .addToLimits("memory", new Quantity(settings.memory()))
                .endResources()
                .addNewVolumeMount().withName("dshm").withMountPath("/dev/shm").endVolumeMount() // browsers need a large /dev/shm
                .endContainer()
                .addNewVolume().withName("dshm").withNewEmptyDir().withMedium("Memory")
                .withSizeLimit(new Quantity(settings.shmSize())).endEmptyDir().endVolume()
                .withImagePullSecrets(settings.imagePullSecret() == null ? List.of()
                        : List.of(new io.fabric8.kubernetes.api.model.LocalObjectReference(settings.imagePullSecret())))
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** The bot's token, in a Secret the Job owns: Kubernetes deletes it with the Job. */
    Secret secret(Job created, String token) {
        return new SecretBuilder()
                .withNewMetadata().withName(created.getMetadata().getName()).withLabels(created.getMetadata().getLabels())
                .addNewOwnerReference().withApiVersion("batch/v1").withKind("Job").withName(created.getMetadata().getName())
                .withUid(created.getMetadata().getUid()).withController(true).endOwnerReference()
                .endMetadata()
                .addToStringData(TOKEN_KEY, token)
                .build();
    }

    private static Map<String, String> labels(Bot bot) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY, BOTFLEET);
        labels.put("app.kubernetes.io/name", "botfleet-bot");
        labels.put(BOT_ID, Long.toString(bot.id()));
        labels.put("botfleet.io/meeting-platform", bot.config().meeting().platform().wireName());
        if (bot.config().tenant() != null) {
            labels.put("botfleet.io/tenant", labelValue(bot.config().tenant()));
        }
        return labels;
    }

    /** Until the bot's end time plus a margin, at most K8S_MAX_RUNTIME, at least a minute. */
    private Duration deadline(Bot bot) {
        Instant end = bot.config().endTime();
        if (end == null) {
            return settings.maxRuntime();
        }
        Duration untilEnd = Duration.between(clock.instant(), end.plus(END_MARGIN));
        Duration bounded = untilEnd.compareTo(settings.maxRuntime()) > 0 ? settings.maxRuntime() : untilEnd;
        return bounded.compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMinutes(1) : bounded;
    }

    /** A label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric. */
    static String labelValue(String text) {
        String value = text.replaceAll("[^A-Za-z0-9._-]", "_");
        value = value.length() > 63 ? value.substring(value.length() - 63) : value;
        return value.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    }
}
