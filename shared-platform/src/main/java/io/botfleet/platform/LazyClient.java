package io.botfleet.platform;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A client made on its first use, once, then kept. Making a client may read a file (a kubeconfig,
 * the trust store, an AWS profile), run a credential plugin or resolve names; none of that belongs
 * in construction, which runs before a SnapStart snapshot and for platforms a request may never
 * call. A make that fails is not kept: the next use tries again (a kubeconfig fixed meanwhile is
 * read then).
 */
public final class LazyClient<T> implements Supplier<T> {
    private final Supplier<? extends T> make;
    /** A lock, not {@code synchronized}: a virtual thread waiting here does not pin its carrier (Java 21). */
    private final ReentrantLock making = new ReentrantLock();
    private volatile T made;

    public LazyClient(Supplier<? extends T> make) {
        this.make = make;
    }

    /** A client made already (tests, priming): kept as it is. */
    public static <T> LazyClient<T> of(T client) {
        LazyClient<T> lazy = new LazyClient<>(() -> client);
        lazy.made = client;
        return lazy;
    }

    /** The client, made now if this is its first use; a failure to make it is thrown as it came. */
    @Override
    public T get() {
        T client = made;
        if (client != null) {
            return client;
        }
        making.lock();
        try {
            if (made == null) {
                made = make.get();
            }
            return made;
        } finally {
            making.unlock();
        }
    }
}
