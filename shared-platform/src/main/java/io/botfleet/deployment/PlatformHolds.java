package io.botfleet.deployment;

import io.botfleet.Log;
import io.botfleet.deployment.CapacityLedger.Hold;
import io.botfleet.deployment.FleetViews.PlatformUsage;
import io.botfleet.platform.Budget;
import io.botfleet.platform.HybridPlatformService;
import io.botfleet.platform.HybridPlatformService.LimitedPlatform;
import io.botfleet.deployment.PlatformReleases.Release;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's platform holds: a held platform takes no new bot (queued and new bots go to the
 * next platform by priority) until it is released; a drained one is held and its running bots are
 * stopped, each stop owed until its platform confirms it. A hold is a row of the ledger, read by
 * every claim in the statement that would grant a unit, so it applies on every instance at once
 * and outlives restarts.
 */
public final class PlatformHolds {
    private final CapacityLedger ledger;
    private final BotStops stops;
    private final HybridPlatformService hybrid;
    private final int batch;

    /** @param batch how many bots one statement of a drain stops */
    public PlatformHolds(CapacityLedger ledger, BotStops stops, HybridPlatformService hybrid, int batch) {
        this.ledger = ledger;
        this.stops = stops;
        this.hybrid = hybrid;
        this.batch = batch;
    }

    /** A platform after a hold, a release or a drain, and how many of its bots that drain asked to stop. */
    public record Held(PlatformUsage platform, int stopped) {
    }

    /** Holds a platform configured here; empty for any other name. */
    public Optional<Held> hold(String name) {
        return configured(name).map(p -> {
            Held held = new Held(usage(p, ledger.hold(name, Hold.HELD)), 0);
            Log.info("platform.held", Map.of("platform", name));
            return held;
        });
    }

    /** Puts a platform configured here back in rotation; empty for any other name. */
    public Optional<Held> release(String name) {
        return configured(name).map(p -> {
            Held released = new Held(usage(p, ledger.release(name)), 0);
            Log.info("platform.released", Map.of("platform", name));
            return released;
        });
    }

    /**
     * Holds the platform, then stops its running bots in batches while the request's time lasts,
     * each stop tried at once and owed until confirmed; what is left, the drain stops. Empty for a
     * platform not configured here.
     */
    public Optional<Held> drain(String name) {
        Budget budget = Budget.forRequest();
        return configured(name).map(p -> {
            ledger.hold(name, Hold.DRAINING); // first: no claim after this one places a bot there
            int stopped = 0;
            List<Release> owed;
            do {
                owed = stops.stopAllOn(name, BotStops.PLATFORM_DRAINED, batch);
                stopped += owed.size();
                hybrid.followUps().settle(owed, budget);
            } while (owed.size() == batch && budget.left());
            Log.info("platform.drained", Map.of("platform", name, "stopped", stopped));
            return new Held(usage(p, ledger.usage().getOrDefault(name, CapacityLedger.Use.NONE)), stopped);
        });
    }

    private Optional<LimitedPlatform> configured(String name) {
        return hybrid.platforms().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    private static PlatformUsage usage(LimitedPlatform platform, CapacityLedger.Use use) {
        return new PlatformUsage(platform.name(), platform.limit(), use.used(), use.hold(), use.heldAt());
    }
}
