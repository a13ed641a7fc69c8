package io.botfleet.bot;

import java.time.Instant;

/**
 * What a caller asks for: everything the bot container needs to join and behave.
 * {@code priority} orders the global queue (lower first); {@code tenant} scopes idempotency keys.
 */
public record BotConfig(
        Meeting meeting,
        String displayName,
        String imageUrl,
        boolean recordingEnabled,
        AutomaticLeave automaticLeave,
        Instant startTime,
        Instant endTime,
        String callbackUrl,
        String tenant,
        int priority) {
}
