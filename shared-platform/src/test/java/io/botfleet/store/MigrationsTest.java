package io.botfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class MigrationsTest {

    @Test
    void applyingAgainFromSeveralInstancesAtOnceChangesNothing() throws Exception {
        try (TestDatabase db = TestDatabase.fresh()) { // already migrated, from the template
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
            assertThat(db.count("SELECT count(*) AS n FROM platform_capacity")).isEqualTo(4);
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

    @Test
    void namedParametersBecomePositionalButCastsAndStringsStay() {
        NamedStatement named = NamedStatement.parse("SELECT :a::jsonb, ':not', :b_2 WHERE x = :a");
        assertThat(named.jdbcText()).isEqualTo("SELECT ?::jsonb, ':not', ? WHERE x = ?");
        assertThat(named.parameterNames()).containsExactly("a", "b_2", "a");
    }
}
