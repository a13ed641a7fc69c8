package io.botfleet.deployment;

import io.botfleet.bot.Bot;
import io.botfleet.bot.BotStatus;
import io.botfleet.platform.HybridPlatformService;
import io.botfleet.platform.PlatformStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the read routes show: a bot with its platform's word on it, the capacity, the queue with its waits. */
public final class FleetViews {
    private final BotStore bots;
    private final DeploymentQueue queue;
    private final HybridPlatformService hybrid;
    private final CapacityLedger ledger;
    private final Duration estimatedBotDuration;
    private final Clock clock;

    FleetViews(BotStore bots, DeploymentQueue queue, HybridPlatformService hybrid, CapacityLedger ledger,
               Duration estimatedBotDuration, Clock clock) {
        this.bots = bots;
        this.queue = queue;
        this.hybrid = hybrid;
        this.ledger = ledger;
        this.estimatedBotDuration = estimatedBotDuration;
        this.clock = clock;
    }

    public Optional<BotView> view(long id) {
        Bot bot = bots.find(id);
        if (bot == null) {
            return Optional.empty();
        }
        // A DEPLOYING bot without an identifier may be pinned to its platform: its entry says so
        boolean mayBeHeld = bot.status() == BotStatus.DEPLOYING && bot.platformIdentifier() == null;
        QueueEntry entry = bot.status() == BotStatus.QUEUED || mayBeHeld ? queue.find(id, mayBeHeld) : null;
        PlatformStatus platformStatus = null;
        if (bot.platformIdentifier() != null && !bot.status().isTerminal()) {
            platformStatus = hybrid.platform(bot.deploymentPlatform())
                    .map(p -> p.getBotStatus(bot.platformIdentifier()))
                    .orElse(PlatformStatus.unknown("platform " + bot.deploymentPlatform() + " is not configured here"));
        }
        return Optional.of(new BotView(bot, entry, entry == null ? null : estimateWait(entry), platformStatus));
    }

    /** One platform's limit, the units its ledger has in use, and its hold (null: in rotation) since when. */
    public record PlatformUsage(String platform, int limit, int used, CapacityLedger.Hold hold, java.time.Instant heldAt) {
    }

    public record CapacityView(List<PlatformUsage> platforms, DeploymentQueue.Stats queue) {
    }

    public CapacityView capacity() {
        Map<String, CapacityLedger.Use> usage = ledger.usage();
        List<PlatformUsage> platforms = hybrid.platforms().stream().map(p -> {
            CapacityLedger.Use use = usage.getOrDefault(p.name(), CapacityLedger.Use.NONE);
            return new PlatformUsage(p.name(), p.limit(), use.used(), use.hold(), use.heldAt());
        }).toList();
        return new CapacityView(platforms, queue.stats());
    }

    /** A waiting entry with its estimated wait. */
    public record Waiting(QueueEntry entry, Duration estimatedWait) {
    }

    public List<Waiting> waiting(int limit) {
        return queue.list(limit).stream().map(e -> new Waiting(e, estimateWait(e))).toList();
    }

    /**
     * Waves of its tenant's units ahead of the entry, each lasting a typical bot's run: the fair
     * share serves each tenant's line side by side, so the tenant's entries ahead of it go through
     * the units it can expect, its weighted share of the whole fleet's limit (at least one), never
     * more than its limit. Plus, for a bot not yet due (scheduled, or waiting out a retry's delay),
     * the time until it is. None (null) for a bot its platform holds, which waits for no unit, and
     * for one whose tenant's limit is 0, which waits for the limit to change.
     */
    Duration estimateWait(QueueEntry entry) {
        if (entry == null) {
            return Duration.ZERO;
        }
        QueueEntry.TenantLine line = entry.tenantLine();
        if (entry.waitReason() == WaitReason.DEPLOY_UNCONFIRMED || Integer.valueOf(0).equals(line.limit())) {
            return null;
        }
        int total = hybrid.totalLimit();
        long weights = Math.max(line.busyWeights(), line.weight());
        long units = Math.max(1, total * (long) line.weight() / weights);
        if (line.limit() != null) {
            units = Math.min(units, line.limit());
        }
        long waves = (line.ahead() + units) / units;
        Duration untilDue = Duration.between(clock.instant(), entry.notBefore());
        return estimatedBotDuration.multipliedBy(waves).plus(untilDue.isNegative() ? Duration.ZERO : untilDue);
    }
}
