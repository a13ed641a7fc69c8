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

    public PlatformDeployError(Kind kind, String platform, String message) {
        this(kind, platform, message, null);
    }

    public PlatformDeployError(Kind kind, String platform, String message, Throwable cause) {
        super(platform + ": " + message, cause);
        this.kind = kind;
        this.platform = platform;
    }

    public Kind kind() {
        return kind;
    }

    public String platform() {
        return platform;
    }
}
