package io.botfleet.functions;

import io.botfleet.Services;

/**
 * The service graph of one Lambda container, built on first use during init and kept for every
 * invocation the container serves (the holder idiom: no locking on the hot path).
 */
final class FunctionServices {
    private FunctionServices() {
    }

    private static final class Holder {
        static final Services SERVICES = Services.fromEnvironment(System.getenv());

        static {
            Priming.register(SERVICES); // SnapStart primes these before its snapshot
        }
    }

    static Services get() {
        return Holder.SERVICES;
    }
}
