package io.botfleet.store;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the RDS Data API refuses for Aurora PostgreSQL (Serverless v2 and provisioned clusters),
 * as its documentation states it (the data-api-operations, data-api.differences and
 * troubleshooting pages of the Aurora User Guide, and the API reference):
 * <ul>
 * <li>more than one statement in a call: {@code ValidationException} "Multistatements aren't supported.";</li>
 * <li>a result column outside the supported types (PostgreSQL {@code void} among them):
 *     {@code UnsupportedResultException} "The result contains the unsupported data type ...";</li>
 * <li>a {@code TIMESTAMP}-hinted value not in the format {@code YYYY-MM-DD HH:MM:SS[.FFF]};</li>
 * <li>a row over 64 KB, a result over 1 MiB.</li>
 * </ul>
 */
final class DataApiRules {
    /** Per row, what PostgreSQL sends: 2 bytes, and per field 4 bytes plus its text. */
    static final long ROW_LIMIT = 64 * 1024;
    static final long RESULT_LIMIT = 1024 * 1024;

    /** The scalar and array types the documentation lists, as PostgreSQL names them; timestamptz is returned in UTC. */
    private static final Set<String> RESULT_TYPES = Set.of(
            "bool", "bytea", "date", "cidr", "numeric", "float8", "inet", "int4", "serial", "int2", "smallserial",
            "int8", "bigserial", "jsonb", "json", "float4", "text", "bpchar", "varchar", "name", "time", "timestamp",
            "timestamptz", "uuid", "vector",
            "_bool", "_bit", "_date", "_numeric", "_float8", "_int4", "_int2", "_int8", "_json", "_float4", "_text",
            "_bpchar", "_varchar", "_name", "_time", "_timestamp", "_uuid");

    /** The documented format of a TIMESTAMP-hinted value: no {@code T}, no zone, at most milliseconds. */
    private static final Pattern TIMESTAMP_HINT = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?");

    private static final Pattern DDL = Pattern.compile("^(CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|TRUNCATE)\\b");

    private DataApiRules() {
    }

    static void oneStatement(String sql) {
        if (SqlText.code(sql).indexOf(';') >= 0) {
            throw new DataApiError("ValidationException", "Multistatements aren't supported.");
        }
    }

    static void resultType(String typeName) {
        if (!RESULT_TYPES.contains(typeName)) {
            throw new DataApiError("UnsupportedResultException",
                    "The result contains the unsupported data type " + typeName + ".");
        }
    }

    static void timestampHint(String text) {
        if (!TIMESTAMP_HINT.matcher(text).matches()) {
            throw new DataApiError("BadRequestException", "Parse Error for TimeStamp: input contains invalid characters");
        }
    }

    static void rowSize(long bytes) {
        if (bytes > ROW_LIMIT) {
            throw new DataApiError("UnsupportedResultException", "The size was too large: a row is over 64 KB.");
        }
    }

    static void resultSize(long bytes) {
        if (bytes > RESULT_LIMIT) {
            throw new DataApiError("UnsupportedResultException", "The result exceeds the size limit 1 MB.");
        }
    }

    /** Statements that are not DML: the service's answer to them carries no {@code numberOfRecordsUpdated}. */
    static boolean isDdl(String sql) {
        return DDL.matcher(SqlText.code(sql).strip().toUpperCase(Locale.ROOT)).find();
    }

    private static final Pattern SIGV4_KEY = Pattern.compile("AWS4-HMAC-SHA256 Credential=([^/]+)/.*");

    /** The access key id a SigV4-signed call names, or null for an unsigned one (the service refuses it). */
    static String accessKeyOf(String authorization) {
        var m = authorization == null ? null : SIGV4_KEY.matcher(authorization);
        return m != null && m.matches() ? m.group(1) : null;
    }
}
