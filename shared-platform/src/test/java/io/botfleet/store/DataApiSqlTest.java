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

    @Test
    void instantsGoOutAsUtcTimestampsWithTheirHint() {
        var p = DataApiSql.parameter("now", Instant.parse("2026-11-28T10:15:30.123456Z"));
        assertThat(p.value().stringValue()).isEqualTo("2026-11-28 10:15:30.123456");
        assertThat(p.typeHint()).isEqualTo(TypeHint.TIMESTAMP);
        assertThat(DataApiSql.parameter("t", Instant.parse("2026-11-28T10:15:30Z")).value().stringValue())
                .isEqualTo("2026-11-28 10:15:30");
        assertThat(DataApiSql.parameter("t", Instant.parse("2026-11-28T10:15:30.123456789Z")).value().stringValue())
                .as("at most microseconds").isEqualTo("2026-11-28 10:15:30.123456");
        assertThat(DataApiSql.parameter("u", UUID.fromString("0b9d5c1e-3f7a-4c2e-9d1b-6a5e4f3c2b1a")).typeHint())
                .isEqualTo(TypeHint.UUID);
        assertThat(DataApiSql.parameter("n", null).value().isNull()).isTrue();
        assertThat(DataApiSql.parameter("i", 7).value().longValue()).isEqualTo(7L);
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
    void onlyFailuresThatProveTheStatementDidNotRunAreRetried() {
        assertThat(DataApiRetry.notExecuted(DatabaseResumingException.builder().message("resuming").build())).isTrue();
        assertThat(DataApiRetry.notExecuted(SdkClientException.create("no route", new ConnectException("refused")))).isTrue();
        assertThat(DataApiRetry.notExecuted(StatementTimeoutException.builder().message("45 s").build())).isFalse();
        assertThat(DataApiRetry.notExecuted(SdkClientException.create("read timed out",
                new java.net.SocketTimeoutException("Read timed out")))).isFalse();
        assertThat(DataApiRetry.notExecuted(BadRequestException.builder().message("syntax").build())).isFalse();
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
