package io.botfleet.platform;

/** One vocabulary for the state of a bot's container on every platform. */
public enum PlatformBotStatus {
    /** Being scheduled, pulled or started. */
    PENDING,
    RUNNING,
    /** Ended by itself, successfully (exit code 0, a completed Job). */
    SUCCEEDED,
    /** Ended, or cannot start, because something went wrong: the reason says what. */
    FAILED,
    /** Ended because it was stopped, or gone. */
    STOPPED,
    /** The platform could not be asked: says nothing about the container. */
    UNKNOWN;

    /** Whether the container is over: it will not run (again) by itself. */
    public boolean ended() {
        return this == SUCCEEDED || this == FAILED || this == STOPPED;
    }
}
