package io.botfleet.local;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.botfleet.Log;
import io.botfleet.Services;
import io.botfleet.bot.Bot;
import io.botfleet.config.ConfigException;
import io.botfleet.config.Env;
import io.botfleet.config.Settings;
import io.botfleet.functions.ApiHandler;
import io.botfleet.functions.metrics.OldestQueuedMetric;
import io.botfleet.functions.ProcessQueueHandler;
import io.botfleet.log.Redacted;
import io.botfleet.store.DatabaseSettings;
import io.botfleet.store.Databases;
import io.botfleet.store.Migrations;
import io.botfleet.store.Sql;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar functions/target/botfleet.jar}: the whole system in one process on the
 * embedded default. The same handlers as in AWS get the same events: HTTP requests as API Gateway
 * v2 events, a timer as the EventBridge schedule, releases as SQS-shaped capacity messages.
 */
public final class LocalRunner implements AutoCloseable {
    /** How long stopping waits for a drain in progress (interrupted) to end. */
    static final Duration STOP_WAIT = Duration.ofSeconds(10);
    /** What the drain gets at least, as a Lambda's timeout; more when its parts need more. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(1);
    /** An unchanged queue metric is written again after this long (a changed one at once). */
    static final Duration UNCHANGED_METRIC_REPEAT = Duration.ofMinutes(1);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private int port;
    /** Set once it listens: only a runner that started says it stops. */
    private boolean listening;

    public static void main(String[] args) {
        try {
            LocalRunner runner = start(System.getenv());
            Runtime.getRuntime().addShutdownHook(new Thread(runner::close));
        } catch (ConfigException e) {
            Log.error("runner.cannot_start", Map.of("reason", String.valueOf(e.getMessage())));
            System.exit(2);
        } catch (IOException e) {
            // a start-up conflict (a port in use, a data folder in use) is one line naming the setting
            // to change; a message botfleet did not write may quote a setting, so only its class shows
            String why = Redacted.safeMessage(e);
            Log.error("runner.cannot_start", Map.of("reason", why == null ? Redacted.typeOf(e) : why));
            System.exit(1);
        } catch (RuntimeException e) {
            Log.error("runner.start_failed", Map.of(), e); // by class and frames: a library's message may quote a setting
            System.exit(1);
        }
    }

    /** Starts everything; {@code PORT=0} picks a free port (tests). */
    public static LocalRunner start(Map<String, String> environment) throws IOException {
        Env env = new Env(environment);
        int port = env.port("PORT", 8080);
        Duration scheduleInterval = env.duration("SCHEDULE_INTERVAL", "10s");
        Path dataDirectory = Path.of(env.string("BOTFLEET_DATA_DIR", ".botfleet"));
        Duration simDuration = env.duration("BOT_SIM_DURATION", "30s");
        env.check();

        LocalRunner runner = new LocalRunner();
        try {
            DataFolder folder = DataFolder.open(dataDirectory);
            runner.resources.add(folder); // let go last, once the database has stopped
            LocalHttpServer http = new LocalHttpServer(port);
            runner.port = http.port();
            Map<String, String> defaults = new HashMap<>(Map.of(
                    "PLATFORM_PRIORITY", "local",
                    "LOCAL_BOT_LIMIT", "5",
                    "BOTFLEET_CALLBACK_URL", "http://127.0.0.1:" + runner.port,
                    "ESTIMATED_BOT_DURATION", simDuration.toMillis() + "ms"));
            // kept in the data folder: bots started before a restart can still call back, and a
            // webhook receiver keeps verifying
            if (!environment.containsKey("BOT_TOKEN_SECRET")) {
                defaults.put("BOT_TOKEN_SECRET", folder.secret("bot-token-secret",
                        () -> randomSecret("", Base64.getUrlEncoder().withoutPadding())));
            }
            if (!environment.containsKey("WEBHOOK_SECRET")) {
                defaults.put("WEBHOOK_SECRET", folder.secret("webhook-secret", () -> randomSecret("whsec_", Base64.getEncoder())));
            }
            defaults.put("WEBHOOK_ALLOW_LOOPBACK", "true"); // a receiver on this machine, as in the walk-through
            Settings settings = Settings.from(environment, defaults);
            DatabaseSettings database = DatabaseSettings.from(environment);

            String embeddedUrl = null;
            if (database.mode() == DatabaseSettings.Mode.EMBEDDED) {
                EmbeddedDatabase embedded = EmbeddedDatabase.start(folder.path());
                runner.resources.add(embedded);
                embeddedUrl = embedded.jdbcUrl();
            }
            Databases.Opened opened = Databases.open(database, embeddedUrl, 10);
            runner.resources.add(opened.resource());
            Sql sql = opened.sql();
            Migrations.apply(sql);

            InProcessCapacityReleased capacityReleased = new InProcessCapacityReleased();
            Clock clock = Clock.systemUTC();
            Services services = new Services(settings, sql, Services.platforms(settings, dataDirectory, sql, clock),
                    capacityReleased, clock);
            ProcessQueueHandler processQueue = new ProcessQueueHandler(services,
                    OldestQueuedMetric.whenChanged(UNCHANGED_METRIC_REPEAT, clock));
            // every part of the drain fits, the reconcile with the bots' processes included
            Duration drainTimeout = max(DRAIN_TIMEOUT, processQueue.minimumTimeout());
            capacityReleased.deliverTo(processQueue, drainTimeout);

            // stopped in the reverse order: no drain starts a bot while the bots are stopped, and
            // the bots are stopped while they can call back and their end can be recorded
            http.start(new ApiHandler(services), processQueue::prometheusText);
            runner.resources.add(http::stop);
            runner.resources.add(() -> stopLocalBots(services));
            runner.resources.add(http::refuseNewBots);
            runner.resources.add(capacityReleased::close);
            ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor();
            runner.resources.add(() -> {
                schedule.shutdownNow();
                schedule.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            });
            repeat(schedule, scheduleInterval, () -> processQueue.handleRequest(new ScheduledEvent(),
                    new LocalContext("processQueue", drainTimeout)));

            Map<String, Object> ready = new LinkedHashMap<>(); // in this order, as the README quotes it
            ready.put("url", "http://127.0.0.1:" + runner.port);
            ready.put("platforms", settings.botLimits());
            ready.put("dataFolder", dataDirectory.toAbsolutePath().toString());
            ready.put("webhookSecretIn", environment.containsKey("WEBHOOK_SECRET") ? "WEBHOOK_SECRET"
                    : dataDirectory.resolve("webhook-secret").toAbsolutePath().toString());
            Log.info("runner.listening", ready);
            runner.listening = true;
            return runner;
        } catch (RuntimeException | IOException e) {
            runner.close();
            throw e;
        }
    }

    /**
     * The local platform's bots are this runner's child processes: on shutdown each is stopped as
     * {@code POST /bots/{id}/stop} would (gracefully, then DONE once its process is gone), all at
     * once, so none is left orphaned holding a unit for the next start.
     */
    private static void stopLocalBots(Services services) {
        List<Bot> running = services.bots().holdingCapacityOn("local").stream().filter(b -> !b.status().isTerminal()).toList();
        if (running.isEmpty()) {
            return;
        }
        Log.info("runner.stopping_bots", Map.of("bots", running.size()));
        try (ExecutorService stops = Executors.newVirtualThreadPerTaskExecutor()) {
            running.forEach(bot -> stops.submit(() -> services.deployments().stop(bot.id())));
        }
    }

    /**
     * Runs {@code tick} every {@code interval}, as EventBridge would: a tick that fails is logged and
     * the next one comes all the same (a scheduled task that throws would otherwise never run again).
     */
    static void repeat(ScheduledExecutorService schedule, Duration interval, Runnable tick) {
        schedule.scheduleWithFixedDelay(() -> {
            try {
                tick.run();
            } catch (RuntimeException e) {
                Log.error("runner.drain_failed", Map.of(), e);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int port() {
        return port;
    }

    private static String randomSecret(String prefix, Base64.Encoder encoder) {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return prefix + encoder.encodeToString(bytes);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Stops everything it started, last started first; once it listened, says so as it begins and ends. */
    @Override
    public void close() {
        boolean said = listening;
        listening = false;
        if (said) {
            Log.info("runner.stopping", Map.of());
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                Log.warn("runner.stop_failed", Map.of(), e);
            }
        }
        resources.clear();
        if (said) {
            Log.info("runner.stopped", Map.of());
        }
    }
}
