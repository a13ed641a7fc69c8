package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.functions.http.Json;
import io.botfleet.testing.TestDatabase;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;

/**
 * The stack's migration step on real-shaped CloudFormation custom-resource events, through the
 * Data API stand-in over an empty database: Create migrates, Update is idempotent, Delete does
 * nothing.
 */
class MigrationsHandlerTest {

    private static Map<String, Object> event(String fixture) throws Exception {
        try (InputStream in = MigrationsHandlerTest.class.getResourceAsStream("/cloudformation/" + fixture)) {
            return Json.MAPPER.readValue(in, new TypeReference<>() {
            });
        }
    }

    @Test
    void createMigratesUpdateChangesNothingMoreAndDeleteLeavesTheData() throws Exception {
        try (TestDatabase db = TestDatabase.empty(TestDatabase.Adapter.DATA_API)) {
            MigrationsHandler handler = new MigrationsHandler(() -> db.sql(1));

            assertThat(handler.handleRequest(event("migrations-create.json"), null))
                    .containsEntry("PhysicalResourceId", MigrationsHandler.PHYSICAL_ID);
            long applied = db.count("SELECT count(*) AS n FROM schema_migrations");
            assertThat(applied).as("every migration").isEqualTo(21);
            assertThat(db.count("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'bot_events'")).isOne();
            assertThat(db.count("SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'webhook_deliveries'"
                    + " AND column_name = 'lease_owner'")).as("the lease fence's column").isOne();
            assertThat(db.count("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'tenant_calendar'"))
                    .as("the tenants' calendar (V17)").isOne();
            assertThat(db.count("SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'bot_events_tx'"))
                    .as("the event counts' index (V16)").isOne();

            assertThat(handler.handleRequest(event("migrations-update.json"), null))
                    .containsEntry("PhysicalResourceId", MigrationsHandler.PHYSICAL_ID);
            assertThat(db.count("SELECT count(*) AS n FROM schema_migrations")).as("none twice").isEqualTo(applied);

            int callsBefore = db.dataApi().calls("ExecuteStatement");
            assertThat(handler.handleRequest(event("migrations-delete.json"), null))
                    .containsEntry("PhysicalResourceId", MigrationsHandler.PHYSICAL_ID);
            assertThat(db.dataApi().calls("ExecuteStatement")).as("Delete touches nothing").isEqualTo(callsBefore);
            assertThat(db.count("SELECT count(*) AS n FROM schema_migrations")).isEqualTo(applied);
        }
    }
}
