package io.botfleet.platform.coolify;

import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.config.Settings;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.store.Params;
import io.botfleet.testing.CallbackServer;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * botfleet on Coolify for a test: a real PostgreSQL, the fake Coolify (whose containers run
 * simulated bots that call back through a local {@link CallbackServer}), and as many service
 * instances as the test asks for, each with its own connections, as Lambda containers would be.
 */
final class CoolifyFleet implements AutoCloseable {
    final TestDatabase db;
    final FakeCoolify coolify;
    final CallbackServer callbacks = new CallbackServer();
    final MutableClock clock = MutableClock.ticking();
    final Settings settings;
    final List<Services> instances = new ArrayList<>();

    CoolifyFleet(TestDatabase.Adapter adapter, int limit, Duration botCall, Map<String, String> env) {
        this.db = TestDatabase.fresh(adapter);
        this.coolify = new FakeCoolify(Duration.ofMillis(100), botCall);
        Map<String, String> all = new HashMap<>(Map.of("PLATFORM_PRIORITY", "coolify",
                "COOLIFY_BOT_LIMIT", Integer.toString(limit), "COOLIFY_API_URL", coolify.url(),
                "COOLIFY_API_TOKEN", FakeCoolify.TOKEN, "COOLIFY_PROJECT_UUID", "prj1a2b3c",
                "COOLIFY_SERVER_UUID", "srv9z8y7", "BOTFLEET_CALLBACK_URL", callbacks.url()));
        all.putAll(env);
        this.settings = Fixtures.settings(all);
    }

    /** Another service instance: its own connections, the same database, Coolify and clock. */
    Services instance() {
        var sql = db.sql(6);
        Services services = new Services(settings, sql, Services.platforms(settings, Path.of("target"), sql, clock),
                CapacityReleasedPublisher.NONE, clock);
        if (instances.isEmpty()) {
            callbacks.deliverTo(services.deployments());
        }
        instances.add(services);
        return services;
    }

    /** The server has pulled these images already (their first deployment need not go alone). */
    void pulled(String... images) {
        for (String image : images) {
            db.sql(1).update("INSERT INTO coolify_images (image, pulled_at) VALUES (:i, now())", Params.of("i", image));
        }
    }

    static BotConfig bot(MeetingPlatform platform) {
        String url = switch (platform) {
            case ZOOM -> "https://zoom.us/j/123456789";
            case MICROSOFT_TEAMS -> "https://teams.microsoft.com/l/meetup-join/abc";
            case GOOGLE_MEET -> "https://meet.google.com/abc-defg-hij";
        };
        BotConfig c = Fixtures.config();
        return new BotConfig(new Meeting(platform, url, null, null), c.displayName(), c.imageUrl(), c.recordingEnabled(),
                c.automaticLeave(), c.startTime(), c.endTime(), c.callbackUrl(), c.tenant(), c.priority());
    }

    DeployOutcome deploy(Services through, MeetingPlatform platform) {
        return through.deployments().deploy(bot(platform), null);
    }

    long n(String query) {
        return db.count(query);
    }

    String text(String query) {
        return db.text(query);
    }

    @Override
    public void close() {
        coolify.close();
        callbacks.close();
        db.close();
    }
}
