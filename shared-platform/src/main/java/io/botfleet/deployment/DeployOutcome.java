package io.botfleet.deployment;

import io.botfleet.bot.BotStatus;
import java.time.Duration;

/**
 * The answer to a deploy request: running (DEPLOYING, with platform and identifier), waiting
 * (QUEUED, with a position and an estimate), or FATAL with the reason. {@code replay} marks the
 * answer to a repeated Idempotency-Key.
 */
public record DeployOutcome(long botId, BotStatus status, String platform, String platformIdentifier,
                            Long queuePosition, Duration estimatedWait, String reason, boolean replay) {
}
