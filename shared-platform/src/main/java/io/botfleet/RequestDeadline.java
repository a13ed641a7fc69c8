package io.botfleet;

import java.time.Duration;

/**
 * When the HTTP request this thread serves must be answered: API Gateway cuts an HTTP API
 * integration off at 30 s, so a request's platform calls and database retries fit inside a
 * budget set when it arrives. Threads serving no request (the drain) have none.
 */
public final class RequestDeadline {
    private static final ThreadLocal<Long> END = new ThreadLocal<>();

    private RequestDeadline() {
    }

    public static void start(Duration budget) {
        END.set(System.nanoTime() + budget.toNanos());
    }

    public static void clear() {
        END.remove();
    }

    /** The time left before the answer is due, or null when this thread serves no request. */
    public static Duration left() {
        Long end = END.get();
        return end == null ? null : Duration.ofNanos(Math.max(0, end - System.nanoTime()));
    }
}
