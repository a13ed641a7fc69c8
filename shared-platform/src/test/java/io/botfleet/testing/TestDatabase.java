package io.botfleet.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.botfleet.store.Databases;
import io.botfleet.store.JdbcSql;
import io.botfleet.store.Migrations;
import io.botfleet.store.Params;
import io.botfleet.store.Sql;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL for store tests: one embedded server per test JVM, and a fresh database per
 * test, copied from a migrated template (a copy takes milliseconds; a migration run does not).
 */
public final class TestDatabase implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres server;

    private final String name;
    private final List<HikariDataSource> pools = new ArrayList<>();

    private TestDatabase(String name) {
        this.name = name;
    }

    public static synchronized TestDatabase fresh() {
        if (server == null) {
            server = start();
        }
        String name = "botfleet_test_" + COUNTER.incrementAndGet();
        execute("CREATE DATABASE " + name + " TEMPLATE botfleet_template");
        return new TestDatabase(name);
    }

    public String jdbcUrl() {
        return server.getJdbcUrl("postgres", name);
    }

    /** A separate connection pool, as one Lambda container would have. */
    public synchronized HikariDataSource pool(int size) {
        HikariDataSource pool = Databases.pool(jdbcUrl(), size);
        pools.add(pool);
        return pool;
    }

    /** An SQL port on a new pool of its own. */
    public Sql sql(int poolSize) {
        return new JdbcSql(pool(poolSize));
    }

    /** Reads one number, for assertions such as "the ledger is back at 0". */
    public long count(String query) {
        return sql(1).queryOne(query, Params.of()).getLong("n");
    }

    @Override
    public synchronized void close() {
        pools.forEach(HikariDataSource::close);
        pools.clear();
        execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    private static EmbeddedPostgres start() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .start();
            server = pg;
            execute("CREATE DATABASE botfleet_template");
            try (HikariDataSource pool = Databases.pool(pg.getJdbcUrl("postgres", "botfleet_template"), 2)) {
                Migrations.apply(new JdbcSql(pool));
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException ignored) {
                    // the JVM is going away
                }
            }));
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    private static void execute(String statement) {
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement, e);
        }
    }
}
