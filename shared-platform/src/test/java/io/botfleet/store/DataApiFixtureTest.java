package io.botfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.botfleet.testing.TestDatabase;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rdsdata.RdsDataClient;
import software.amazon.awssdk.services.rdsdata.model.BadRequestException;
import software.amazon.awssdk.services.rdsdata.model.ColumnMetadata;
import software.amazon.awssdk.services.rdsdata.model.DatabaseErrorException;
import software.amazon.awssdk.services.rdsdata.model.DatabaseResumingException;
import software.amazon.awssdk.services.rdsdata.model.DatabaseUnavailableException;
import software.amazon.awssdk.services.rdsdata.model.ExecuteStatementResponse;
import software.amazon.awssdk.services.rdsdata.model.Field;
import software.amazon.awssdk.services.rdsdata.model.RdsDataException;
import software.amazon.awssdk.services.rdsdata.model.SqlParameter;
import software.amazon.awssdk.services.rdsdata.model.StatementTimeoutException;
import software.amazon.awssdk.services.rdsdata.model.TransactionNotFoundException;
import software.amazon.awssdk.services.rdsdata.model.TypeHint;
import software.amazon.awssdk.services.rdsdata.model.UnsupportedResultException;

/** The fixture through the real SDK client: what it sends, and what the SDK makes of the answers. */
class DataApiFixtureTest {
    private static final String CLUSTER = "arn:aws:rds:eu-west-1:123456789012:cluster:botfleet";
    private static final String SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:botfleet-AbCdEf";

    private TestDatabase db;
    private DataApiFixture fixture;
    private RdsDataClient client;

    @BeforeEach
    void start() {
        db = TestDatabase.fresh();
        fixture = new DataApiFixture(db.pool(4));
        client = fixture.client();
        execute(null, "CREATE TABLE dataapi_probe (id bigint PRIMARY KEY, score double precision, active boolean,"
                + " note text, seen_at timestamptz, doc jsonb, ref uuid)");
    }

    @AfterEach
    void stop() {
        client.close();
        fixture.close();
        db.close();
    }

    @Test
    void typedParametersRoundTripAsTheServiceEncodesThem() {
        execute(null, "INSERT INTO dataapi_probe VALUES (:id, :score, :active, :note, :seenAt, :doc, :ref)",
                param("id", Field.fromLongValue(7L)),
                param("score", Field.fromDoubleValue(2.5)),
                param("active", Field.fromBooleanValue(true)),
                param("note", Field.fromIsNull(true)),
                hinted("seenAt", "2024-03-01 12:34:56.123", TypeHint.TIMESTAMP),
                hinted("doc", "{\"a\": [1, 2]}", TypeHint.JSON),
                hinted("ref", "6f1c3a9e-2b7d-4c1e-9a3f-0d2e4b6c8a10", TypeHint.UUID));

        ExecuteStatementResponse found = execute(null,
                "SELECT id, score, active, note, seen_at, doc, ref, 'plain'::text AS label,"
                        + " TIMESTAMPTZ '2024-03-01 12:00:00+02' AS shifted, 12.50::numeric AS price"
                        + " FROM dataapi_probe WHERE seen_at = :at AND id = :id",
                hinted("at", "2024-03-01 12:34:56.123", TypeHint.TIMESTAMP), param("id", Field.fromLongValue(7L)));

        assertThat(found.records()).hasSize(1);
        List<Field> row = found.records().get(0);
        assertThat(row.get(0).longValue()).isEqualTo(7L);
        assertThat(row.get(1).doubleValue()).isEqualTo(2.5);
        assertThat(row.get(2).booleanValue()).isTrue();
        assertThat(row.get(3).isNull()).isTrue();
        assertThat(row.get(3).type()).isEqualTo(Field.Type.IS_NULL);
        assertThat(row.get(4).stringValue()).as("a TIMESTAMP hint is wall-clock time in the session's zone (+05:30)")
                .isEqualTo("2024-03-01 07:04:56.123");
        assertThat(row.get(5).stringValue()).as("jsonb in compact form").isEqualTo("{\"a\":[1,2]}");
        assertThat(row.get(6).stringValue()).isEqualTo("6f1c3a9e-2b7d-4c1e-9a3f-0d2e4b6c8a10");
        assertThat(row.get(7).stringValue()).isEqualTo("plain");
        assertThat(row.get(8).stringValue()).as("timestamptz in UTC, no offset, no zero fraction")
                .isEqualTo("2024-03-01 10:00:00");
        assertThat(row.get(9).stringValue()).as("numeric is a string").isEqualTo("12.50");
    }

    @Test
    void textWithoutTypeHintIsNotATimestamp() {
        assertThatThrownBy(() -> execute(null, "SELECT id FROM dataapi_probe WHERE seen_at = :at",
                param("at", Field.fromStringValue("2024-03-01 12:34:56"))))
                .isInstanceOfSatisfying(DatabaseErrorException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("DatabaseErrorException");
                    assertThat(e.awsErrorDetails().errorMessage())
                            .startsWith("ERROR: operator does not exist: timestamp with time zone = character varying")
                            .endsWith("; SQLState: 42883");
                });
    }

    @Test
    void columnMetadataOnlyWhenAsked() {
        String sql = "SELECT id AS key, note FROM dataapi_probe";
        ExecuteStatementResponse plain = execute(null, sql);
        assertThat(plain.hasColumnMetadata()).isFalse();
        assertThat(plain.hasRecords()).isTrue();

        ExecuteStatementResponse described = client.executeStatement(b -> b.resourceArn(CLUSTER).secretArn(SECRET)
                .database("botfleet").sql(sql).includeResultMetadata(true));
        assertThat(described.columnMetadata()).extracting(ColumnMetadata::label, ColumnMetadata::typeName,
                        ColumnMetadata::type, ColumnMetadata::nullable, ColumnMetadata::tableName)
                .containsExactly(tuple("key", "int8", Types.BIGINT, 0, "dataapi_probe"),
                        tuple("note", "text", Types.VARCHAR, 1, "dataapi_probe"));
        assertThat(described.records()).as("metadata does not replace the records").isNotNull();
    }

    @Test
    void updateCountsRowsAndASelectCountsNone() {
        for (long id = 1; id <= 3; id++) {
            ExecuteStatementResponse inserted = execute(null, "INSERT INTO dataapi_probe (id) VALUES (:id)",
                    param("id", Field.fromLongValue(id)));
            assertThat(inserted.numberOfRecordsUpdated()).isEqualTo(1L);
            assertThat(inserted.hasRecords()).as("no result set, no records key").isFalse();
            assertThat(inserted.generatedFields()).isEmpty();
        }
        ExecuteStatementResponse updated = execute(null, "UPDATE dataapi_probe SET active = :on WHERE id <= :max",
                param("on", Field.fromBooleanValue(false)), param("max", Field.fromLongValue(2L)));
        assertThat(updated.numberOfRecordsUpdated()).isEqualTo(2L);

        ExecuteStatementResponse selected = execute(null, "SELECT id FROM dataapi_probe");
        assertThat(selected.numberOfRecordsUpdated()).isZero();
        assertThat(selected.records()).hasSize(3);
    }

    @Test
    void rollbackLeavesNothingAndCommitPersists() {
        String rolledBack = client.beginTransaction(b -> b.resourceArn(CLUSTER).secretArn(SECRET)).transactionId();
        execute(rolledBack, "INSERT INTO dataapi_probe (id) VALUES (1)");
        assertThat(execute(rolledBack, "SELECT id FROM dataapi_probe").records()).hasSize(1);
        assertThat(execute(null, "SELECT id FROM dataapi_probe").records()).as("not visible outside").isEmpty();
        assertThat(client.rollbackTransaction(b -> b.resourceArn(CLUSTER).secretArn(SECRET).transactionId(rolledBack))
                .transactionStatus()).isEqualTo("Rollback Complete");
        assertThat(execute(null, "SELECT id FROM dataapi_probe").records()).isEmpty();

        String committed = client.beginTransaction(b -> b.resourceArn(CLUSTER).secretArn(SECRET)).transactionId();
        execute(committed, "INSERT INTO dataapi_probe (id) VALUES (2)");
        assertThat(client.commitTransaction(b -> b.resourceArn(CLUSTER).secretArn(SECRET).transactionId(committed))
                .transactionStatus()).isEqualTo("Transaction Committed");
        assertThat(execute(null, "SELECT id FROM dataapi_probe").records())
                .isEqualTo(List.of(List.of(Field.fromLongValue(2L))));

        assertThatThrownBy(() -> client.commitTransaction(b -> b.resourceArn(CLUSTER).secretArn(SECRET)
                .transactionId(committed)))
                .isInstanceOfSatisfying(TransactionNotFoundException.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        assertThatThrownBy(() -> execute("no-such-transaction", "SELECT 1"))
                .isInstanceOf(TransactionNotFoundException.class);
    }

    @Test
    void aFailedStatementEndsItsTransaction() {
        String tx = client.beginTransaction(b -> b.resourceArn(CLUSTER).secretArn(SECRET)).transactionId();
        execute(tx, "INSERT INTO dataapi_probe (id) VALUES (1)");
        assertThatThrownBy(() -> execute(tx, "INSERT INTO dataapi_probe (id) VALUES (1)"))
                .isInstanceOfSatisfying(DatabaseErrorException.class,
                        e -> assertThat(e.awsErrorDetails().errorMessage()).endsWith("; SQLState: 23505"));
        assertThatThrownBy(() -> client.rollbackTransaction(b -> b.resourceArn(CLUSTER).secretArn(SECRET).transactionId(tx)))
                .isInstanceOf(TransactionNotFoundException.class);
        assertThat(execute(null, "SELECT id FROM dataapi_probe").records()).isEmpty();
    }

    @Test
    void batchRunsOncePerParameterSet() {
        var response = client.batchExecuteStatement(b -> b.resourceArn(CLUSTER).secretArn(SECRET)
                .sql("INSERT INTO dataapi_probe (id, note) VALUES (:id, :note)")
                .parameterSets(List.of(
                        List.of(param("id", Field.fromLongValue(1L)), param("note", Field.fromStringValue("a"))),
                        List.of(param("id", Field.fromLongValue(2L)), param("note", Field.fromStringValue("b"))))));
        assertThat(response.updateResults()).hasSize(2);
        assertThat(execute(null, "SELECT note FROM dataapi_probe ORDER BY id").records())
                .isEqualTo(List.of(List.of(Field.fromStringValue("a")), List.of(Field.fromStringValue("b"))));
    }

    @Test
    void failNextAnswersTheErrorWithoutTouchingTheDatabase() {
        fixture.failNext(2, "DatabaseResumingException");
        for (long id = 1; id <= 2; id++) {
            long attempt = id;
            assertThatThrownBy(() -> execute(null, "INSERT INTO dataapi_probe (id) VALUES (:id)",
                    param("id", Field.fromLongValue(attempt))))
                    .isInstanceOfSatisfying(DatabaseResumingException.class, e -> assertThat(e.statusCode()).isEqualTo(400));
        }
        execute(null, "INSERT INTO dataapi_probe (id) VALUES (3)");

        assertThat(execute(null, "SELECT id FROM dataapi_probe").records()).isEqualTo(List.of(List.of(Field.fromLongValue(3L))));
        assertThat(fixture.calls("ExecuteStatement")).isEqualTo(5); // table DDL, 2 failed, insert, select
    }

    @Test
    void failNextAfterCommitDoesTheWorkAndLosesTheAnswer() {
        fixture.failNextAfterCommit(1, "DatabaseUnavailableException", "INSERT INTO dataapi_probe");
        assertThatThrownBy(() -> execute(null, "INSERT INTO dataapi_probe (id) VALUES (1)"))
                .isInstanceOfSatisfying(DatabaseUnavailableException.class, e -> assertThat(e.statusCode()).isEqualTo(504));
        assertThat(execute(null, "SELECT id FROM dataapi_probe").records()).as("committed")
                .isEqualTo(List.of(List.of(Field.fromLongValue(1L))));
        assertThat(fixture.calls("BeginTransaction")).isZero();
    }

    @Test
    void aResultOverOneMebibyteIsRefusedAsTheServiceDoes() {
        // a real cluster returns 24,800 such rows and refuses 25,000: 2 + 4 + 36 bytes a row against 1 MiB
        String sql = "SELECT md5(v::text)::uuid AS id FROM generate_series(1, :rows) AS v";
        assertThat(execute(null, sql, param("rows", Field.fromLongValue(24_800L))).records()).hasSize(24_800);
        assertThatThrownBy(() -> execute(null, sql, param("rows", Field.fromLongValue(25_000L))))
                .isInstanceOfSatisfying(UnsupportedResultException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("The result exceeds the size limit 1 MB.");
                });
    }

    @Test
    void servesManyCallersAtOnce() throws Exception {
        fixture.latency(Duration.ofMillis(200));
        int callers = 200;
        long started = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ExecuteStatementResponse>> answers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                answers.add(pool.submit(() -> execute(null, "SELECT 1 AS one")));
            }
            for (Future<ExecuteStatementResponse> answer : answers) {
                assertThat(answer.get().records()).isEqualTo(List.of(List.of(Field.fromLongValue(1L))));
            }
        }
        // one after another this would take 200 x 200 ms = 40 s
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(fixture.calls("ExecuteStatement")).isEqualTo(1 + callers);
    }

    // What the service refuses or does although a JDBC driver would let it through; each of these
    // once hid a production failure from the suite (see DataApiRules).

    @Test
    void aResultOfATypeTheServiceDoesNotReturnIsRefused() {
        assertThatThrownBy(() -> execute(null, "SELECT pg_advisory_xact_lock(1) AS locked"))
                .isInstanceOfSatisfying(UnsupportedResultException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("The result contains the unsupported data type void.");
                });
        assertThat(execute(null, "SELECT 1 AS locked FROM pg_advisory_xact_lock(1)").records())
                .isEqualTo(List.of(List.of(Field.fromLongValue(1L))));
    }

    @Test
    void moreThanOneStatementInACallIsRefusedAndNothingRuns() {
        assertThatThrownBy(() -> execute(null, "INSERT INTO dataapi_probe (id) VALUES (1); INSERT INTO dataapi_probe (id) VALUES (2)"))
                .isInstanceOfSatisfying(RdsDataException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Multistatements aren't supported.");
                });
        assertThat(execute(null, "SELECT count(*) AS n FROM dataapi_probe").records()).isEqualTo(List.of(List.of(Field.fromLongValue(0L))));
        assertThat(execute(null, "SELECT ';' AS semicolon -- a comment; not a second statement").records())
                .isEqualTo(List.of(List.of(Field.fromStringValue(";"))));
    }

    @Test
    void aTimestampHintTakesOnlyTheDocumentedFormat() {
        for (String refused : List.of("2024-03-01 12:34:56.123456", "2024-03-01T12:34:56Z", "2024-03-01 12:34:56+00")) {
            assertThatThrownBy(() -> execute(null, "INSERT INTO dataapi_probe (id, seen_at) VALUES (1, :at)", hinted("at", refused, TypeHint.TIMESTAMP)))
                    .as(refused).isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.awsErrorDetails()
                            .errorMessage()).isEqualTo("Parse Error for TimeStamp: input contains invalid characters"));
        }
        execute(null, "INSERT INTO dataapi_probe (id, seen_at) VALUES (1, :at)", hinted("at", "2024-03-01 12:34:56.123", TypeHint.TIMESTAMP));
        execute(null, "INSERT INTO dataapi_probe (id, seen_at) VALUES (2, :at)", hinted("at", "2024-03-01 12:34:56", TypeHint.TIMESTAMP));
    }

    @Test
    void sessionsRunInTheClustersTimeZoneWhichShiftsTimestampHintsButNotTextWithAnOffset() {
        fixture.sessionTimeZone("Asia/Kolkata");
        execute(null, "INSERT INTO dataapi_probe (id, seen_at) VALUES (1, :at)", hinted("at", "2024-03-01 12:00:00", TypeHint.TIMESTAMP));
        execute(null, "INSERT INTO dataapi_probe (id, seen_at) VALUES (2, CAST(:at AS timestamptz))",
                param("at", Field.fromStringValue("2024-03-01 12:00:00.000+00")));
        assertThat(execute(null, "SELECT seen_at FROM dataapi_probe ORDER BY id").records()).as("read back in UTC").isEqualTo(List.of(
                List.of(Field.fromStringValue("2024-03-01 06:30:00")), List.of(Field.fromStringValue("2024-03-01 12:00:00"))));
        assertThat(execute(null, "SELECT current_setting('TimeZone') AS zone").records())
                .isEqualTo(List.of(List.of(Field.fromStringValue("Asia/Kolkata"))));
    }

    @Test
    void aDdlStatementsAnswerCarriesNoRecordCount() {
        assertThat(execute(null, "CREATE INDEX probe_seen_at ON dataapi_probe (seen_at)").numberOfRecordsUpdated()).isNull();
        assertThat(execute(null, "INSERT INTO dataapi_probe (id) VALUES (1)").numberOfRecordsUpdated()).isEqualTo(1L);
    }

    @Test
    void aStatementPastTheTimeLimitIsCancelledUnlessTheCallAskedToContinue() throws Exception {
        fixture.statementTimeout(Duration.ofMillis(200));
        String slowInsert = "INSERT INTO dataapi_probe (id) SELECT :id FROM pg_sleep(0.6)";
        assertThatThrownBy(() -> execute(null, slowInsert, param("id", Field.fromLongValue(1L))))
                .isInstanceOfSatisfying(StatementTimeoutException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.dbConnectionId()).isPositive();
                });
        assertThatThrownBy(() -> client.executeStatement(b -> b.resourceArn(CLUSTER).secretArn(SECRET).sql(slowInsert)
                .parameters(param("id", Field.fromLongValue(2L))).continueAfterTimeout(true)))
                .isInstanceOf(StatementTimeoutException.class);
        Thread.sleep(1_000);
        assertThat(execute(null, "SELECT id FROM dataapi_probe").records()).as("the cancelled one is not there; the continued one is")
                .isEqualTo(List.of(List.of(Field.fromLongValue(2L))));
        assertThat(fixture.continuedAfterTimeout()).containsExactly(slowInsert);
    }

    @Test
    void aTransactionRunningAStatementRefusesTheNextCallAtOnce() {
        String tx = client.beginTransaction(b -> b.resourceArn(CLUSTER).secretArn(SECRET)).transactionId();
        var slow = CompletableFuture.runAsync(() -> execute(tx, "SELECT 1 AS one FROM pg_sleep(0.5)"));
        try {
            Thread.sleep(150);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThatThrownBy(() -> execute(tx, "SELECT 2 AS two"))
                .isInstanceOfSatisfying(DatabaseErrorException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("Transaction is still running a query"));
        slow.join();
        assertThat(execute(tx, "SELECT 2 AS two").records()).isEqualTo(List.of(List.of(Field.fromLongValue(2L))));
    }

    @Test
    void aRowOverSixtyFourKilobytesIsRefused() {
        assertThat(execute(null, "SELECT repeat('x', 60000) AS big").records()).hasSize(1);
        assertThatThrownBy(() -> execute(null, "SELECT repeat('x', 70000) AS big"))
                .isInstanceOfSatisfying(UnsupportedResultException.class, e -> assertThat(e.statusCode()).isEqualTo(400));
    }

    private ExecuteStatementResponse execute(String transactionId, String sql, SqlParameter... parameters) {
        return client.executeStatement(b -> b.resourceArn(CLUSTER).secretArn(SECRET).database("botfleet")
                .transactionId(transactionId).sql(sql).parameters(parameters));
    }

    private static SqlParameter param(String name, Field value) {
        return SqlParameter.builder().name(name).value(value).build();
    }

    private static SqlParameter hinted(String name, String value, TypeHint hint) {
        return SqlParameter.builder().name(name).value(Field.fromStringValue(value)).typeHint(hint).build();
    }
}
