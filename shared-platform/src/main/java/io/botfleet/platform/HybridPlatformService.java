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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

    /** What {@link #place} did: recorded deployments, bots ended FATAL, and bots no platform took. */
    public record Placement(List<Deployment> deployed, List<Long> failed, List<Bot> unplaced) {
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
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

    public HybridPlatformService(List<LimitedPlatform> platforms, CapacityLedger ledger, BotStore bots,
                                 DeploymentQueue queue, DrainPolicy policy) {
        this.platforms = List.copyOf(platforms);
        this.ledger = ledger;
        this.bots = bots;
        this.queue = queue;
        this.policy = policy;
    }

    /**
     * The drain. Reconciles first (expired entries end FATAL, expired leases return to WAITING,
     * deployed bots silent for too long end FATAL and are stopped), then, round after round, claims as many due entries as there is free capacity for (at most
     * {@code batchSize} a round), in priority then FIFO order, and places them. Stops when no
     * capacity or no due entry is left, when a round places nothing, or when {@code budget} (the
     * Lambda's remaining time, less a margin) cannot fit another round.
     */
    public DrainReport processQueue(String owner, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        List<Long> expired = queue.expire();
        long reclaimed = queue.reclaimExpiredLeases();
        int silent = endSilentBots();
        int claimed = 0;
        int deployed = 0;
        int failed = 0;
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
            queue.releaseLeases(owner, placement.unplaced().stream().map(Bot::id).toList());
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
            stopQuietly(new Deployment(bot.botId(), bot.platform(), bot.identifier()), bot.reason());
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
        // a call that timed out may have started the container: never offer that bot to another
        // platform in this pass; the next drain tries this platform first, where deploys are idempotent
        Map<Long, Bot> outcomeUnknown = new LinkedHashMap<>();
        List<Deployment> deployed = new ArrayList<>();
        List<Long> failed = new ArrayList<>();
        for (LimitedPlatform platform : candidatePlatforms) {
            if (unplaced.isEmpty()) {
                break;
            }
            List<Long> granted = ledger.claim(platform.name(), platform.limit(), List.copyOf(unplaced.keySet()));
            Map<Long, Future<PlatformDeployResult>> started = new LinkedHashMap<>();
            for (long id : granted) {
                Bot bot = unplaced.get(id);
                started.put(id, calls.submit(() -> platform.service().deployBot(bot)));
            }
            for (var call : started.entrySet()) {
                long id = call.getKey();
                try {
                    deployed.add(new Deployment(id, platform.name(), await(call.getValue(), platform.name()).identifier()));
                    unplaced.remove(id);
                } catch (PlatformDeployError e) {
                    Log.warn("platform.deploy_failed", Map.of("botId", id, "platform", platform.name(),
                            "kind", e.kind().name(), "error", String.valueOf(e.getMessage())));
                    if (e.kind() == PlatformDeployError.Kind.PERMANENT) {
                        bots.transition(id, BotStatus.FATAL, "DEPLOY_FAILED: " + e.getMessage(), false);
                        failed.add(id);
                        unplaced.remove(id);
                    } else {
                        ledger.revert(id, platform.name(), e.getMessage());
                        if (e.outcomeUnknown()) {
                            outcomeUnknown.put(id, unplaced.remove(id));
                        }
                    }
                }
            }
        }
        List<Deployment> recorded = record(deployed);
        List<Bot> left = new ArrayList<>(unplaced.values());
        left.addAll(outcomeUnknown.values());
        return new Placement(recorded, failed, left);
    }

    /**
     * Records the deployments; a bot that was stopped while its platform call ran, or lost its
     * claim, has its container stopped here, because nobody else knows the identifier.
     */
    private List<Deployment> record(List<Deployment> deployed) {
        Map<Long, BotStatus> recorded = bots.recordDeployments(deployed).stream()
                .collect(Collectors.toMap(Recorded::botId, Recorded::status));
        List<Deployment> kept = new ArrayList<>();
        for (Deployment d : deployed) {
            BotStatus status = recorded.get(d.botId());
            if (status == null) {
                stopQuietly(d, "claim lost during deploy");
            } else if (status == BotStatus.LEAVING) {
                stopQuietly(d, "stopped during deploy");
                bots.transition(d.botId(), BotStatus.DONE, "STOPPED", false);
            } else {
                kept.add(d);
                Log.info("bot.deployed", Map.of("botId", d.botId(), "platform", d.platform(),
                        "platformIdentifier", d.identifier()));
            }
        }
        return kept;
    }

    private void stopQuietly(Deployment d, String why) {
        Log.warn("bot.orphan_stopped", Map.of("botId", d.botId(), "platform", d.platform(), "reason", why));
        platform(d.platform()).ifPresent(service -> {
            try {
                service.stopBot(d.identifier());
            } catch (PlatformDeployError e) {
                Log.error("bot.orphan_stop_failed", Map.of("botId", d.botId(), "platform", d.platform(),
                        "error", String.valueOf(e.getMessage())));
            }
        });
    }

    private PlatformDeployResult await(Future<PlatformDeployResult> call, String platform) throws PlatformDeployError {
        try {
            return call.get(policy.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw PlatformDeployError.timedOut(platform, policy.callTimeout());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PlatformDeployError error) {
                throw error;
            }
            throw new PlatformDeployError(PlatformDeployError.Kind.TRANSIENT, platform,
                    "unexpected failure: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformDeployError(PlatformDeployError.Kind.TRANSIENT, platform, "interrupted");
        }
    }
}
