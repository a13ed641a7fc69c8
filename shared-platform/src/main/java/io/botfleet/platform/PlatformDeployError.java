package io.botfleet.platform;

/** A classified platform failure; the kind decides what the coordinator does next. */
public final class PlatformDeployError extends Exception {

    public enum Kind {
        /** The platform is full: try the next one, then queue. */
        CAPACITY,
        /** Worth another try later or elsewhere: timeouts, throttling, 5xx. */
        TRANSIENT,
        /** Retrying cannot help (bad image, invalid request): the bot ends FATAL. */
        PERMANENT
    }

    private final Kind kind;
    private final String platform;
    private final boolean outcomeUnknown;
    private final String stopping;

    /** No answer in time: TRANSIENT, and the container may have started anyway. */
    public static PlatformDeployError timedOut(String platform, java.time.Duration timeout) {
        return outcomeUnknown(platform, "no answer within " + timeout.toMillis() + " ms", null);
    }

    /** The call failed in a way that does not prove it had no effect (an unchecked exception, a lost answer). */
    public static PlatformDeployError outcomeUnknown(String platform, String message, Throwable cause) {
        return new PlatformDeployError(Kind.TRANSIENT, platform, message, cause, true, null);
    }

    /**
     * A stop that asked the platform to stop containers it can no longer find by the bot's name once
     * asked (ECS lists a task by its {@code startedBy} only while it is meant to run): not done yet,
     * and the next try must be given {@code identifiers} (one string, as the platform reads it back).
     */
    public static PlatformDeployError stillStopping(String platform, String message, String identifiers) {
        return new PlatformDeployError(Kind.TRANSIENT, platform, message, null, false, identifiers);
    }

    public PlatformDeployError(Kind kind, String platform, String message) {
        this(kind, platform, message, null);
    }

    public PlatformDeployError(Kind kind, String platform, String message, Throwable cause) {
        this(kind, platform, message, cause, false, null);
    }

    private PlatformDeployError(Kind kind, String platform, String message, Throwable cause, boolean outcomeUnknown,
                                String stopping) {
        super(platform + ": " + message, cause);
        this.kind = kind;
        this.platform = platform;
        this.outcomeUnknown = outcomeUnknown;
        this.stopping = stopping;
    }

    /** True when the platform may have acted although the call failed (a timeout). */
    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }

    /** For a stop not done yet: the containers its next try must look at, else null. */
    public String stopping() {
        return stopping;
    }

    public Kind kind() {
        return kind;
    }

    public String platform() {
        return platform;
    }
}
