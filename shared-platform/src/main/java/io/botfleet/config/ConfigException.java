package io.botfleet.config;

import io.botfleet.log.Redacted;

/**
 * A setting is missing or malformed; the message names it and never quotes its value (which may be
 * a secret, or a secret given to the wrong setting). Start-up stops on this.
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    /** {@code failure}, a parser's, is kept as a {@link Redacted} copy: its message may quote the value. */
    public ConfigException(String message, Throwable failure) {
        super(message, Redacted.of(failure));
    }
}
