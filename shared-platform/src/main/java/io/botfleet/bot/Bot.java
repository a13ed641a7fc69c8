package io.botfleet.bot;

import java.time.Instant;

/** A bot as stored: its configuration and where it is in its lifecycle. */
public record Bot(
        long id,
        BotConfig config,
        BotStatus status,
        String statusReason,
        String deploymentPlatform,
        String platformIdentifier,
        Instant createdAt,
        Instant deployedAt,
        Instant endedAt,
        Instant lastHeartbeat) {
}
