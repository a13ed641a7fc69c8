package io.botfleet.config;

/** A setting is missing or malformed; the message names it. Start-up stops on this. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
