package io.botfleet.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.botfleet.Services;
import io.botfleet.bot.AutomaticLeave;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.config.Settings;
import io.botfleet.deployment.BotDeploymentService.CallbackResult;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.platform.PlatformService;
import io.botfleet.store.CountingSql;
import io.botfleet.store.Databases;
import io.botfleet.store.JdbcSql;
import io.botfleet.store.Migrations;
import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One scenario's world: a new database (CREATE DATABASE, then the real migrations), the service
 * graph built by {@link Services} on a statement-counting SQL port, and two instant platforms,
 * k8s then aws. Verification reads go through the uncounted port.
 */
final class BenchFleet implements AutoCloseable {
    private final EmbeddedPostgres postgres;
    private final String database;
    private final HikariDataSource pool;
    private final Sql uncounted;
    private final CountingSql counted;
    private final Map<Long, Integer> starts = InstantPlatform.newStartCounts();
    private final List<InstantPlatform> platforms;
    private final Services services;
    private final BotTokens tokens = new BotTokens(BenchSettings.TOKEN_SECRET);
    private final List<String> problems = new ArrayList<>();

    BenchFleet(EmbeddedPostgres postgres, String database, int k8sLimit, int awsLimit, int drainBatchSize) {
        this.postgres = postgres;
        this.database = database;
        EmbeddedServer.admin(postgres, "CREATE DATABASE " + database);
        this.pool = Databases.pool(postgres.getJdbcUrl("postgres", database), 2); // a Lambda's pool size
        this.uncounted = new JdbcSql(pool);
        this.counted = new CountingSql(uncounted);
        Migrations.apply(counted);
        Settings settings = BenchSettings.of(k8sLimit, awsLimit,
                Map.of("DRAIN_BATCH_SIZE", Integer.toString(drainBatchSize)));
        this.platforms = List.of(new InstantPlatform("k8s", starts), new InstantPlatform("aws", starts));
        this.services = new Services(settings, counted, List.<PlatformService>copyOf(platforms),
                CapacityReleasedPublisher.NONE, Clock.systemUTC());
    }

    Services services() {
        return services;
    }

    /** Statements sent through the service graph so far (migrations included; callers take differences). */
    long statements() {
        return counted.statements();
    }

    /**
     * A deploy as the HTTP route makes it (a fresh config and an idempotency key per bot); an
     * outcome other than {@code expected} is kept for {@link #verify}. Returns the bot's id.
     */
    long deploy(String key, BotStatus expected) {
        return deploy(key, "bench", expected);
    }

    /** The same, for a bot of {@code tenant}. */
    long deploy(String key, String tenant, BotStatus expected) {
        BotConfig config = new BotConfig(new Meeting(MeetingPlatform.ZOOM, "https://zoom.us/j/" + key, key, null),
                "Bench " + key, null, false, AutomaticLeave.DEFAULT, null, null, null, tenant, 0);
        DeployOutcome outcome = services.deployments().deploy(config, key);
        if (outcome.status() != expected) {
            problems.add("bot " + outcome.botId() + " deployed as " + outcome.status() + ", expected " + expected);
        }
        return outcome.botId();
    }

    /** The bot's own "I am done" callback, token and all: its unit is released as in production. */
    void finish(long botId) {
        var callback = services.deployments().report(botId, tokens.tokenFor(botId), BotStatus.DONE, "BENCH_FINISHED");
        if (callback.result() != CallbackResult.ACCEPTED) {
            throw new IllegalStateException("bot " + botId + " could not finish: " + callback);
        }
    }

    /**
     * Every deploy had the expected outcome, every bot in the database was started exactly once,
     * none was stopped as an orphan, the queue is empty, no bot is left QUEUED, and the ledger
     * matches the bots holding units. Returns the problems found (empty when all hold).
     */
    List<String> verify() {
        List<String> problems = new ArrayList<>(this.problems);
        List<Long> ids = uncounted.query("SELECT id FROM bots", Params.of()).stream().map(r -> r.getLong("id")).toList();
        long wrong = ids.stream().filter(id -> starts.getOrDefault(id, 0) != 1).count();
        if (wrong > 0 || starts.size() != ids.size()) {
            problems.add(wrong + " of " + ids.size() + " bots not started exactly once (" + starts.size() + " started)");
        }
        long stops = platforms.stream().mapToLong(InstantPlatform::stops).sum();
        if (stops > 0) {
            problems.add(stops + " orphaned containers stopped");
        }
        Row queue = one("SELECT count(*) AS n FROM deployment_queue");
        Row queued = one("SELECT count(*) AS n FROM bots WHERE status = 'QUEUED'");
        Row ledger = one("SELECT (SELECT COALESCE(sum(used), 0) FROM platform_capacity) AS used,"
                + " (SELECT count(*) FROM bots WHERE capacity_platform IS NOT NULL) AS holding");
        if (queue.getLong("n") != 0 || queued.getLong("n") != 0) {
            problems.add(queue.getLong("n") + " queue entries and " + queued.getLong("n") + " QUEUED bots left");
        }
        if (!ledger.getLong("used").equals(ledger.getLong("holding"))) {
            problems.add("ledger says " + ledger.getLong("used") + " units used, " + ledger.getLong("holding")
                    + " bots hold one");
        }
        return problems;
    }

    int botCount() {
        return one("SELECT count(*) AS n FROM bots").getLong("n").intValue();
    }

    static String serverVersion(EmbeddedPostgres postgres) {
        try (Connection c = postgres.getPostgresDatabase().getConnection()) {
            return c.getMetaData().getDatabaseProductVersion();
        } catch (SQLException e) {
            return "(version unknown: " + e.getMessage() + ")";
        }
    }

    private Row one(String query) {
        return uncounted.queryOne(query, Params.of());
    }

    @Override
    public void close() {
        pool.close();
        EmbeddedServer.admin(postgres, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
}
