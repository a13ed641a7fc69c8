package io.botfleet.testing;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import io.botfleet.store.SqlException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The SQL port with hooks, for interleaving tests: a chosen statement can wait for the test,
 * or fail before it runs, or run and commit and then lose its answer (as a Data API call can,
 * on a 504 or a dropped connection).
 */
public final class HookedSql implements Sql {

    /** Whether a hook acts before the statement runs or after it committed. */
    public enum When { BEFORE, AFTER }

    private record Hook(BiPredicate<String, Params> matches, When when, Runnable action, AtomicInteger remaining) {
    }

    private final Sql delegate;
    private final List<Hook> hooks = new CopyOnWriteArrayList<>();
    private final AtomicInteger statements = new AtomicInteger();

    public HookedSql(Sql delegate) {
        this.delegate = delegate;
    }

    /** Statements whose text contains {@code fragment}. */
    public static BiPredicate<String, Params> containing(String fragment) {
        return (statement, params) -> statement.contains(fragment);
    }

    /** Runs {@code action} at the next {@code times} statements that match. */
    public HookedSql on(BiPredicate<String, Params> matches, When when, int times, Runnable action) {
        hooks.add(new Hook(matches, when, action, new AtomicInteger(times)));
        return this;
    }

    /** The next matching statement fails: before it runs, or after it committed. */
    public HookedSql failOnce(BiPredicate<String, Params> matches, When when) {
        return on(matches, when, 1, () -> {
            throw new SqlException("injected", (when == When.BEFORE ? "before running" : "after its commit") + " (injected)", null);
        });
    }

    /** How many statements went through. */
    public int statements() {
        return statements.get();
    }

    @Override
    public List<Row> query(String statement, Params params) {
        return run(statement, params, () -> delegate.query(statement, params));
    }

    @Override
    public int update(String statement, Params params) {
        return run(statement, params, () -> delegate.update(statement, params));
    }

    @Override
    public void transaction(Consumer<Sql> work) {
        delegate.transaction(work);
    }

    private <T> T run(String statement, Params params, java.util.function.Supplier<T> call) {
        statements.incrementAndGet();
        fire(statement, params, When.BEFORE);
        T result = call.get();
        fire(statement, params, When.AFTER);
        return result;
    }

    private void fire(String statement, Params params, When when) {
        for (Hook hook : hooks) {
            if (hook.when() == when && hook.matches().test(statement, params)
                    && hook.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                hook.action().run();
            }
        }
    }
}
