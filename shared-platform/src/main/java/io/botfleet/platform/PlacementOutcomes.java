package io.botfleet.platform;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.BotStore;
import io.botfleet.deployment.BotStore.Deployment;
import io.botfleet.deployment.BotStore.Recorded;
import io.botfleet.deployment.CapacityLedger;
import io.botfleet.deployment.PlatformReleases.Release;
import io.botfleet.platform.HybridPlatformService.Pinned;
import io.botfleet.platform.HybridPlatformService.Placement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the platform calls of one placement came to, before and after recording them: a bot
 * deployed, pinned (outcome unknown: it keeps its unit), or reverted (a definite failure: its
 * unit is given back, and it tries the next platform or ends FATAL).
 */
final class PlacementOutcomes {
    private final String owner;
    private final CapacityLedger ledger;
    private final BotStore bots;
    private final ReleaseFollowUps followUps;
    final List<Deployment> deployed = new ArrayList<>();
    private final List<Long> failed = new ArrayList<>();
    final List<Pinned> pinned = new ArrayList<>();
    private final List<Release> freed = new ArrayList<>();

    PlacementOutcomes(String owner, CapacityLedger ledger, BotStore bots, ReleaseFollowUps followUps) {
        this.owner = owner;
        this.ledger = ledger;
        this.bots = bots;
        this.followUps = followUps;
    }

    /** Takes one call's outcome; true when the bot is QUEUED again and may try the next platform. */
    boolean add(long id, String platform, PlatformCalls.Outcome<String> outcome) {
        if (outcome.succeeded()) {
            deployed.add(new Deployment(id, platform, outcome.value()));
            return false;
        }
        if (!outcome.definitelyFailed()) {
            pinned.add(new Pinned(id, platform)); // keeps its unit; resumed on that platform
            return false;
        }
        PlatformDeployError e = outcome.error();
        BotStatus now = ledger.revert(id, platform, e.getMessage(), owner, e.kind() == PlatformDeployError.Kind.PERMANENT);
        if (now == null) {
            return false; // no longer this caller's: a late drainer changes nothing
        }
        freed.add(Release.of(id, platform));
        if (now == BotStatus.FATAL) {
            failed.add(id);
        }
        return now == BotStatus.QUEUED;
    }

    Placement settle(List<Bot> unplaced, Budget budget) {
        List<Deployment> kept = record();
        try {
            followUps.settle(freed, budget); // a failure leaves them owed, for the drain's sweep
        } catch (RuntimeException e) {
            Log.warn("release.settle_failed", Map.of(), e);
        }
        return new Placement(kept, failed, unplaced, pinned);
    }

    /**
     * Records the deployments. A container whose bot holds no unit on its platform any more
     * (stopped, ended, or placed elsewhere meanwhile) is owed a stop by the same statement; a bot
     * stopped while its deploy call ran has that stop carried out now, with the settle that follows.
     */
    private List<Deployment> record() {
        if (deployed.isEmpty()) {
            return List.of();
        }
        Map<Long, Recorded> recorded = bots.recordDeployments(deployed).stream()
                .collect(Collectors.toMap(Recorded::botId, r -> r));
        Set<BotStatus> running = Set.of(BotStatus.DEPLOYING, BotStatus.JOINING_CALL, BotStatus.IN_WAITING_ROOM,
                BotStatus.IN_CALL);
        List<Deployment> kept = new ArrayList<>();
        for (Deployment d : deployed) {
            Recorded r = recorded.get(d.botId());
            if (r != null && r.orphaned()) {
                freed.add(new Release(d.botId(), d.platform(), true, d.identifier(), Instant.EPOCH, "ORPHANED"));
            } else if (r != null && r.stopDue() != null) { // stopped during the call: the stop goes now, by identifier
                freed.add(new Release(d.botId(), d.platform(), true, d.identifier(), Instant.EPOCH, r.stopDue()));
            } else if (r != null && r.recorded() && running.contains(r.status())) {
                kept.add(d);
                Log.info("bot.deployed", Map.of("botId", d.botId(), "platform", d.platform(),
                        "platformIdentifier", d.identifier()));
            }
        }
        return kept;
    }
}
