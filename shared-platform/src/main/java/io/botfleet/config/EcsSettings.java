package io.botfleet.config;

import io.botfleet.bot.MeetingPlatform;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where and how bots run as ECS tasks (Fargate): read when {@code PLATFORM_PRIORITY} names
 * {@code aws}, each malformed setting named at start-up. A bot's image, resources and shared
 * secrets are in its meeting platform's task definition; botfleet passes only the bot's own
 * environment as an override.
 *
 * @param capacityProviders the strategy, in order; empty means the cluster's default strategy
 * @param fallbackCapacityProvider tried once when the strategy's Spot capacity is unavailable, or null
 * @param endpoint         an ECS endpoint override (a local ECS stand-in), or null
 * @param runTaskRate      RunTask calls per second one instance may make (ECS allows 20 a second per account)
 */
public record EcsSettings(String cluster, List<String> subnets, List<String> securityGroups, boolean assignPublicIp,
                          Map<MeetingPlatform, String> taskDefinitions, String containerName,
                          List<CapacityProvider> capacityProviders, String fallbackCapacityProvider, String endpoint,
                          int runTaskRate) {
    private static final Pattern PROVIDER = Pattern.compile("([A-Za-z0-9_-]+)(?::(\\d+))?(?::(\\d+))?");

    /** One entry of a capacity provider strategy: {@code FARGATE_SPOT:3:1} is name, weight 3, base 1. */
    public record CapacityProvider(String name, int weight, int base) {
        public boolean spot() {
            return name.toUpperCase(java.util.Locale.ROOT).contains("SPOT");
        }
    }

    static EcsSettings read(Env env) {
        String cluster = env.required("ECS_CLUSTER");
        List<String> subnets = env.list("ECS_SUBNETS", "");
        if (subnets.isEmpty()) {
            env.problem("ECS_SUBNETS is required with aws: the subnets of the bots' tasks (awsvpc), comma-separated");
        }
        Map<MeetingPlatform, String> taskDefinitions = new EnumMap<>(MeetingPlatform.class);
        for (MeetingPlatform platform : MeetingPlatform.values()) {
            taskDefinitions.put(platform, env.required("ECS_TASK_DEFINITION_" + platform.name()));
        }
        List<CapacityProvider> providers = new ArrayList<>();
        List<String> entries = env.list("ECS_CAPACITY_PROVIDERS", "FARGATE_SPOT");
        for (int i = 0; i < entries.size(); i++) {
            Matcher m = PROVIDER.matcher(entries.get(i));
            if (!m.matches()) {
                env.problem("ECS_CAPACITY_PROVIDERS must list NAME[:weight[:base]] entries such as FARGATE_SPOT:3,FARGATE:1 (entry "
                        + (i + 1) + " of " + entries.size() + " is not one)");
                continue;
            }
            providers.add(new CapacityProvider(m.group(1), m.group(2) == null ? 1 : Integer.parseInt(m.group(2)),
                    m.group(3) == null ? 0 : Integer.parseInt(m.group(3))));
        }
        String fallback = env.string("ECS_FALLBACK_CAPACITY_PROVIDER", "FARGATE");
        String endpoint = env.string("ECS_ENDPOINT", null);
        if (endpoint != null) {
            try {
                URI uri = URI.create(endpoint);
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                env.problem("ECS_ENDPOINT must be a URL such as http://127.0.0.1:4566");
            }
        }
        String publicIp = env.matching("ECS_ASSIGN_PUBLIC_IP", "DISABLED", Pattern.compile("ENABLED|DISABLED"),
                "ENABLED or DISABLED");
        return new EcsSettings(cluster, subnets, env.list("ECS_SECURITY_GROUPS", ""), "ENABLED".equals(publicIp),
                taskDefinitions, env.string("ECS_CONTAINER_NAME", "bot"), providers,
                "none".equalsIgnoreCase(fallback) ? null : fallback, endpoint, env.positiveInt("ECS_RUN_TASK_RATE", 10));
    }
}
