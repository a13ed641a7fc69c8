package io.botfleet.platform.mappers;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Job conditions and pod states, as Kubernetes reports them, to the platform-neutral status and its reason. */
class KubernetesStatusMapperTest {

    private static Job job(String condition, String reason) {
        JobBuilder job = new JobBuilder().withNewMetadata().withName("botfleet-bot-1").endMetadata();
        if (condition != null) {
            job.withNewStatus().addNewCondition().withType(condition).withStatus("True").withReason(reason).endCondition().endStatus();
        }
        return job.build();
    }

    private static Pod pod(String phase, String waiting, String terminatedReason, Integer exitCode) {
        var status = new ContainerStatusBuilder().withName("bot").withNewState();
        if (waiting != null) {
            status.withNewWaiting().withReason(waiting).withMessage("detail").endWaiting();
        } else if (exitCode != null) {
            status.withNewTerminated().withExitCode(exitCode).withReason(terminatedReason).endTerminated();
        } else {
            status.withNewRunning().endRunning();
        }
        return new PodBuilder().withNewMetadata().withName("p").withCreationTimestamp("2026-11-28T10:00:00Z").endMetadata()
                .withNewStatus().withPhase(phase).withContainerStatuses(status.endState().build()).endStatus().build();
    }

    private static PlatformStatus map(Job job, Pod... pods) {
        return KubernetesStatusMapper.map(job, List.of(pods));
    }

    @Test
    void theJobsVerdictComesFirst() {
        assertThat(map(job("Complete", null), pod("Succeeded", null, "Completed", 0)).state()).isEqualTo(PlatformBotStatus.SUCCEEDED);
        PlatformStatus oom = map(job("Failed", "BackoffLimitExceeded"), pod("Failed", null, "OOMKilled", 137));
        assertThat(oom.state()).isEqualTo(PlatformBotStatus.FAILED);
        assertThat(oom.reason()).contains("out of memory").contains("K8S_BOT_MEMORY");
        PlatformStatus deadline = map(job("Failed", "DeadlineExceeded"));
        assertThat(deadline.state()).isEqualTo(PlatformBotStatus.FAILED);
        assertThat(deadline.reason()).contains("deadline");
        assertThat(map(job("Failed", "BackoffLimitExceeded"), pod("Failed", null, "Error", 3)).reason()).contains("exited with code 3");
    }

    @Test
    void podWaitingReasonsTellAnImageThatCannotBePulledFromOneStillComing() {
        PlatformStatus backOff = map(job(null, null), pod("Pending", "ImagePullBackOff", null, null));
        assertThat(backOff.state()).isEqualTo(PlatformBotStatus.FAILED);
        assertThat(backOff.reason()).contains("image cannot be pulled").contains("ImagePullBackOff");
        PlatformStatus firstTry = map(job(null, null), pod("Pending", "ErrImagePull", null, null));
        assertThat(firstTry.state()).isEqualTo(PlatformBotStatus.PENDING);
        assertThat(firstTry.reason()).contains("tries again");
        PlatformStatus config = map(job(null, null), pod("Pending", "CreateContainerConfigError", null, null));
        assertThat(config.state()).isEqualTo(PlatformBotStatus.FAILED);
        assertThat(config.reason()).contains("cannot start").contains("CreateContainerConfigError");
        assertThat(map(job(null, null), pod("Pending", "ContainerCreating", null, null)).state()).isEqualTo(PlatformBotStatus.PENDING);
    }

    @Test
    void runningEndedEvictedAndGone() {
        assertThat(map(job(null, null), pod("Running", null, null, null))).isEqualTo(PlatformStatus.RUNNING);
        assertThat(map(job(null, null), pod("Running", null, "OOMKilled", 137)).reason()).contains("out of memory");
        assertThat(map(job(null, null), pod("Succeeded", null, "Completed", 0)).state()).isEqualTo(PlatformBotStatus.SUCCEEDED);
        Pod evicted = new PodBuilder(pod("Failed", null, null, null)).editStatus().withReason("Evicted")
                .withMessage("The node was low on resource: memory.").endStatus().build();
        assertThat(map(job(null, null), evicted).reason()).contains("evicted").contains("low on resource");
        assertThat(map(job(null, null)).state()).as("a Job whose pod is not made yet").isEqualTo(PlatformBotStatus.PENDING);
        assertThat(map(null).state()).isEqualTo(PlatformBotStatus.STOPPED);
    }
}
