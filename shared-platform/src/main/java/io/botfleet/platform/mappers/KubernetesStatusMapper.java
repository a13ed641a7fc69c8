package io.botfleet.platform.mappers;

import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformStatus;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A bot's Job and its pods as the platform-neutral status, with a reason a user can act on. The
 * Job's own verdict (Complete, Failed) comes first; then the newest pod's: its container's
 * waiting reason (an image that cannot be pulled, a configuration that cannot be made), how it
 * terminated (exit code, OOMKilled), or an eviction. Reasons are read from {@code reason}, where
 * Kubernetes puts the signal, never from the free-text message.
 */
public final class KubernetesStatusMapper {
    /** Waiting reasons that will not resolve by themselves. */
    private static final Set<String> CANNOT_START = Set.of("ImagePullBackOff", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError", "RunContainerError");

    private KubernetesStatusMapper() {
    }

    /** @param job null when the Job is gone; {@code pods} are those labelled with the bot's id */
    public static PlatformStatus map(Job job, List<Pod> pods) {
        Optional<Pod> pod = pods.stream().max(Comparator.comparing(p -> String.valueOf(p.getMetadata().getCreationTimestamp())));
        if (job != null && condition(job, "Complete")) {
            return PlatformStatus.of(PlatformBotStatus.SUCCEEDED, null);
        }
        if (job != null && condition(job, "Failed")) {
            String why = pod.flatMap(KubernetesStatusMapper::terminated).map(KubernetesStatusMapper::describe)
                    .orElseGet(() -> jobFailure(job));
            return PlatformStatus.of(PlatformBotStatus.FAILED, why);
        }
        if (pod.isEmpty()) {
            if (job == null) {
                return PlatformStatus.of(PlatformBotStatus.STOPPED, "the bot's Job is gone");
            }
            return job.getMetadata().getDeletionTimestamp() != null
                    ? PlatformStatus.of(PlatformBotStatus.STOPPED, "the bot's Job is being deleted")
                    : PlatformStatus.of(PlatformBotStatus.PENDING, "waiting for the Job's pod");
        }
        return ofPod(pod.get());
    }

    private static PlatformStatus ofPod(Pod pod) {
        var status = pod.getStatus();
        if (status == null) {
            return PlatformStatus.of(PlatformBotStatus.PENDING, null);
        }
        if ("Evicted".equals(status.getReason())) {
            return PlatformStatus.of(PlatformBotStatus.FAILED, "the pod was evicted: " + status.getMessage());
        }
        Optional<ContainerStateWaiting> waiting = container(pod).map(c -> c.getState() == null ? null : c.getState().getWaiting());
        if (waiting.isPresent() && waiting.get().getReason() != null) {
            String reason = waiting.get().getReason();
            String detail = reason + (waiting.get().getMessage() == null ? "" : ": " + waiting.get().getMessage());
            if (CANNOT_START.contains(reason)) {
                return PlatformStatus.of(PlatformBotStatus.FAILED, reason.equals("ImagePullBackOff") || reason.equals("InvalidImageName")
                        ? "the bot's image cannot be pulled (" + detail + ")" : "the bot's container cannot start (" + detail + ")");
            }
            return PlatformStatus.of(PlatformBotStatus.PENDING, reason.equals("ErrImagePull")
                    ? "pulling the bot's image failed, Kubernetes tries again (" + detail + ")" : reason);
        }
        Optional<ContainerStateTerminated> terminated = terminated(pod);
        if (terminated.isPresent()) {
            Integer exit = terminated.get().getExitCode();
            return exit != null && exit == 0 ? PlatformStatus.of(PlatformBotStatus.SUCCEEDED, null)
                    : PlatformStatus.of(PlatformBotStatus.FAILED, describe(terminated.get()));
        }
        return switch (String.valueOf(status.getPhase())) {
            case "Running" -> pod.getMetadata().getDeletionTimestamp() != null
                    ? PlatformStatus.of(PlatformBotStatus.RUNNING, "stopping: the pod is terminating")
                    : PlatformStatus.RUNNING;
            case "Succeeded" -> PlatformStatus.of(PlatformBotStatus.SUCCEEDED, null);
            case "Failed" -> PlatformStatus.of(PlatformBotStatus.FAILED, "the pod failed" + reasonOf(status.getReason(), status.getMessage()));
            case "Pending" -> PlatformStatus.of(PlatformBotStatus.PENDING, unschedulable(pod).orElse(null));
            default -> PlatformStatus.unknown("the pod's phase is " + status.getPhase());
        };
    }

    private static Optional<ContainerStatus> container(Pod pod) {
        List<ContainerStatus> statuses = pod.getStatus().getContainerStatuses();
        return statuses == null || statuses.isEmpty() ? Optional.empty() : Optional.of(statuses.get(0));
    }

    private static Optional<ContainerStateTerminated> terminated(Pod pod) {
        return pod.getStatus() == null ? Optional.empty()
                : container(pod).map(c -> c.getState() == null ? null : c.getState().getTerminated());
    }

    private static String describe(ContainerStateTerminated t) {
        if ("OOMKilled".equals(t.getReason())) {
            return "the bot ran out of memory (OOMKilled): raise K8S_BOT_MEMORY";
        }
        return "the bot's container exited with code " + t.getExitCode() + reasonOf(t.getReason(), t.getMessage());
    }

    private static String jobFailure(Job job) {
        JobCondition failed = job.getStatus().getConditions().stream()
                .filter(c -> "Failed".equals(c.getType())).findFirst().orElseThrow();
        if ("DeadlineExceeded".equals(failed.getReason())) {
            return "the bot ran past its deadline (activeDeadlineSeconds: its end time, or K8S_MAX_RUNTIME)";
        }
        return "the bot's Job failed" + reasonOf(failed.getReason(), failed.getMessage());
    }

    private static Optional<String> unschedulable(Pod pod) {
        List<PodCondition> conditions = pod.getStatus().getConditions();
        return conditions == null ? Optional.empty() : conditions.stream()
                .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
                .findFirst().map(c -> "not scheduled yet" + reasonOf(c.getReason(), c.getMessage()));
    }

    private static boolean condition(Job job, String type) {
        return job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions().stream()
                .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static String reasonOf(String reason, String message) {
        if (reason == null && message == null) {
            return "";
        }
        return " (" + (reason == null ? message : message == null ? reason : reason + ": " + message) + ")";
    }
}
