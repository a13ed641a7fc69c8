package io.botfleet.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.botfleet.store.DataApiFixture;
import io.botfleet.store.DataApiRetry;
import io.botfleet.store.DataApiSql;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL for store tests: one embedded server per test JVM, and a fresh database per
 * test, copied from a migrated template (a copy takes milliseconds; a migration run does not).
 * The SQL port it hands out goes through the adapter under test: JDBC, or the RDS Data API
 * (the real SDK client against {@link DataApiFixture}, which runs the statements on this database).
 */
public final class TestDatabase implements AutoCloseable {

    /** The two adapters behind the SQL port; store tests run against both. */
    public enum Adapter { JDBC, DATA_API }

    public static final DataApiSql.Target TARGET = new DataApiSql.Target(
            "arn:aws:rds:eu-west-1:123456789012:cluster:botfleet-test",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:botfleet-test-AbCdEf", "botfleet");

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres server;

    static {
        // the production client factory reads credentials from the default chain
        System.setProperty("aws.accessKeyId", "AKIDTESTBOTFLEET");
        System.setProperty("aws.secretAccessKey", "test-secret");
    }

    private final String name;
    private final Adapter adapter;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private HikariDataSource assertions;
    private DataApiFixture dataApi;

    private TestDatabase(String name, Adapter adapter) {
        this.name = name;
        this.adapter = adapter;
    }

    public static TestDatabase fresh() {
        return fresh(Adapter.JDBC);
    }

    public static TestDatabase fresh(Adapter adapter) {
        return create(adapter, "botfleet_template");
    }

    /** A database with no schema at all, for migration tests. */
    public static TestDatabase empty(Adapter adapter) {
        return create(adapter, "template0");
    }

    private static synchronized TestDatabase create(Adapter adapter, String template) {
        if (server == null) {
            server = start();
        }
        String name = "botfleet_test_" + COUNTER.incrementAndGet();
        execute("CREATE DATABASE " + name + " TEMPLATE " + template);
        return new TestDatabase(name, adapter);
    }

    public String jdbcUrl() {
        return server.getJdbcUrl("postgres", name);
    }

    /** A separate JDBC connection pool. */
    public synchronized HikariDataSource pool(int size) {
        HikariDataSource pool = Databases.pool(jdbcUrl(), size);
        resources.add(pool);
        return pool;
    }

    /**
     * An SQL port through the adapter under test, as one Lambda container would have it: its own
     * JDBC pool, or its own Data API client.
     */
    public Sql sql(int poolSize) {
        if (adapter == Adapter.JDBC) {
            return new JdbcSql(pool(poolSize));
        }
        var client = Databases.dataApiClient("eu-west-1", dataApi().endpoint());
        synchronized (this) {
            resources.add(client);
        }
        return new DataApiSql(client, TARGET, new DataApiRetry(Duration.ofMillis(10), Duration.ofMillis(100),
                Duration.ofSeconds(5), d -> Thread.sleep(d.toMillis())));
    }

    /** The Data API endpoint in front of this database (started on first use). */
    public synchronized DataApiFixture dataApi() {
        if (dataApi == null) {
            dataApi = new DataApiFixture(pool(60));
            resources.add(dataApi);
        }
        return dataApi;
    }

    /** Reads one number straight from the database, for assertions such as "the ledger is back at 0". */
    public long count(String query) {
        return assertions().queryOne(query, Params.of()).getLong("n");
    }

    /** Reads one text value (column {@code s}) straight from the database; null when there is no row. */
    public String text(String query) {
        var row = assertions().queryOne(query, Params.of());
        return row == null ? null : row.getString("s");
    }

    private synchronized Sql assertions() {
        if (assertions == null) {
            assertions = pool(2);
        }
        return new JdbcSql(assertions);
    }

    @Override
    public synchronized void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception ignored) {
                // closing a test's resources; the database is dropped next
            }
        }
        resources.clear();
        execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    private static EmbeddedPostgres start() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "400")
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
