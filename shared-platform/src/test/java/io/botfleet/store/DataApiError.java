package io.botfleet.store;

import java.sql.SQLException;
import java.util.Map;

/**
 * An error answer of the fake RDS Data API: the error code the SDK maps to an exception class, the
 * HTTP status the service model gives it, and the message. Both the protocol side and the value
 * mapping raise it, so it lives apart from either.
 */
final class DataApiError extends RuntimeException {
    /** HTTP status of each error code, from the service model as compiled into SDK 2.57.8. */
    private static final Map<String, Integer> STATUS = Map.ofEntries(
            Map.entry("AccessDeniedException", 403), Map.entry("BadRequestException", 400),
            Map.entry("DatabaseErrorException", 400), Map.entry("DatabaseNotFoundException", 404),
            Map.entry("DatabaseResumingException", 400), Map.entry("DatabaseUnavailableException", 504),
            Map.entry("ForbiddenException", 403), Map.entry("HttpEndpointNotEnabledException", 400),
            Map.entry("InternalServerErrorException", 500), Map.entry("InvalidResourceStateException", 400),
            Map.entry("InvalidSecretException", 400), Map.entry("NotFoundException", 404),
            Map.entry("SecretsErrorException", 400), Map.entry("ServiceUnavailableError", 503),
            Map.entry("StatementTimeoutException", 400), Map.entry("TransactionNotFoundException", 404),
            Map.entry("UnsupportedResultException", 400),
            Map.entry("ValidationException", 400), // AWS common error, not in the service model
            Map.entry("ThrottlingException", 400)); // AWS common error, not in the service model

    final String type;
    final int status;
    /** The database connection that ran the statement, for a StatementTimeoutException. */
    final Long dbConnectionId;

    /** An error of the service model; its status comes from the table above. */
    DataApiError(String type, String message) {
        this(type, STATUS.get(type), message, null);
    }

    DataApiError(String type, String message, long dbConnectionId) {
        this(type, STATUS.get(type), message, dbConnectionId);
    }

    DataApiError(String type, int status, String message) {
        this(type, status, message, null);
    }

    private DataApiError(String type, int status, String message, Long dbConnectionId) {
        super(message, null, false, false); // an answer, not a failure: no stack trace needed
        this.type = type;
        this.status = status;
        this.dbConnectionId = dbConnectionId;
    }

    static boolean isKnownType(String type) {
        return STATUS.containsKey(type);
    }

    /** What the service answers for a failed statement: the driver's message plus its SQLState. */
    static DataApiError database(SQLException e) {
        SQLException cause = e.getNextException() != null ? e.getNextException() : e; // batch entries
        return new DataApiError("DatabaseErrorException", cause.getMessage() + "; SQLState: " + cause.getSQLState());
    }
}
