package io.botfleet.functions;

import io.botfleet.Log;
import io.botfleet.Services;
import io.botfleet.config.ConfigException;
import io.botfleet.log.Redacted;
import java.util.Map;

/**
 * The service graph of one Lambda container, built on first use during init and kept for every
 * invocation the container serves (the holder idiom: no locking on the hot path).
 */
final class FunctionServices {
    private FunctionServices() {
    }

    private static final class Holder {
        static final Services SERVICES = start();

        static {
            Priming.register(SERVICES); // SnapStart primes these before its snapshot
        }
    }

    static Services get() {
        return Holder.SERVICES;
    }

    /**
     * The services, or the failure as a log line and an exception that quote no library's text:
     * Lambda reports an init error with its whole chain, messages included, and a parser's or a
     * driver's message may quote a setting.
     */
    private static Services start() {
        try {
            return Services.fromEnvironment(System.getenv());
        } catch (RuntimeException e) {
            Log.error("function.init_failed", Map.of(), e);
            throw e instanceof ConfigException config ? config
                    : new IllegalStateException("the function cannot start: " + Redacted.typeOf(e), Redacted.of(e));
        }
    }
}
