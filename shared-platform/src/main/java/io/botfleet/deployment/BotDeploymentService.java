package io.botfleet.deployment;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.platform.Budget;
import io.botfleet.platform.HybridPlatformService;
import io.botfleet.platform.HybridPlatformService.Placement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The use cases behind the HTTP routes that change a bot: deploy, stop, the bot's own callbacks. */
public final class BotDeploymentService {

    /**
     * Deploy settings that are policy rather than plumbing. A bot whose start time is at least
     * {@code scheduleGuarantee} ahead is admitted only with a reservation.
     */
    public record Policy(Duration queueTimeout, Duration scheduleGuarantee, Duration lease, Duration estimatedBotDuration) {
    }

    /**
     * No unit is free for the whole window the scheduled bot needs: nothing was admitted.
     * {@code nextStartTime} and {@code nextEndTime}: the same bot's times in the earliest window
     * after it that has a unit free (null when none within {@link CapacityCalendar#SEARCH}).
     */
    public static final class CapacityUnavailable extends RuntimeException {
        private final transient Instant nextStartTime;
        private final transient Instant nextEndTime;

        CapacityUnavailable(Instant nextStartTime, Instant nextEndTime) {
            super(nextStartTime == null ? "no unit of the fleet is free for this bot's window, nor in the week after it"
                    : "no unit of the fleet is free for this bot's window; the earliest window after it with a free unit starts at "
                    + nextStartTime);
            this.nextStartTime = nextStartTime;
            this.nextEndTime = nextEndTime;
        }

        public Instant nextStartTime() {
            return nextStartTime;
        }

        public Instant nextEndTime() {
            return nextEndTime;
        }
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

    /**
     * STOPPING: the stop is accepted and owed; it is retried until the platform confirms (the bot
     * is LEAVING meanwhile). STOPPED: the bot ended (DONE).
     */
    public enum StopResult { STOPPING, STOPPED, ALREADY_ENDED, NOT_FOUND }

    public record Stop(StopResult result, BotStatus status) {
    }

    private final BotStore bots;
    private final Admissions admissions;
    private final BotStops stops;
    private final DeploymentQueue queue;
    private final HybridPlatformService hybrid;
    private final CapacityLedger ledger;
    private final BotTokens tokens;
    private final CapacityReleasedPublisher capacityReleased;
    private final Policy policy;
    private final Clock clock;
    private final FleetViews views;
    private final CapacityCalendar calendar;
    private final StartupTimes startups;

    public BotDeploymentService(BotStore bots, Admissions admissions, BotStops stops, DeploymentQueue queue, HybridPlatformService hybrid,
                                CapacityLedger ledger, BotTokens tokens, CapacityReleasedPublisher capacityReleased,
                                CapacityCalendar calendar, StartupTimes startups, Policy policy, Clock clock) {
        this.calendar = calendar;
        this.startups = startups;
        this.bots = bots;
        this.admissions = admissions;
        this.stops = stops;
        this.queue = queue;
        this.hybrid = hybrid;
        this.ledger = ledger;
        this.tokens = tokens;
        this.capacityReleased = capacityReleased;
        this.policy = policy;
        this.clock = clock;
        this.views = new FleetViews(bots, queue, hybrid, ledger, policy.estimatedBotDuration(), clock);
    }

    /** What the read routes show: a bot, the capacity, the queue. */
    public FleetViews views() {
        return views;
    }

    /**
     * Admits the bot and, unless it starts later than the launch lead or due bots of the same
     * or better priority wait ahead of it, places it at once; what no platform takes waits in the
     * queue. Three statements when a platform takes it. A bot that starts at least the schedule
     * guarantee ahead is admitted with a reservation, from its launch to its end, or not at all
     * ({@link CapacityUnavailable}). Once admitted, the bot is always answered, whatever fails
     * later: the queue takes it from where it is, and the leases this request took are given back
     * on every path.
     */
    public DeployOutcome deploy(BotConfig config, String idempotencyKey) {
        String fingerprint = fingerprint(config);
        Instant now = clock.instant();
        Instant start = config.startTime();
        Duration lead = start == null ? Duration.ZERO : startups.lead();
        boolean scheduled = start != null && start.isAfter(now.plus(lead));
        CapacityCalendar.Span reservation = start != null && !start.isBefore(now.plus(policy.scheduleGuarantee()))
                ? CapacityCalendar.Span.of(start.minus(lead), end(config)) : null;
        String requestKey = UUID.randomUUID().toString();
        String owner = scheduled ? null : "deploy-" + requestKey;
        Instant notBefore = scheduled ? start.minus(lead) : null;
        Admissions.Admission admission = new Admissions.Admission(notBefore, policy.queueTimeout(), owner, policy.lease(),
                requestKey, hybrid.limits(), reservation);
        Admissions.Admitted admitted;
        try {
            admitted = admitRepeatedly(() -> admissions.admit(config, idempotencyKey, fingerprint, admission));
        } catch (Admissions.NoUnitFree refused) {
            throw unavailable(config, reservation);
        }
        if (admitted == null) {
            return replay(config, idempotencyKey, fingerprint);
        }
        long id = admitted.id();
        Log.info("bot.admitted", Map.of("botId", id, "scheduled", scheduled, "reserved", reservation != null,
                "leased", admitted.leased()));
        boolean leaseLeft = admitted.leased(); // recording or ending the bot deletes its entry, lease and all
        try {
            if (!admitted.leased()) {
                if (admitted.overtaken()) {
                    // it waits behind due bots while a platform has room: the drain serves them first
                    capacityReleased.capacityReleased(hybrid.platforms().get(0).name());
                }
                return queued(id, false);
            }
            Bot bot = new Bot(id, config, BotStatus.QUEUED, null, null, null, now, null, null, null, 0, null);
            Placement placement = hybrid.place(List.of(bot), owner, Budget.forRequest());
            leaseLeft = placement.deployed().isEmpty() && placement.failed().isEmpty();
            if (!placement.deployed().isEmpty()) {
                BotStore.Deployment d = placement.deployed().get(0);
                return new DeployOutcome(id, BotStatus.DEPLOYING, d.platform(), d.identifier(), null, null, null, false);
            }
            if (!placement.pinned().isEmpty()) {
                // the platform did not answer in time; the drain finds out there whether it started
                return new DeployOutcome(id, BotStatus.DEPLOYING, placement.pinned().get(0).platform(), null, null, null,
                        "the platform did not answer in time; the deploy is being confirmed", false);
            }
            return queued(id, false);
        } catch (RuntimeException e) {
            Log.error("bot.deploy_incomplete", Map.of("botId", id), e);
            return accepted(id);
        } finally {
            if (leaseLeft) {
                queue.releaseLeases(owner);
            }
        }
    }

    /** When a scheduled bot ends: its end time, or its start plus the estimated duration. */
    private Instant end(BotConfig config) {
        return config.endTime() != null ? config.endTime() : config.startTime().plus(policy.estimatedBotDuration());
    }

    /** The refusal of a reservation, with the same bot's times in the next window with a unit free, its tenant's too. */
    private CapacityUnavailable unavailable(BotConfig config, CapacityCalendar.Span refused) {
        Log.info("bot.refused", Map.of("reason", "capacity-unavailable"));
        return calendar.nextFree(refused, config.tenant()).map(next -> {
            Duration shift = Duration.between(refused.from(), next.from());
            return new CapacityUnavailable(config.startTime().plus(shift), end(config).plus(shift));
        }).orElseGet(() -> new CapacityUnavailable(null, null));
    }

    /**
     * The admission, repeated when its statement fails: the request key makes a repeat find the
     * bot a failed-but-committed run made, so a lost answer never leaves an unanswered bot behind.
     * A reservation that does not fit is an answer, not a failure: it is not repeated.
     */
    private static Admissions.Admitted admitRepeatedly(java.util.function.Supplier<Admissions.Admitted> admit) {
        for (int attempt = 1; ; attempt++) {
            try {
                return admit.get();
            } catch (Admissions.NoUnitFree e) {
                throw e;
            } catch (RuntimeException e) {
                if (attempt == ADMIT_ATTEMPTS) {
                    throw e;
                }
                try {
                    Thread.sleep(20L << attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static final int ADMIT_ATTEMPTS = 5;

    /** The answer for an admitted bot when reading where it is failed: accepted, and the queue's to place. */
    private DeployOutcome accepted(long id) {
        try {
            return queued(id, false);
        } catch (RuntimeException e) {
            return new DeployOutcome(id, BotStatus.QUEUED, null, null, null, null,
                    "accepted; its placement continues from the queue", false);
        }
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
                views.estimateWait(entry), null, replay);
    }


    /**
     * Stops a bot, in one statement decided on the bot as it is then: a queued one leaves the
     * queue and ends DONE; one that may run goes LEAVING and its platform is owed a stop, which
     * is tried at once and, if the platform cannot confirm it yet, retried by the drain until it
     * does. The bot's unit is released (DONE) when the stop is confirmed.
     */
    public Stop stop(long id) {
        BotStops.Stopped stopped = stops.stop(id);
        if (stopped == null) {
            return new Stop(StopResult.NOT_FOUND, null);
        }
        if (stopped.previous().isTerminal()) {
            return new Stop(StopResult.ALREADY_ENDED, stopped.status());
        }
        if (stopped.status() == BotStatus.DONE) {
            return new Stop(StopResult.STOPPED, BotStatus.DONE);
        }
        if (stopped.owed() != null) {
            try {
                if (!hybrid.followUps().settle(List.of(stopped.owed()), Budget.forRequest()).isEmpty()) {
                    return new Stop(StopResult.STOPPED, BotStatus.DONE);
                }
            } catch (RuntimeException e) {
                Log.warn("bot.stop_deferred", Map.of("botId", id), e);
            }
        }
        return new Stop(StopResult.STOPPING, stopped.status());
    }

    /** ENDED: the bot is DONE or FATAL, so its token no longer opens its configuration. */
    public enum ConfigResult { ACCEPTED, UNAUTHORIZED, NOT_FOUND, ENDED }

    /** What the bot's own config route answers: its config (only when ACCEPTED), once its token is checked. */
    public record OwnConfig(ConfigResult result, BotStatus status, BotConfig config) {
    }

    /**
     * The bot's configuration, for the bot itself (its token), so its secrets stay out of its
     * container's spec. The token lives as long as the container's spec that carries it (an ECS
     * override, a Coolify environment), so it opens the meeting's password only while the bot has
     * not ended; that is decided on the same read that returns the config, so a bot that ends
     * between two reads cannot slip through.
     */
    public OwnConfig ownConfig(long id, String token) {
        if (!tokens.isValid(id, token)) {
            return new OwnConfig(ConfigResult.UNAUTHORIZED, null, null);
        }
        Bot bot = bots.find(id);
        if (bot == null) {
            return new OwnConfig(ConfigResult.NOT_FOUND, null, null);
        }
        return bot.status().isTerminal() ? new OwnConfig(ConfigResult.ENDED, bot.status(), null)
                : new OwnConfig(ConfigResult.ACCEPTED, bot.status(), bot.config());
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

    /**
     * A unit came free: its follow-ups (the pooled resource's release, the announcement) are done
     * now; if that fails they stay owed and the drain does them. When a stop is still owed for the
     * bot, the drain does the stop first.
     */
    private void afterTransition(long id, BotStore.Transition t) {
        if (t.releasedPlatform() == null || t.stopOwed()) {
            return;
        }
        try {
            hybrid.followUps().settle(List.of(PlatformReleases.Release.of(id, t.releasedPlatform())), Budget.forRequest());
        } catch (RuntimeException e) {
            Log.warn("release.settle_failed", Map.of("botId", id), e);
        }
    }

    /** What tells a retry from another request under the same Idempotency-Key: a hash of every field of it. */
    private static String fingerprint(BotConfig config) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(BotJson.canonical(config).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
