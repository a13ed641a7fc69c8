package io.botfleet.deployment;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.platform.HybridPlatformService;
import io.botfleet.platform.HybridPlatformService.Placement;
import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformService;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The use cases behind the HTTP routes: deploy, stop, the bot's own callbacks, and the views. */
public final class BotDeploymentService {

    /** Deploy settings that are policy rather than plumbing. */
    public record Policy(Duration queueTimeout, Duration scheduleLead, Duration lease, Duration estimatedBotDuration) {
    }

    /** Thrown when an Idempotency-Key comes back with a different request. */
    public static final class IdempotencyConflict extends RuntimeException {
        public IdempotencyConflict(long botId) {
            super("this Idempotency-Key was first used for a different request (bot " + botId + ")");
        }
    }

    public enum CallbackResult { ACCEPTED, UNAUTHORIZED, NOT_FOUND, CONFLICT }

    /** The answer to a callback; {@code status} is the bot's status afterwards. */
    public record Callback(CallbackResult result, BotStatus status) {
    }

    public enum StopResult { STOPPING, STOPPED, ALREADY_ENDED, NOT_FOUND, PLATFORM_UNAVAILABLE }

    public record Stop(StopResult result, BotStatus status, String detail) {
    }

    private final BotStore bots;
    private final DeploymentQueue queue;
    private final HybridPlatformService hybrid;
    private final CapacityLedger ledger;
    private final BotTokens tokens;
    private final CapacityReleasedPublisher capacityReleased;
    private final Policy policy;
    private final Clock clock;

    public BotDeploymentService(BotStore bots, DeploymentQueue queue, HybridPlatformService hybrid, CapacityLedger ledger,
                                BotTokens tokens, CapacityReleasedPublisher capacityReleased, Policy policy, Clock clock) {
        this.bots = bots;
        this.queue = queue;
        this.hybrid = hybrid;
        this.ledger = ledger;
        this.tokens = tokens;
        this.capacityReleased = capacityReleased;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * Admits the bot and, unless it starts later than the schedule lead, places it at once; what
     * no platform takes waits in the queue. Three statements when a platform takes it.
     */
    public DeployOutcome deploy(BotConfig config, String idempotencyKey) {
        String fingerprint = fingerprint(config);
        Instant now = clock.instant();
        boolean scheduled = config.startTime() != null
                && config.startTime().isAfter(now.plus(policy.scheduleLead()));
        String owner = scheduled ? null : "deploy-" + UUID.randomUUID();
        Instant notBefore = scheduled ? config.startTime().minus(policy.scheduleLead()) : null;
        Long id = bots.admit(config, idempotencyKey, fingerprint,
                new BotStore.Admission(notBefore, policy.queueTimeout(), owner, policy.lease()));
        if (id == null) {
            return replay(config, idempotencyKey, fingerprint);
        }
        Log.info("bot.admitted", Map.of("botId", id, "scheduled", scheduled));
        if (scheduled) {
            return queued(id, false);
        }
        Bot bot = new Bot(id, config, BotStatus.QUEUED, null, null, null, now, null, null, null);
        Placement placement = hybrid.place(List.of(bot));
        queue.releaseLeases(owner, placement.waiting());
        if (!placement.deployed().isEmpty()) {
            BotStore.Deployment d = placement.deployed().get(0);
            return new DeployOutcome(id, BotStatus.DEPLOYING, d.platform(), d.identifier(), null, null, null, false);
        }
        if (!placement.pinned().isEmpty()) {
            // the platform did not answer in time; the next drain finds out there whether it started
            return new DeployOutcome(id, BotStatus.DEPLOYING, placement.pinned().get(0).platform(), null, null, null,
                    "the platform did not answer in time; the deploy is being confirmed", false);
        }
        return queued(id, false);
    }

    private DeployOutcome replay(BotConfig config, String key, String fingerprint) {
        BotStore.KeyedBot first = bots.findByIdempotencyKey(config.tenant(), key);
        if (first == null) {
            throw new IllegalStateException("idempotency key conflict without a row");
        }
        if (!fingerprint.equals(first.fingerprint())) {
            throw new IdempotencyConflict(first.id());
        }
        Bot bot = bots.find(first.id());
        if (bot.status() == BotStatus.QUEUED) {
            return queued(bot.id(), true);
        }
        return new DeployOutcome(bot.id(), bot.status(), bot.deploymentPlatform(), bot.platformIdentifier(),
                null, null, bot.statusReason(), true);
    }

    /** The answer for a bot in the queue, or, if it has left it meanwhile, for where it is now. */
    private DeployOutcome queued(long id, boolean replay) {
        QueueEntry entry = queue.find(id);
        Bot bot = entry == null ? bots.find(id) : null;
        if (bot != null && bot.status() != BotStatus.QUEUED) {
            return new DeployOutcome(id, bot.status(), bot.deploymentPlatform(), bot.platformIdentifier(), null, null,
                    bot.statusReason(), replay);
        }
        return new DeployOutcome(id, BotStatus.QUEUED, null, null, entry == null ? 1 : entry.position(),
                estimateWait(entry), null, replay);
    }

    /**
     * Waves of the whole fleet's capacity ahead of the entry, each lasting a typical bot's run;
     * plus, for a scheduled bot, the time until it becomes due.
     */
    Duration estimateWait(QueueEntry entry) {
        if (entry == null) {
            return Duration.ZERO;
        }
        long waves = (entry.position() + hybrid.totalLimit() - 1) / hybrid.totalLimit();
        Duration untilDue = Duration.between(clock.instant(), entry.notBefore());
        return policy.estimatedBotDuration().multipliedBy(waves).plus(untilDue.isNegative() ? Duration.ZERO : untilDue);
    }

    /**
     * Stops a bot: a queued one leaves the queue and ends DONE; a running one is asked to leave
     * (LEAVING), its platform stops it, and its unit is released (DONE) and the drain triggered.
     */
    public Stop stop(long id) {
        Bot bot = bots.find(id);
        if (bot == null) {
            return new Stop(StopResult.NOT_FOUND, null, null);
        }
        if (bot.status().isTerminal()) {
            return new Stop(StopResult.ALREADY_ENDED, bot.status(), null);
        }
        if (bot.status() == BotStatus.QUEUED) {
            BotStore.Transition t = bots.transition(id, BotStatus.DONE, "STOPPED", false);
            if (t.applied()) {
                return new Stop(StopResult.STOPPED, BotStatus.DONE, null);
            }
            bot = bots.find(id); // a drainer claimed it meanwhile: stop it as a running bot
        }
        BotStore.Transition leaving = bots.transition(id, BotStatus.LEAVING, "STOPPED", false);
        if (leaving.platformIdentifier() == null) {
            // the deploy is in flight; whoever records it sees LEAVING and stops the container
            return new Stop(StopResult.STOPPING, BotStatus.LEAVING, null);
        }
        Optional<PlatformService> platform = hybrid.platform(leaving.deploymentPlatform());
        if (platform.isPresent()) {
            try {
                platform.get().stopBot(leaving.platformIdentifier());
            } catch (PlatformDeployError e) {
                Log.warn("bot.stop_failed", Map.of("botId", id, "platform", leaving.deploymentPlatform(),
                        "error", String.valueOf(e.getMessage())));
                return new Stop(StopResult.PLATFORM_UNAVAILABLE, BotStatus.LEAVING, e.getMessage());
            }
        }
        BotStore.Transition done = bots.transition(id, BotStatus.DONE, "STOPPED", false);
        afterTransition(id, done);
        return new Stop(StopResult.STOPPED, done.applied() ? BotStatus.DONE : bot.status(), null);
    }

    /**
     * A bot's own callback: a status, or (with none) a bare heartbeat; any callback is a sign of
     * life. The token is checked before anything else.
     */
    public Callback report(long id, String token, BotStatus status, String reason) {
        if (!tokens.isValid(id, token)) {
            return new Callback(CallbackResult.UNAUTHORIZED, null);
        }
        if (status == null) {
            if (bots.heartbeat(id)) {
                return new Callback(CallbackResult.ACCEPTED, null);
            }
            Bot bot = bots.find(id);
            return bot == null ? new Callback(CallbackResult.NOT_FOUND, null)
                    : new Callback(CallbackResult.CONFLICT, bot.status());
        }
        BotStore.Transition t = bots.transition(id, status, reason, true);
        if (t == null) {
            return new Callback(CallbackResult.NOT_FOUND, null);
        }
        if (!t.applied()) {
            // a repeated report of the status the bot is already in is fine; going backwards is not
            return new Callback(t.previous() == status ? CallbackResult.ACCEPTED : CallbackResult.CONFLICT, t.previous());
        }
        Log.info("bot.status", Map.of("botId", id, "from", t.previous().name(), "to", status.name()));
        afterTransition(id, t);
        return new Callback(CallbackResult.ACCEPTED, status);
    }

    /** A unit came free: pooled platforms get their resource back, and the drain is triggered. */
    private void afterTransition(long id, BotStore.Transition t) {
        if (t.releasedPlatform() == null) {
            return;
        }
        hybrid.platform(t.releasedPlatform()).ifPresent(p -> p.releaseBot(id));
        capacityReleased.capacityReleased(t.releasedPlatform());
    }

    public Optional<BotView> view(long id) {
        Bot bot = bots.find(id);
        if (bot == null) {
            return Optional.empty();
        }
        QueueEntry entry = bot.status() == BotStatus.QUEUED ? queue.find(id) : null;
        PlatformBotStatus platformStatus = null;
        if (bot.platformIdentifier() != null && !bot.status().isTerminal()) {
            platformStatus = hybrid.platform(bot.deploymentPlatform())
                    .map(p -> p.getBotStatus(bot.platformIdentifier())).orElse(PlatformBotStatus.UNKNOWN);
        }
        return Optional.of(new BotView(bot, entry, entry == null ? null : estimateWait(entry), platformStatus));
    }

    /** One platform's limit and the units its ledger has in use. */
    public record PlatformUsage(String platform, int limit, int used) {
    }

    public record CapacityView(List<PlatformUsage> platforms, DeploymentQueue.Stats queue) {
    }

    public CapacityView capacity() {
        Map<String, Integer> used = ledger.usage();
        List<PlatformUsage> platforms = hybrid.platforms().stream()
                .map(p -> new PlatformUsage(p.name(), p.limit(), used.getOrDefault(p.name(), 0))).toList();
        return new CapacityView(platforms, queue.stats());
    }

    /** A waiting entry with its estimated wait. */
    public record Waiting(QueueEntry entry, Duration estimatedWait) {
    }

    public List<Waiting> waiting(int limit) {
        return queue.list(limit).stream().map(e -> new Waiting(e, estimateWait(e))).toList();
    }

    private static String fingerprint(BotConfig config) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(config.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
