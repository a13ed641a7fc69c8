package io.botfleet.platform;

import java.time.Duration;

/**
 * The time a piece of work may take (a drain: the Lambda's remaining time less a margin). Work
 * asks before each step whether it still fits, so it never starts a platform call it could not
 * wait for.
 */
public final class Budget {
    private static final Budget UNBOUNDED = new Budget(0, true);

    private final long end;
    private final boolean unbounded;

    private Budget(long end, boolean unbounded) {
        this.end = end;
        this.unbounded = unbounded;
    }

    public static Budget of(Duration duration) {
        return new Budget(System.nanoTime() + duration.toNanos(), false);
    }

    /** For a request whose only limit is each call's own timeout. */
    public static Budget unbounded() {
        return UNBOUNDED;
    }

    /** Whether {@code step} still fits. */
    public boolean allows(Duration step) {
        return unbounded || end - System.nanoTime() >= step.toNanos();
    }

    /** Whether any time is left at all, for a bounded statement. */
    public boolean left() {
        return allows(Duration.ZERO);
    }
}
