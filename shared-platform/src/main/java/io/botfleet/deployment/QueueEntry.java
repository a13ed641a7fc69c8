package io.botfleet.deployment;

import java.time.Instant;

/**
 * A bot's place in the global queue. {@code position} counts WAITING entries ahead of it, plus one;
 * {@code waitReason} says why it is not running yet.
 */
public record QueueEntry(long botId, String status, int priority, Instant queuedAt, Instant notBefore,
                         Instant timeoutAt, long position, WaitReason waitReason) {
}
