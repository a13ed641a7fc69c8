package io.botfleet.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The SQL port over JDBC: autocommit statements from a pool, one transaction only when asked.
 * Every failure leaves as an {@link SqlException}, which names the statement and never carries
 * the driver's message (it quotes values).
 */
public final class JdbcSql implements Sql {
    private final DataSource dataSource;
    private final Connection transactionConnection;

    public JdbcSql(DataSource dataSource) {
        this(dataSource, null);
    }

    private JdbcSql(DataSource dataSource, Connection transactionConnection) {
        this.dataSource = dataSource;
        this.transactionConnection = transactionConnection;
    }

    @Override
    public List<Row> query(String statement, Params params) {
        return run(statement, params, ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                return readRows(rs);
            }
        });
    }

    @Override
    public int update(String statement, Params params) {
        return run(statement, params, PreparedStatement::executeUpdate);
    }

    @Override
    public void transaction(Consumer<Sql> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                work.accept(new JdbcSql(dataSource, connection));
                connection.commit();
            } catch (RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new SqlException("transaction", "to begin, commit or roll back", e);
        }
    }

    private interface Execution<T> {
        T run(PreparedStatement statement) throws SQLException;
    }

    private <T> T run(String statement, Params params, Execution<T> execution) {
        NamedStatement named = NamedStatement.parse(statement);
        Map<String, Object> values = params.asMap();
        try {
            if (transactionConnection != null) {
                return execute(transactionConnection, named, values, execution);
            }
            try (Connection connection = dataSource.getConnection()) {
                return execute(connection, named, values, execution);
            }
        } catch (SQLException | RuntimeException e) {
            throw new SqlException(statement, null, e);
        }
    }

    private static <T> T execute(Connection connection, NamedStatement named, Map<String, Object> values,
                                 Execution<T> execution) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(named.jdbcText())) {
            for (int i = 0; i < named.parameterNames().size(); i++) {
                String name = named.parameterNames().get(i);
                if (!values.containsKey(name)) {
                    throw new IllegalArgumentException("missing parameter :" + name);
                }
                bind(ps, i + 1, values.get(name));
            }
            return execution.run(ps);
        }
    }

    private static void bind(PreparedStatement ps, int index, Object value) throws SQLException {
        switch (value) {
            case null -> ps.setNull(index, Types.NULL);
            case Instant instant -> ps.setObject(index, instant.atOffset(ZoneOffset.UTC));
            case Integer i -> ps.setLong(index, i);
            default -> ps.setObject(index, value);
        }
    }

    private static List<Row> readRows(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<Row> rows = new ArrayList<>();
        while (rs.next()) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (int c = 1; c <= meta.getColumnCount(); c++) {
                values.put(meta.getColumnLabel(c), read(rs, c, meta.getColumnType(c), meta.getColumnTypeName(c)));
            }
            rows.add(new Row(values));
        }
        return rows;
    }

    private static Object read(ResultSet rs, int c, int type, String typeName) throws SQLException {
        if ("timestamptz".equals(typeName) || type == Types.TIMESTAMP_WITH_TIMEZONE) {
            OffsetDateTime value = rs.getObject(c, OffsetDateTime.class);
            return value == null ? null : value.toInstant();
        }
        Object value = rs.getObject(c);
        return switch (value) {
            case null -> null;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case java.math.BigDecimal d -> d.doubleValue();
            case Float f -> f.doubleValue();
            case Long l -> l;
            case Double d -> d;
            case Boolean b -> b;
            case String s -> s;
            default -> value.toString(); // json, jsonb and other PGobjects arrive as their text
        };
    }
}
