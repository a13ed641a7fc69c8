package io.botfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.botfleet.Log;
import io.botfleet.log.Redacted;
import io.botfleet.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A statement the database refuses, on both adapters: the SqlException names the statement and the
 * SQLSTATE, and neither it nor anything it carries (its causes, its stack trace as printed) quotes
 * a parameter's value, whatever the database's message, Detail or Where said.
 */
class SqlErrorsTest {
    private static final String SECRET = "planted-Secret-9Zq4";
    private static final String INSERT = "INSERT INTO planted (k, n) VALUES (:k, :n)";

    /** One statement the database refuses, and the SQLSTATE it refuses it with. */
    private record Refusal(String what, String state, String statement, Params params) {
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Adapter.class)
    void aRefusedStatementIsNamedByStatementAndSqlStateAndQuotesNoValue(TestDatabase.Adapter adapter) {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            Sql sql = db.sql(2);
            sql.update("CREATE TABLE planted (k text PRIMARY KEY, n integer CHECK (n > 0))", Params.of());
            sql.update(INSERT, Params.of("k", SECRET).and("n", 1));
            List<Refusal> refusals = List.of(
                    new Refusal("unique violation, Detail: Key (k)=(value)", "23505", INSERT, Params.of("k", SECRET).and("n", 2)),
                    new Refusal("check violation, Detail: Failing row contains (value)", "23514", INSERT,
                            Params.of("k", SECRET + "-2").and("n", -1)),
                    new Refusal("integer cast, the value in the message itself", "22P02", "SELECT CAST(:v AS integer) AS n",
                            Params.of("v", SECRET)),
                    new Refusal("jsonb cast, Detail: Token and Where: JSON data", "22P02", "SELECT CAST(:v AS jsonb) AS j",
                            Params.of("v", "{\"password\": " + SECRET + "}")));

            SoftAssertions soft = new SoftAssertions();
            for (Refusal r : refusals) {
                SqlException e = catchThrowableOfType(SqlException.class, () -> {
                    if (r.statement().startsWith("SELECT")) {
                        sql.query(r.statement(), r.params());
                    } else {
                        sql.update(r.statement(), r.params());
                    }
                });
                soft.assertThat(e).as(r.what()).isNotNull();
                if (e == null) {
                    continue;
                }
                soft.assertThat(e.sqlState()).as(r.what()).isEqualTo(r.state());
                soft.assertThat(e.getMessage()).as(r.what()).contains("SQLSTATE " + r.state());
                soft.assertThat(printed(e)).as(r.what() + ": the exception as printed, causes and all").doesNotContain(SECRET);
                soft.assertThat(e.getMessage()).as(r.what())
                        .startsWith("statement " + NamedStatement.nameOf(r.statement()) + " failed");
                soft.assertThat(Redacted.typeOf(e.getCause())).as(r.what() + ": the failure, by its class")
                        .isEqualTo(adapter == TestDatabase.Adapter.JDBC ? "org.postgresql.util.PSQLException"
                                : "software.amazon.awssdk.services.rdsdata.model.DatabaseErrorException");
                JsonNode line = logged(e);
                soft.assertThat(line.toString()).as(r.what() + ": the log line").doesNotContain(SECRET);
                soft.assertThat(line.at("/error/type").asString()).isEqualTo(SqlException.class.getName());
                soft.assertThat(line.at("/error/message").asString()).isEqualTo(e.getMessage());
            }
            soft.assertAll();
        }
    }

    /** A statement's name is its first word, its tables and a digest: never its quoted text. */
    @Test
    void aStatementIsNamedByItsCodeOnly() {
        String update = "UPDATE bots b SET status_reason = 'a literal' FROM deployment_queue q WHERE b.id = q.bot_id "
                + "AND q.lease_owner = :owner -- not 'this' either";
        assertThat(NamedStatement.nameOf(update)).matches("UPDATE bots,deployment_queue #[0-9a-f]{8}");
        assertThat(NamedStatement.nameOf("SELECT id FROM bots WHERE id = :id FOR UPDATE SKIP LOCKED"))
                .matches("SELECT bots #[0-9a-f]{8}");
        assertThat(NamedStatement.nameOf("INSERT INTO t (k) VALUES (:k) ON CONFLICT (k) DO UPDATE SET k = :k"))
                .matches("INSERT t #[0-9a-f]{8}");
        assertThat(NamedStatement.nameOf("""
                WITH ahead AS (SELECT 1 FROM deployment_queue q JOIN bots b ON b.id = q.bot_id),
                     lease AS MATERIALIZED (SELECT id FROM jsonb_each_text(:limits::jsonb) l, ahead)
                INSERT INTO bots (id) SELECT id FROM lease RETURNING id"""))
                .as("its tables, not its subqueries' names nor the functions it calls")
                .matches("WITH deployment_queue,bots #[0-9a-f]{8}");
        assertThat(NamedStatement.nameOf("SELECT 1")).isNotEqualTo(NamedStatement.nameOf("SELECT 2"));
    }

    private static JsonNode logged(Throwable e) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Log.error("store.refused", Map.of(), e);
        } finally {
            System.setOut(original);
        }
        try {
            return JsonMapper.shared().readTree(captured.toString(StandardCharsets.UTF_8));
        } catch (JacksonException notJson) {
            throw new AssertionError(captured.toString(StandardCharsets.UTF_8), notJson);
        }
    }

    static String printed(Throwable e) {
        StringWriter text = new StringWriter();
        e.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
