package io.botfleet.platform.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the cluster does that fabric8's CRUD mock server does not: each botfleet Job gets a running
 * pod, a pod whose Job was deleted goes (its grace period over), and a test can make a bot's
 * container end with an exit code, as the kubelet and the Job controller would report it.
 */
public final class FakeJobController {
    private final KubernetesClient client;
    private final String namespace;
    private final Map<Long, Integer> jobsByBot = new HashMap<>();
    private final Set<String> unfinished = new HashSet<>();
    private int peakJobs;

    public FakeJobController(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /**
     * Watches botfleet's Jobs from now on, in the API server's order, to count how many run at
     * once (created, and neither finished nor deleted) and how many each bot had created.
     */
    public Watch countJobs() {
        return client.batch().v1().jobs().inNamespace(namespace).withLabel(BotJobs.MANAGED_BY, BotJobs.BOTFLEET)
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Job job) {
                        String bot = job.getMetadata().getLabels().get(BotJobs.BOT_ID);
                        synchronized (jobsByBot) {
                            if (action == Action.ADDED) {
                                jobsByBot.merge(Long.parseLong(bot), 1, Integer::sum);
                                unfinished.add(job.getMetadata().getName());
                                peakJobs = Math.max(peakJobs, unfinished.size());
                            } else if (action == Action.DELETED || finished(job)) {
                                unfinished.remove(job.getMetadata().getName());
                            }
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                });
    }

    private static boolean finished(Job job) {
        return job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions().stream()
                .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
    }

    /** The most botfleet Jobs that ran at once, since {@link #countJobs()}. */
    public int peakJobs() {
        synchronized (jobsByBot) {
            return peakJobs;
        }
    }

    /** How many Jobs were created for each bot, since {@link #countJobs()}. */
    public Map<Long, Integer> jobsCreated() {
        synchronized (jobsByBot) {
            return Map.copyOf(jobsByBot);
        }
    }

    /** One pass of the controllers: pods for new Jobs, no pods for deleted ones. */
    public void step() {
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
    public void exit(long botId, int code) {
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
        return runningBots().size();
    }

    /** The bots whose pod runs. */
    public List<Long> runningBots() {
        return client.pods().inNamespace(namespace).withLabel(BotJobs.MANAGED_BY, BotJobs.BOTFLEET).list().getItems().stream()
                .filter(p -> "Running".equals(p.getStatus().getPhase()))
                .map(p -> Long.parseLong(p.getMetadata().getLabels().get(BotJobs.BOT_ID))).toList();
    }
}
