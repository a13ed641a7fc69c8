package io.botfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.rdsdata.model.BadRequestException;
import software.amazon.awssdk.services.rdsdata.model.DatabaseResumingException;
import software.amazon.awssdk.services.rdsdata.model.Field;
import software.amazon.awssdk.services.rdsdata.model.StatementTimeoutException;
import software.amazon.awssdk.services.rdsdata.model.TypeHint;

/** The adapter's own rules: parameter types, field reading, and what is safe to retry. */
class DataApiSqlTest {

    /** An instant is text with its offset, cast where the statement uses it: no session time zone applies. */
    @Test
    void instantsGoOutAsTextWithTheirOffsetAndAreCastInTheStatement() {
        var p = DataApiSql.parameter("now", Instant.parse("2026-11-28T10:15:30.123Z"));
        assertThat(p.value().stringValue()).isEqualTo("2026-11-28 10:15:30.123+00:00");
        assertThat(p.typeHint()).as("no TIMESTAMP hint: that would be wall-clock time in the session's zone").isNull();
        assertThat(NamedStatement.cast("SELECT :now, :now::timestamptz, ':now', :id -- :now", java.util.Set.of("now"), "timestamptz"))
                .isEqualTo("SELECT CAST(:now AS timestamptz), CAST(:now AS timestamptz)::timestamptz, ':now', :id -- :now");
        assertThat(Params.of("t", Instant.parse("2026-11-28T10:15:30.123456789Z")).asMap().get("t"))
                .as("both adapters keep instants to the millisecond").isEqualTo(Instant.parse("2026-11-28T10:15:30.123Z"));
        assertThat(DataApiSql.parameter("u", UUID.fromString("0b9d5c1e-3f7a-4c2e-9d1b-6a5e4f3c2b1a")).typeHint())
                .isEqualTo(TypeHint.UUID);
        assertThat(DataApiSql.parameter("n", null).value().isNull()).isTrue();
        assertThat(DataApiSql.parameter("i", 7).value().longValue()).isEqualTo(7L);
    }

    @Test
    void ddlIsToldToContinueAfterATimeout() {
        assertThat(SqlText.isDdl("  CREATE INDEX x ON y (z)")).isTrue();
        assertThat(SqlText.isDdl("-- a note\nALTER TABLE y ADD COLUMN z int")).isTrue();
        assertThat(SqlText.isDdl("WITH x AS (SELECT 1) SELECT * FROM x")).isFalse();
        assertThat(SqlText.isDdl("UPDATE created SET x = 1")).isFalse();
    }

    @Test
    void fieldsReadBackAsTheJdbcAdapterGivesThem() {
        assertThat(DataApiSql.read(Field.fromStringValue("2026-11-28 10:15:30.5"), "timestamptz"))
                .isEqualTo(Instant.parse("2026-11-28T10:15:30.500Z"));
        assertThat(DataApiSql.read(Field.fromIsNull(true), "timestamptz")).isNull();
        assertThat(DataApiSql.read(Field.fromLongValue(3L), "int4")).isEqualTo(3L);
        assertThat(DataApiSql.read(Field.fromStringValue("{\"a\": 1}"), "jsonb")).isEqualTo("{\"a\": 1}");
        assertThat(DataApiSql.read(Field.fromBooleanValue(true), "bool")).isEqualTo(true);
    }

    @Test
    void onlyFailuresThatSayTheClusterCouldNotTakeTheCallAreRetried() {
        assertThat(DataApiRetry.worthRetrying(DatabaseResumingException.builder().message("resuming").build())).isTrue();
        assertThat(DataApiRetry.worthRetrying(SdkClientException.create("no route", new ConnectException("refused")))).isTrue();
        assertThat(DataApiRetry.worthRetrying(StatementTimeoutException.builder().message("45 s").build())).isFalse();
        assertThat(DataApiRetry.worthRetrying(SdkClientException.create("read timed out",
                new java.net.SocketTimeoutException("Read timed out")))).isFalse();
        assertThat(DataApiRetry.worthRetrying(BadRequestException.builder().message("syntax").build())).isFalse();
    }

    @Test
    void retriesBackOffAndGiveUpWithinTheBudget() {
        List<Duration> waits = new ArrayList<>();
        DataApiRetry retry = new DataApiRetry(Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofSeconds(1), waits::add);
        int[] calls = {0};
        String answer = retry.run(() -> {
            if (++calls[0] <= 3) {
                throw DatabaseResumingException.builder().message("resuming").build();
            }
            return "ok";
        }, "SELECT 1");
        assertThat(answer).isEqualTo("ok");
        assertThat(waits).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300));

        calls[0] = 0;
        assertThatThrownBy(() -> retry.run(() -> {
            calls[0]++;
            throw StatementTimeoutException.builder().message("timed out").build();
        }, "UPDATE x")).isInstanceOf(SqlException.class).hasMessageContaining("1 attempt");
        assertThat(calls[0]).as("an ambiguous failure is not retried").isEqualTo(1);
    }
}
