package io.botfleet.testing;

import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A fleet's worth of traffic against several service instances at once, for the stress tests:
 * clients that deploy (with and without an Idempotency-Key) and retry on errors as real clients
 * do, some stopping their bot a moment later, often while its deploy call runs; bots that call
 * back, sometimes twice or out of order, and finish; drainers looping. Afterwards it lets time
 * pass until nothing is left to do, and lists every promise that was broken.
 */
public final class FleetWorkload {

    /** How much traffic, and how unruly. */
    public record Config(int bots, int clients, double withKey, double stops, boolean disorderlyCallbacks, long seed) {
    }

    private final Config config;
    private final List<Services> instances;
    private final FakeFleet fleet;
    private final List<FakePlatform> platforms;
    private final TestDatabase db;
    private final MutableClock clock;
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);
    private final Random random;
    private final Set<Long> told = ConcurrentHashMap.newKeySet();
    private final Map<Long, Instant> stopsAcknowledged = new ConcurrentHashMap<>();
    private final List<String> breaches = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger unanswered = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Mail> mailbox = new ArrayList<>();
    private final AtomicInteger turn = new AtomicInteger();
    private final AtomicInteger eventsDelivered = new AtomicInteger();
    private volatile boolean platformEvents;

    public FleetWorkload(Config config, List<Services> instances, List<FakePlatform> platforms, TestDatabase db,
                         MutableClock clock) {
        this.config = config;
        this.instances = instances;
        this.platforms = platforms;
        this.fleet = platforms.get(0).fleet();
        this.db = db;
        this.clock = clock;
        this.random = new Random(config.seed());
    }

    /**
     * These platforms announce every container that ends (as ECS task state change events), and
     * each announcement reaches the service 0 to 3 times, in any order, some of them late; and
     * the platforms now and then take a live container back (a Spot interruption).
     */
    public FleetWorkload withPlatformEvents(FakePlatform... announcing) {
        platformEvents = true;
        List.of(announcing).forEach(p -> p.announceEnds(e -> {
            int copies = copies();
            synchronized (mailbox) {
                for (int i = 0; i < copies; i++) {
                    mailbox.add(new Mail(e, turn.get() + (chance(0.3) ? 0 : nextInt(40))));
                }
            }
        }));
        return this;
    }

    /** One copy of an announcement, and the delivery turn from which it may arrive (late ones: up to 40 turns). */
    private record Mail(FakePlatform.ContainerEnded event, int due) {
    }

    /** How many platform events reached the service. */
    public int eventsDelivered() {
        return eventsDelivered.get();
    }

    /**
     * Runs the clients to the end, with two drainers, the bots and a monitor that checks
     * {@link #brokenNow} all along, each check one statement.
     */
    public void run(Map<String, Integer> limits) throws Exception {
        running.set(true);
        ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<?>> loops = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
            int n = d;
            loops.add(background.submit(() -> loop(() -> instance().hybrid()
                    .processQueue("drainer-" + n + "-" + System.nanoTime(), Duration.ofSeconds(2)))));
        }
        loops.add(background.submit(() -> loop(this::botsCallBack)));
        if (platformEvents) {
            loops.add(background.submit(() -> loop(() -> deliverEvents(false))));
        }
        loops.add(background.submit(() -> loop(() -> breaches.addAll(brokenNow(limits)))));
        ExecutorService clients = Executors.newFixedThreadPool(config.clients());
        try {
            List<Future<?>> requests = new ArrayList<>();
            for (int i = 0; i < config.bots(); i++) {
                int n = i;
                requests.add(clients.submit(() -> client(n)));
            }
            for (Future<?> request : requests) {
                request.get(120, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get(60, TimeUnit.SECONDS);
            }
            background.shutdownNow();
        }
    }

    /**
     * With faults over: time moves on a minute at a time (leases, graces and backoffs run out),
     * a drain runs and every live bot finishes, until nothing is left. Returns the passes it took.
     */
    public int settle(Services drainer) {
        for (int pass = 1; pass <= 100; pass++) {
            deliverEvents(true); // what was still on its way arrives, after everything else
            clock.advance(Duration.ofMinutes(1));
            drainer.hybrid().processQueue("settle-" + pass, Duration.ofSeconds(30));
            for (long id : fleet.live()) {
                platforms.forEach(p -> p.exit(id));
                report(drainer, id, BotStatus.DONE);
            }
            if (fleet.live().isEmpty() && db.count("""
                    SELECT (SELECT count(*) FROM bots WHERE status NOT IN ('DONE', 'FATAL'))
                         + (SELECT count(*) FROM platform_releases) + (SELECT count(*) FROM deployment_queue)
                         + (SELECT sum(used) FROM platform_capacity) AS n""") == 0) {
                return pass;
            }
        }
        return -1;
    }

    /** What keeps the fleet from being quiet: bots not ended, releases owed, queue entries, units in use. */
    public String leftovers() {
        return db.text("""
                SELECT concat_ws('; ',
                  (SELECT 'bots ' || string_agg(id || ' ' || status || coalesce('/' || status_reason, ''), ', ')
                   FROM bots WHERE status NOT IN ('DONE', 'FATAL')),
                  (SELECT 'releases ' || string_agg(bot_id || ' on ' || platform || CASE WHEN stop_owed THEN ' (stop)' ELSE '' END, ', ')
                   FROM platform_releases),
                  (SELECT 'entries ' || string_agg(bot_id || ' ' || status, ', ') FROM deployment_queue),
                  (SELECT 'used ' || string_agg(platform || '=' || used, ', ') FROM platform_capacity WHERE used > 0),
                  'live ' || :live) AS s""".replace(":live", "'" + fleet.live() + "'"));
    }

    /** The promises that must hold at every moment, each checked in one statement. */
    public List<String> brokenNow(Map<String, Integer> limits) {
        List<String> broken = new ArrayList<>();
        long drift = db.count("""
                SELECT count(*) AS n FROM platform_capacity c
                WHERE c.used <> (SELECT count(*) FROM bots b WHERE b.capacity_platform = c.platform)""");
        if (drift > 0) {
            broken.add("ledger drift on " + drift + " platform(s)");
        }
        String over = limits.entrySet().stream()
                .map(e -> "(platform = '" + e.getKey() + "' AND used > " + e.getValue() + ")").collect(Collectors.joining(" OR "));
        if (db.count("SELECT count(*) AS n FROM platform_capacity WHERE " + over) > 0) {
            broken.add("a platform's ledger above its limit");
        }
        long endedInQueue = db.count("""
                SELECT count(*) AS n FROM deployment_queue q JOIN bots b ON b.id = q.bot_id WHERE b.status IN ('DONE', 'FATAL')""");
        if (endedInQueue > 0) {
            broken.add(endedInQueue + " queue row(s) of ended bots");
        }
        long lost = db.count("""
                SELECT count(*) AS n FROM bots b WHERE b.status = 'QUEUED'
                  AND NOT EXISTS (SELECT 1 FROM deployment_queue q WHERE q.bot_id = b.id)""");
        if (lost > 0) {
            broken.add(lost + " QUEUED bot(s) without a queue row");
        }
        return broken;
    }

    /** Everything broken during the run and at its end. */
    public List<String> brokenPromises(Map<String, Integer> limits) {
        List<String> broken = new ArrayList<>(breaches.stream().distinct().toList());
        broken.addAll(fleet.breaches());
        broken.addAll(brokenNow(limits));
        if (!fleet.live().isEmpty()) {
            broken.add("containers left running: " + fleet.live());
        }
        if (unanswered.get() > 0) {
            broken.add(unanswered.get() + " request(s) never answered");
        }
        long notEnded = db.count("SELECT count(*) AS n FROM bots WHERE status NOT IN ('DONE', 'FATAL')");
        long fatalWithoutReason = db.count("SELECT count(*) AS n FROM bots WHERE status = 'FATAL' AND status_reason IS NULL");
        long owed = db.count("SELECT count(*) AS n FROM platform_releases");
        long queued = db.count("SELECT count(*) AS n FROM deployment_queue");
        long used = db.count("SELECT sum(used) AS n FROM platform_capacity");
        if (notEnded + fatalWithoutReason + owed + queued + used > 0) {
            broken.add("stuck: " + notEnded + " bots not ended, " + fatalWithoutReason + " FATAL without a reason, "
                    + owed + " releases owed, " + queued + " queue rows, " + used + " units used");
        }
        long bots = db.count("SELECT count(*) AS n FROM bots");
        if (bots < told.size()) {
            broken.add("accepted bots missing: told " + told.size() + ", stored " + bots);
        }
        List<Long> untoldStarted = fleet.starts().keySet().stream().filter(id -> !told.contains(id)).toList();
        if (!untoldStarted.isEmpty()) {
            broken.add("bots nobody was told about were started: " + untoldStarted);
        }
        if (!stopsAcknowledged.isEmpty()) {
            String acked = stopsAcknowledged.entrySet().stream()
                    .map(e -> "(" + e.getKey() + ", timestamptz '" + e.getValue() + "')").collect(Collectors.joining(","));
            long deployedAfterStop = db.count("SELECT count(*) AS n FROM bots b JOIN (VALUES " + acked
                    + ") AS a(id, acked) ON a.id = b.id WHERE b.deploy_started_at > a.acked");
            if (deployedAfterStop > 0) {
                broken.add(deployedAfterStop + " bot(s) claimed for a deploy after their stop was acknowledged");
            }
        }
        return broken;
    }

    public int told() {
        return told.size();
    }

    public int stops() {
        return stopsAcknowledged.size();
    }

    private void client(int n) {
        BotConfig config = Fixtures.config();
        String key = chance(this.config.withKey()) ? "key-" + this.config.seed() + "-" + n : null;
        Long id = null;
        for (int attempt = 0; attempt < 10 && id == null; attempt++) {
            try {
                id = instance().deployments().deploy(config, key).botId();
                told.add(id);
            } catch (RuntimeException e) {
                pause(5); // a 5xx: the client tries again; without a key that asks for a new bot
            }
        }
        if (id == null) {
            unanswered.incrementAndGet();
            return;
        }
        if (!chance(this.config.stops())) {
            return;
        }
        pause(nextInt(40)); // often lands while the deploy call runs
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                instance().deployments().stop(id);
                stopsAcknowledged.put(id, clock.instant());
                return;
            } catch (RuntimeException e) {
                pause(5);
            }
        }
        unanswered.incrementAndGet();
    }

    /** Live bots call back: they join, sometimes twice, and some finish; disorderly ones also report late. */
    private void botsCallBack() {
        for (long id : fleet.live()) {
            double draw = nextDouble();
            Services through = instance();
            if (platformEvents && draw < 0.2) {
                // the platform takes the container back: before the bot joined, it goes back to the queue
                platforms.forEach(p -> p.end(id, io.botfleet.platform.PlatformStatus.reclaimed("SpotInterruption")));
            } else if (draw < (platformEvents ? 0.35 : 0.3)) {
                report(through, id, BotStatus.IN_CALL);
                if (config.disorderlyCallbacks() && chance(0.3)) {
                    report(through, id, BotStatus.JOINING_CALL); // out of order: refused, changes nothing
                }
            } else if (draw < 0.5) {
                platforms.forEach(p -> p.exit(id));
                report(through, id, BotStatus.DONE);
                if (config.disorderlyCallbacks() && chance(0.3)) {
                    report(through, id, chance(0.5) ? BotStatus.DONE : BotStatus.IN_CALL); // a duplicate, a late one
                }
            }
        }
    }

    /**
     * The announcements due by this turn, in a random order, each through a random instance and
     * all at once, as concurrent Lambda invocations; later ones wait. With {@code all}, every one.
     */
    private void deliverEvents(boolean all) {
        List<FakePlatform.ContainerEnded> now = new ArrayList<>();
        int current = turn.incrementAndGet();
        synchronized (mailbox) {
            java.util.Collections.shuffle(mailbox, random);
            for (var it = mailbox.iterator(); it.hasNext(); ) {
                Mail mail = it.next();
                if (all || mail.due() <= current) {
                    now.add(mail.event());
                    it.remove();
                }
            }
        }
        try (ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor()) { // concurrent invocations
            for (FakePlatform.ContainerEnded e : now) {
                Services through = instance();
                handlers.submit(() -> {
                    try {
                        through.hybrid().containerEnded(e.botId(), e.platform(), e.identifier(), e.status());
                        eventsDelivered.incrementAndGet();
                    } catch (RuntimeException failed) {
                        synchronized (mailbox) {
                            mailbox.add(new Mail(e, current + 1)); // the handler failed: EventBridge delivers it again
                        }
                    }
                });
            }
        }
    }

    /** 0 (lost: the reconcile must find out), 1, 2 or 3 copies of one announcement. */
    private int copies() {
        double draw = nextDouble();
        return draw < 0.15 ? 0 : draw < 0.6 ? 1 : draw < 0.85 ? 2 : 3;
    }

    /** A bot's callback, retried as bots retry them. */
    private void report(Services through, long id, BotStatus status) {
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                through.deployments().report(id, tokens.tokenFor(id), status, null);
                return;
            } catch (RuntimeException e) {
                pause(2);
            }
        }
    }

    private void loop(Runnable work) {
        while (running.get()) {
            try {
                work.run();
            } catch (RuntimeException e) {
                // an injected fault: the next turn goes on from what the database says
            }
            pause(5);
        }
    }

    private Services instance() {
        return instances.get(nextInt(instances.size()));
    }

    private boolean chance(double p) {
        return nextDouble() < p;
    }

    private double nextDouble() {
        synchronized (random) {
            return random.nextDouble();
        }
    }

    private int nextInt(int bound) {
        synchronized (random) {
            return random.nextInt(bound);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
