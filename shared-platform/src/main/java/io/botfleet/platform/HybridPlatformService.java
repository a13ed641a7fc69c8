package io.botfleet.platform;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.deployment.BotStops;
import io.botfleet.deployment.BotStore;
import io.botfleet.deployment.BotStore.Deployment;
import io.botfleet.deployment.CapacityLedger;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.deployment.ContainerEndings;
import io.botfleet.deployment.ContainerEndings.Fence;
import io.botfleet.deployment.DeploymentQueue;
import io.botfleet.deployment.DrainLease;
import io.botfleet.deployment.PlatformReleases;
import io.botfleet.deployment.Retention;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Places bots on platforms in priority order. For each platform, the bots still unplaced are
 * claimed on the ledger (one statement for the group, fenced by the caller's lease), then the
 * platform calls run in parallel under one timeout. A failure the platform classified as definite
 * gives the unit back (and the bot tries the next platform, or ends FATAL when retrying cannot
 * help); any other failure leaves the bot pinned to that platform, its unit held, until a resume
 * finds out. What no platform takes goes back to the caller, which queues it. The drain
 * ({@link #processQueue}) runs in {@link QueueDrain}.
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
    }

    /**
     * How the drain works: the timeout of one platform call, the lease on claimed entries, the
     * entries per round, and how long a deployed bot may stay silent before it is given up.
     *
     * @param deployTimeout   from the recorded deploy to the bot's first callback
     * @param heartbeatTimeout between two callbacks of a bot that has called back
     * @param queueTimeout     how long a bot placed in the queue again may wait there
     */
    public record DrainPolicy(Duration callTimeout, Duration lease, int batchSize, Duration deployTimeout,
                              Duration heartbeatTimeout, Duration queueTimeout) {
        /**
         * How long after a claim is written its deploy call may still run: the call's timeout,
         * plus the time the claim's answer may take to come back (the SQL port retries a
         * resuming or unavailable database for up to 30 s), so the call may start that late.
         */
        public Duration callWindow() {
            return callTimeout.plusSeconds(30);
        }

        /**
         * The least budget in which every part of a drain can run when its calls answer at once:
         * its longest part is the reconcile with a platform (a list, then the calls it decides
         * on; the others need one call's timeout), which starts after the drain's first
         * statements. Whoever gives a drain its budget checks it against this.
         */
        public Duration minimumBudget() {
            return ContainerReconcile.budgetNeeded(callTimeout).plus(QueueDrain.FIRST_STATEMENTS);
        }
    }

    /** What one {@link #processQueue} call did; all zero when another drain held the drain lease. */
    public record DrainReport(List<Long> expired, long reclaimed, int silent, int claimed, int deployed, int failed,
                              int rounds) {
    }

    private final List<LimitedPlatform> platforms;
    private final DrainPolicy policy;
    private final CapacityLedger ledger;
    private final BotStore bots;
    private final PlatformCalls calls;
    private final ReleaseFollowUps followUps;
    private final QueueDrain drain;
    private final ContainerReconcile reconcile;

    public HybridPlatformService(List<LimitedPlatform> platforms, CapacityLedger ledger, BotStore bots, BotStops stops,
                                 DeploymentQueue queue, PlatformReleases releases, ContainerEndings endings,
                                 DrainLease drainLease, CapacityReleasedPublisher announce, Retention retention,
                                 DrainPolicy policy, Clock clock) {
        this.platforms = List.copyOf(platforms);
        this.policy = policy;
        this.ledger = ledger;
        this.bots = bots;
        this.calls = new PlatformCalls(policy.callTimeout());
        this.followUps = new ReleaseFollowUps(releases, this::platform, calls, announce, clock);
        this.drain = new QueueDrain(this, bots, queue, stops, drainLease, ledger, announce, retention, policy, clock);
        this.reconcile = new ContainerReconcile(bots, endings, calls, followUps, clock);
    }

    /**
     * The drain, for the schedule and for capacity-released messages: reconcile, then place as
     * many due entries as there is capacity for, within {@code budget} (the Lambda's remaining
     * time less a margin). One drain runs at a time; a drain that finds another running asks it
     * to go once more, and returns.
     */
    public DrainReport processQueue(String owner, Duration budget) {
        return drain.run(owner, budget);
    }

    /** The least budget {@link #processQueue} needs for each of its parts to run ({@link DrainPolicy#minimumBudget}). */
    public Duration minimumDrainBudget() {
        return policy.minimumBudget();
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

    /** Each platform's limit, by name. */
    public Map<String, Integer> limits() {
        Map<String, Integer> limits = new LinkedHashMap<>();
        platforms.forEach(p -> limits.put(p.name(), p.limit()));
        return limits;
    }

    public ReleaseFollowUps followUps() {
        return followUps;
    }

    /**
     * Each platform's own tick, then the reconcile with what it runs, in priority order; one
     * failing does not stop the others or the drain.
     */
    void tickPlatforms(Budget budget) {
        for (LimitedPlatform platform : platforms) {
            if (!budget.allows(calls.timeout())) {
                return;
            }
            try {
                platform.service().tick(new PlatformTick() {
                    @Override
                    public void deployFailed(long botId, String identifier, String reason) {
                        failDeployed(botId, platform.name(), identifier, reason);
                    }
                }, budget);
            } catch (RuntimeException e) {
                Log.warn("platform.tick_failed", Map.of("platform", platform.name()), e);
            }
            try {
                reconcile.reconcile(platform, budget);
            } catch (RuntimeException e) {
                Log.warn("platform.reconcile_failed", Map.of("platform", platform.name()), e);
            }
        }
    }

    /**
     * A platform's own word that a bot's container ended (an ECS task state change event): the
     * bot ends, or goes back to the queue, as the reconcile would decide. Only the container the
     * bot has at that moment counts, in the statement that acts: a late word about an earlier one
     * (a task before a Spot interruption) changes nothing, and neither does a word repeated. False
     * when nothing changed.
     */
    public boolean containerEnded(long botId, String platform, String identifier, PlatformStatus status) {
        return reconcile.containerEnded(botId, new Fence(platform, identifier, null), status);
    }

    /** A deployed bot whose platform gave up on its container ends FATAL; its unit and pooled resource go back. */
    private void failDeployed(long botId, String platform, String identifier, String reason) {
        reconcile.containerFailed(botId, new Fence(platform, identifier, null), reason);
    }

    /** Places QUEUED bots whose queue entries {@code owner} leases, trying every platform. */
    public Placement place(List<Bot> candidates, String owner, Budget budget) {
        return place(candidates, platforms, owner, budget);
    }

    /**
     * Places bots on {@code candidatePlatforms} (in priority order), skipping those the caller
     * already knows are full: on the Data API every claim that grants nothing is still a round
     * trip. A platform is not tried once the budget cannot wait for its calls.
     */
    Placement place(List<Bot> candidates, List<LimitedPlatform> candidatePlatforms, String owner, Budget budget) {
        Map<Long, Bot> unplaced = new LinkedHashMap<>();
        candidates.forEach(bot -> unplaced.put(bot.id(), bot));
        PlacementOutcomes outcomes = new PlacementOutcomes(owner, ledger, bots, followUps);
        for (LimitedPlatform platform : candidatePlatforms) {
            if (unplaced.isEmpty() || !budget.allows(calls.timeout())) {
                break;
            }
            Map<Long, Integer> granted = ledger.claimCounted(platform.name(), platform.limit(), List.copyOf(unplaced.keySet()), owner);
            Map<Long, PlatformCalls.Call<String>> deploys = new LinkedHashMap<>();
            granted.forEach((id, attempt) -> deploys.put(id,
                    () -> platform.service().deployBot(unplaced.get(id).claimedAgain(attempt)).identifier()));
            calls.all(platform.name(), "deploy", deploys, budget.waitFor(calls.timeout())).forEach((id, outcome) -> {
                if (!outcomes.add(id, platform.name(), outcome)) {
                    unplaced.remove(id);
                }
            });
        }
        return outcomes.settle(List.copyOf(unplaced.values()), budget);
    }

    /**
     * Resumes bots pinned to a platform: claimed there, but the call's outcome was unknown. The
     * deploy is repeated there, where it finds a container that did start. The unit is given back
     * only when the platform, asked by the bot's name, confirms that no container of it exists;
     * until then the bot stays pinned.
     */
    Placement resume(List<Bot> pinned, String owner, Budget budget) {
        PlacementOutcomes outcomes = new PlacementOutcomes(owner, ledger, bots, followUps);
        for (LimitedPlatform platform : platforms) {
            List<Bot> here = pinned.stream().filter(b -> platform.name().equals(b.deploymentPlatform())).toList();
            if (here.isEmpty() || !budget.allows(calls.timeout())) {
                continue;
            }
            Map<Long, PlatformCalls.Call<String>> deploys = new LinkedHashMap<>();
            here.forEach(bot -> deploys.put(bot.id(), () -> platform.service().deployBot(bot).identifier()));
            Map<Long, PlatformDeployError> refused = new LinkedHashMap<>();
            calls.all(platform.name(), "deploy", deploys).forEach((id, outcome) -> {
                if (outcome.definitelyFailed()) {
                    refused.put(id, outcome.error()); // this call started nothing; an earlier one may have
                } else {
                    outcomes.add(id, platform.name(), outcome);
                }
            });
            if (refused.isEmpty() || !budget.allows(calls.timeout())) {
                refused.keySet().forEach(id -> outcomes.pinned.add(new Pinned(id, platform.name())));
                continue;
            }
            Map<Long, PlatformCalls.Call<Optional<String>>> lookups = new LinkedHashMap<>();
            refused.keySet().forEach(id -> lookups.put(id, () -> platform.service().findBot(id)));
            calls.all(platform.name(), "find", lookups).forEach((id, found) -> {
                if (!found.succeeded()) {
                    outcomes.pinned.add(new Pinned(id, platform.name()));
                } else if (found.value().isPresent()) {
                    outcomes.deployed.add(new Deployment(id, platform.name(), found.value().get()));
                } else {
                    outcomes.add(id, platform.name(), new PlatformCalls.Outcome<>(null, refused.get(id)));
                }
            });
        }
        return outcomes.settle(List.of(), budget);
    }

    /**
     * Running bots with no recorded container (they called back while their deploy's answer was
     * lost): each is looked up by its name. A container found is recorded, so events and the
     * reconcile know it from then on; a platform that confirms none exists ends the bot as for any
     * container gone, fenced by the claim that was read. A lookup that fails changes nothing.
     */
    Placement adopt(List<Bot> unidentified, Budget budget) {
        PlacementOutcomes outcomes = new PlacementOutcomes(null, ledger, bots, followUps);
        for (LimitedPlatform platform : platforms) {
            Map<Long, Bot> here = new LinkedHashMap<>();
            unidentified.stream().filter(b -> platform.name().equals(b.deploymentPlatform())).forEach(b -> here.put(b.id(), b));
            if (here.isEmpty() || !budget.allows(calls.timeout())) {
                continue;
            }
            Map<Long, PlatformCalls.Call<Optional<String>>> lookups = new LinkedHashMap<>();
            here.keySet().forEach(id -> lookups.put(id, () -> platform.service().findBot(id)));
            calls.all(platform.name(), "find", lookups).forEach((id, found) -> {
                if (found.succeeded() && found.value().isPresent()) {
                    outcomes.deployed.add(new Deployment(id, platform.name(), found.value().get()));
                } else if (found.succeeded()) {
                    reconcile.containerEnded(id, new Fence(platform.name(), null, here.get(id).deployAttempts()),
                            PlatformStatus.of(PlatformBotStatus.STOPPED, "the platform has no container of the bot"));
                }
            });
        }
        return outcomes.settle(List.of(), budget);
    }
}
