package io.botfleet.store;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rdsdata.RdsDataClient;
import org.postgresql.core.BaseConnection;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local RDS Data API for tests: the REST-JSON wire protocol of {@code rds-data} 2018-08-01 (what
 * {@code RdsDataClient} sends with {@code endpointOverride}), run against a real PostgreSQL.
 * Shapes follow the service model and responses observed from real Aurora PostgreSQL clusters
 * (Serverless v2 / provisioned): a SQL error is {@code DatabaseErrorException} (400) carrying the
 * driver's message plus {@code "; SQLState: xxxxx"} ({@code BadRequestException} is Serverless v1's);
 * a failed statement ends its transaction; a call on a transaction still running a statement is
 * refused; a statement past the time limit (45 s) answers {@code StatementTimeoutException}, and is
 * cancelled unless the call asked to continue after a timeout; timestamptz values come back as UTC
 * wall-clock text. Sessions run in the cluster's time zone, which is not UTC here (parameter groups
 * can set any), so a value that depends on it shows. This class holds the HTTP protocol, the
 * transactions and the time limit; {@link DataApiRules} is what the service refuses,
 * {@link DataApiValues} maps parameters and result values, and {@link DataApiError} is the
 * service's error vocabulary.
 */
public final class DataApiFixture implements AutoCloseable {
    private static final Map<String, String> OPERATIONS = Map.of(
            "/Execute", "ExecuteStatement", "/BatchExecute", "BatchExecuteStatement",
            "/BeginTransaction", "BeginTransaction", "/CommitTransaction", "CommitTransaction",
            "/RollbackTransaction", "RollbackTransaction");

    private final DataSource dataSource;
    private final JsonMapper json = JsonMapper.shared();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;
    private final DataApiTransactions transactions = new DataApiTransactions();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<Object, String> sessionZones = Collections.synchronizedMap(new WeakHashMap<>());
    private final List<String> continuedAfterTimeout = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> accessKeys = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile String failureType;
    private volatile String failAfterCommitOf; // null: fail before touching the database
    private volatile Duration latency = Duration.ZERO;
    private volatile String sessionZone = "Asia/Kolkata";
    private volatile Duration statementTimeout = Duration.ofSeconds(45);

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

    /** A raw SDK client for this endpoint, one attempt per call, for tests of the fixture itself. */
    public RdsDataClient client() {
        return RdsDataClient.builder()
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")))
                .httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(endpoint())
                .overrideConfiguration(o -> o.retryStrategy(b -> b.maxAttempts(1)))
                .build();
    }

    /** The access key ids the calls were signed with. */
    public Set<String> accessKeys() {
        return Set.copyOf(accessKeys);
    }

    /** Every call waits this long before it is answered, as a call inside the region would. */
    public void latency(Duration perCall) {
        latency = perCall;
    }

    /** The next {@code times} calls answer {@code errorType} without touching the database. */
    public void failNext(int times, String errorType) {
        failNext(times, errorType, null);
    }

    /**
     * The next {@code times} statements whose text contains {@code sqlContaining} run and commit,
     * and then answer {@code errorType}: the answer is lost, the work is done.
     */
    public void failNextAfterCommit(int times, String errorType, String sqlContaining) {
        failNext(times, errorType, sqlContaining);
    }

    private void failNext(int times, String errorType, String afterCommitOf) {
        if (!DataApiError.isKnownType(errorType)) {
            throw new IllegalArgumentException("not an RDS Data API error code: " + errorType);
        }
        failureType = errorType;
        failAfterCommitOf = afterCommitOf;
        failuresLeft.set(times);
    }

    /** The time zone new sessions run in, as a cluster parameter group sets it. */
    public void sessionTimeZone(String zone) {
        sessionZone = zone;
    }

    /** How long a statement may run before its call answers StatementTimeoutException (the service: 45 s). */
    public void statementTimeout(Duration limit) {
        statementTimeout = limit;
    }

    /** The statements sent with {@code continueAfterTimeout}, in order. */
    public List<String> continuedAfterTimeout() {
        synchronized (continuedAfterTimeout) {
            return List.copyOf(continuedAfterTimeout);
        }
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
        transactions.closeAll();
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
                String accessKey = DataApiRules.accessKeyOf(exchange.getRequestHeaders().getFirst("Authorization"));
                if (accessKey == null) {
                    throw new DataApiError("MissingAuthenticationTokenException", 403, "Missing Authentication Token");
                }
                accessKeys.add(accessKey);
                if (failAfterCommitOf == null && failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
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
                String afterCommitOf = failAfterCommitOf;
                if (afterCommitOf != null && request.path("sql").asString("").contains(afterCommitOf)
                        && failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new DataApiError(failureType, "injected by DataApiFixture.failNextAfterCommit");
                }
                send(exchange, 200, null, response);
            } catch (DataApiError e) {
                ObjectNode error = json.createObjectNode().put("message", e.getMessage());
                if (e.dbConnectionId != null) {
                    error.put("dbConnectionId", e.dbConnectionId);
                }
                send(exchange, e.status, e.type, error);
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
        DataApiRules.oneStatement(sql);
        if (request.path("formatRecordsAs").asString("NONE").equals("JSON") || request.has("resultSetOptions")) {
            throw new DataApiError("BadRequestException", "DataApiFixture supports neither formatRecordsAs JSON nor resultSetOptions");
        }
        boolean metadata = request.path("includeResultMetadata").asBoolean(false);
        boolean continueAfterTimeout = request.path("continueAfterTimeout").asBoolean(false);
        if (continueAfterTimeout) {
            continuedAfterTimeout.add(sql);
        }
        return onConnection(request, continueAfterTimeout, connection -> {
            NamedStatement named = NamedStatement.parse(sql);
            try (PreparedStatement statement = connection.prepareStatement(named.jdbcText())) {
                DataApiValues.bind(statement, named, request.path("parameters"));
                ObjectNode response = json.createObjectNode();
                if (statement.execute()) {
                    try (ResultSet rs = statement.getResultSet()) {
                        ArrayNode records = DataApiValues.records(rs);
                        if (metadata) {
                            response.set("columnMetadata", DataApiValues.columnMetadata(connection, rs.getMetaData()));
                        }
                        response.put("numberOfRecordsUpdated", 0); // what the service answers for a SELECT
                        response.set("records", records);
                    }
                } else if (!DataApiRules.isDdl(sql)) {
                    response.put("numberOfRecordsUpdated", statement.getUpdateCount()); // absent for DDL
                }
                response.set("generatedFields", json.createArrayNode()); // unsupported by Aurora PostgreSQL
                return response;
            }
        });
    }

    private ObjectNode batchExecuteStatement(JsonNode request) throws SQLException {
        String sql = required(request, "sql");
        DataApiRules.oneStatement(sql);
        return onConnection(request, false, connection -> {
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
            inSessionZone(connection);
            connection.setAutoCommit(false);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return json.createObjectNode().put("transactionId", transactions.begin(connection));
    }

    private ObjectNode endTransaction(JsonNode request, boolean commit) {
        transactions.end(required(request, "transactionId"), commit);
        return json.createObjectNode().put("transactionStatus", commit ? "Transaction Committed" : "Rollback Complete");
    }

    @FunctionalInterface
    private interface Work {
        ObjectNode run(Connection connection) throws SQLException;
    }

    /**
     * Runs on the transaction's own connection when the request names one, else on a pooled one,
     * within the statement time limit. A statement past the limit is cancelled, unless the call
     * asked to continue after a timeout; either way the call answers StatementTimeoutException, and
     * the transaction stays busy until its statement ends.
     */
    private ObjectNode onConnection(JsonNode request, boolean continueAfterTimeout, Work work) throws SQLException {
        required(request, "resourceArn");
        required(request, "secretArn");
        String id = request.path("transactionId").asString("");
        if (id.isEmpty()) {
            Connection connection = dataSource.getConnection();
            try {
                inSessionZone(connection);
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
            return withinLimit(connection, continueAfterTimeout, () -> {
                try (connection) {
                    return work.run(connection);
                } catch (SQLException e) {
                    throw DataApiError.database(e);
                }
            });
        }
        DataApiTransactions.Transaction tx = transactions.claim(id);
        return withinLimit(tx.connection, continueAfterTimeout, () -> {
            try {
                return work.run(tx.connection);
            } catch (SQLException e) {
                transactions.abort(id, tx);
                throw DataApiError.database(e);
            } finally {
                tx.release();
            }
        });
    }

    private ObjectNode withinLimit(Connection connection, boolean continueAfterTimeout,
                                   java.util.concurrent.Callable<ObjectNode> statement) throws SQLException {
        long backend = connection.unwrap(PGConnection.class).getBackendPID();
        Future<ObjectNode> running = executor.submit(statement);
        try {
            return running.get(statementTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (!continueAfterTimeout) {
                connection.unwrap(PGConnection.class).cancelQuery();
            }
            throw new DataApiError("StatementTimeoutException", "Request timed out", backend);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof DataApiError api ? api : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataApiError("InternalServerErrorException", "interrupted");
        }
    }

    /** Each session runs in the cluster's time zone; set once per physical connection. */
    private void inSessionZone(Connection connection) throws SQLException {
        Object physical = connection.isWrapperFor(BaseConnection.class) ? connection.unwrap(BaseConnection.class) : connection;
        String zone = sessionZone;
        if (!zone.equals(sessionZones.get(physical))) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET TIME ZONE '" + zone + "'");
            }
            sessionZones.put(physical, zone);
        }
    }

    private static String required(JsonNode request, String member) {
        String value = request.path(member).asString("");
        if (value.isEmpty()) {
            throw new DataApiError("BadRequestException", "Missing required parameter " + member);
        }
        return value;
    }

}
