package io.botfleet.store;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.postgresql.core.BaseConnection;
import org.postgresql.util.PGobject;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * How the fake RDS Data API maps values between its JSON and JDBC, as the service does for Aurora
 * PostgreSQL: {@code SqlParameter}s (with their type hints) bound to a statement, and result columns
 * encoded as {@code Field}s and {@code ColumnMetadata}, within the service's 1 MiB result limit.
 * Kept apart from {@link DataApiFixture} so the protocol and transaction handling read on their own.
 */
final class DataApiValues {
    /** Timestamps come back as wall-clock text, timestamptz in UTC, to the millisecond (as observed). */
    private static final DateTimeFormatter WALL_CLOCK = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss").appendFraction(ChronoField.NANO_OF_SECOND, 0, 3, true)
            .toFormatter();
    private static final DateTimeFormatter TIMESTAMP_HINT = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss").optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 1, 3, true).optionalEnd().toFormatter();
    private static final JsonMapper JSON_TEXT = JsonMapper.shared();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private DataApiValues() {
    }

    /** Binds the request's {@code SqlParameter}s to the statement's named placeholders, in order. */
    static void bind(PreparedStatement statement, NamedStatement named, JsonNode parameters) throws SQLException {
        Map<String, JsonNode> byName = new HashMap<>();
        parameters.forEach(p -> byName.put(p.path("name").asString(), p));
        for (int i = 0; i < named.parameterNames().size(); i++) {
            String name = named.parameterNames().get(i);
            JsonNode parameter = byName.get(name);
            if (parameter == null) {
                throw new DataApiError("BadRequestException", "No value specified for parameter :" + name);
            }
            try {
                bindOne(statement, i + 1, parameter.path("value"), parameter.path("typeHint").asString(""));
            } catch (RuntimeException e) {
                throw e instanceof DataApiError api ? api
                        : new DataApiError("BadRequestException", "Invalid value for parameter :" + name + ": " + e.getMessage());
            }
        }
    }

    private static void bindOne(PreparedStatement statement, int index, JsonNode value, String typeHint) throws SQLException {
        if (value.path("isNull").asBoolean(false)) {
            statement.setNull(index, Types.NULL); // untyped: PostgreSQL infers the type from the context
        } else if (value.has("booleanValue")) {
            statement.setBoolean(index, value.get("booleanValue").asBoolean());
        } else if (value.has("longValue")) {
            statement.setLong(index, value.get("longValue").asLong());
        } else if (value.has("doubleValue")) {
            statement.setDouble(index, value.get("doubleValue").asDouble());
        } else if (value.has("blobValue")) {
            statement.setBytes(index, Base64.getDecoder().decode(value.get("blobValue").asString()));
        } else if (value.has("stringValue")) {
            String text = value.get("stringValue").asString();
            switch (typeHint) {
                case "" -> statement.setString(index, text); // varchar: no implicit cast to timestamptz etc.
                case "TIMESTAMP" -> { // a timestamp without zone: PostgreSQL reads it in the session's time zone
                    DataApiRules.timestampHint(text);
                    statement.setObject(index, LocalDateTime.parse(text, TIMESTAMP_HINT));
                }
                case "DATE" -> statement.setObject(index, LocalDate.parse(text));
                case "TIME" -> statement.setObject(index, LocalTime.parse(text));
                case "DECIMAL" -> statement.setBigDecimal(index, new BigDecimal(text));
                case "UUID" -> statement.setObject(index, UUID.fromString(text));
                case "JSON" -> {
                    PGobject object = new PGobject();
                    object.setType("json");
                    object.setValue(text);
                    statement.setObject(index, object);
                }
                default -> throw new DataApiError("BadRequestException", "Unknown typeHint " + typeHint);
            }
        } else if (value.has("arrayValue")) {
            throw new DataApiError("BadRequestException", "Array parameters are not supported.");
        } else {
            throw new DataApiError("BadRequestException", "A parameter value must set exactly one field");
        }
    }

    /**
     * Every row as a list of {@code Field}s; refused when a column's type is one the service does
     * not return, a row passes 64 KB or the result 1 MiB.
     */
    static ArrayNode records(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        for (int c = 1; c <= meta.getColumnCount(); c++) {
            DataApiRules.resultType(meta.getColumnTypeName(c));
        }
        ArrayNode records = JSON.arrayNode();
        long size = 0;
        while (rs.next()) {
            ArrayNode record = records.addArray();
            long row = 2;
            for (int c = 1; c <= meta.getColumnCount(); c++) {
                String text = rs.getString(c);
                row += 4 + (text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length);
                record.add(field(rs, c, meta.getColumnTypeName(c), text));
            }
            DataApiRules.rowSize(row);
            size += row;
            DataApiRules.resultSize(size);
        }
        return records;
    }

    private static ObjectNode field(ResultSet rs, int c, String typeName, String text) throws SQLException {
        ObjectNode field = JSON.objectNode();
        if (text == null) {
            return field.put("isNull", true);
        }
        return switch (typeName) {
            case "int2", "int4", "int8", "serial", "bigserial", "smallserial", "oid" -> field.put("longValue", rs.getLong(c));
            case "float4", "float8" -> field.put("doubleValue", rs.getDouble(c));
            case "bool" -> field.put("booleanValue", rs.getBoolean(c));
            case "bytea" -> field.put("blobValue", rs.getBytes(c));
            case "timestamptz" -> field.put("stringValue",
                    WALL_CLOCK.format(rs.getObject(c, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC)));
            case "timestamp" -> field.put("stringValue", WALL_CLOCK.format(rs.getObject(c, LocalDateTime.class)));
            case "jsonb", "json" -> field.put("stringValue", compact(text));
            default -> typeName.startsWith("_") ? field.set("arrayValue", arrayValue(rs.getArray(c)))
                    : field.put("stringValue", text); // numeric, text, varchar, char, json(b), uuid, date, time
        };
    }

    /** JSON as compact text, as the service returns it. */
    private static String compact(String json) {
        try {
            return JSON_TEXT.readTree(json).toString();
        } catch (JacksonException e) {
            return json;
        }
    }

    private static ObjectNode arrayValue(Array array) throws SQLException {
        String key = switch (array.getBaseTypeName()) {
            case "int2", "int4", "int8", "oid" -> "longValues";
            case "float4", "float8" -> "doubleValues";
            case "bool" -> "booleanValues";
            default -> "stringValues";
        };
        ArrayNode values = JSON.arrayNode();
        for (Object item : (Object[]) array.getArray()) {
            switch (item) {
                case null -> values.addNull();
                case Object[] nested -> throw new DataApiError("UnsupportedResultException", "The result contains a multidimensional array");
                case Number n when key.equals("longValues") -> values.add(n.longValue());
                case Number n when key.equals("doubleValues") -> values.add(n.doubleValue());
                case Boolean b -> values.add(b);
                default -> values.add(item.toString());
            }
        }
        return JSON.objectNode().set(key, values);
    }

    /** The service reports the JDBC driver's view of each column. */
    static ArrayNode columnMetadata(Connection connection, ResultSetMetaData meta) throws SQLException {
        ArrayNode columns = JSON.arrayNode();
        for (int c = 1; c <= meta.getColumnCount(); c++) {
            int type = meta.getColumnType(c);
            String typeName = meta.getColumnTypeName(c);
            int arrayBase = type == Types.ARRAY && connection.isWrapperFor(BaseConnection.class)
                    ? connection.unwrap(BaseConnection.class).getTypeInfo().getSQLType(typeName.substring(1)) : 0;
            columns.addObject()
                    .put("arrayBaseColumnType", arrayBase)
                    .put("isAutoIncrement", meta.isAutoIncrement(c))
                    .put("isCaseSensitive", meta.isCaseSensitive(c))
                    .put("isCurrency", meta.isCurrency(c))
                    .put("isSigned", meta.isSigned(c))
                    .put("label", meta.getColumnLabel(c))
                    .put("name", meta.getColumnName(c))
                    .put("nullable", meta.isNullable(c))
                    .put("precision", meta.getPrecision(c))
                    .put("scale", meta.getScale(c))
                    .put("schemaName", meta.getSchemaName(c))
                    .put("tableName", meta.getTableName(c))
                    .put("type", type)
                    .put("typeName", typeName);
        }
        return columns;
    }
}
