package io.botfleet.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The service's settings, read from the environment and validated once. docs/settings.md lists
 * each one.
 *
 * @param botLimits per platform in {@code PLATFORM_PRIORITY} order
 * @param botImages null unless a platform that runs images by name (coolify, k8s) is named; aws names them in its task definitions
 * @param coolify   null unless {@code coolify} is named
 * @param kubernetes null unless {@code k8s} is named
 * @param ecs       null unless {@code aws} is named
 */
public record Settings(
        Map<String, Integer> botLimits,
        Duration globalQueueTimeout,
        Duration scheduleLead,
        Duration scheduleLeadMargin,
        Duration scheduleGuarantee,
        Duration queueLease,
        int drainBatchSize,
        Duration platformCallTimeout,
        Duration estimatedBotDuration,
        String botTokenSecret,
        String callbackBaseUrl,
        String capacityQueueUrl,
        String awsRegion,
        Duration botSimDuration,
        Duration botHeartbeatInterval,
        String localBotCommand,
        Duration localStopGrace,
        String apiToken,
        Duration requestBudget,
        String webhookSecret,
        boolean webhookAllowLoopback,
        Duration deployTimeout,
        Duration heartbeatTimeout,
        Duration retention,
        BotImages botImages,
        CoolifySettings coolify,
        KubernetesSettings kubernetes,
        EcsSettings ecs) {

    public static final Set<String> PLATFORMS = Set.of("coolify", "k8s", "aws", "local");

    /**
     * At most 80: a round's claim returns the bots' whole configurations in one response, and
     * 80 of the largest configurations the API accepts stay under the Data API's 1 MiB limit.
     */
    public static final int MAX_DRAIN_BATCH_SIZE = 80;

    /** Below API Gateway's 30 s integration limit, with room for the answer to travel. */
    static final Duration MAX_REQUEST_BUDGET = Duration.ofSeconds(29);

    private static Duration requestBudget(Env env) {
        Duration budget = env.duration("REQUEST_BUDGET", "10s");
        if (budget.compareTo(MAX_REQUEST_BUDGET) >= 0) {
            env.problem("REQUEST_BUDGET must be below 29s (API Gateway cuts an HTTP API request off at 30s), got "
                    + budget.toSeconds() + "s");
        }
        return budget;
    }

    /** Standard Webhooks' form: {@code whsec_} and the base64 of at least 24 random bytes. */
    private static String webhookSecret(Env env) {
        String secret = env.string("WEBHOOK_SECRET", null);
        if (secret == null) {
            return null;
        }
        try {
            if (secret.startsWith("whsec_") && java.util.Base64.getDecoder().decode(secret.substring(6)).length >= 24) {
                return secret;
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        env.problem("WEBHOOK_SECRET must be whsec_ followed by the base64 of at least 24 random bytes");
        return null;
    }

    /** At least an hour, so a client still finds a bot that just ended; at most 100 years, so a cutoff is a date. */
    private static Duration retention(Env env) {
        Duration retention = env.duration("RETENTION", "30d");
        if (retention.compareTo(Duration.ofHours(1)) < 0 || retention.compareTo(Duration.ofDays(36500)) > 0) {
            env.problem("RETENTION must be between 1h and 36500d (how long an ended bot is kept)");
        }
        return retention;
    }

    private static int drainBatchSize(Env env) {
        int size = env.positiveInt("DRAIN_BATCH_SIZE", MAX_DRAIN_BATCH_SIZE);
        if (size > MAX_DRAIN_BATCH_SIZE) {
            env.problem("DRAIN_BATCH_SIZE must be at most " + MAX_DRAIN_BATCH_SIZE
                    + " (a claimed batch must fit one 1 MiB Data API response), got " + size);
        }
        return size;
    }

    public List<String> platformPriority() {
        return List.copyOf(botLimits.keySet());
    }

    /**
     * @param defaults values a caller (the local runner) puts under the environment; the
     *                 environment wins
     */
    public static Settings from(Map<String, String> environment, Map<String, String> defaults) {
        Map<String, String> merged = new LinkedHashMap<>(defaults);
        environment.forEach((k, v) -> { if (v != null && !v.isBlank()) merged.put(k, v); });
        Env env = new Env(merged);

        Map<String, Integer> limits = new LinkedHashMap<>();
        List<String> priority = env.list("PLATFORM_PRIORITY", "local");
        for (int i = 0; i < priority.size(); i++) {
            String name = priority.get(i).toLowerCase(Locale.ROOT);
            if (!PLATFORMS.contains(name)) {
                env.problem("PLATFORM_PRIORITY names an unknown platform (entry " + (i + 1) + " of " + priority.size()
                        + "; known: coolify, k8s, aws, local)");
                continue;
            }
            String limitName = name.toUpperCase(Locale.ROOT) + "_BOT_LIMIT";
            if (!env.isSet(limitName)) {
                env.problem(limitName + " is required because PLATFORM_PRIORITY names " + name);
            }
            limits.put(name, env.positiveInt(limitName, 1));
        }
        if (limits.isEmpty()) {
            env.problem("PLATFORM_PRIORITY names no platform");
        }
        String secret = env.required("BOT_TOKEN_SECRET");
        if (secret != null && secret.length() < 16) {
            env.problem("BOT_TOKEN_SECRET must be at least 16 characters");
        }
        Duration callTimeout = env.duration("PLATFORM_CALL_TIMEOUT", "30s");
        Duration lease = env.duration("QUEUE_LEASE", "5m");
        // a round calls each platform in turn, each group under one timeout, then records
        Duration round = callTimeout.multipliedBy(limits.size() + 1L);
        if (lease.compareTo(round) < 0) {
            env.problem("QUEUE_LEASE must be at least (platforms + 1) x PLATFORM_CALL_TIMEOUT = " + round.toSeconds()
                    + "s, so a live drainer keeps its lease for a whole round");
        }
        Settings settings = new Settings(
                limits,
                env.duration("GLOBAL_QUEUE_TIMEOUT", "10m"),
                env.duration("SCHEDULE_LEAD", "5m"),
                env.duration("SCHEDULE_LEAD_MARGIN", "30s"),
                env.duration("SCHEDULE_GUARANTEE", "10m"),
                lease,
                drainBatchSize(env),
                callTimeout,
                env.duration("ESTIMATED_BOT_DURATION", "30m"),
                secret,
                env.required("BOTFLEET_CALLBACK_URL"),
                env.string("CAPACITY_QUEUE_URL", null),
                env.string("AWS_REGION", "us-east-1"),
                env.duration("BOT_SIM_DURATION", "30s"),
                env.duration("BOT_HEARTBEAT_INTERVAL", "10s"),
                env.string("LOCAL_BOT_COMMAND", null),
                env.duration("LOCAL_STOP_GRACE", "10s"),
                env.string("BOTFLEET_API_TOKEN", null),
                requestBudget(env),
                webhookSecret(env),
                "true".equals(env.matching("WEBHOOK_ALLOW_LOOPBACK", "false", Pattern.compile("true|false"), "true or false")),
                env.duration("DEPLOY_TIMEOUT", "15m"),
                env.duration("HEARTBEAT_TIMEOUT", "5m"),
                retention(env),
                limits.containsKey("coolify") || limits.containsKey("k8s") ? BotImages.read(env) : null,
                limits.containsKey("coolify") ? CoolifySettings.read(env) : null,
                limits.containsKey("k8s") ? KubernetesSettings.read(env) : null,
                limits.containsKey("aws") ? EcsSettings.read(env) : null);
        env.check();
        return settings;
    }
}
