package io.botfleet.store;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.rdsdata.RdsDataClient;
import software.amazon.awssdk.services.rdsdata.model.ExecuteStatementResponse;
import software.amazon.awssdk.services.rdsdata.model.Field;
import software.amazon.awssdk.services.rdsdata.model.SqlParameter;
import software.amazon.awssdk.services.rdsdata.model.TypeHint;

/**
 * Asks a real Aurora PostgreSQL cluster, through the RDS Data API, the questions the local
 * fixture ({@link DataApiFixture}) answers from the documentation, and prints what the service
 * said to each, so the fixture can be checked against it in a minute. Not run by the build.
 *
 * <p>Needs {@code DB_CLUSTER_ARN}, {@code DB_SECRET_ARN} and {@code DB_NAME}, and AWS credentials
 * as the AWS CLI finds them ({@code DATA_API_ENDPOINT} points it elsewhere, at the fixture say).
 * It creates one table and drops it again.
 */
public final class DataApiLiveCheck {
    private final RdsDataClient client;
    private final DataApiSql.Target target;

    private DataApiLiveCheck(RdsDataClient client, DataApiSql.Target target) {
        this.client = client;
        this.target = target;
    }

    public static void main(String[] args) {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("DB_MODE", "data-api");
        DatabaseSettings settings = DatabaseSettings.from(env);
        try (RdsDataClient client = Databases.dataApiClient(settings.region(),
                settings.dataApiEndpoint() == null ? null : java.net.URI.create(settings.dataApiEndpoint()))) {
            new DataApiLiveCheck(client, settings.target()).run();
        }
    }

    private void run() {
        String table = "botfleet_live_check_" + UUID.randomUUID().toString().substring(0, 8);
        ask("the session's time zone", "SHOW timezone");
        ask("a void result (the old migration lock)", "SELECT pg_advisory_xact_lock(4242) AS locked");
        ask("the migration lock as botfleet takes it", "SELECT 1 AS locked FROM pg_advisory_xact_lock(4242)");
        ask("two statements in one call", "SELECT 1 AS one; SELECT 2 AS two");
        ask("a TIMESTAMP hint with six fractional digits", "SELECT CAST(:t AS timestamptz) AS t",
                hinted("2026-01-01 12:00:00.123456"));
        ask("a TIMESTAMP hint with three fractional digits", "SELECT CAST(:t AS timestamptz) AS t",
                hinted("2026-01-01 12:00:00.123"));
        ask("an instant as botfleet sends it: text with its offset, cast in the statement",
                "SELECT CAST(:t AS timestamptz) AS t",
                SqlParameter.builder().name("t").value(Field.fromStringValue("2026-01-01 12:00:00.123+00:00")).build());
        ask("how a timestamptz with microseconds comes back",
                "SELECT TIMESTAMPTZ '2026-01-01 12:00:00.123456+05:30' AS t");
        ask("how jsonb comes back", "SELECT '{\"a\": [1, 2]}'::jsonb AS j");
        ask("a DDL statement's numberOfRecordsUpdated", "CREATE TABLE " + table + " (id bigint)");
        ask("a DML statement's numberOfRecordsUpdated", "INSERT INTO " + table + " VALUES (1), (2)");
        ask("dropping the table again", "DROP TABLE " + table);
    }

    private void ask(String question, String sql, SqlParameter... parameters) {
        System.out.println("== " + question);
        System.out.println("   sql: " + sql);
        try {
            ExecuteStatementResponse answer = client.executeStatement(r -> r.resourceArn(target.clusterArn())
                    .secretArn(target.secretArn()).database(target.database()).sql(sql)
                    .parameters(parameters).includeResultMetadata(true));
            System.out.println("   numberOfRecordsUpdated: " + answer.numberOfRecordsUpdated());
            if (answer.hasColumnMetadata()) {
                System.out.println("   columns: " + answer.columnMetadata().stream()
                        .map(c -> c.label() + " " + c.typeName()).toList());
            }
            if (answer.hasRecords()) {
                for (List<Field> row : answer.records()) {
                    System.out.println("   row: " + row);
                }
            }
        } catch (SdkException e) {
            System.out.println("   refused: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static SqlParameter hinted(String value) {
        return SqlParameter.builder().name("t").value(Field.fromStringValue(value)).typeHint(TypeHint.TIMESTAMP).build();
    }
}
