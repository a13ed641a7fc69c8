package io.botfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MigrationsTest {

    /** The same files build the schema through JDBC and through the Data API, from several instances at once. */
    @ParameterizedTest
    @EnumSource(TestDatabase.Adapter.class)
    void anEmptyDatabaseMigratesOnceWhenSeveralInstancesStartTogether(TestDatabase.Adapter adapter) throws Exception {
        try (TestDatabase db = TestDatabase.empty(adapter)) {
            ExecutorService threads = Executors.newFixedThreadPool(4);
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Sql sql = db.sql(1);
                runs.add(threads.submit(() -> Migrations.apply(sql)));
            }
            for (Future<?> run : runs) {
                run.get();
            }
            threads.shutdown();
            assertThat(db.count("SELECT count(*) AS n FROM schema_migrations")).isEqualTo(Migrations.FILES.size());
            assertThat(db.count("SELECT count(*) AS n FROM schema_migrations WHERE file NOT LIKE 'V' || version || '\\_\\_%'"))
                    .as("each file recorded under its own number, a gap in the numbers kept").isZero();
            assertThat(db.count("SELECT count(*) AS n FROM platform_capacity")).isEqualTo(4);
            if (adapter == TestDatabase.Adapter.DATA_API) {
                assertThat(db.dataApi().calls("BeginTransaction")).as("each instance ran its migrations in a transaction")
                        .isGreaterThanOrEqualTo(4);
                assertThat(db.dataApi().continuedAfterTimeout()).as("DDL is told to continue after a call's timeout")
                        .anyMatch(sql -> sql.startsWith("CREATE TABLE bots"))
                        .allMatch(SqlText::isDdl);
            }
            assertThat(db.count("SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN "
                    + "('bots', 'deployment_queue', 'bot_pool_slots', 'platform_capacity')")).isEqualTo(4);
        }
    }

    @Test
    void scriptsSplitIntoOneStatementPerCall() {
        List<String> statements = Migrations.statements("""
                -- a comment
                CREATE TABLE a (x int);

                INSERT INTO a VALUES (1),
                  (2);
                """);
        assertThat(statements).containsExactly("CREATE TABLE a (x int)", "INSERT INTO a VALUES (1),\n  (2)");
    }

    /** A semicolon ends a statement only where it is code: not in a literal, a body or a comment. */
    @Test
    void scriptsSplitAtSemicolonsThatAreCodeAndDropComments() {
        List<String> statements = Migrations.statements("""
                CREATE TABLE a (x text DEFAULT 'a;b'); -- a trailing comment; with a semicolon
                /* a block; comment */
                CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
                COMMENT ON TABLE a IS 'it''s; fine' -- and another
                """);
        assertThat(statements).containsExactly("CREATE TABLE a (x text DEFAULT 'a;b')",
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                "COMMENT ON TABLE a IS 'it''s; fine'");
    }

    @Test
    void namedParametersBecomePositionalButCastsAndStringsStay() {
        NamedStatement named = NamedStatement.parse("SELECT :a::jsonb, ':not', :b_2 WHERE x = :a -- not :c");
        assertThat(named.jdbcText()).isEqualTo("SELECT ?::jsonb, ':not', ? WHERE x = ? -- not :c");
        assertThat(named.parameterNames()).containsExactly("a", "b_2", "a");
    }
}
