package io.botfleet.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import io.botfleet.config.ConfigException;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rdsdata.RdsDataClient;
import software.amazon.awssdk.services.rdsdata.RdsDataClientBuilder;

/** Opens the database the settings name: a JDBC pool, or the RDS Data API client. */
public final class Databases {
    private Databases() {
    }

    /**
     * Accepts {@code jdbc:postgresql://...} or the common {@code postgresql://user:pass@host:port/db}.
     *
     * @param poolSize a Lambda container serves one request at a time, so 2 is plenty there
     */
    public static HikariDataSource pool(String url, int poolSize) {
        HikariConfig config = new HikariConfig();
        if (url.startsWith("jdbc:")) {
            config.setJdbcUrl(url);
        } else if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
            URI uri = uri(url);
            config.setJdbcUrl("jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                    + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                config.setUsername(URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
                if (parts.length == 2) {
                    config.setPassword(URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
                }
            }
        } else {
            throw new IllegalArgumentException("DATABASE_URL must start with jdbc:postgresql:// or postgresql://");
        }
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(5_000);
        config.setPoolName("botfleet");
        // no server-side prepared statements: they are session state, which the Data API path lacks too
        config.addDataSourceProperty("prepareThreshold", "0");
        return new HikariDataSource(config);
    }

    /** The URL, or a ConfigException that says where it breaks without quoting it (it holds the password). */
    private static URI uri(String url) {
        try {
            return new URI(url);
        } catch (URISyntaxException e) {
            throw new ConfigException("DATABASE_URL is not a valid URL (at character " + (e.getIndex() + 1) + ")");
        }
    }

    /** An open database: the SQL port and what to close when done. */
    public record Opened(Sql sql, AutoCloseable resource) {
    }

    /**
     * Opens what the settings name. The embedded database lives in the local runner, which
     * passes its URL; elsewhere embedded is a setting error.
     *
     * @param poolSize JDBC connections (a Lambda container serves one request at a time: 2)
     */
    public static Opened open(DatabaseSettings settings, String embeddedUrl, int poolSize) {
        return switch (settings.mode()) {
            case DATA_API -> {
                RdsDataClient client = dataApiClient(settings.region(),
                        settings.dataApiEndpoint() == null ? null : URI.create(settings.dataApiEndpoint()));
                yield new Opened(new DataApiSql(client, settings.target(), DataApiRetry.standard()), client);
            }
            case JDBC -> {
                HikariDataSource pool = pool(settings.url(), poolSize);
                yield new Opened(new JdbcSql(pool), pool);
            }
            case EMBEDDED -> {
                if (embeddedUrl == null) {
                    throw new ConfigException("DB_MODE=embedded runs only in the local runner (botfleet.jar); "
                            + "set DB_MODE=data-api (with DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME) or DB_MODE=jdbc (with DATABASE_URL)");
                }
                HikariDataSource pool = pool(embeddedUrl, poolSize);
                yield new Opened(new JdbcSql(pool), pool);
            }
        };
    }

    /**
     * The Data API client: explicit region, the URL-connection HTTP client, timeouts above the
     * API's 45 s statement limit, and no SDK retries (see {@link DataApiRetry} for why).
     */
    public static RdsDataClient dataApiClient(String region, URI endpoint) {
        RdsDataClientBuilder builder = RdsDataClient.builder()
                .region(Region.of(region))
                // the default chain: key variables in a plain Lambda, the container credentials endpoint
                // in one restored from a SnapStart snapshot, a profile or instance role elsewhere
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(55))
                        .build())
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(Duration.ofSeconds(55))
                        .apiCallTimeout(Duration.ofSeconds(60))
                        .retryStrategy(r -> r.maxAttempts(1)));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }
}
