package io.botfleet.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every fake platform of one test runs, kept together so that the promises that span
 * platforms can be checked: no bot started twice (on one platform or on two; once more for each
 * time a platform took its container back), no bot live on two
 * platforms at once, no platform above its limit. A breach is recorded when it happens.
 */
public final class FakeFleet {
    private final Map<Long, Integer> starts = new HashMap<>();
    private final Map<Long, Integer> restartsAllowed = new HashMap<>();
    private final Map<Long, Map<String, Integer>> live = new HashMap<>();
    private final List<String> breaches = new ArrayList<>();
    private final Map<Long, String> tenantOf = new HashMap<>();
    private Map<String, Integer> tenantLimits = Map.of();

    /** From now on a tenant above its limit of live containers (across every platform) is a breach. */
    public synchronized FakeFleet limitTenants(Map<String, Integer> limits) {
        tenantLimits = Map.copyOf(limits);
        return this;
    }

    synchronized void started(String platform, long botId, String tenant, int limit) {
        tenantOf.put(botId, tenant);
        Integer tenantLimit = tenant == null ? null : tenantLimits.get(tenant);
        if (tenantLimit != null) {
            long running = live.keySet().stream().filter(id -> tenant.equals(tenantOf.get(id))).count()
                    + (live.containsKey(botId) ? 0 : 1);
            if (running > tenantLimit) {
                breaches.add("tenant " + tenant + " runs " + running + " containers, above its limit of " + tenantLimit);
            }
        }
        starts.merge(botId, 1, Integer::sum);
        Map<String, Integer> where = live.computeIfAbsent(botId, id -> new HashMap<>());
        where.merge(platform, 1, Integer::sum);
        if (starts.get(botId) > 1 + restartsAllowed.getOrDefault(botId, 0)) {
            breaches.add("bot " + botId + " started " + starts.get(botId) + " times (now on " + where + ")");
        }
        if (where.size() > 1 || where.get(platform) > 1) {
            breaches.add("bot " + botId + " has containers on " + where + " at once");
        }
        long here = live.values().stream().mapToInt(m -> m.getOrDefault(platform, 0)).sum();
        if (limit > 0 && here > limit) {
            breaches.add(platform + " runs " + here + " containers, above its limit of " + limit);
        }
    }

    /** The platform took the bot's container back: the bot may be started once more. */
    synchronized void reclaimed(long botId) {
        restartsAllowed.merge(botId, 1, Integer::sum);
    }

    synchronized boolean stopped(String platform, long botId) {
        Map<String, Integer> where = live.get(botId);
        if (where == null || where.remove(platform) == null) {
            return false;
        }
        if (where.isEmpty()) {
            live.remove(botId);
        }
        return true;
    }

    synchronized boolean isLive(String platform, long botId) {
        Map<String, Integer> where = live.get(botId);
        return where != null && where.containsKey(platform);
    }

    synchronized List<Long> live(String platform) {
        return live.entrySet().stream().filter(e -> e.getValue().containsKey(platform)).map(Map.Entry::getKey).toList();
    }

    /** Bots with a container on any platform. */
    public synchronized Set<Long> live() {
        return Set.copyOf(live.keySet());
    }

    public synchronized Map<Long, Integer> starts() {
        return Map.copyOf(starts);
    }

    /** Every broken promise seen so far, in the order seen. */
    public synchronized List<String> breaches() {
        return List.copyOf(breaches);
    }
}
