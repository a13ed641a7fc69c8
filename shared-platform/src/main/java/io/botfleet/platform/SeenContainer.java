package io.botfleet.platform;

/** A container a platform runs for botfleet, as one list call saw it: whose it is, where, and how it is. */
public record SeenContainer(long botId, String identifier, PlatformStatus status) {
}
