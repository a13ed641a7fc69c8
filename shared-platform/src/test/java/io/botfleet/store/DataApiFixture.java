package io.botfleet.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.postgresql.core.BaseConnection;
import org.postgresql.util.PGobject;

/**
 * A local RDS Data API for tests: the REST-JSON wire protocol of {@code rds-data} 2018-08-01 (what
 * {@code RdsDataClient} sends with {@code endpointOverride}), run against a real PostgreSQL.
 * Shapes follow the service model and responses observed from real Aurora PostgreSQL clusters
 * (Serverless v2 / provisioned): a SQL error is {@code DatabaseErrorException} (400) carrying the
 * driver's message plus {@code "; SQLState: xxxxx"} ({@code BadRequestException} is Serverless v1's);
 * a result over 1 MiB is {@code UnsupportedResultException}; a failed statement ends its transaction;
 * a second statement on a busy transaction is refused; timestamps come back as UTC wall-clock text.
 */
public final class DataApiFixture implements AutoCloseable {
    /** HTTP status of each error code, from the service model as compiled into SDK 2.57.8. */
    private static final Map<String, Integer> ERROR_STATUS = Map.ofEntries(
            Map.entry("AccessDeniedException", 403), Map.entry("BadRequestException", 400),
            Map.entry("DatabaseErrorException", 400), Map.entry("DatabaseNotFoundException", 404),
            Map.entry("DatabaseResumingException", 400), Map.entry("DatabaseUnavailableException", 504),
            Map.entry("ForbiddenException", 403), Map.entry("HttpEndpointNotEnabledException", 400),
            Map.entry("InternalServerErrorException", 500), Map.entry("InvalidResourceStateException", 400),
            Map.entry("InvalidSecretException", 400), Map.entry("NotFoundException", 404),
            Map.entry("SecretsErrorException", 400), Map.entry("ServiceUnavailableError", 503),
            Map.entry("StatementTimeoutException", 400), Map.entry("TransactionNotFoundException", 404),
            Map.entry("UnsupportedResultException", 400),
            Map.entry("ThrottlingException", 400)); // AWS common error, not in the service model
    private static final Map<String, String> OPERATIONS = Map.of(
            "/Execute", "ExecuteStatement", "/BatchExecute", "BatchExecuteStatement",
            "/BeginTransaction", "BeginTransaction", "/CommitTransaction", "CommitTransaction",
            "/RollbackTransaction", "RollbackTransaction");
    /** The limit counts what PostgreSQL sends: per row 2 bytes, per field 4 bytes plus its text. */
    private static final long RESULT_LIMIT = 1024 * 1024;
    private static final DateTimeFormatter WALL_CLOCK = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss").appendFraction(ChronoField.NANO_OF_SECOND, 0, 6, true)
            .toFormatter();
    private static final DateTimeFormatter TIMESTAMP_HINT = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss").optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd().toFormatter();

    private final DataSource dataSource;
    private final ObjectMapper json = new ObjectMapper();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;
    private final Map<String, Transaction> transactions = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Set<Object> utcSessions = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile String failureType;
    private volatile Duration latency = Duration.ZERO;

    public DataApiFixture(DataSource dataSource) {
        this.dataSource = dataSource;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor); // a virtual thread per request: hundreds of callers at once
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Every call waits this long before it is answered, as a call inside the region would. */
    public void latency(Duration perCall) {
        latency = perCall;
    }

    /** The next {@code times} calls answer {@code errorType} without touching the database. */
    public void failNext(int times, String errorType) {
        if (!ERROR_STATUS.containsKey(errorType)) {
            throw new IllegalArgumentException("not an RDS Data API error code: " + errorType);
        }
        failureType = errorType;
        failuresLeft.set(times);
    }

    /** Requests received for an operation ("ExecuteStatement", "BeginTransaction", ...), failed ones too. */
    public int calls(String operation) {
        AtomicInteger count = calls.get(operation);
        return count == null ? 0 : count.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        transactions.values().forEach(DataApiFixture::endQuietly);
        transactions.clear();
    }

    private static void endQuietly(Transaction tx) {
        try {
            tx.end(false);
        } catch (SQLException ignored) {
            // the connection is closed either way; the pool discards a broken one
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String operation = OPERATIONS.get(exchange.getRequestURI().getPath());
            if (operation != null) {
                calls.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
            }
            try {
                Thread.sleep(latency);
                if (operation == null || !"POST".equals(exchange.getRequestMethod())) {
                    throw new ApiError("UnknownOperationException", 404, "no operation at " + exchange.getRequestURI());
                }
                if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new ApiError(failureType, "injected by DataApiFixture.failNext");
                }
                JsonNode request = json.readTree(body);
                ObjectNode response = switch (operation) {
                    case "ExecuteStatement" -> executeStatement(request);
                    case "BatchExecuteStatement" -> batchExecuteStatement(request);
                    case "BeginTransaction" -> beginTransaction(request);
                    case "CommitTransaction" -> endTransaction(request, true);
                    default -> endTransaction(request, false);
                };
                send(exchange, 200, null, response);
            } catch (ApiError e) {
                send(exchange, e.status, e.type, json.createObjectNode().put("message", e.getMessage()));
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                send(exchange, 500, "InternalServerErrorException",
                        json.createObjectNode().put("message", "DataApiFixture: " + e));
            }
        }
    }

    private void send(HttpExchange exchange, int status, String errorType, ObjectNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        if (errorType != null) {
            // rest-json: the SDK picks the exception class from this header
            exchange.getResponseHeaders().set("x-amzn-ErrorType", errorType);
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private ObjectNode executeStatement(JsonNode request) throws SQLException {
        String sql = required(request, "sql");
        if (request.path("formatRecordsAs").asText("NONE").equals("JSON") || request.has("resultSetOptions")) {
            throw new ApiError("BadRequestException", "DataApiFixture supports neither formatRecordsAs JSON nor resultSetOptions");
        }
        boolean metadata = request.path("includeResultMetadata").asBoolean(false);
        return onConnection(request, connection -> {
            NamedStatement named = NamedStatement.parse(sql);
            try (PreparedStatement statement = connection.prepareStatement(named.jdbcText())) {
                bind(statement, named, request.path("parameters"));
                ObjectNode response = json.createObjectNode();
                if (statement.execute()) {
                    try (ResultSet rs = statement.getResultSet()) {
                        if (metadata) {
                            response.set("columnMetadata", columnMetadata(connection, rs.getMetaData()));
                        }
                        response.put("numberOfRecordsUpdated", 0); // what the service answers for a SELECT
                        response.set("records", records(rs));
                    }
                } else {
                    response.put("numberOfRecordsUpdated", statement.getUpdateCount());
                }
                response.set("generatedFields", json.createArrayNode()); // unsupported by Aurora PostgreSQL
                return response;
            }
        });
    }

    private ObjectNode batchExecuteStatement(JsonNode request) throws SQLException {
        String sql = required(request, "sql");
        return onConnection(request, connection -> {
            NamedStatement named = NamedStatement.parse(sql);
            ArrayNode results = json.createArrayNode();
            try (PreparedStatement statement = connection.prepareStatement(named.jdbcText())) {
                for (JsonNode parameterSet : request.path("parameterSets")) {
                    bind(statement, named, parameterSet);
                    statement.addBatch();
                    results.addObject().set("generatedFields", json.createArrayNode());
                }
                if (!results.isEmpty()) {
                    statement.executeBatch();
                }
            }
            return json.createObjectNode().set("updateResults", results);
        });
    }

    private ObjectNode beginTransaction(JsonNode request) throws SQLException {
        required(request, "resourceArn");
        required(request, "secretArn");
        Connection connection = dataSource.getConnection();
        try {
            inUtc(connection);
            connection.setAutoCommit(false);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        String id = UUID.randomUUID().toString();
        transactions.put(id, new Transaction(connection));
        return json.createObjectNode().put("transactionId", id);
    }

    private ObjectNode endTransaction(JsonNode request, boolean commit) {
        String id = required(request, "transactionId");
        Transaction tx = claim(id);
        try {
            transactions.remove(id);
            tx.end(commit);
        } catch (SQLException e) {
            throw databaseError(e);
        } finally {
            tx.lock.unlock();
        }
        return json.createObjectNode().put("transactionStatus", commit ? "Transaction Committed" : "Rollback Complete");
    }

    @FunctionalInterface
    private interface Work {
        ObjectNode run(Connection connection) throws SQLException;
    }

    /** Runs on the transaction's own connection when the request names one, else on a pooled one. */
    private ObjectNode onConnection(JsonNode request, Work work) throws SQLException {
        required(request, "resourceArn");
        required(request, "secretArn");
        String id = request.path("transactionId").asText("");
        if (id.isEmpty()) {
            try (Connection connection = dataSource.getConnection()) {
                inUtc(connection);
                try {
                    return work.run(connection);
                } catch (SQLException e) {
                    throw databaseError(e);
                }
            }
        }
        Transaction tx = claim(id);
        try {
            return work.run(tx.connection);
        } catch (SQLException e) {
            // the service ends a transaction whose statement failed; its id is then not found
            transactions.remove(id);
            endQuietly(tx);
            throw databaseError(e);
        } finally {
            tx.lock.unlock();
        }
    }

    /** Locks a live transaction; like the service, a second statement while one runs is refused. */
    private Transaction claim(String id) {
        Transaction tx = transactions.get(id);
        if (tx == null) {
            throw transactionNotFound(id);
        }
        if (!tx.lock.tryLock()) {
            throw new ApiError("BadRequestException", "Transaction " + id + " is not in a state that can accept this statement");
        }
        if (tx.ended) {
            tx.lock.unlock();
            throw transactionNotFound(id);
        }
        return tx;
    }

    private static ApiError transactionNotFound(String id) {
        return new ApiError("TransactionNotFoundException", "Transaction " + id + " is not found");
    }

    private static ApiError databaseError(SQLException e) {
        SQLException cause = e.getNextException() != null ? e.getNextException() : e; // batch entries
        return new ApiError("DatabaseErrorException", cause.getMessage() + "; SQLState: " + cause.getSQLState());
    }

    /** The service's sessions run in UTC; set it once per physical connection. */
    private void inUtc(Connection connection) throws SQLException {
        Object physical = connection.isWrapperFor(BaseConnection.class) ? connection.unwrap(BaseConnection.class) : connection;
        if (utcSessions.add(physical)) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET TIME ZONE 'UTC'");
            } catch (SQLException e) {
                utcSessions.remove(physical);
                throw e;
            }
        }
    }

    private static void bind(PreparedStatement statement, NamedStatement named, JsonNode parameters) throws SQLException {
        Map<String, JsonNode> byName = new HashMap<>();
        parameters.forEach(p -> byName.put(p.path("name").asText(), p));
        for (int i = 0; i < named.parameterNames().size(); i++) {
            String name = named.parameterNames().get(i);
            JsonNode parameter = byName.get(name);
            if (parameter == null) {
                throw new ApiError("BadRequestException", "No value specified for parameter :" + name);
            }
            try {
                bindOne(statement, i + 1, parameter.path("value"), parameter.path("typeHint").asText(""));
            } catch (RuntimeException e) {
                throw e instanceof ApiError api ? api
                        : new ApiError("BadRequestException", "Invalid value for parameter :" + name + ": " + e.getMessage());
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
            statement.setBytes(index, Base64.getDecoder().decode(value.get("blobValue").asText()));
        } else if (value.has("stringValue")) {
            String text = value.get("stringValue").asText();
            switch (typeHint) {
                case "" -> statement.setString(index, text); // varchar: no implicit cast to timestamptz etc.
                case "TIMESTAMP" -> statement.setObject(index, LocalDateTime.parse(text, TIMESTAMP_HINT));
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
                default -> throw new ApiError("BadRequestException", "Unknown typeHint " + typeHint);
            }
        } else if (value.has("arrayValue")) {
            throw new ApiError("BadRequestException", "Array parameters are not supported.");
        } else {
            throw new ApiError("BadRequestException", "A parameter value must set exactly one field");
        }
    }

    private ArrayNode records(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        ArrayNode records = json.createArrayNode();
        long size = 0;
        while (rs.next()) {
            ArrayNode record = records.addArray();
            size += 2;
            for (int c = 1; c <= meta.getColumnCount(); c++) {
                String text = rs.getString(c);
                size += 4 + (text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length);
                record.add(field(rs, c, meta.getColumnTypeName(c), text));
            }
            if (size > RESULT_LIMIT) {
                throw new ApiError("UnsupportedResultException", "The result exceeds the size limit 1 MB.");
            }
        }
        return records;
    }

    private ObjectNode field(ResultSet rs, int c, String typeName, String text) throws SQLException {
        ObjectNode field = json.createObjectNode();
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
            default -> typeName.startsWith("_") ? field.set("arrayValue", arrayValue(rs.getArray(c)))
                    : field.put("stringValue", text); // numeric, text, varchar, char, json(b), uuid, date, time
        };
    }

    private ObjectNode arrayValue(Array array) throws SQLException {
        String key = switch (array.getBaseTypeName()) {
            case "int2", "int4", "int8", "oid" -> "longValues";
            case "float4", "float8" -> "doubleValues";
            case "bool" -> "booleanValues";
            default -> "stringValues";
        };
        ArrayNode values = json.createArrayNode();
        for (Object item : (Object[]) array.getArray()) {
            switch (item) {
                case null -> values.addNull();
                case Object[] nested -> throw new ApiError("UnsupportedResultException", "The result contains a multidimensional array");
                case Number n when key.equals("longValues") -> values.add(n.longValue());
                case Number n when key.equals("doubleValues") -> values.add(n.doubleValue());
                case Boolean b -> values.add(b);
                default -> values.add(item.toString());
            }
        }
        return json.createObjectNode().set(key, values);
    }

    /** The service reports the JDBC driver's view of each column. */
    private ArrayNode columnMetadata(Connection connection, ResultSetMetaData meta) throws SQLException {
        ArrayNode columns = json.createArrayNode();
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

    private static String required(JsonNode request, String member) {
        String value = request.path(member).asText("");
        if (value.isEmpty()) {
            throw new ApiError("BadRequestException", "Missing required parameter " + member);
        }
        return value;
    }

    private static final class Transaction {
        final Connection connection;
        final ReentrantLock lock = new ReentrantLock();
        volatile boolean ended;

        Transaction(Connection connection) {
            this.connection = connection;
        }

        void end(boolean commit) throws SQLException {
            if (!ended) {
                ended = true;
                try (connection) {
                    if (commit) {
                        connection.commit();
                    } else {
                        connection.rollback();
                    }
                }
            }
        }
    }

    private static final class ApiError extends RuntimeException {
        final String type;
        final int status;

        ApiError(String type, String message) {
            this(type, ERROR_STATUS.get(type), message);
        }

        ApiError(String type, int status, String message) {
            super(message, null, false, false);
            this.type = type;
            this.status = status;
        }
    }
}
