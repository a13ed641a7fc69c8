package io.botfleet.bench;

import io.botfleet.bot.BotStatus;
import io.botfleet.platform.HybridPlatformService;
import io.botfleet.platform.HybridPlatformService.DrainReport;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Deploy and drain throughput, and SQL statements per bot, on one embedded PostgreSQL 17 with
 * instant fake platforms. Build with {@code mvn -DskipTests package}, then run
 * {@code java -cp functions/target/botfleet.jar io.botfleet.bench.DrainBenchmark}; arguments
 * {@code immediate=500 drained=2000 warmup=300 tenants=1} set the sizes (the test suite runs it tiny;
 * warmup=0 skips the warm-up; {@code tenants=5} spreads the drained backlog over five tenants of
 * weights 1 to 5, so the fair drain shares every round between them).
 * Only figures go to stdout; the service's INFO log lines are built as usual but dropped (see
 * {@link QuietLog}). Exits 1 when a bot was not started exactly once or the queue is not empty.
 */
public final class DrainBenchmark {
    private static final Map<String, String> SIZES = sizes();
    private static final int DRAIN_BATCH_SIZE = io.botfleet.config.Settings.MAX_DRAIN_BATCH_SIZE; // the setting's default
    /** What ProcessQueueHandler gives a drain without a Lambda context. */
    private static final Duration DRAIN_BUDGET = Duration.ofSeconds(60);

    /** Some bots, the statements they took, and the wall time. */
    private record Timed(int bots, long statements, long nanos) {
        double rate() {
            return bots / (nanos / 1e9);
        }

        double perBot() {
            return (double) statements / bots;
        }
    }

    private final EmbeddedPostgres postgres;
    private final PrintStream out;
    private final int immediateBots;
    private final int drainedBots;
    private final int warmupBots;
    private final int tenants;
    private final List<String> problems = new ArrayList<>();
    private int databases;

    private DrainBenchmark(EmbeddedPostgres postgres, PrintStream out, BenchArgs sizes) {
        this.postgres = postgres;
        this.out = out;
        this.immediateBots = sizes.integer("immediate");
        this.drainedBots = sizes.integer("drained");
        this.warmupBots = sizes.integer("warmup");
        this.tenants = Math.max(1, sizes.integer("tenants"));
    }

    private static Map<String, String> sizes() {
        Map<String, String> sizes = new LinkedHashMap<>();
        sizes.put("immediate", "500");
        sizes.put("drained", "2000");
        sizes.put("warmup", "300");
        sizes.put("tenants", "1");
        return sizes;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out) ? 0 : 1);
    }

    /** One whole run on an embedded PostgreSQL of its own, figures to {@code figures}; whether every check passed. */
    public static boolean run(String[] args, PrintStream figures) {
        return EmbeddedServer.runQuietly(args, SIZES, figures,
                (postgres, sizes, log) -> new DrainBenchmark(postgres, figures, sizes).run(log));
    }

    private boolean run(QuietLog log) {
        out.println("== botfleet drain benchmark ==");
        out.printf(Locale.ROOT, "embedded PostgreSQL %s (fsync=off), pool of 2 connections, JVM %s, %d cores%n",
                BenchFleet.serverVersion(postgres), Runtime.version(), Runtime.getRuntime().availableProcessors());
        out.println("platforms: k8s then aws, both instant fakes; statements counted by CountingSql");
        out.printf(Locale.ROOT, "drained backlog: %s%n", tenants == 1 ? "one tenant"
                : tenants + " tenants of weights 1 to " + tenants + ", the bots dealt out in turn");
        if (warmupBots > 0) {
            out.printf(Locale.ROOT, "warm-up for the JIT: %d bots queued and drained, batched and one by one (figures"
                    + " not reported)%n", warmupBots);
            drain(warmupBots, DRAIN_BATCH_SIZE, null);
            drain(warmupBots, 1, null);
        }

        Timed immediate = immediate();
        Timed batched = drain(drainedBots, DRAIN_BATCH_SIZE, "[2] drained bots, DRAIN_BATCH_SIZE=" + DRAIN_BATCH_SIZE);
        Timed baseline = drain(drainedBots, 1, "[3] baseline: the same drain with DRAIN_BATCH_SIZE=1 (one bot per round: a queue claim, a ledger claim and a record for each bot, as a one-at-a-time drain does)");

        out.printf(Locale.ROOT, "%n== result ==%n");
        out.printf(Locale.ROOT, "drain rate, batched / baseline: %.0f / %.0f bots/s = %.1fx (immediate deploys: %.0f bots/s)%n",
                batched.rate(), baseline.rate(), batched.rate() / baseline.rate(), immediate.rate());
        out.printf(Locale.ROOT, "service INFO log lines built and dropped: %d%n", log.dropped());
        if (problems.isEmpty()) {
            out.println("check: every bot started exactly once, no orphan stops, queue empty, ledger consistent: PASS");
            return true;
        }
        out.println("check: FAIL");
        problems.forEach(p -> out.println("  " + p));
        return false;
    }

    /** N deploys with capacity free: each should be placed at once, in three statements. */
    private Timed immediate() {
        out.printf(Locale.ROOT, "%n[1] immediate deploys, capacity free (k8s limit %d, aws limit %d)%n",
                immediateBots, immediateBots);
        try (BenchFleet fleet = new BenchFleet(postgres, "bench_" + (++databases), immediateBots, immediateBots,
                DRAIN_BATCH_SIZE)) {
            long statements = fleet.statements();
            long start = System.nanoTime();
            for (int i = 0; i < immediateBots; i++) {
                fleet.deploy("immediate-" + i, BotStatus.DEPLOYING);
            }
            Timed t = new Timed(immediateBots, fleet.statements() - statements, System.nanoTime() - start);
            out.printf(Locale.ROOT, "  %d deploys in %.2f s: %.0f bots/s%n", t.bots(), t.nanos() / 1e9, t.rate());
            out.printf(Locale.ROOT, "  SQL statements: %d = %.2f per immediate deploy (target <= 3)%s%n",
                    t.statements(), t.perBot(), verdict(t.perBot() <= 3));
            check("immediate", fleet);
            return t;
        }
    }

    /**
     * The limits add up to exactly {@code bots}. Filler bots take every unit, the measured bots are
     * deployed and queue, then the fillers report DONE (their units come back, as when real bots
     * end) and processQueue is called until the queue is drained. Only the processQueue calls'
     * statements are counted, so the fillers' callbacks are not billed to the drain. A null
     * title is the warm-up: only the check is printed. The queued bots are dealt out over the
     * tenants in turn, tenant {@code i} of weight {@code i} (set before the fill, uncounted).
     * Returns the drain phase's figures.
     */
    private Timed drain(int bots, int batchSize, String title) {
        try (BenchFleet fleet = new BenchFleet(postgres, "bench_" + (++databases), bots / 2, bots - bots / 2, batchSize)) {
            for (int t = 1; t <= tenants; t++) {
                fleet.services().tenants().put("tenant-" + t, t, null, 0);
            }
            List<Long> fillers = new ArrayList<>();
            for (int i = 0; i < bots; i++) {
                fillers.add(fleet.deploy("filler-" + i, BotStatus.DEPLOYING));
            }
            long statements = fleet.statements();
            long start = System.nanoTime();
            for (int i = 0; i < bots; i++) {
                fleet.deploy("queued-" + i, "tenant-" + (1 + i % tenants), BotStatus.QUEUED);
            }
            Timed queueing = new Timed(bots, fleet.statements() - statements, System.nanoTime() - start);
            fillers.forEach(fleet::finish);

            HybridPlatformService hybrid = fleet.services().hybrid();
            int drained = 0;
            int calls = 0;
            int rounds = 0;
            statements = fleet.statements();
            start = System.nanoTime();
            while (drained < bots) {
                DrainReport report = hybrid.processQueue("bench-drain-" + calls, DRAIN_BUDGET);
                calls++;
                rounds += report.rounds();
                drained += report.deployed() + report.failed();
                if (report.deployed() + report.failed() == 0) {
                    problems.add("batch " + batchSize + ": a drain call placed nothing with " + (bots - drained) + " left");
                    break;
                }
            }
            Timed t = new Timed(drained, fleet.statements() - statements, System.nanoTime() - start);
            if (title != null) {
                out.printf(Locale.ROOT, "%n%s%n  setup: %d filler bots take both limits (k8s %d, aws %d); %d bots deployed"
                        + " while full queue: %.0f bots/s, %.2f statements per queued deploy; the fillers then report"
                        + " DONE%n", title, bots, bots / 2, bots - bots / 2, bots, queueing.rate(), queueing.perBot());
                out.printf(Locale.ROOT, "  drain: %d bots in %.2f s: %.0f bots/s, %d processQueue calls, %d rounds%n",
                        t.bots(), t.nanos() / 1e9, t.rate(), calls, rounds);
                out.printf(Locale.ROOT, "  SQL statements (drain phase only): %d = %.3f per drained bot = %.1f per call%s%n",
                        t.statements(), t.perBot(), (double) t.statements() / calls, batchSize == 1 ? ""
                                : " (target <= 2 per bot + a constant per batch)" + verdict(t.perBot() <= 2));
            }
            check("batch " + batchSize, fleet);
            return t;
        }
    }

    private void check(String scenario, BenchFleet fleet) {
        List<String> found = fleet.verify();
        found.forEach(p -> problems.add(scenario + ": " + p));
        out.printf(Locale.ROOT, "  check (%s, %d bots): %s%n", scenario, fleet.botCount(),
                found.isEmpty() ? "each started exactly once, queue empty, ledger consistent" : "FAILED " + found);
    }

    private static String verdict(boolean met) {
        return met ? "  [met]" : "  [MISSED]";
    }
}
