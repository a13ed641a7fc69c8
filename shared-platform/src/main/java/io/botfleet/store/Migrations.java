package io.botfleet.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Applies the plain SQL files under {@code db/migration/} in order, each in one transaction,
 * through the SQL port, so the JDBC and Data API paths share the files. A file is split into its
 * statements (the Data API runs one statement per call).
 * A transaction-scoped advisory lock lets several instances start at once.
 */
public final class Migrations {
    /**
     * In order; a new migration is appended here. Each is recorded under the number of its file's
     * name, not its place in this list, so a number left free for another branch's file stays free.
     */
    static final List<String> FILES = List.of("V1__schema.sql", "V2__stops_releases_fairness.sql", "V3__coolify_pool.sql",
            "V4__first_answers.sql", "V5__bot_events_and_webhooks.sql", "V6__webhook_lease_fence.sql",
            "V7__request_indexes.sql", "V8__retention.sql", "V9__queue_positions.sql",
            "V10__webhook_heads_and_receivers.sql", "V11__plans_that_hold.sql", "V12__tenants.sql",
            "V13__tenant_capacity.sql", "V14__tenant_keys.sql", "V15__capacity_calendar.sql",
            "V16__event_counts.sql", "V17__tenant_calendar.sql", "V18__platform_holds.sql", "V19__webhook_outcomes.sql", "V20__activity_index.sql",
            "V21__ended_bots_leave_the_queue.sql");

    private static final long LOCK_KEY = 0x626f74666c656574L; // "botfleet"

    private Migrations() {
    }

    public static void apply(Sql sql) {
        for (String file : FILES) {
            int version = version(file);
            sql.transaction(tx -> {
                // the lock function returns void, a type the Data API cannot return: select a constant instead
                tx.query("SELECT 1 AS locked FROM pg_advisory_xact_lock(:key)", Params.of("key", LOCK_KEY));
                // under the lock: CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin
                tx.update("""
                        CREATE TABLE IF NOT EXISTS schema_migrations (
                          version    integer PRIMARY KEY,
                          file       text NOT NULL,
                          applied_at timestamptz NOT NULL DEFAULT now())""", Params.of());
                if (tx.queryOne("SELECT version FROM schema_migrations WHERE version = :v", Params.of("v", version)) != null) {
                    return;
                }
                for (String statement : statements(read(file))) {
                    tx.update(statement, Params.of());
                }
                tx.update("INSERT INTO schema_migrations (version, file) VALUES (:v, :f)",
                        Params.of("v", version).and("f", file));
            });
        }
    }

    /** The number of a file named {@code V<number>__<name>.sql}. */
    static int version(String file) {
        return Integer.parseInt(file.substring(1, file.indexOf("__")));
    }

    /** A script's statements, one per call: split at each {@code ;} that is code, comments dropped. */
    static List<String> statements(String script) {
        return SqlText.statements(script);
    }

    private static String read(String file) {
        String path = "/db/migration/" + file;
        try (InputStream in = Migrations.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing migration " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }
}
