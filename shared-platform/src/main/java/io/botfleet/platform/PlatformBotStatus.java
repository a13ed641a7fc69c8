package io.botfleet.platform;

/** One vocabulary for what every platform says about a bot's container. */
public enum PlatformBotStatus {
    PENDING, RUNNING, STOPPED, FAILED, UNKNOWN
}
