package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.botfleet.Log;
import io.botfleet.store.DatabaseSettings;
import io.botfleet.store.Databases;
import io.botfleet.store.Migrations;
import io.botfleet.store.Sql;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The stack's migration step, a CloudFormation custom resource (through the CDK's provider
 * framework, which answers CloudFormation): on Create and on Update it applies the migrations
 * through the Data API (idempotent: each runs once, under a lock); on Delete it does nothing, so
 * removing the stack never touches the data. The functions' aliases move only after it succeeded.
 */
public final class MigrationsHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    static final String PHYSICAL_ID = "botfleet-schema";
    private final Supplier<Sql> database;

    public MigrationsHandler() {
        this(() -> Databases.open(DatabaseSettings.from(System.getenv()), null, 1).sql());
    }

    public MigrationsHandler(Supplier<Sql> database) {
        this.database = database;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Log.setRequestId(context == null ? null : context.getAwsRequestId());
        String type = String.valueOf(event.get("RequestType"));
        if (!"Delete".equals(type)) {
            Migrations.apply(database.get());
        }
        Log.info("schema.migrated", Map.of("requestType", type, "applied", !"Delete".equals(type)));
        return Map.of("PhysicalResourceId", PHYSICAL_ID);
    }
}
