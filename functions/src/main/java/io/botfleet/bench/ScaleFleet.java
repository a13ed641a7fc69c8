package io.botfleet.bench;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.zaxxer.hikari.HikariDataSource;
import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.config.Settings;
import io.botfleet.deployment.BotDeploymentService.CallbackResult;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.functions.ApiHandler;
import io.botfleet.functions.ProcessQueueHandler;
import io.botfleet.platform.PlatformService;
import io.botfleet.store.CountingSql;
import io.botfleet.store.Databases;
import io.botfleet.store.JdbcSql;
import io.botfleet.store.Migrations;
import io.botfleet.store.Sql;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One database of the scale benchmark (CREATE DATABASE, then the real migrations) and the
 * functions over it as production composes them: {@link Services} on the JDBC adapter, one pool
 * of 2 connections per instance (a Lambda container's), {@link ApiHandler} for every HTTP route
 * and {@link ProcessQueueHandler} for the drain. The platforms are the instant k8s and aws.
 * Setup (the bulk fill, the reads that pick a cursor) goes through a pool of its own, uncounted.
 */
final class ScaleFleet implements AutoCloseable {

    /** One function instance: its own connections, its statements counted. */
    record Instance(Services services, ApiHandler api, ProcessQueueHandler processQueue, CountingSql sql) {
        /** One scheduled drain, as EventBridge invokes it without a Lambda context; returns the bots it deployed. */
        int drain() {
            Map<String, Object> report = processQueue.handleRequest(new ScheduledEvent(), null);
            return ((Number) report.get("deployed")).intValue();
        }
    }

    private final EmbeddedPostgres postgres;
    private final String database;
    private final Settings settings;
    private final List<PlatformService> platforms;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final Sql setup;
    private final BotTokens tokens = new BotTokens(BenchSettings.TOKEN_SECRET);
    final Instance main;

    /** @param more settings beyond the fleet's own (limits, and a queue timeout no step outlives) */
    ScaleFleet(EmbeddedPostgres postgres, String database, int k8sLimit, int awsLimit, Map<String, String> more) {
        this.postgres = postgres;
        this.database = database;
        EmbeddedServer.admin(postgres, "CREATE DATABASE " + database);
        this.setup = new JdbcSql(pool());
        Migrations.apply(setup);
        Map<String, String> env = new HashMap<>(Map.of("GLOBAL_QUEUE_TIMEOUT", "24h"));
        env.putAll(more);
        this.settings = BenchSettings.of(k8sLimit, awsLimit, env);
        var starts = InstantPlatform.newStartCounts();
        this.platforms = List.of(new InstantPlatform("k8s", starts), new InstantPlatform("aws", starts));
        this.main = instance();
    }

    /** Another function instance over the same database, as another Lambda container would be. */
    Instance instance() {
        CountingSql sql = new CountingSql(new JdbcSql(pool()));
        Services services = new Services(settings, sql, platforms, CapacityReleasedPublisher.NONE, Clock.systemUTC());
        return new Instance(services, new ApiHandler(services), new ProcessQueueHandler(services), sql);
    }

    /** The uncounted port for setup: the bulk fill and the reads that pick what to ask for. */
    Sql setup() {
        return setup;
    }

    /** The bot's callback token, as its container gets it. */
    String token(long botId) {
        return tokens.tokenFor(botId);
    }

    /** The bot's own status callback, token and all, as its container would send it. */
    void report(Instance through, long botId, BotStatus status) {
        var callback = through.services().deployments().report(botId, tokens.tokenFor(botId), status, null);
        if (callback.result() != CallbackResult.ACCEPTED) {
            throw new IllegalStateException("bot " + botId + " could not report " + status + ": " + callback);
        }
    }

    private HikariDataSource pool() {
        HikariDataSource pool = Databases.pool(postgres.getJdbcUrl("postgres", database), 2); // a Lambda's pool size
        synchronized (pools) {
            pools.add(pool);
        }
        return pool;
    }

    @Override
    public void close() {
        synchronized (pools) {
            pools.forEach(HikariDataSource::close);
        }
        EmbeddedServer.admin(postgres, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
}
