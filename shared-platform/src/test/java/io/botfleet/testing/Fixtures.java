package io.botfleet.testing;

import io.botfleet.Services;
import io.botfleet.bot.AutomaticLeave;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.config.Settings;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.platform.PlatformService;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Settings, configs and service graphs for tests. */
public final class Fixtures {
    public static final String SECRET = "test-secret-at-least-16-chars";
    /** The status webhooks' key, in the Standard Webhooks form. */
    public static final String WEBHOOK_SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString(
            "botfleet-test-webhook-key-32-bytes!!".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    /** What the aws platform requires at start-up; harmless when aws is not named. */
    public static final Map<String, String> ECS_BASICS = Map.of("ECS_CLUSTER", "bots",
            "ECS_SUBNETS", "subnet-a,subnet-b", "ECS_SECURITY_GROUPS", "sg-1", "ECS_TASK_DEFINITION_ZOOM", "zoom-bot:4",
            "ECS_TASK_DEFINITION_MICROSOFT_TEAMS", "teams-bot:4", "ECS_TASK_DEFINITION_GOOGLE_MEET", "meet-bot:4");

    private Fixtures() {
    }

    /** Settings for fake platforms {@code a} and {@code b}... are not known names, so tests use real names. */
    public static Settings settings(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(Map.of(
                "BOT_TOKEN_SECRET", SECRET,
                "WEBHOOK_SECRET", WEBHOOK_SECRET,
                "BOTFLEET_CALLBACK_URL", "http://127.0.0.1:1",
                "PLATFORM_CALL_TIMEOUT", "5s",
                "QUEUE_LEASE", "30s",
                "BOT_IMAGE_ZOOM", "ghcr.io/botfleet/zoom-bot:1.0",
                "BOT_IMAGE_MICROSOFT_TEAMS", "ghcr.io/botfleet/teams-bot:1.0",
                "BOT_IMAGE_GOOGLE_MEET", "ghcr.io/botfleet/meet-bot:1.0"));
        env.putAll(ECS_BASICS);
        env.putAll(overrides);
        return Settings.from(env, Map.of());
    }

    /** Two platforms, k8s then aws, with these limits. */
    public static Settings twoPlatforms(int k8sLimit, int awsLimit) {
        return settings(Map.of("PLATFORM_PRIORITY", "k8s,aws",
                "K8S_BOT_LIMIT", Integer.toString(k8sLimit), "AWS_BOT_LIMIT", Integer.toString(awsLimit)));
    }

    public static Services services(Settings settings, Sql sql, List<PlatformService> platforms, Clock clock) {
        return new Services(settings, sql, platforms, CapacityReleasedPublisher.NONE, clock);
    }

    public static BotConfig config() {
        return config(null);
    }

    /** The usual bot, with this queue priority (lower first). */
    public static BotConfig withPriority(int priority) {
        BotConfig c = config();
        return new BotConfig(c.meeting(), c.displayName(), c.imageUrl(), c.recordingEnabled(), c.automaticLeave(),
                c.startTime(), c.endTime(), c.callbackUrl(), c.tenant(), priority);
    }

    /** The usual bot, in its call from {@code startTime} to {@code endTime} (null: for the estimated duration). */
    public static BotConfig scheduled(Instant startTime, Instant endTime, int priority) {
        BotConfig c = config(startTime);
        return new BotConfig(c.meeting(), c.displayName(), c.imageUrl(), c.recordingEnabled(), c.automaticLeave(),
                startTime, endTime, c.callbackUrl(), c.tenant(), priority);
    }

    /** The same bot, of {@code tenant}. */
    public static BotConfig ofTenant(String tenant, BotConfig c) {
        return new BotConfig(c.meeting(), c.displayName(), c.imageUrl(), c.recordingEnabled(), c.automaticLeave(),
                c.startTime(), c.endTime(), c.callbackUrl(), tenant, c.priority());
    }

    public static BotConfig config(Instant startTime) {
        return new BotConfig(new Meeting(MeetingPlatform.ZOOM, "https://zoom.us/j/123456789", "123456789", null),
                "Notetaker", null, false, AutomaticLeave.DEFAULT, startTime, null, null, "default", 0);
    }
}
