package io.botfleet.bench;

import io.botfleet.bot.BotStatus;
import io.botfleet.platform.HybridPlatformService;
import io.botfleet.platform.HybridPlatformService.DrainReport;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Deploy and drain throughput, and SQL statements per bot, on one embedded PostgreSQL 17 with
 * instant fake platforms. Build with {@code mvn -q -DskipTests package}, then run
 * {@code java -cp functions/target/botfleet.jar io.botfleet.bench.DrainBenchmark}.
 * Only figures go to stdout; the service's INFO log lines are built as usual but dropped (see
 * {@link QuietLog}). Exits 1 when a bot was not started exactly once or the queue is not empty.
 */
public final class DrainBenchmark {
    private static final int IMMEDIATE_BOTS = 500;
    private static final int DRAINED_BOTS = 2_000;
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
    private final List<String> problems = new ArrayList<>();
    private int databases;

    private DrainBenchmark(EmbeddedPostgres postgres, PrintStream out) {
        this.postgres = postgres;
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        PrintStream figures = System.out;
        QuietLog log = new QuietLog();
        System.setOut(log);
        Path dataDirectory = Files.createTempDirectory("botfleet-bench-");
        boolean passed = false;
        // fsync off: the figures are about statements and CPU, not about this machine's disk
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setDataDirectory(dataDirectory)
                .setCleanDataDirectory(true).setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off").start()) {
            passed = new DrainBenchmark(postgres, figures).run(log);
        } catch (RuntimeException e) {
            e.printStackTrace();
        } finally { // zonky deletes it on close too; this also covers a failed start
            if (Files.exists(dataDirectory)) {
                try (Stream<Path> paths = Files.walk(dataDirectory)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        System.exit(passed ? 0 : 1);
    }

    private boolean run(QuietLog log) {
        out.println("== botfleet drain benchmark ==");
        out.printf(Locale.ROOT, "embedded PostgreSQL %s (fsync=off), pool of 2 connections, JVM %s, %d cores%n",
                BenchFleet.serverVersion(postgres), Runtime.version(), Runtime.getRuntime().availableProcessors());
        out.println("platforms: k8s then aws, both instant fakes; statements counted by CountingSql");
        out.println("warm-up for the JIT: 300 bots queued and drained, batched and one by one (figures not reported)");
        drain(300, DRAIN_BATCH_SIZE, null);
        drain(300, 1, null);

        Timed immediate = immediate();
        Timed batched = drain(DRAINED_BOTS, DRAIN_BATCH_SIZE, "[2] drained bots, DRAIN_BATCH_SIZE=" + DRAIN_BATCH_SIZE);
        Timed baseline = drain(DRAINED_BOTS, 1, "[3] baseline: the same drain with DRAIN_BATCH_SIZE=1 (one bot per round: a queue claim, a ledger claim and a record for each bot, as a one-at-a-time drain does)");

        out.printf(Locale.ROOT, "%n== result ==%n");
        out.printf(Locale.ROOT, "drain rate, batched / baseline: %.0f / %.0f bots/s = %.1fx (immediate deploys: %.0f bots/s)%n",
                batched.rate(), baseline.rate(), batched.rate() / baseline.rate(), immediate.rate());
        out.printf(Locale.ROOT, "service INFO log lines built and dropped: %d%n", log.dropped.get());
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
                IMMEDIATE_BOTS, IMMEDIATE_BOTS);
        try (BenchFleet fleet = new BenchFleet(postgres, "bench_" + (++databases), IMMEDIATE_BOTS, IMMEDIATE_BOTS,
                DRAIN_BATCH_SIZE)) {
            long statements = fleet.statements();
            long start = System.nanoTime();
            for (int i = 0; i < IMMEDIATE_BOTS; i++) {
                fleet.deploy("immediate-" + i, BotStatus.DEPLOYING);
            }
            Timed t = new Timed(IMMEDIATE_BOTS, fleet.statements() - statements, System.nanoTime() - start);
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
     * title is the warm-up: only the check is printed. Returns the drain phase's figures.
     */
    private Timed drain(int bots, int batchSize, String title) {
        try (BenchFleet fleet = new BenchFleet(postgres, "bench_" + (++databases), bots / 2, bots - bots / 2, batchSize)) {
            List<Long> fillers = new ArrayList<>();
            for (int i = 0; i < bots; i++) {
                fillers.add(fleet.deploy("filler-" + i, BotStatus.DEPLOYING));
            }
            long statements = fleet.statements();
            long start = System.nanoTime();
            for (int i = 0; i < bots; i++) {
                fleet.deploy("queued-" + i, BotStatus.QUEUED);
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

    /**
     * Stands in for stdout during the run: io.botfleet.Log still builds every JSON line (that cost
     * stays in the figures), but INFO lines are counted and dropped instead of written; anything
     * else (WARN, ERROR) goes on to stderr, so nothing unusual is hidden.
     */
    private static final class QuietLog extends PrintStream {
        private final AtomicLong dropped = new AtomicLong();

        QuietLog() {
            super(System.err, true);
        }

        @Override
        public void println(Object line) { // Log prints its JSON node through this overload
            String text = String.valueOf(line);
            if (text.startsWith("{\"time\"") && text.contains("\"level\":\"INFO\"")) {
                dropped.incrementAndGet();
            } else {
                super.println(text);
            }
        }
    }
}
