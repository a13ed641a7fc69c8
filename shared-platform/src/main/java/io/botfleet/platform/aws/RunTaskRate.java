package io.botfleet.platform.aws;

import java.time.Duration;

/**
 * A token bucket for RunTask calls of this instance: a drain of hundreds of bots spreads its
 * calls out instead of meeting ECS's throttling (20 RunTask calls a second per account). Each
 * Lambda instance has its own, so the rate is per instance.
 */
final class RunTaskRate {
    private final int perSecond;
    private double tokens;
    private long refilledAt = System.nanoTime();

    RunTaskRate(int perSecond) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
    }

    /** Takes a token, waiting for one at most {@code within}; false when none came in time (nothing was sent). */
    boolean take(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            long wait;
            synchronized (this) {
                long now = System.nanoTime();
                tokens = Math.min(perSecond, tokens + (now - refilledAt) / 1e9 * perSecond);
                refilledAt = now;
                if (tokens >= 1) {
                    tokens -= 1;
                    return true;
                }
                wait = (long) ((1 - tokens) / perSecond * 1e9);
            }
            if (System.nanoTime() + wait > deadline) {
                return false;
            }
            Thread.sleep(Duration.ofNanos(wait));
        }
    }
}
