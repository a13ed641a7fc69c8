package io.botfleet.platform.mappers;

import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformStatus;
import java.util.List;
import java.util.Set;

/**
 * An ECS task's state as the platform-neutral status, with a reason a user can act on. A task is
 * over only at {@code lastStatus} STOPPED; then its {@code stopCode} says why: a Spot
 * interruption reclaimed its capacity, it failed to start (an image that cannot be pulled), its
 * essential container exited (with code 0: the bot finished), or someone stopped it. A task whose
 * desired status is STOPPED is still stopping, and still holds its capacity.
 */
public final class EcsStatusMapper {
    private static final Set<String> STARTING = Set.of("PROVISIONING", "PENDING", "ACTIVATING");
    private static final Set<String> RECLAIMED = Set.of("SpotInterruption", "TerminationNotice");

    /** What a DescribeTasks answer or a task state change event says of one task. */
    public record TaskState(String lastStatus, String desiredStatus, String stopCode, String stoppedReason,
                            List<ContainerExit> containers) {
    }

    /** A container of the task, as it ended (or null exit code when it has not, or never started). */
    public record ContainerExit(String name, Integer exitCode, String reason) {
    }

    private EcsStatusMapper() {
    }

    /** @param botContainer the bot's container (the task's essential one), named in the task definition */
    public static PlatformStatus map(TaskState task, String botContainer) {
        String last = String.valueOf(task.lastStatus());
        if (!last.equals("STOPPED")) {
            boolean stopping = "STOPPED".equals(task.desiredStatus());
            String why = stopping ? "stopping" + (task.stoppedReason() == null ? "" : ": " + task.stoppedReason()) : null;
            return PlatformStatus.of(STARTING.contains(last) && !stopping ? PlatformBotStatus.PENDING
                    : last.equals("RUNNING") || stopping || last.equals("DEACTIVATING") || last.equals("STOPPING")
                    || last.equals("DEPROVISIONING") ? PlatformBotStatus.RUNNING : PlatformBotStatus.UNKNOWN, why);
        }
        String stopCode = String.valueOf(task.stopCode());
        String reason = task.stoppedReason() == null ? stopCode : stopCode + ": " + task.stoppedReason();
        if (RECLAIMED.contains(stopCode)) {
            return PlatformStatus.reclaimed("Spot capacity was reclaimed (" + reason + ")");
        }
        if (stopCode.equals("TaskFailedToStart")) {
            return PlatformStatus.of(PlatformBotStatus.FAILED, "the task failed to start (" + reason + ")");
        }
        if (stopCode.equals("EssentialContainerExited")) {
            ContainerExit bot = task.containers().stream().filter(c -> botContainer.equals(c.name())).findFirst()
                    .orElse(task.containers().isEmpty() ? new ContainerExit(botContainer, null, null) : task.containers().get(0));
            if (bot.exitCode() != null && bot.exitCode() == 0) {
                return PlatformStatus.of(PlatformBotStatus.SUCCEEDED, null);
            }
            return PlatformStatus.of(PlatformBotStatus.FAILED, bot.exitCode() == null
                    ? "the bot's container exited without an exit code" + (bot.reason() == null ? "" : " (" + bot.reason() + ")")
                    : "the bot's container exited with code " + bot.exitCode() + (bot.reason() == null ? "" : " (" + bot.reason() + ")"));
        }
        return PlatformStatus.of(PlatformBotStatus.STOPPED, "the task was stopped (" + reason + ")");
    }
}
