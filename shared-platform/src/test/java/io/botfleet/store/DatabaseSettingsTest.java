package io.botfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.botfleet.config.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatabaseSettingsTest {
    private static final String CLUSTER = "arn:aws:rds:eu-west-1:123456789012:cluster:botfleet";
    private static final String SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:botfleet-db-AbCdEf";

    @Test
    void embeddedIsTheDefaultAndAUrlMeansJdbc() {
        assertThat(DatabaseSettings.from(Map.of()).mode()).isEqualTo(DatabaseSettings.Mode.EMBEDDED);
        DatabaseSettings jdbc = DatabaseSettings.from(Map.of("DATABASE_URL", "postgresql://u:p@db:5432/botfleet"));
        assertThat(jdbc.mode()).isEqualTo(DatabaseSettings.Mode.JDBC);
        assertThat(jdbc.url()).isEqualTo("postgresql://u:p@db:5432/botfleet");
    }

    @Test
    void theDataApiIsCalledInTheClustersRegion() {
        DatabaseSettings settings = DatabaseSettings.from(Map.of("DB_MODE", "data-api", "DB_CLUSTER_ARN", CLUSTER,
                "DB_SECRET_ARN", SECRET, "DB_NAME", "botfleet"));
        assertThat(settings.mode()).isEqualTo(DatabaseSettings.Mode.DATA_API);
        assertThat(settings.region()).isEqualTo("eu-west-1");
        assertThat(settings.target()).isEqualTo(new DataApiSql.Target(CLUSTER, SECRET, "botfleet"));
    }

    @Test
    void missingOrWrongDataApiSettingsAreNamed() {
        assertThatThrownBy(() -> DatabaseSettings.from(Map.of("DB_MODE", "data-api")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("DB_CLUSTER_ARN is required")
                .hasMessageContaining("DB_SECRET_ARN is required")
                .hasMessageContaining("DB_NAME is required");
        assertThatThrownBy(() -> DatabaseSettings.from(Map.of("DB_MODE", "data-api", "DB_CLUSTER_ARN", "botfleet",
                "DB_SECRET_ARN", "s3cr3t", "DB_NAME", "botfleet")))
                .hasMessageContaining("DB_CLUSTER_ARN must be an Aurora cluster ARN")
                .hasMessageContaining("DB_SECRET_ARN must be a Secrets Manager secret ARN");
    }

    @Test
    void anUnknownModeOrABadUrlIsNamed() {
        assertThatThrownBy(() -> DatabaseSettings.from(Map.of("DB_MODE", "dynamo"))).hasMessageContaining("DB_MODE");
        assertThatThrownBy(() -> DatabaseSettings.from(Map.of("DB_MODE", "jdbc", "DATABASE_URL", "mysql://x")))
                .hasMessageContaining("DATABASE_URL must start with");
    }

    @Test
    void embeddedOutsideTheLocalRunnerIsASettingError() {
        assertThatThrownBy(() -> Databases.open(DatabaseSettings.from(Map.of()), null, 2))
                .isInstanceOf(ConfigException.class).hasMessageContaining("DB_MODE=embedded runs only in the local runner");
    }
}
