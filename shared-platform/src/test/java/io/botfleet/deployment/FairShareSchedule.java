package io.botfleet.deployment;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One random schedule of {@link FairSharePropertyTest}, drawn from a seed so a failure can be run
 * again: 3-5 tenants (weight 1-5; a limit that is mostly none or 1..6, sometimes 0; a guarantee
 * mostly 0, sometimes 1-2 within the limit), 2-4 platforms of the four known names with limits
 * 1-5, 2-8 bots per tenant in a random order, and how many drain rounds to run. What each round
 * does (bots that end, take-backs, failing platforms) is drawn from {@link #random} as it runs.
 */
final class FairShareSchedule {
    static final List<String> PLATFORM_NAMES = List.of("coolify", "k8s", "aws", "local");

    record Tenant(String name, int weight, Integer limit, int guaranteed) {
    }

    record Platform(String name, int limit) {
    }

    final long seed;
    final Random random;
    final List<Tenant> tenants = new ArrayList<>();
    final List<Platform> platforms = new ArrayList<>();
    /** The tenant of each bot, in the order they are deployed. */
    final List<String> arrivals = new ArrayList<>();
    final int rounds;

    FairShareSchedule(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
        int tenantCount = 3 + random.nextInt(3);
        for (int t = 0; t < tenantCount; t++) {
            int draw = random.nextInt(10);
            Integer limit = draw < 5 ? null : draw == 5 ? Integer.valueOf(0) : Integer.valueOf(1 + random.nextInt(6));
            int guaranteed = 0;
            if (random.nextInt(4) == 0) {
                guaranteed = 1 + random.nextInt(2);
                if (limit != null) {
                    guaranteed = Math.min(guaranteed, limit);
                }
            }
            Tenant tenant = new Tenant("t" + t, 1 + random.nextInt(5), limit, guaranteed);
            tenants.add(tenant);
            int bots = 2 + random.nextInt(7);
            for (int b = 0; b < bots; b++) {
                arrivals.add(tenant.name());
            }
        }
        Collections.shuffle(arrivals, random);
        List<String> names = new ArrayList<>(PLATFORM_NAMES);
        Collections.shuffle(names, random);
        int platformCount = 2 + random.nextInt(3);
        for (int p = 0; p < platformCount; p++) {
            platforms.add(new Platform(names.get(p), 1 + random.nextInt(5)));
        }
        rounds = 3 + random.nextInt(6);
    }

    Tenant tenant(String name) {
        return tenants.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    /** The tenants' finite limits, for the fake fleet's books. */
    Map<String, Integer> limits() {
        Map<String, Integer> limits = new HashMap<>();
        tenants.stream().filter(t -> t.limit() != null).forEach(t -> limits.put(t.name(), t.limit()));
        return limits;
    }

    /**
     * Weighted water-filling of {@code units}: the level L at which each tenant's share
     * {@code clamp(weight * L, floor, cap)} adds up to {@code units}, where cap is what the tenant
     * may run (its limit and its demand, the smaller) and floor its guarantee within that cap.
     * When the guarantees alone need more than {@code units}, the drain serves only guaranteed
     * units, by the same weighted filling: the ideal is then the water-filling of {@code units}
     * with each guarantee as the cap. Found by bisection; the shares are fractional.
     */
    static Map<String, Double> ideal(Map<String, Integer> weights, Map<String, Integer> floors, Map<String, Integer> caps,
                                     long units) {
        Map<String, Integer> guaranteed = new HashMap<>();
        weights.keySet().forEach(t -> guaranteed.put(t, Math.min(floors.get(t), caps.get(t))));
        if (guaranteed.values().stream().mapToLong(Integer::longValue).sum() >= units) {
            Map<String, Integer> none = new HashMap<>();
            weights.keySet().forEach(t -> none.put(t, 0));
            return fill(weights, none, guaranteed, units);
        }
        return fill(weights, floors, caps, units);
    }

    private static Map<String, Double> fill(Map<String, Integer> weights, Map<String, Integer> floors,
                                            Map<String, Integer> caps, long units) {
        double low = 0;
        double high = units + 1;
        for (int i = 0; i < 100; i++) {
            double level = (low + high) / 2;
            if (total(weights, floors, caps, level) < units) {
                low = level;
            } else {
                high = level;
            }
        }
        Map<String, Double> shares = new HashMap<>();
        for (String tenant : weights.keySet()) {
            shares.put(tenant, share(weights.get(tenant), floors.get(tenant), caps.get(tenant), high));
        }
        return shares;
    }

    private static double total(Map<String, Integer> weights, Map<String, Integer> floors, Map<String, Integer> caps,
                                double level) {
        double sum = 0;
        for (String tenant : weights.keySet()) {
            sum += share(weights.get(tenant), floors.get(tenant), caps.get(tenant), level);
        }
        return sum;
    }

    private static double share(int weight, int floor, int cap, double level) {
        return Math.min(cap, Math.max(Math.min(floor, cap), weight * level));
    }

    @Override
    public String toString() {
        return "seed " + seed + ": tenants " + tenants + ", platforms " + platforms + ", " + arrivals.size()
                + " bots, " + rounds + " rounds";
    }
}
