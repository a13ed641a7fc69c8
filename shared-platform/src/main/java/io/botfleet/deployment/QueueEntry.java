package io.botfleet.deployment;

import java.time.Instant;

/**
 * A bot's place in the global queue. {@code position} counts WAITING entries ahead of it, plus one;
 * {@code waitReason} says why it is not running yet; {@code tenantLine} is its place among its
 * tenant's entries, which the fair share serves side by side with the other tenants'.
 */
public record QueueEntry(long botId, String status, int priority, Instant queuedAt, Instant notBefore,
                         Instant timeoutAt, long position, WaitReason waitReason, TenantLine tenantLine) {

    /**
     * Its tenant's entries ahead of it (exact up to the queue's exact count, at least that many
     * beyond), the tenant's weight and limit (null: none), and the weights of every tenant with work.
     */
    public record TenantLine(long ahead, int weight, Integer limit, long busyWeights) {
    }
}
