package io.botfleet.platform.mappers;

import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformStatus;
import java.util.Locale;

/**
 * Coolify's application status, a {@code state:health} string ({@code running:healthy},
 * {@code starting:unknown}, a bare {@code exited}, ...), as the platform-neutral status. It is
 * read by its state prefix: the health suffix varies with health checks and Coolify versions, so
 * the whole string is never compared.
 */
public final class CoolifyStatusMapper {
    private CoolifyStatusMapper() {
    }

    public static PlatformStatus map(String status) {
        PlatformBotStatus state = state(status);
        return PlatformStatus.of(state, switch (state) {
            case FAILED -> "Coolify reports the application " + status + ": it crashes or restarts";
            case UNKNOWN -> "Coolify reports an application status botfleet does not know: " + status;
            default -> null;
        });
    }

    private static PlatformBotStatus state(String status) {
        if (status == null || status.isBlank()) {
            return PlatformBotStatus.UNKNOWN;
        }
        String state = status.split(":", 2)[0].strip().toLowerCase(Locale.ROOT);
        return switch (state) {
            case "running" -> PlatformBotStatus.RUNNING;
            case "starting", "created", "restarting" -> PlatformBotStatus.PENDING;
            case "exited", "paused", "dead", "removing" -> PlatformBotStatus.STOPPED;
            case "degraded" -> PlatformBotStatus.FAILED; // a crash loop, or some containers up and some down
            default -> PlatformBotStatus.UNKNOWN;
        };
    }
}
