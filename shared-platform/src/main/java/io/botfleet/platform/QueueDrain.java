package io.botfleet.platform;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.deployment.BotStops;
import io.botfleet.deployment.BotStore;
import io.botfleet.deployment.CapacityLedger;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.deployment.DeploymentQueue;
import io.botfleet.deployment.DrainLease;
import io.botfleet.deployment.PlatformReleases.Release;
import io.botfleet.deployment.Retention;
import io.botfleet.platform.HybridPlatformService.DrainPolicy;
import io.botfleet.platform.HybridPlatformService.DrainReport;
import io.botfleet.platform.HybridPlatformService.LimitedPlatform;
import io.botfleet.platform.HybridPlatformService.Placement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * processQueue. Under the drain lease (one drainer at a time), a pass reconciles (entries past
 * their timeout end FATAL, expired leases return to WAITING, deployed bots silent for too long
 * end FATAL and are owed a stop, owed stops and releases are worked off, pinned bots are resumed,
 * and running bots with no recorded container are looked up by name)
 * and then, round after round, claims as many due entries as there is free capacity for, in
 * priority then FIFO order, and places them; last, it deletes a batch of bots ended longer ago
 * than the retention. Every statement is bounded and every platform call fits the budget, so a
 * drain ends in its budget whatever the backlog; what is left waits for the next one.
 */
final class QueueDrain {
    /** Rows per reconcile statement: large enough to clear a backlog, small enough for one Data API answer. */
    static final int RECONCILE_BATCH = 2000;
    /**
     * Ample time for the statements a pass makes before it reconciles with the platforms (queue
     * expiries, leases, silent bots, owed stops) when there is no backlog.
     */
    static final Duration FIRST_STATEMENTS = Duration.ofSeconds(5);
    /** The drain lease outlives the drain's budget by this much, so a dead holder is replaced soon after. */
    private static final Duration LEASE_SLACK = Duration.ofSeconds(10);

    private final HybridPlatformService hybrid;
    private final BotStore bots;
    private final DeploymentQueue queue;
    private final BotStops stops;
    private final DrainLease lease;
    private final CapacityLedger ledger;
    private final CapacityReleasedPublisher announce;
    private final Retention retention;
    private final DrainPolicy policy;
    private final Clock clock;

    QueueDrain(HybridPlatformService hybrid, BotStore bots, DeploymentQueue queue, BotStops stops, DrainLease lease,
               CapacityLedger ledger, CapacityReleasedPublisher announce, Retention retention, DrainPolicy policy,
               Clock clock) {
        this.hybrid = hybrid;
        this.bots = bots;
        this.queue = queue;
        this.stops = stops;
        this.lease = lease;
        this.ledger = ledger;
        this.announce = announce;
        this.retention = retention;
        this.policy = policy;
        this.clock = clock;
    }

    /** What a drain did, summed over its passes. */
    private static final class Tally {
        final List<Long> expired = new ArrayList<>();
        long reclaimed;
        int silent;
        int claimed;
        int deployed;
        int failed;
        int rounds;

        DrainReport report() {
            return new DrainReport(expired, reclaimed, silent, claimed, deployed, failed, rounds);
        }

        boolean idle() {
            return expired.isEmpty() && reclaimed == 0 && silent == 0 && claimed == 0;
        }

        void add(Placement placement) {
            deployed += placement.deployed().size();
            failed += placement.failed().size();
        }
    }

    DrainReport run(String owner, Duration budgetDuration) {
        Budget budget = Budget.of(budgetDuration);
        Tally tally = new Tally();
        boolean acquired;
        try {
            acquired = lease.acquire(owner, budgetDuration.plus(LEASE_SLACK));
        } catch (RuntimeException e) {
            letGo(owner, e); // the acquire may have committed: a lease held by nobody would stall every drain
            throw e;
        }
        if (!acquired) {
            return tally.report(); // the holder was asked to go once more
        }
        DrainLease.Next next;
        try {
            int pass = 0;
            do {
                pass(owner + "/" + pass++, budget, tally);
                next = lease.finish(owner, budget.allows(policy.callTimeout()));
            } while (next == DrainLease.Next.AGAIN);
        } catch (RuntimeException e) {
            letGo(owner, e);
            throw e;
        }
        if (next == DrainLease.Next.RERUN_OWED) {
            askForADrain(); // no time to go again
        }
        if (!tally.idle()) { // an idle schedule tick is not news
            Log.info("queue.drained", Map.of("owner", owner, "expired", tally.expired.size(), "reclaimed", tally.reclaimed,
                    "silent", tally.silent, "claimed", tally.claimed, "deployed", tally.deployed, "failed", tally.failed,
                    "rounds", tally.rounds));
        }
        return tally.report();
    }

    /**
     * A drain that failed lets go of the drain lease if it holds it, and asks for another drain:
     * a rerun asked of it, or its own unfinished work, would otherwise wait for the next tick.
     */
    private void letGo(String owner, RuntimeException failure) {
        try {
            lease.finish(owner, false);
        } catch (RuntimeException alsoFailed) {
            failure.addSuppressed(alsoFailed); // the lease runs out by itself
        }
        askForADrain();
    }

    private void askForADrain() {
        announce.capacityReleased(hybrid.platforms().get(0).name());
    }

    private void pass(String owner, Budget budget, Tally tally) {
        reconcile(budget, tally);
        if (budget.allows(policy.callTimeout())) {
            String resumer = owner + "/resume";
            try { // the claim inside: one that commits and loses its answer is given back too
                List<Bot> pinned = queue.claimPinned(resumer, policy.batchSize(), policy.lease(),
                        clock.instant().minus(policy.callWindow()));
                tally.claimed += pinned.size();
                tally.add(hybrid.resume(pinned, resumer, budget));
            } finally {
                queue.releaseLeases(resumer);
            }
        }
        if (budget.allows(policy.callTimeout())) {
            hybrid.adopt(bots.unidentified(clock.instant().minus(policy.callWindow()), policy.batchSize()), budget);
        }
        // a round needs time for one timeout per platform it tries; each platform checks again
        boolean swept = false;
        while (budget.allows(policy.callTimeout())) {
            Map<String, CapacityLedger.Use> usage = ledger.usage();
            if (!swept) {
                swept = true;
                stopDraining(usage, budget);
            }
            List<LimitedPlatform> withRoom = hybrid.platforms().stream()
                    .filter(p -> usage.getOrDefault(p.name(), CapacityLedger.Use.NONE).placesWithin(p.limit())).toList();
            int free = withRoom.stream()
                    .mapToInt(p -> p.limit() - usage.getOrDefault(p.name(), CapacityLedger.Use.NONE).used()).sum();
            if (free == 0) {
                break;
            }
            String claimer = owner + "/round-" + tally.rounds;
            Placement placement;
            try {
                List<Bot> entries = queue.claim(claimer, Math.min(free, policy.batchSize()), policy.lease());
                if (entries.isEmpty()) {
                    break;
                }
                tally.rounds++;
                tally.claimed += entries.size();
                placement = hybrid.place(entries, withRoom, claimer, budget);
            } finally {
                queue.releaseLeases(claimer);
            }
            tally.add(placement);
            if (placement.deployed().isEmpty() && placement.failed().isEmpty()) {
                break; // every platform refused: waiting for a release is all that helps
            }
        }
        if (budget.left()) {
            deleteEnded();
        }
    }

    /**
     * The bots still running on a draining platform are stopped, a batch per drain: those the
     * drain's request could not reach (locked then, or placed by a claim that committed just before
     * the hold). Each stop stays owed until its platform confirms it.
     */
    private void stopDraining(Map<String, CapacityLedger.Use> usage, Budget budget) {
        for (LimitedPlatform platform : hybrid.platforms()) {
            CapacityLedger.Use use = usage.getOrDefault(platform.name(), CapacityLedger.Use.NONE);
            if (use.hold() == CapacityLedger.Hold.DRAINING && use.used() > 0) {
                hybrid.followUps().settle(stops.stopAllOn(platform.name(), BotStops.PLATFORM_DRAINED, policy.batchSize()),
                        budget);
            }
        }
    }

    /**
     * One batch of bots ended longer ago than the retention, after the placements (history can
     * wait; queued bots should not). A failure only leaves the batch to the next drain.
     */
    private void deleteEnded() {
        try {
            Retention.Deleted deleted = retention.deleteEnded(Retention.BATCH);
            if (deleted.bots() > 0) {
                Log.info("retention.deleted", Map.of("bots", deleted.bots(), "events", deleted.events(),
                        "deliveries", deleted.deliveries()));
            }
        } catch (RuntimeException e) {
            Log.warn("retention.failed", Map.of(), e);
        }
    }

    /** Everything that ends or frees without a new placement, each in bounded statements. */
    private void reconcile(Budget budget, Tally tally) {
        List<Long> expired;
        do {
            expired = queue.expire(RECONCILE_BATCH);
            tally.expired.addAll(expired);
        } while (expired.size() == RECONCILE_BATCH && budget.left());
        long reclaimed;
        do {
            reclaimed = queue.reclaimExpiredLeases(RECONCILE_BATCH);
            tally.reclaimed += reclaimed;
        } while (reclaimed == RECONCILE_BATCH && budget.left());
        List<Release> silent;
        do {
            silent = stops.endSilent(policy.deployTimeout(), policy.heartbeatTimeout(), policy.batchSize());
            silent.forEach(r -> Log.warn("bot.silent", Map.of("botId", r.botId(), "platform", r.platform(),
                    "reason", r.reason())));
            tally.silent += silent.size();
            hybrid.followUps().settle(silent, budget);
        } while (silent.size() == policy.batchSize() && budget.left());
        while (hybrid.followUps().sweep(policy.batchSize(), budget) == policy.batchSize() && budget.left()) {
            // a backlog of owed stops and releases: another batch while the budget lasts
        }
        hybrid.tickPlatforms(budget);
    }
}
