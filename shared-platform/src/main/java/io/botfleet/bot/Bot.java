package io.botfleet.bot;

import java.time.Instant;

/**
 * A bot as stored: its configuration and where it is in its lifecycle.
 *
 * @param deployAttempts how many times the bot was claimed on a platform afresh; a deploy repeated
 *                       after a lost answer keeps the number, so a platform can make its
 *                       idempotency key of it (an ECS {@code clientToken})
 * @param joinedAt       when it first reached its call in its latest placement
 */
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
        Instant lastHeartbeat,
        int deployAttempts,
        Instant joinedAt) {

    /**
     * How late a scheduled bot reached its call: from its start time to when it joined, zero when
     * on time; null when it has no start time or has not joined.
     */
    public java.time.Duration lateBy() {
        if (config.startTime() == null || joinedAt == null) {
            return null;
        }
        java.time.Duration late = java.time.Duration.between(config.startTime(), joinedAt);
        return late.isNegative() ? java.time.Duration.ZERO : late;
    }

    /** The bot as a fresh claim on a platform leaves it: its attempt number is {@code attempt} now. */
    public Bot claimedAgain(int attempt) {
        return new Bot(id, config, BotStatus.DEPLOYING, statusReason, deploymentPlatform, platformIdentifier, createdAt,
                deployedAt, endedAt, lastHeartbeat, attempt, joinedAt);
    }
}
