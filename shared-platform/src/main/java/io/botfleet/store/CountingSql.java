package io.botfleet.store;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** Counts statements: on the RDS Data API each one is an HTTPS round trip, so this is the cost meter. */
public final class CountingSql implements Sql {
    private final Sql delegate;
    private final AtomicLong statements;

    public CountingSql(Sql delegate) {
        this(delegate, new AtomicLong());
    }

    private CountingSql(Sql delegate, AtomicLong statements) {
        this.delegate = delegate;
        this.statements = statements;
    }

    public long statements() {
        return statements.get();
    }

    @Override
    public List<Row> query(String statement, Params params) {
        statements.incrementAndGet();
        return delegate.query(statement, params);
    }

    @Override
    public int update(String statement, Params params) {
        statements.incrementAndGet();
        return delegate.update(statement, params);
    }

    @Override
    public void transaction(Consumer<Sql> work) {
        // statements inside the transaction count on the same meter
        delegate.transaction(inner -> work.accept(new CountingSql(inner, statements)));
    }
}
