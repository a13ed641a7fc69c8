package io.botfleet.local;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.botfleet.Log;
import io.botfleet.Services;
import io.botfleet.bot.Bot;
import io.botfleet.config.ConfigException;
import io.botfleet.config.Env;
import io.botfleet.config.Settings;
import io.botfleet.functions.ApiHandler;
import io.botfleet.functions.ProcessQueueHandler;
import io.botfleet.store.DatabaseSettings;
import io.botfleet.store.Databases;
import io.botfleet.store.Migrations;
import io.botfleet.store.Sql;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
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
    private final List<AutoCloseable> resources = new ArrayList<>();
    private int port;

    public static void main(String[] args) {
        try {
            LocalRunner runner = start(System.getenv());
            Runtime.getRuntime().addShutdownHook(new Thread(runner::close));
        } catch (ConfigException e) {
            System.err.println("botfleet: " + e.getMessage());
            System.exit(2);
        } catch (IOException | RuntimeException e) {
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
            LocalHttpServer http = new LocalHttpServer(port);
            runner.port = http.port();
            Map<String, String> defaults = new HashMap<>(Map.of(
                    "PLATFORM_PRIORITY", "local",
                    "LOCAL_BOT_LIMIT", "5",
                    "BOTFLEET_CALLBACK_URL", "http://127.0.0.1:" + runner.port,
                    "ESTIMATED_BOT_DURATION", simDuration.toMillis() + "ms"));
            if (!environment.containsKey("BOT_TOKEN_SECRET")) {
                defaults.put("BOT_TOKEN_SECRET", persistentSecret(dataDirectory, "bot-token-secret", "",
                        Base64.getUrlEncoder().withoutPadding()));
            }
            if (!environment.containsKey("WEBHOOK_SECRET")) {
                defaults.put("WEBHOOK_SECRET", persistentSecret(dataDirectory, "webhook-secret", "whsec_", Base64.getEncoder()));
            }
            defaults.put("WEBHOOK_ALLOW_LOOPBACK", "true"); // a receiver on this machine, as in the walk-through
            Settings settings = Settings.from(environment, defaults);
            DatabaseSettings database = DatabaseSettings.from(environment);

            String embeddedUrl = null;
            if (database.mode() == DatabaseSettings.Mode.EMBEDDED) {
                EmbeddedDatabase embedded = EmbeddedDatabase.start(dataDirectory);
                runner.resources.add(embedded);
                embeddedUrl = embedded.jdbcUrl();
            }
            Databases.Opened opened = Databases.open(database, embeddedUrl, 10);
            runner.resources.add(opened.resource());
            Sql sql = opened.sql();
            Migrations.apply(sql);

            InProcessCapacityReleased capacityReleased = new InProcessCapacityReleased();
            runner.resources.add(capacityReleased::close);
            Clock clock = Clock.systemUTC();
            Services services = new Services(settings, sql, Services.platforms(settings, dataDirectory, sql, clock),
                    capacityReleased, clock);
            ProcessQueueHandler processQueue = new ProcessQueueHandler(services);
            capacityReleased.deliverTo(processQueue);

            http.start(new ApiHandler(services));
            runner.resources.add(http::stop);
            runner.resources.add(() -> stopLocalBots(services)); // while bots can still call back

            ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor();
            runner.resources.add(schedule::shutdownNow);
            schedule.scheduleWithFixedDelay(() -> processQueue.handleRequest(new ScheduledEvent(),
                            new LocalContext("processQueue", Duration.ofMinutes(1))),
                    scheduleInterval.toMillis(), scheduleInterval.toMillis(), TimeUnit.MILLISECONDS);

            System.out.printf("botfleet is listening on http://127.0.0.1:%d (platforms %s, data in %s;"
                            + " webhooks are signed with the WEBHOOK_SECRET in %s)%n",
                    runner.port, settings.botLimits(), dataDirectory.toAbsolutePath(),
                    environment.containsKey("WEBHOOK_SECRET") ? "the environment" : dataDirectory.resolve("webhook-secret"));
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
        System.out.printf("botfleet: stopping %d local bot(s)%n", running.size());
        try (ExecutorService stops = Executors.newVirtualThreadPerTaskExecutor()) {
            running.forEach(bot -> stops.submit(() -> services.deployments().stop(bot.id())));
        }
    }

    public int port() {
        return port;
    }

    /**
     * A secret that survives restarts (bots started before one can still call back; a webhook
     * receiver keeps verifying), made once and kept in the data folder.
     */
    private static String persistentSecret(Path dataDirectory, String name, String prefix, Base64.Encoder encoder)
            throws IOException {
        Path file = dataDirectory.resolve(name);
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        String secret = prefix + encoder.encodeToString(bytes);
        Files.createDirectories(dataDirectory);
        Files.writeString(file, secret, StandardCharsets.UTF_8);
        return secret;
    }

    @Override
    public void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                Log.warn("runner.stop_failed", Map.of(), e);
            }
        }
        resources.clear();
    }
}
