package io.botfleet.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import javax.sql.DataSource;

/** Builds the JDBC pool for a PostgreSQL URL. */
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
            URI uri = URI.create(url);
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

    public static Sql jdbc(DataSource dataSource) {
        return new JdbcSql(dataSource);
    }
}
