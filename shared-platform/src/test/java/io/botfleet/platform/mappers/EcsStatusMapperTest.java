package io.botfleet.platform.mappers;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.platform.mappers.EcsStatusMapper.ContainerExit;
import io.botfleet.platform.mappers.EcsStatusMapper.TaskState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ECS task states and stop codes, as DescribeTasks and task state change events report them. */
class EcsStatusMapperTest {
    private static PlatformStatus map(String last, String desired, String stopCode, String reason, Integer exit) {
        return EcsStatusMapper.map(new TaskState(last, desired, stopCode, reason,
                List.of(new ContainerExit("bot", exit, null))), "bot");
    }

    @Test
    void aTaskIsOverOnlyWhenStopped() {
        assertThat(map("PROVISIONING", "RUNNING", null, null, null).state()).isEqualTo(PlatformBotStatus.PENDING);
        assertThat(map("PENDING", "RUNNING", null, null, null).state()).isEqualTo(PlatformBotStatus.PENDING);
        assertThat(map("RUNNING", "RUNNING", null, null, null)).isEqualTo(PlatformStatus.RUNNING);
        PlatformStatus stopping = map("RUNNING", "STOPPED", null, "Scaling activity initiated by user", null);
        assertThat(stopping.state()).as("stopping still holds its capacity").isEqualTo(PlatformBotStatus.RUNNING);
        assertThat(stopping.reason()).startsWith("stopping");
        assertThat(map("DEPROVISIONING", "STOPPED", null, null, null).state().ended()).isFalse();
    }

    @Test
    void theStopCodeSaysWhy() {
        PlatformStatus spot = map("STOPPED", "STOPPED", "SpotInterruption", "Your Spot Task was interrupted.", null);
        assertThat(spot.state()).isEqualTo(PlatformBotStatus.STOPPED);
        assertThat(spot.capacityReclaimed()).isTrue();
        assertThat(map("STOPPED", "STOPPED", "TerminationNotice", null, null).capacityReclaimed()).isTrue();
        PlatformStatus pull = map("STOPPED", "STOPPED", "TaskFailedToStart",
                "CannotPullContainerError: pull image manifest has been retried 5 time(s)", null);
        assertThat(pull.state()).isEqualTo(PlatformBotStatus.FAILED);
        assertThat(pull.reason()).contains("failed to start").contains("CannotPullContainerError");
        assertThat(map("STOPPED", "STOPPED", "EssentialContainerExited", null, 0).state()).isEqualTo(PlatformBotStatus.SUCCEEDED);
        PlatformStatus crash = map("STOPPED", "STOPPED", "EssentialContainerExited", null, 137);
        assertThat(crash.state()).isEqualTo(PlatformBotStatus.FAILED);
        assertThat(crash.reason()).contains("code 137");
        assertThat(map("STOPPED", "STOPPED", "EssentialContainerExited", null, null).state())
                .as("no exit code is a failure").isEqualTo(PlatformBotStatus.FAILED);
        PlatformStatus user = map("STOPPED", "STOPPED", "UserInitiated", "botfleet: bot 8 stopped", null);
        assertThat(user.state()).isEqualTo(PlatformBotStatus.STOPPED);
        assertThat(user.capacityReclaimed()).isFalse();
        assertThat(user.reason()).contains("botfleet: bot 8 stopped");
    }
}
