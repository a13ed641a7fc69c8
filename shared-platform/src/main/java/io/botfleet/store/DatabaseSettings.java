package io.botfleet.store;

import io.botfleet.config.Env;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which database, read from the environment and validated once:
 * {@code DB_MODE=data-api} with {@code DB_CLUSTER_ARN}, {@code DB_SECRET_ARN}, {@code DB_NAME};
 * {@code DB_MODE=jdbc} with {@code DATABASE_URL}; or {@code embedded}, the local runner's default
 * (and the default whenever {@code DATABASE_URL} is not set).
 *
 * @param dataApiEndpoint an endpoint override for the Data API ({@code DATA_API_ENDPOINT}), for
 *                        tests and local fakes; null in AWS
 */
public record DatabaseSettings(Mode mode, String url, DataApiSql.Target target, String region, String dataApiEndpoint) {

    public enum Mode { EMBEDDED, JDBC, DATA_API }

    private static final Pattern CLUSTER_ARN = Pattern.compile("arn:aws[a-z-]*:rds:([a-z0-9-]+):\\d{12}:cluster:[A-Za-z0-9-]+");
    private static final Pattern SECRET_ARN = Pattern.compile("arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:.+");

    public static DatabaseSettings from(Map<String, String> environment) {
        Env env = new Env(environment);
        String url = env.string("DATABASE_URL", null);
        String modeName = env.string("DB_MODE", url == null ? "embedded" : "jdbc").toLowerCase(Locale.ROOT);
        DatabaseSettings settings = switch (modeName) {
            case "embedded" -> new DatabaseSettings(Mode.EMBEDDED, null, null, null, null);
            case "jdbc" -> {
                String jdbcUrl = env.required("DATABASE_URL");
                if (jdbcUrl != null && !jdbcUrl.matches("(jdbc:postgresql|postgres|postgresql)://.+")) {
                    env.problem("DATABASE_URL must start with jdbc:postgresql://, postgresql:// or postgres://");
                }
                yield new DatabaseSettings(Mode.JDBC, jdbcUrl, null, null, null);
            }
            case "data-api" -> {
                String cluster = env.required("DB_CLUSTER_ARN");
                String secret = env.required("DB_SECRET_ARN");
                String database = env.required("DB_NAME");
                String region = null;
                if (cluster != null) {
                    Matcher m = CLUSTER_ARN.matcher(cluster);
                    if (m.matches()) {
                        region = m.group(1); // the Data API is called in the cluster's own region
                    } else {
                        env.problem("DB_CLUSTER_ARN must be an Aurora cluster ARN (arn:aws:rds:<region>:<account>:cluster:<name>)");
                    }
                }
                if (secret != null && !SECRET_ARN.matcher(secret).matches()) {
                    env.problem("DB_SECRET_ARN must be a Secrets Manager secret ARN (arn:aws:secretsmanager:...:secret:...)");
                }
                yield new DatabaseSettings(Mode.DATA_API, null, new DataApiSql.Target(cluster, secret, database), region,
                        env.string("DATA_API_ENDPOINT", null));
            }
            default -> {
                env.problem("DB_MODE must be embedded, jdbc or data-api");
                yield null;
            }
        };
        env.check();
        return settings;
    }
}
