package io.botfleet.bench;

import io.botfleet.functions.ApiHandler;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a request and a drain cost as the backlog and the history grow: for each queue size N, a
 * database filled in bulk with N waiting bots and its share of ended bots, every platform full,
 * and the median latency of each request users make most (through {@link ApiHandler}, as API
 * Gateway calls it), statements per request, and a drain; admission throughput at an empty queue
 * and at a large one; a webhook backlog after an outage, drained to a slow receiver; then each
 * figure's ratio from the smallest N to the largest. Build with {@code mvn -DskipTests package},
 * then run {@code java -cp functions/target/botfleet.jar io.botfleet.bench.ScaleBenchmark}, with
 * {@code name=value} arguments for the sizes (the test suite runs it tiny). Exits 1 when a check
 * fails (a fill the API does not see as filled, an unexpected answer, a webhook out of order).
 */
public final class ScaleBenchmark {
    private static final Map<String, String> SIZES = sizes();

    private final EmbeddedPostgres postgres;
    private final PrintStream out;
    private final BenchArgs args;
    private final ScaleTable table = new ScaleTable();
    private final List<String> problems = new ArrayList<>();
    private int databases;

    private ScaleBenchmark(EmbeddedPostgres postgres, PrintStream out, BenchArgs args) {
        this.postgres = postgres;
        this.out = out;
        this.args = args;
    }

    private static Map<String, String> sizes() {
        Map<String, String> sizes = new LinkedHashMap<>();
        sizes.put("queued", "1000,10000,100000");       // N, waiting bots, one database each
        sizes.put("history", "10000,100000,1000000");   // ended bots with each N
        sizes.put("admission-queue", "50000");          // admission measured at this queue (and at 0) in the largest N; 0 skips
        sizes.put("admission-instances", "4");
        sizes.put("admission-requests", "100");         // per instance
        sizes.put("units", "400");                      // platform capacity (k8s and aws halves): POSTs placed at once, bots drained
        sizes.put("samples", "30");                     // requests per latency figure
        sizes.put("warmup", "300");                     // N of an unreported first step, for the JIT; 0 skips
        sizes.put("webhooks", "100000");                // the backlog after the outage; 0 skips
        sizes.put("webhook-seconds", "120");            // the drain of the backlog stops after this long
        sizes.put("receiver-ms", "50");
        return sizes;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out) ? 0 : 1);
    }

    /** One whole run on an embedded PostgreSQL of its own, figures to {@code figures}; whether every check passed. */
    public static boolean run(String[] args, PrintStream figures) {
        return EmbeddedServer.runQuietly(args, SIZES, figures,
                (postgres, sizes, log) -> new ScaleBenchmark(postgres, figures, sizes).run(log));
    }

    private boolean run(QuietLog log) {
        long start = System.nanoTime();
        List<Integer> queued = args.integers("queued");
        List<Integer> history = args.integers("history");
        int largest = queued.stream().mapToInt(Integer::intValue).max().orElseThrow();
        int admissionQueue = args.integer("admission-queue");
        if (history.size() != queued.size() || admissionQueue > largest) {
            throw new IllegalArgumentException("history needs one size per queued size, and admission-queue at most"
                    + " the largest queued size");
        }
        ScaleStep.Options options = new ScaleStep.Options(args.integer("units"), args.integer("samples"),
                args.integer("admission-instances"), args.integer("admission-requests"));
        out.println("== botfleet scale benchmark ==");
        out.printf(Locale.ROOT, "embedded PostgreSQL %s (fsync=off) through the JDBC adapter (JdbcSql, HikariCP, 2"
                + " connections per function instance); JVM %s, %d cores%n", BenchFleet.serverVersion(postgres),
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        out.println("functions as production composes them (Services; ApiHandler for the HTTP routes, ProcessQueueHandler"
                + " for the drain); platforms k8s and aws are instant fakes; statements counted by CountingSql (each one a"
                + " round trip on the RDS Data API)");
        out.println("fill: bulk INSERT ... SELECT generate_series in the migrated schema, then VACUUM (ANALYZE); every"
                + " fill checked through GET /capacity and the last bot's queue position");
        out.println("arguments: " + args.describe());
        try (PrintStream silent = new PrintStream(OutputStream.nullOutputStream())) {
            int warmup = args.integer("warmup");
            if (warmup > 0) {
                out.printf(Locale.ROOT, "warm-up for the JIT: one step at N=%,d (not reported)%n", warmup);
                step(warmup, warmup * 10, 0, options, new ScaleTable(), silent);
            }
        }
        double fillSeconds = 0;
        ScaleStep.Admission admission = null;
        for (int i = 0; i < queued.size(); i++) {
            int n = queued.get(i);
            long stepStart = System.nanoTime();
            ScaleStep step = step(n, history.get(i), n == largest ? admissionQueue : 0, options, table, out);
            fillSeconds += step.fillSeconds();
            admission = step.admission() != null ? step.admission() : admission;
            out.printf(Locale.ROOT, "  step took %.0f s%n", (System.nanoTime() - stepStart) / 1e9);
        }
        WebhookBacklog.Result webhooks = webhooks();
        double totalSeconds = (System.nanoTime() - start) / 1e9;

        out.printf(Locale.ROOT, "%n== figures (ratio: the figure at N=%,d over the figure at N=%,d) ==%n%n", largest,
                queued.stream().mapToInt(Integer::intValue).min().orElseThrow());
        for (String unit : List.of(ScaleStep.LATENCY, ScaleStep.STATEMENTS, ScaleStep.RATE)) {
            table.print(out, unit, queued.stream().sorted().toList());
            out.println();
        }
        ScaleTargets.print(out, table, admission, webhooks, queued.size() > 1);
        out.printf(Locale.ROOT, "%nrun took %.0f s, of which filling the steps' databases %.0f s%s; service INFO log"
                + " lines built and dropped: %d%n", totalSeconds, fillSeconds, webhooks == null ? ""
                : String.format(Locale.ROOT, " and the webhook backlog's %.0f s", webhooks.fillSeconds()), log.dropped());
        if (webhooks != null && !webhooks.outOfOrder().isEmpty()) {
            problems.add(webhooks.outOfOrder().size() + " bots' webhooks out of order, such as "
                    + webhooks.outOfOrder().get(0));
        }
        if (problems.isEmpty()) {
            out.println("check: every fill seen by the API, every answer as expected, each bot's webhooks in order: PASS");
            return true;
        }
        out.println("check: FAIL");
        problems.forEach(p -> out.println("  " + p));
        return false;
    }

    private ScaleStep step(int n, int history, int admissionQueue, ScaleStep.Options options, ScaleTable into,
                           PrintStream to) {
        try (ScaleFleet fleet = new ScaleFleet(postgres, "scale_" + (++databases), options.units() / 2,
                options.units() - options.units() / 2, Map.of())) {
            ScaleStep step = new ScaleStep(fleet, options, into, to, n);
            step.run(history, admissionQueue);
            return step;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private WebhookBacklog.Result webhooks() {
        int deliveries = args.integer("webhooks");
        if (deliveries == 0) {
            return null;
        }
        try {
            WebhookBacklog.Result r = WebhookBacklog.run(postgres, "scale_" + (++databases), deliveries,
                    Duration.ofSeconds(args.integer("webhook-seconds")),
                    Duration.ofMillis(args.integer("receiver-ms")));
            out.printf(Locale.ROOT, "[webhooks] %,d bots x %d status webhooks = %,d pending after an outage (one bot's"
                    + " life through the HTTP API while the receiver answered 503, the others in bulk), filled in %.1f s%n",
                    r.bots(), r.perBot(), r.backlog(), r.fillSeconds());
            out.printf(Locale.ROOT, "  drained to a receiver answering in %d ms: %,d delivered in %.1f s by %d"
                    + " processQueue invocations = %.1f/s%s; repeated webhook-ids: %d; bots out of order: %d%n",
                    args.integer("receiver-ms"), r.delivered(), r.drainSeconds(), r.drains(), r.rate(),
                    r.delivered() < r.backlog() ? String.format(Locale.ROOT, " (stopped after %ds; the whole backlog"
                            + " at this rate: %.0f s)", args.integer("webhook-seconds"), r.backlog() / r.rate()) : "",
                    r.repeats(), r.outOfOrder().size());
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
