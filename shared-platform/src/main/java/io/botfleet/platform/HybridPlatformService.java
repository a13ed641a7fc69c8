package io.botfleet.platform;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.BotStore;
import io.botfleet.deployment.BotStore.Deployment;
import io.botfleet.deployment.BotStore.Recorded;
import io.botfleet.deployment.CapacityLedger;
import io.botfleet.deployment.DeploymentQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Places bots on platforms in priority order. Each platform is tried for every bot still
 * unplaced: a ledger claim first (one statement for the whole group), then the platform calls in
 * parallel, each with a timeout. A capacity or transient failure gives the unit back and leaves
 * the bot for the next platform; a permanent one ends the bot FATAL. What no platform takes is
 * returned to the caller, which queues it.
 */
public final class HybridPlatformService {

    /** A platform and its capacity limit, in priority order. */
    public record LimitedPlatform(PlatformService service, int limit) {
        public String name() {
            return service.platformName();
        }
    }

    /** A bot claimed on a platform whose deploy call's outcome is unknown. */
    public record Pinned(long botId, String platform) {
    }

    /**
     * What {@link #place} did: recorded deployments, bots ended FATAL, bots no platform took, and
     * bots pinned to a platform until their deploy's outcome is known.
     */
    public record Placement(List<Deployment> deployed, List<Long> failed, List<Bot> unplaced, List<Pinned> pinned) {
        /** The bots whose queue entries wait again: the caller gives their leases back. */
        public List<Long> waiting() {
            List<Long> ids = new ArrayList<>(unplaced.stream().map(Bot::id).toList());
            pinned.forEach(p -> ids.add(p.botId()));
            return ids;
        }
    }

    /**
     * How the drain works: the timeout of one platform call, the lease on claimed entries, the
     * entries per round, and how long a deployed bot may stay silent before it is given up.
     *
     * @param deployTimeout   from the recorded deploy to the bot's first callback
     * @param heartbeatTimeout between two callbacks of a bot that has called back
     */
    public record DrainPolicy(Duration callTimeout, Duration lease, int batchSize, Duration deployTimeout,
                              Duration heartbeatTimeout) {
    }

    /** What one {@link #processQueue} call did. */
    public record DrainReport(List<Long> expired, long reclaimed, int silent, int claimed, int deployed, int failed,
                              int rounds) {
    }

    private final List<LimitedPlatform> platforms;
    private final CapacityLedger ledger;
    private final BotStore bots;
    private final DeploymentQueue queue;
    private final DrainPolicy policy;
    private final PlatformCalls calls;

    public HybridPlatformService(List<LimitedPlatform> platforms, CapacityLedger ledger, BotStore bots,
                                 DeploymentQueue queue, DrainPolicy policy) {
        this.platforms = List.copyOf(platforms);
        this.ledger = ledger;
        this.bots = bots;
        this.queue = queue;
        this.policy = policy;
        this.calls = new PlatformCalls(policy.callTimeout());
    }

    /**
     * The drain. Reconciles first (expired entries end FATAL, expired leases return to WAITING,
     * deployed bots silent for too long end FATAL and are stopped, pinned bots are resumed on
     * their platform), then, round after round, claims as many due entries as there is free
     * capacity for (at most {@code batchSize} a round), in priority then FIFO order, and places them. Stops when no
     * capacity or no due entry is left, when a round places nothing, or when {@code budget} (the
     * Lambda's remaining time, less a margin) cannot fit another round.
     */
    public DrainReport processQueue(String owner, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        List<Long> expired = queue.expire();
        long reclaimed = queue.reclaimExpiredLeases();
        int silent = endSilentBots();
        List<Bot> pinned = queue.claimPinned(owner, policy.batchSize(), policy.lease());
        Placement resumed = resume(pinned);
        queue.releaseLeases(owner, resumed.waiting());
        int claimed = pinned.size();
        int deployed = resumed.deployed().size();
        int failed = resumed.failed().size();
        int rounds = 0;
        // a round needs time for the platform calls and the statements around them
        while (deadline - System.nanoTime() > policy.callTimeout().toNanos()) {
            Map<String, Integer> used = ledger.usage();
            List<LimitedPlatform> withRoom = platforms.stream()
                    .filter(p -> p.limit() > used.getOrDefault(p.name(), 0)).toList();
            int free = withRoom.stream().mapToInt(p -> p.limit() - used.getOrDefault(p.name(), 0)).sum();
            if (free == 0) {
                break;
            }
            List<Bot> entries = queue.claim(owner, Math.min(free, policy.batchSize()), policy.lease());
            if (entries.isEmpty()) {
                break;
            }
            rounds++;
            claimed += entries.size();
            Placement placement = place(entries, withRoom);
            queue.releaseLeases(owner, placement.waiting());
            deployed += placement.deployed().size();
            failed += placement.failed().size();
            if (placement.deployed().isEmpty() && placement.failed().isEmpty()) {
                break; // every platform refused: waiting for a release is all that helps
            }
        }
        DrainReport report = new DrainReport(expired, reclaimed, silent, claimed, deployed, failed, rounds);
        if (expired.isEmpty() && reclaimed == 0 && silent == 0 && claimed == 0) {
            return report; // an idle schedule tick is not news
        }
        Log.info("queue.drained", Map.of("owner", owner, "expired", expired.size(), "reclaimed", reclaimed,
                "silent", silent, "claimed", claimed, "deployed", deployed, "failed", failed, "rounds", rounds));
        return report;
    }

    /**
     * A deployed bot that never called back, or stopped calling back, holds a unit that nothing
     * else would free: it ends FATAL (its unit released in the same statement) and its container
     * is stopped, since it may still be running.
     */
    private int endSilentBots() {
        List<BotStore.Silent> silent = bots.endSilent(policy.deployTimeout(), policy.heartbeatTimeout(), policy.batchSize());
        for (BotStore.Silent bot : silent) {
            Log.warn("bot.silent", Map.of("botId", bot.botId(), "platform", bot.platform(), "reason", bot.reason()));
            platform(bot.platform()).ifPresent(p -> calls.stopQuietly(p, bot.botId(), bot.identifier(), bot.reason()));
        }
        return silent.size();
    }

    public List<LimitedPlatform> platforms() {
        return platforms;
    }

    public Optional<PlatformService> platform(String name) {
        return platforms.stream().filter(p -> p.name().equals(name)).map(LimitedPlatform::service).findFirst();
    }

    public int totalLimit() {
        return platforms.stream().mapToInt(LimitedPlatform::limit).sum();
    }

    /** Places QUEUED bots whose queue entries the caller holds leases on, trying every platform. */
    public Placement place(List<Bot> candidates) {
        return place(candidates, platforms);
    }

    /**
     * Places bots on {@code candidatePlatforms} (in priority order), skipping those the caller
     * already knows are full: on the Data API every claim that grants nothing is still a round trip.
     */
    private Placement place(List<Bot> candidates, List<LimitedPlatform> candidatePlatforms) {
        Map<Long, Bot> unplaced = new LinkedHashMap<>();
        candidates.forEach(bot -> unplaced.put(bot.id(), bot));
        Outcomes outcomes = new Outcomes();
        for (LimitedPlatform platform : candidatePlatforms) {
            if (unplaced.isEmpty()) {
                break;
            }
            List<Long> granted = ledger.claim(platform.name(), platform.limit(), List.copyOf(unplaced.keySet()));
            var results = calls.deployAll(platform.service(), granted.stream().map(unplaced::get).toList());
            results.forEach((id, result) -> {
                PlatformDeployError e = result.error();
                if (e != null && !e.outcomeUnknown() && e.kind() != PlatformDeployError.Kind.PERMANENT) {
                    // refused or failed for sure: the unit goes back; a bot still QUEUED tries the next platform
                    if (ledger.revert(id, platform.name(), e.getMessage()) == BotStatus.QUEUED) {
                        return;
                    }
                    unplaced.remove(id);
                    return;
                }
                outcomes.add(id, platform.name(), result);
                unplaced.remove(id);
            });
        }
        return outcomes.settle(List.copyOf(unplaced.values()));
    }

    /**
     * Resumes bots pinned to a platform: claimed there, but the call's outcome was unknown (a
     * timeout, or a drainer that died). The deploy is repeated on the same platform, where it is
     * idempotent: a container that did start is found, not started twice. The unit stays claimed
     * until the platform answers for sure.
     */
    private Placement resume(List<Bot> pinned) {
        Outcomes outcomes = new Outcomes();
        for (LimitedPlatform platform : platforms) {
            List<Bot> here = pinned.stream().filter(b -> platform.name().equals(b.deploymentPlatform())).toList();
            if (here.isEmpty()) {
                continue;
            }
            calls.deployAll(platform.service(), here).forEach((id, result) -> {
                PlatformDeployError e = result.error();
                if (e != null && e.kind() == PlatformDeployError.Kind.CAPACITY) {
                    ledger.revert(id, platform.name(), e.getMessage()); // the platform says nothing runs
                } else {
                    outcomes.add(id, platform.name(), result);
                }
            });
        }
        return outcomes.settle(List.of());
    }

    /** What the platform calls of one placement came to, before and after recording them. */
    private final class Outcomes {
        private final List<Deployment> deployed = new ArrayList<>();
        private final List<Long> failed = new ArrayList<>();
        private final List<Pinned> pinned = new ArrayList<>();

        void add(long id, String platform, PlatformCalls.Result result) {
            PlatformDeployError e = result.error();
            if (e == null) {
                deployed.add(new Deployment(id, platform, result.identifier()));
            } else if (e.kind() == PlatformDeployError.Kind.PERMANENT) {
                bots.transition(id, BotStatus.FATAL, "DEPLOY_FAILED: " + e.getMessage(), false);
                failed.add(id);
            } else {
                pinned.add(new Pinned(id, platform)); // keeps its unit; resumed on that platform
            }
        }

        Placement settle(List<Bot> unplaced) {
            return new Placement(record(deployed), failed, unplaced, pinned);
        }
    }

    /**
     * Records the deployments. A bot stopped while its call ran is stopped now; a bot whose claim
     * was lost has its container stopped, unless another caller recorded that same container.
     */
    private List<Deployment> record(List<Deployment> deployed) {
        Map<Long, Recorded> recorded = bots.recordDeployments(deployed).stream()
                .collect(Collectors.toMap(Recorded::botId, r -> r));
        List<Deployment> kept = new ArrayList<>();
        for (Deployment d : deployed) {
            Recorded r = recorded.get(d.botId());
            PlatformService service = platform(d.platform()).orElseThrow();
            if (r == null || !r.recorded()) {
                if (r == null || !d.identifier().equals(r.existingIdentifier())) {
                    calls.stopQuietly(service, d.botId(), d.identifier(), "claim lost during deploy");
                }
            } else if (r.status() == BotStatus.LEAVING) {
                calls.stopQuietly(service, d.botId(), d.identifier(), "stopped during deploy");
                bots.transition(d.botId(), BotStatus.DONE, "STOPPED", false);
            } else {
                kept.add(d);
                Log.info("bot.deployed", Map.of("botId", d.botId(), "platform", d.platform(),
                        "platformIdentifier", d.identifier()));
            }
        }
        return kept;
    }
}
