package io.botfleet.testing;

import io.botfleet.bot.Bot;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployResult;
import io.botfleet.platform.PlatformService;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.platform.SeenContainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A platform that runs nothing but keeps the books a real one would show (through its
 * {@link FakeFleet}): which bots are live, how often each was started, any limit exceeded.
 *
 * <p>Like a real platform it finds a live container by the bot's deterministic name, so repeating
 * a deploy after it finished starts nothing new. Like the weakest real one, it does not
 * deduplicate two concurrent deploys of one bot: both start a container, and the fleet records
 * the breach. Each deploy follows the next scripted {@link Behavior}, else the default one.
 */
public final class FakePlatform implements PlatformService {

    /** What one deploy call does. {@code start} starts the container and answers its identifier. */
    @FunctionalInterface
    public interface Behavior {
        String deploy(Bot bot, Supplier<String> start) throws PlatformDeployError;
    }

    private final String name;
    private final FakeFleet fleet;
    private final int limit;
    private final Queue<Behavior> script = new ConcurrentLinkedQueue<>();
    private final Map<Long, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> startCounts = new ConcurrentHashMap<>();
    private final AtomicInteger peak = new AtomicInteger();
    private final List<Long> releases = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger stopFailures = new AtomicInteger();
    private final AtomicInteger findFailures = new AtomicInteger();
    private final AtomicInteger releaseFailures = new AtomicInteger();
    private volatile Supplier<Behavior> defaults = () -> ok();
    private volatile java.util.Random random = new java.util.Random(0);
    private volatile double[] flakiness = {0, 0, 0};
    private volatile boolean listing;
    private volatile boolean statusUnknown;
    private final Map<Long, PlatformStatus> endings = new ConcurrentHashMap<>();
    private final AtomicInteger listFailures = new AtomicInteger();
    private final Map<Long, String> containers = new ConcurrentHashMap<>();
    private volatile boolean taskNames;
    private volatile Consumer<ContainerEnded> ends = e -> { };

    /** What the platform announces when a container ends, as ECS sends a task state change event. */
    public record ContainerEnded(long botId, String platform, String identifier, PlatformStatus status) {
    }

    public FakePlatform(String name) {
        this(name, new FakeFleet(), 0);
    }

    /** A platform of a shared fleet; {@code limit} > 0 makes the fleet record any excess. */
    public FakePlatform(String name, FakeFleet fleet, int limit) {
        this.name = name;
        this.fleet = fleet;
        this.limit = limit;
    }

    // --- behaviors -------------------------------------------------------------------------

    public static Behavior ok() {
        return (bot, start) -> start.get();
    }

    /** A definite failure: nothing starts. */
    public Behavior fail(PlatformDeployError.Kind kind) {
        return (bot, start) -> {
            throw new PlatformDeployError(kind, name, "told to fail with " + kind);
        };
    }

    /** Starts the container, then the answer is lost in an unchecked exception. */
    public static Behavior startThenThrow(RuntimeException e) {
        return (bot, start) -> {
            start.get();
            throw e;
        };
    }

    /** Starts the container, then takes {@code millis} to answer (a caller's timeout fires first). */
    public static Behavior startThenHang(long millis) {
        return (bot, start) -> {
            String id = start.get();
            sleep(millis);
            return id;
        };
    }

    /** Takes {@code millis}, then starts: a request that reached the platform lands even if the caller gave up. */
    public static Behavior slowStart(long millis) {
        return (bot, start) -> {
            sleep(millis);
            return start.get();
        };
    }

    /** Takes {@code millis} and starts nothing: a timed-out call that had no effect. */
    public Behavior hang(long millis) {
        return (bot, start) -> {
            sleep(millis);
            throw new PlatformDeployError(PlatformDeployError.Kind.TRANSIENT, name, "hung for " + millis + " ms");
        };
    }

    /** Takes {@code millis}, then fails for sure. */
    public Behavior slowFail(long millis, PlatformDeployError.Kind kind) {
        return (bot, start) -> {
            sleep(millis);
            throw new PlatformDeployError(kind, name, "told to fail with " + kind + " after " + millis + " ms");
        };
    }

    /** Counts down {@code entered} when the call arrives, then does what {@code then} does. */
    public static Behavior entering(CountDownLatch entered, Behavior then) {
        return (bot, start) -> {
            entered.countDown();
            return then.deploy(bot, start);
        };
    }

    /** Waits for the test, then does what {@code then} does. */
    public static Behavior await(CountDownLatch latch, Behavior then) {
        return (bot, start) -> {
            try {
                if (!latch.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the call");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return then.deploy(bot, start);
        };
    }

    /** The next deploys follow these behaviors, in order; then the default again. */
    public FakePlatform then(Behavior... behaviors) {
        script.addAll(List.of(behaviors));
        return this;
    }

    /** Every deploy without a scripted behavior follows one from {@code behaviors}. */
    public FakePlatform byDefault(Supplier<Behavior> behaviors) {
        this.defaults = behaviors;
        return this;
    }

    /** Every deploy fails with this kind from now on; null to succeed again. */
    public FakePlatform failing(PlatformDeployError.Kind kind) {
        Behavior failure = kind == null ? ok() : fail(kind);
        return byDefault(() -> failure);
    }

    /** Each deploy takes this long before it starts the container, as a real platform call would. */
    public FakePlatform slow(long millis) {
        Behavior slow = millis == 0 ? ok() : slowStart(millis);
        return byDefault(() -> slow);
    }

    /** Stops, lookups and releases fail at random with these chances (a 503), from now on. */
    public FakePlatform flaky(java.util.Random random, double stops, double finds, double releases) {
        this.random = random;
        this.flakiness = new double[] {stops, finds, releases};
        return this;
    }

    private boolean flakes(int which) {
        double chance = flakiness[which];
        if (chance == 0) {
            return false;
        }
        synchronized (random) {
            return random.nextDouble() < chance;
        }
    }

    public FakePlatform failStops(int times) {
        stopFailures.set(times);
        return this;
    }

    /** Takes part in the reconcile by listing its live containers; off by default, as for a platform that cannot list. */
    public FakePlatform listing() {
        listing = true;
        return this;
    }

    /** Every status lookup fails (throttled): the answer is UNKNOWN. */
    public FakePlatform statusUnknown(boolean unknown) {
        statusUnknown = unknown;
        return this;
    }

    public FakePlatform failLists(int times) {
        listFailures.set(times);
        return this;
    }

    public FakePlatform failFinds(int times) {
        findFailures.set(times);
        return this;
    }

    public FakePlatform failReleases(int times) {
        releaseFailures.set(times);
        return this;
    }

    /**
     * Each claim's container gets an identifier of its own ({@code aws-7-2}: bot 7, its second
     * claim), as ECS task ARNs are, and a deploy finds a live container only of the same claim, as
     * RunTask's client token does; otherwise the bot's name is the identifier, as for a Job.
     */
    public FakePlatform taskNames() {
        taskNames = true;
        return this;
    }

    /** Every container that ends (exits, is stopped, or is taken back) is announced here. */
    public FakePlatform announceEnds(Consumer<ContainerEnded> listener) {
        ends = listener;
        return this;
    }

    // --- the platform ----------------------------------------------------------------------

    @Override
    public String platformName() {
        return name;
    }

    @Override
    public PlatformDeployResult deployBot(Bot bot) throws PlatformDeployError {
        calls.computeIfAbsent(bot.id(), id -> new AtomicInteger()).incrementAndGet();
        // the name is looked up when the call arrives: a concurrent call for the same bot is not seen.
        // With task names a repeat is found only within the same claim, as ECS's client token does.
        String container = taskNames ? name + "-" + bot.id() + "-" + bot.deployAttempts() : name + "-" + bot.id();
        boolean found = fleet.isLive(name, bot.id()) && (!taskNames || container.equals(containers.get(bot.id())));
        Behavior behavior = script.poll();
        if (behavior == null) {
            behavior = defaults.get();
        }
        return new PlatformDeployResult(behavior.deploy(bot, () -> {
            if (found) {
                return identifier(bot.id()); // found by its name, not started again
            }
            startCounts.computeIfAbsent(bot.id(), id -> new AtomicInteger()).incrementAndGet();
            containers.put(bot.id(), container);
            fleet.started(name, bot.id(), bot.config().tenant(), limit);
            peak.accumulateAndGet(fleet.live(name).size(), Math::max);
            return identifier(bot.id());
        }));
    }

    /** Stops by the bot's name; the identifier, when known, names the same container. */
    @Override
    public void stopBot(long botId, String identifier) throws PlatformDeployError {
        if (stopFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0 || flakes(0)) {
            throw new PlatformDeployError(PlatformDeployError.Kind.TRANSIENT, name, "stop refused (503)");
        }
        ended(botId, PlatformStatus.STOPPED);
    }

    @Override
    public Optional<String> findBot(long botId) throws PlatformDeployError {
        if (findFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0 || flakes(1)) {
            throw new PlatformDeployError(PlatformDeployError.Kind.TRANSIENT, name, "list refused (503)");
        }
        return fleet.isLive(name, botId) ? Optional.of(identifier(botId)) : Optional.empty();
    }

    @Override
    public Optional<List<SeenContainer>> listBots() throws PlatformDeployError {
        if (!listing) {
            return Optional.empty();
        }
        if (listFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new PlatformDeployError(PlatformDeployError.Kind.TRANSIENT, name, "list refused (503)");
        }
        return Optional.of(fleet.live(name).stream().map(id -> new SeenContainer(id, identifier(id), PlatformStatus.RUNNING)).toList());
    }

    @Override
    public void releaseBot(long botId) throws PlatformDeployError {
        if (releaseFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0 || flakes(2)) {
            throw new PlatformDeployError(PlatformDeployError.Kind.TRANSIENT, name, "release refused (503)");
        }
        releases.add(botId);
    }

    @Override
    public PlatformStatus getBotStatus(String identifier) {
        if (statusUnknown) {
            return PlatformStatus.unknown("status lookups throttled (429)");
        }
        long botId = botId(identifier);
        return fleet.isLive(name, botId) && identifier.equals(identifier(botId)) ? PlatformStatus.RUNNING
                : endings.getOrDefault(botId, PlatformStatus.STOPPED);
    }

    // --- the books -------------------------------------------------------------------------

    /** The container exits by itself (the caller then reports DONE for it). */
    public boolean exit(long botId) {
        return ended(botId, PlatformStatus.STOPPED);
    }

    /** A container of a bot this platform was never asked to run (left over from elsewhere). */
    public void leftover(long botId) {
        fleet.started(name, botId, null, 0);
    }

    /** The container ends as the platform then reports it (a Spot interruption, a crash with its reason). */
    public void end(long botId, PlatformStatus how) {
        if (how.capacityReclaimed() && fleet.isLive(name, botId)) {
            fleet.reclaimed(botId); // the bot may be started again
        }
        ended(botId, how);
    }

    private boolean ended(long botId, PlatformStatus how) {
        String identifier = identifier(botId);
        if (!fleet.stopped(name, botId)) {
            return false;
        }
        endings.put(botId, how);
        ends.accept(new ContainerEnded(botId, name, identifier, how));
        return true;
    }

    public List<Long> live() {
        return fleet.live(name);
    }

    public FakeFleet fleet() {
        return fleet;
    }

    /** How many containers this platform started per bot. */
    public Map<Long, Integer> starts() {
        Map<Long, Integer> mine = new java.util.HashMap<>();
        startCounts.forEach((id, n) -> mine.put(id, n.get()));
        return mine;
    }

    /** The most containers live on this platform at once. */
    public int peak() {
        return peak.get();
    }

    /** Deploy calls made per bot, whether or not they started anything. */
    public int calls(long botId) {
        AtomicInteger n = calls.get(botId);
        return n == null ? 0 : n.get();
    }

    /** The bots whose pooled resource was given back, in order. */
    public List<Long> releases() {
        synchronized (releases) {
            return List.copyOf(releases);
        }
    }

    private String identifier(long botId) {
        return containers.getOrDefault(botId, name + "-" + botId);
    }

    private long botId(String identifier) {
        String rest = identifier.substring(name.length() + 1);
        return Long.parseLong(rest.contains("-") ? rest.substring(0, rest.indexOf('-')) : rest);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
