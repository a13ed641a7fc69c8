package io.botfleet.bench;

import io.botfleet.config.Settings;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings of a benchmark's fleet. Its instant platforms go by the real names {@code k8s}
 * and {@code aws} (limits and priority are per name), so the settings those platforms require
 * are given here, once for every benchmark: images for k8s, a cluster, subnets and task
 * definitions for aws. An instant platform reads none of them; they only have to be valid.
 */
final class BenchSettings {
    static final String TOKEN_SECRET = "bench-token-secret-0123456789";

    private static final Map<String, String> REQUIRED = Map.ofEntries(
            Map.entry("BOT_TOKEN_SECRET", TOKEN_SECRET),
            Map.entry("BOTFLEET_CALLBACK_URL", "http://127.0.0.1:9/bench"),
            Map.entry("BOT_IMAGE_ZOOM", "ghcr.io/botfleet/zoom-bot:bench"),
            Map.entry("BOT_IMAGE_MICROSOFT_TEAMS", "ghcr.io/botfleet/teams-bot:bench"),
            Map.entry("BOT_IMAGE_GOOGLE_MEET", "ghcr.io/botfleet/meet-bot:bench"),
            Map.entry("ECS_CLUSTER", "bench"),
            Map.entry("ECS_SUBNETS", "subnet-bench"),
            Map.entry("ECS_TASK_DEFINITION_ZOOM", "zoom-bot:1"),
            Map.entry("ECS_TASK_DEFINITION_MICROSOFT_TEAMS", "teams-bot:1"),
            Map.entry("ECS_TASK_DEFINITION_GOOGLE_MEET", "meet-bot:1"));

    private BenchSettings() {
    }

    /** k8s then aws with these limits; {@code more} adds or overrides settings. */
    static Settings of(int k8sLimit, int awsLimit, Map<String, String> more) {
        Map<String, String> env = new HashMap<>(REQUIRED);
        env.put("PLATFORM_PRIORITY", "k8s,aws");
        env.put("K8S_BOT_LIMIT", Integer.toString(k8sLimit));
        env.put("AWS_BOT_LIMIT", Integer.toString(awsLimit));
        env.putAll(more);
        return Settings.from(env, Map.of());
    }
}
