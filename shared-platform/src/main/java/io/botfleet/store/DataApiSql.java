package io.botfleet.store;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.services.rdsdata.RdsDataClient;
import software.amazon.awssdk.services.rdsdata.model.ColumnMetadata;
import software.amazon.awssdk.services.rdsdata.model.ExecuteStatementResponse;
import software.amazon.awssdk.services.rdsdata.model.Field;
import software.amazon.awssdk.services.rdsdata.model.SqlParameter;
import software.amazon.awssdk.services.rdsdata.model.TypeHint;

/**
 * The SQL port over the RDS Data API: every statement is one ExecuteStatement, an HTTPS call
 * with no connection to hold, which is why Lambda functions need neither a VPC nor a pool.
 *
 * <p>Results are read as typed fields with column metadata rather than as JSON records: the
 * metadata names each column and its type, so a timestamptz (a string on the wire) becomes an
 * Instant and a bigint stays a Long, exactly as the JDBC adapter returns them. Arrays are not
 * sent as parameters (the API does not accept them); statements take id lists as text and
 * batches as one JSON parameter instead, which is also why BatchExecuteStatement is not needed.
 */
public final class DataApiSql implements Sql {
    /**
     * Instants go out as text with their offset, and each reference to them in the statement is
     * cast to timestamptz: the value means the same instant whatever the session's time zone. (A
     * TIMESTAMP type hint would be a wall-clock time in the session's zone, which a cluster's
     * parameter group may set to anything.) They come back, in UTC, as wall-clock text.
     */
    private static final DateTimeFormatter INSTANT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSxxx");
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.MICRO_OF_SECOND, 0, 6, true).optionalEnd()
            .toFormatter();

    /** Which database: the Aurora cluster, the secret holding its credentials, the database name. */
    public record Target(String clusterArn, String secretArn, String database) {
    }

    private final RdsDataClient client;
    private final Target target;
    private final DataApiRetry retry;
    private final String transactionId;

    public DataApiSql(RdsDataClient client, Target target, DataApiRetry retry) {
        this(client, target, retry, null);
    }

    private DataApiSql(RdsDataClient client, Target target, DataApiRetry retry, String transactionId) {
        this.client = client;
        this.target = target;
        this.retry = retry;
        this.transactionId = transactionId;
    }

    @Override
    public List<Row> query(String statement, Params params) {
        return guarded(statement, () -> rows(execute(statement, params)));
    }

    private static List<Row> rows(ExecuteStatementResponse response) {
        List<ColumnMetadata> columns = response.columnMetadata();
        List<Row> rows = new ArrayList<>(response.records().size());
        for (List<Field> record : response.records()) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (int c = 0; c < columns.size(); c++) {
                ColumnMetadata column = columns.get(c);
                values.put(column.label() == null ? column.name() : column.label(), read(record.get(c), column.typeName()));
            }
            rows.add(new Row(values));
        }
        return rows;
    }

    /** The count of rows changed; the service leaves it out for some statements (DDL), which counts as 0. */
    @Override
    public int update(String statement, Params params) {
        Long updated = guarded(statement, () -> execute(statement, params).numberOfRecordsUpdated());
        return updated == null ? 0 : Math.toIntExact(updated);
    }

    /**
     * Every failure as an {@link SqlException}, which names the statement and never carries the
     * API's message (a DatabaseErrorException quotes PostgreSQL's, values and all), nor a value
     * that could not be read back.
     */
    private static <T> T guarded(String statement, Supplier<T> work) {
        try {
            return work.get();
        } catch (SqlException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SqlException(statement, null, e);
        }
    }

    /** One transaction: Begin, the work's statements one after another, then Commit (or Rollback). */
    @Override
    public void transaction(Consumer<Sql> work) {
        if (transactionId != null) {
            throw new IllegalStateException("transactions do not nest");
        }
        String id = call(() -> client.beginTransaction(r -> r.resourceArn(target.clusterArn())
                .secretArn(target.secretArn()).database(target.database())).transactionId(), "BEGIN");
        try {
            work.accept(new DataApiSql(client, target, retry, id));
        } catch (RuntimeException e) {
            try {
                call(() -> client.rollbackTransaction(r -> r.resourceArn(target.clusterArn())
                        .secretArn(target.secretArn()).transactionId(id)), "ROLLBACK");
            } catch (RuntimeException rollbackFailure) {
                e.addSuppressed(rollbackFailure); // the API rolls an idle transaction back after 3 minutes anyway
            }
            throw e;
        }
        call(() -> client.commitTransaction(r -> r.resourceArn(target.clusterArn())
                .secretArn(target.secretArn()).transactionId(id)), "COMMIT");
    }

    private ExecuteStatementResponse execute(String statement, Params params) {
        List<SqlParameter> parameters = new ArrayList<>();
        Set<String> instants = new HashSet<>();
        params.asMap().forEach((name, value) -> {
            parameters.add(parameter(name, value));
            if (value instanceof Instant) {
                instants.add(name);
            }
        });
        String sql = NamedStatement.cast(statement, instants, "timestamptz");
        return call(() -> client.executeStatement(r -> r.resourceArn(target.clusterArn())
                .secretArn(target.secretArn())
                .database(target.database())
                .transactionId(transactionId)
                .sql(sql)
                .parameters(parameters)
                .includeResultMetadata(true)
                // AWS's advice: a DDL statement cut off at the call's time limit can leave a broken structure
                .continueAfterTimeout(SqlText.isDdl(statement))), statement);
    }

    private <T> T call(Supplier<T> request, String statement) {
        return guarded(statement, () -> retry.run(request, statement));
    }

    static SqlParameter parameter(String name, Object value) {
        SqlParameter.Builder p = SqlParameter.builder().name(name);
        return switch (value) {
            case null -> p.value(Field.fromIsNull(true)).build();
            case String s -> p.value(Field.fromStringValue(s)).build();
            case Long l -> p.value(Field.fromLongValue(l)).build();
            case Integer i -> p.value(Field.fromLongValue(i.longValue())).build();
            case Boolean b -> p.value(Field.fromBooleanValue(b)).build();
            case Double d -> p.value(Field.fromDoubleValue(d)).build();
            case Instant t -> p.value(Field.fromStringValue(INSTANT.format(t.atOffset(ZoneOffset.UTC)))).build();
            case UUID u -> p.value(Field.fromStringValue(u.toString())).typeHint(TypeHint.UUID).build();
            default -> throw new IllegalArgumentException("no Data API type for parameter :" + name + " ("
                    + value.getClass().getSimpleName() + ")");
        };
    }

    /** A field as the JDBC adapter would give it: Long, Double, Boolean, String or Instant. */
    static Object read(Field field, String typeName) {
        if (Boolean.TRUE.equals(field.isNull())) {
            return null;
        }
        if (field.longValue() != null) {
            return field.longValue();
        }
        if (field.doubleValue() != null) {
            return field.doubleValue();
        }
        if (field.booleanValue() != null) {
            return field.booleanValue();
        }
        if (field.stringValue() != null) {
            String text = field.stringValue();
            return switch (typeName == null ? "" : typeName) {
                case "timestamptz", "timestamp" -> LocalDateTime.parse(text, TIMESTAMP).toInstant(ZoneOffset.UTC);
                case "numeric" -> Double.valueOf(text);
                default -> text;
            };
        }
        throw new IllegalArgumentException("unsupported Data API field " + field.type() + " for " + typeName);
    }
}
