package io.botfleet.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collections;
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

/**
 * A local RDS Data API for tests: the REST-JSON wire protocol of {@code rds-data} 2018-08-01 (what
 * {@code RdsDataClient} sends with {@code endpointOverride}), run against a real PostgreSQL.
 * Shapes follow the service model and responses observed from real Aurora PostgreSQL clusters
 * (Serverless v2 / provisioned): a SQL error is {@code DatabaseErrorException} (400) carrying the
 * driver's message plus {@code "; SQLState: xxxxx"} ({@code BadRequestException} is Serverless v1's);
 * a result over 1 MiB is {@code UnsupportedResultException}; a failed statement ends its transaction;
 * a second statement on a busy transaction is refused; timestamps come back as UTC wall-clock text.
 * This class holds the HTTP protocol and the transactions; {@link DataApiValues} maps parameters and
 * result values, and {@link DataApiError} is the service's error vocabulary.
 */
public final class DataApiFixture implements AutoCloseable {
    private static final Map<String, String> OPERATIONS = Map.of(
            "/Execute", "ExecuteStatement", "/BatchExecute", "BatchExecuteStatement",
            "/BeginTransaction", "BeginTransaction", "/CommitTransaction", "CommitTransaction",
            "/RollbackTransaction", "RollbackTransaction");

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
        if (!DataApiError.isKnownType(errorType)) {
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
                    throw new DataApiError("UnknownOperationException", 404, "no operation at " + exchange.getRequestURI());
                }
                if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new DataApiError(failureType, "injected by DataApiFixture.failNext");
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
            } catch (DataApiError e) {
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
            throw new DataApiError("BadRequestException", "DataApiFixture supports neither formatRecordsAs JSON nor resultSetOptions");
        }
        boolean metadata = request.path("includeResultMetadata").asBoolean(false);
        return onConnection(request, connection -> {
            NamedStatement named = NamedStatement.parse(sql);
            try (PreparedStatement statement = connection.prepareStatement(named.jdbcText())) {
                DataApiValues.bind(statement, named, request.path("parameters"));
                ObjectNode response = json.createObjectNode();
                if (statement.execute()) {
                    try (ResultSet rs = statement.getResultSet()) {
                        if (metadata) {
                            response.set("columnMetadata", DataApiValues.columnMetadata(connection, rs.getMetaData()));
                        }
                        response.put("numberOfRecordsUpdated", 0); // what the service answers for a SELECT
                        response.set("records", DataApiValues.records(rs));
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
                    DataApiValues.bind(statement, named, parameterSet);
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
            throw DataApiError.database(e);
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
                    throw DataApiError.database(e);
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
            throw DataApiError.database(e);
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
            throw new DataApiError("BadRequestException", "Transaction " + id + " is not in a state that can accept this statement");
        }
        if (tx.ended) {
            tx.lock.unlock();
            throw transactionNotFound(id);
        }
        return tx;
    }

    private static DataApiError transactionNotFound(String id) {
        return new DataApiError("TransactionNotFoundException", "Transaction " + id + " is not found");
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

    private static String required(JsonNode request, String member) {
        String value = request.path(member).asText("");
        if (value.isEmpty()) {
            throw new DataApiError("BadRequestException", "Missing required parameter " + member);
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
}
