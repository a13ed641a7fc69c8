package io.botfleet.store;

import java.util.List;
import java.util.function.Consumer;

/**
 * The one SQL port. Statements use named parameters ({@code :name}) and no session state, so the
 * same text runs through JDBC and through the RDS Data API. Each call is one round trip.
 */
public interface Sql {

    /** Runs a statement that returns rows (a SELECT, or a write with RETURNING). */
    List<Row> query(String statement, Params params);

    /** Runs a statement and returns the number of rows it changed. */
    int update(String statement, Params params);

    /** Runs {@code work} in one transaction; only migrations need this. */
    void transaction(Consumer<Sql> work);

    default Row queryOne(String statement, Params params) {
        List<Row> rows = query(statement, params);
        return rows.isEmpty() ? null : rows.get(0);
    }
}
