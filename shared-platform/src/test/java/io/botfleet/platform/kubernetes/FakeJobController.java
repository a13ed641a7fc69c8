package io.botfleet.platform.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the cluster does that fabric8's CRUD mock server does not: each botfleet Job gets a running
 * pod, a pod whose Job was deleted goes (its grace period over), and a test can make a bot's
 * container end with an exit code, as the kubelet and the Job controller would report it.
 */
final class FakeJobController {
    private final KubernetesClient client;
    private final String namespace;

    FakeJobController(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** One pass of the controllers: pods for new Jobs, no pods for deleted ones. */
    void step() {
        var jobs = client.batch().v1().jobs().inNamespace(namespace).withLabel(BotJobs.MANAGED_BY, BotJobs.BOTFLEET).list().getItems();
        var pods = client.pods().inNamespace(namespace).withLabel(BotJobs.MANAGED_BY, BotJobs.BOTFLEET).list().getItems();
        Set<String> withPods = pods.stream().map(p -> p.getMetadata().getLabels().get(BotJobs.BOT_ID)).collect(Collectors.toSet());
        Set<String> withJobs = jobs.stream().map(j -> j.getMetadata().getLabels().get(BotJobs.BOT_ID)).collect(Collectors.toSet());
        for (Job job : jobs) {
            if (!withPods.contains(job.getMetadata().getLabels().get(BotJobs.BOT_ID))) {
                client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata()
                        .withName(job.getMetadata().getName() + "-pod").withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
                        .withCreationTimestamp(java.time.Instant.now().toString()).endMetadata()
                        .withNewStatus().withPhase("Running").addNewContainerStatus().withName("bot").withNewState().withNewRunning()
                        .endRunning().endState().endContainerStatus().endStatus().build()).create();
            }
        }
        for (Pod pod : pods) {
            if (!withJobs.contains(pod.getMetadata().getLabels().get(BotJobs.BOT_ID))) {
                client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
            }
        }
    }

    /** The bot's container exits with this code; the Job completes or fails as the Job controller would mark it. */
    void exit(long botId, int code) {
        String name = BotJobs.name(botId);
        client.pods().inNamespace(namespace).withName(name + "-pod").edit(p -> new PodBuilder(p).editStatus()
                .withPhase(code == 0 ? "Succeeded" : "Failed").withContainerStatuses(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                        .withName("bot").withNewState().withNewTerminated().withExitCode(code)
                        .withReason(code == 0 ? "Completed" : "Error").endTerminated().endState().build()).endStatus().build());
        client.batch().v1().jobs().inNamespace(namespace).withName(name).edit(j -> new JobBuilder(j).withNewStatus()
                .addNewCondition().withType(code == 0 ? "Complete" : "Failed").withStatus("True")
                .withReason(code == 0 ? null : "BackoffLimitExceeded").endCondition().endStatus().build());
    }

    /** The bot's Job and pod are gone (deleted by hand, or by the Job's TTL). */
    void vanish(long botId) {
        client.batch().v1().jobs().inNamespace(namespace).withName(BotJobs.name(botId)).delete();
        client.pods().inNamespace(namespace).withName(BotJobs.name(botId) + "-pod").delete();
    }

    long runningPods() {
        return client.pods().inNamespace(namespace).withLabel(BotJobs.MANAGED_BY, BotJobs.BOTFLEET).list().getItems().stream()
                .filter(p -> "Running".equals(p.getStatus().getPhase())).count();
    }
}
