package io.botfleet.testing;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import io.botfleet.store.SqlException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The SQL port failing as a Data API call can: a seeded fraction of statements fails, half of
 * them before running, half after committing (the answer lost on the way back).
 */
public final class FaultySql implements Sql {
    private final Sql delegate;
    private final Random random;
    private final double rate;
    private volatile boolean on = true;
    private final AtomicInteger before = new AtomicInteger();
    private final AtomicInteger after = new AtomicInteger();

    public FaultySql(Sql delegate, double rate, long seed) {
        this.delegate = delegate;
        this.rate = rate;
        this.random = new Random(seed);
    }

    /** Faults stop from now on. */
    public void heal() {
        on = false;
    }

    /** Statements failed before they ran, and after they committed. */
    public int[] injected() {
        return new int[] {before.get(), after.get()};
    }

    @Override
    public List<Row> query(String statement, Params params) {
        return run(() -> delegate.query(statement, params));
    }

    @Override
    public int update(String statement, Params params) {
        return run(() -> delegate.update(statement, params));
    }

    @Override
    public void transaction(Consumer<Sql> work) {
        delegate.transaction(work);
    }

    private <T> T run(Supplier<T> statement) {
        double draw = on ? random.nextDouble() : 1;
        if (draw < rate / 2) {
            before.incrementAndGet();
            throw new SqlException("injected", "before running (injected)", null);
        }
        T result = statement.get();
        if (draw < rate) {
            after.incrementAndGet();
            throw new SqlException("injected", "after its commit, answer lost (injected)", null);
        }
        return result;
    }
}
