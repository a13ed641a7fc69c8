package io.botfleet.platform;

import java.time.Duration;

/**
 * The time a piece of work may take (a drain: the Lambda's remaining time less a margin). Work
 * asks before each step whether it still fits, so it never starts a platform call it could not
 * wait for.
 */
public final class Budget {
    private static final Budget UNBOUNDED = new Budget(0, true, false);

    private final long end;
    private final boolean unbounded;
    private final boolean request;

    private Budget(long end, boolean unbounded, boolean request) {
        this.end = end;
        this.unbounded = unbounded;
        this.request = request;
    }

    public static Budget of(Duration duration) {
        return new Budget(System.nanoTime() + duration.toNanos(), false, false);
    }

    /**
     * For an HTTP request that must be answered within {@code left}: a call starts while any time
     * is left and is waited for no longer than that; one still running then is "outcome unknown",
     * and the drain finds out what it did.
     */
    public static Budget request(Duration left) {
        return new Budget(System.nanoTime() + left.toNanos(), false, true);
    }

    /** The HTTP request's deadline on this thread ({@link io.botfleet.RequestDeadline}); none: unbounded. */
    public static Budget forRequest() {
        Duration left = io.botfleet.RequestDeadline.left();
        return left == null ? unbounded() : request(left);
    }

    /** For a request whose only limit is each call's own timeout. */
    public static Budget unbounded() {
        return UNBOUNDED;
    }

    /** Whether {@code step} still fits (for a request: whether any time is left to start it). */
    public boolean allows(Duration step) {
        return unbounded || end - System.nanoTime() >= (request ? 1 : step.toNanos());
    }

    /** How long to wait for a call whose own timeout is {@code timeout}. */
    public Duration waitFor(Duration timeout) {
        if (!request) {
            return timeout;
        }
        Duration left = Duration.ofNanos(Math.max(0, end - System.nanoTime()));
        return left.compareTo(timeout) < 0 ? left : timeout;
    }

    /** Whether any time is left at all, for a bounded statement. */
    public boolean left() {
        return allows(Duration.ZERO);
    }
}
