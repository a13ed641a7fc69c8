package io.botfleet.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import io.botfleet.bench.ApiCalls.Answer;
import io.botfleet.bench.ScaleFleet.Instance;
import io.botfleet.bot.BotStatus;
import io.botfleet.functions.http.ListRequest;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * One queue size N of the scale benchmark, on a database of its own: ended bots of history and N
 * waiting bots filled in bulk, every platform full, then each figure measured through the
 * functions (ApiHandler for the HTTP routes, ProcessQueueHandler for the drain) on one instance,
 * its statements counted; admission through several instances at once.
 */
final class ScaleStep {
    static final String LATENCY = "median ms";
    static final String STATEMENTS = "SQL statements";
    static final String RATE = "bots/s";

    static final String IMMEDIATE = "POST /bots, placed at once (queue empty)";
    static final String IMMEDIATE_FAILOVER = "POST /bots, placed at once on aws (k8s full)";
    static final String QUEUED_POST = "POST /bots, queued (every platform full)";
    static final String QUEUED_GET = "GET /bots/{id}, a queued bot (last in line)";
    static final String DRAINED = "processQueue, per drained bot";
    /** A page of GET /bots, as a user asks for it (the default limit of 50). */
    static final int PAGE = 50;

    /** What a step measures besides its size, from the benchmark's arguments; k8s has half the units, aws the rest. */
    record Options(int units, int samples, int admissionInstances, int admissionRequests) {
    }

    /** Queued POST /bots per second through several instances at once, at an empty queue and at {@code queue} waiting. */
    record Admission(double empty, double atQueue, int queue) {
    }

    private static final int WARMUPS = 3;

    private final ScaleFleet fleet;
    private final Instance main;
    private final Options options;
    private final ScaleTable table;
    private final PrintStream out;
    private final int n;
    private long template;
    private double fillSeconds;
    private Admission admission;

    ScaleStep(ScaleFleet fleet, Options options, ScaleTable table, PrintStream out, int n) {
        this.fleet = fleet;
        this.main = fleet.main;
        this.options = options;
        this.table = table;
        this.out = out;
        this.n = n;
    }

    /**
     * The whole step; {@code admissionQueue} > 0 measures admission first at an empty queue and
     * then at that many waiting (it must not exceed N).
     */
    void run(int history, int admissionQueue) throws InterruptedException {
        // the template: one bot through POST /bots, placed at once, then done; the fill copies its configuration
        template = ApiCalls.expect(main.api(), deploy("template"), 201).body().path("id").asLong();
        fleet.report(main, template, BotStatus.DONE);
        long start = System.nanoTime();
        ScaleFill.history(fleet.setup(), template, history, Instant.now());
        ScaleFill.vacuumAnalyze(fleet.setup());
        fillSeconds += (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "[N=%,d] %,d ended bots filled in %.1f s%n", n, history, fillSeconds);

        // every unit taken by a POST that places its bot at once, k8s's first, then aws's (each of
        // those after a claim on the full k8s): from here every platform is full
        List<Long> running = new ArrayList<>();
        int k8sUnits = options.units() / 2;
        measure(IMMEDIATE, 0, k8sUnits, i -> deploy("placed " + i), 201, a -> {
            expectField(a, "platform", "k8s");
            running.add(a.body().path("id").asLong());
        });
        measure(IMMEDIATE_FAILOVER, 0, options.units() - k8sUnits, i -> deploy("placed on aws " + i), 201, a -> {
            expectField(a, "platform", "aws");
            running.add(a.body().path("id").asLong());
        });

        if (admissionQueue > 0) {
            List<Instance> instances = new ArrayList<>();
            for (int i = 0; i < options.admissionInstances(); i++) {
                instances.add(fleet.instance());
            }
            double empty = admit(instances);
            fillQueue(admissionQueue);
            admission = new Admission(empty, admit(instances), admissionQueue);
            out.printf(Locale.ROOT, "  admission, %d instances x %d queued POST /bots: %.0f/s at an empty queue, %.0f/s"
                    + " at %,d waiting%n", instances.size(), options.admissionRequests(), admission.empty(),
                    admission.atQueue(), admissionQueue);
        }
        fillQueue(n);
        reads();
        drain(running);
    }

    double fillSeconds() {
        return fillSeconds;
    }

    /** The admission figures, when this step measured them; else null. */
    Admission admission() {
        return admission;
    }

    private void reads() {
        List<Long> queued = new ArrayList<>();
        measure(QUEUED_POST, WARMUPS, options.samples(), i -> deploy("queued " + i), 202, a -> {
            expectField(a, "status", "QUEUED");
            queued.add(a.body().path("id").asLong());
        });
        measure(QUEUED_GET, WARMUPS, options.samples(), i -> ApiCalls.get("/bots/" + queued.get(Math.floorMod(i, queued.size())),
                Map.of()), 200, a -> {
            expectField(a, "status", "QUEUED");
            if (!a.body().path("queuePosition").canConvertToLong()) {
                throw new IllegalStateException("GET /bots/{id} of a queued bot has no queuePosition: " + a.body());
            }
        });
        measure("GET /capacity", WARMUPS, options.samples(), i -> ApiCalls.get("/capacity", Map.of()), 200, a -> { });
        long waiting = Math.min(100, ScaleFill.waiting(fleet.setup()));
        measure("GET /queue (first 100)", WARMUPS, options.samples(), i -> ApiCalls.get("/queue", Map.of()), 200, a -> {
            int shown = a.body().path("waiting").size();
            if (shown != waiting) {
                throw new IllegalStateException("GET /queue shows " + shown + " bots, not " + waiting);
            }
        });
        Instant createdAfter = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        page("GET /bots, first page", Map.of(), false);
        page("GET /bots?status=FATAL, first page", Map.of("status", "FATAL"), false);
        page("GET /bots?tenant=(rare), first page", Map.of("tenant", ScaleFill.RARE_TENANT), false);
        page("GET /bots?createdAfter=(1 h ago), first page", Map.of("createdAfter", createdAfter.toString()), false);
        page("GET /bots, last page (keyset cursor)", Map.of(), true);
        page("GET /bots?status=FATAL, last page", Map.of("status", "FATAL"), true);
        page("GET /bots?tenant=(rare), last page", Map.of("tenant", ScaleFill.RARE_TENANT), true);
        page("GET /bots?createdAfter=(1 h ago), last page", Map.of("createdAfter", createdAfter.toString()), true);
    }

    /** A page of GET /bots with this filter: the first, or the last (by the cursor the page before it would give). */
    private void page(String figure, Map<String, String> filter, boolean last) {
        Map<String, String> query = new java.util.HashMap<>(filter);
        if (last) {
            String after = filter.get("createdAfter");
            query.put("cursor", ListRequest.cursor(ScaleFill.lastPageBefore(fleet.setup(), filter.get("status"),
                    filter.get("tenant"), after == null ? null : Instant.parse(after), PAGE)));
        }
        measure(figure, WARMUPS, options.samples(), i -> ApiCalls.get("/bots", query), 200, a -> {
            if (last && !a.body().path("nextCursor").isNull() && !a.body().path("nextCursor").isMissingNode()) {
                throw new IllegalStateException(figure + " is followed by another page: " + a.body().path("nextCursor"));
            }
        });
    }

    /**
     * The bots holding the units end (their own DONE callbacks), so every unit is free with the
     * queue full; then scheduled drains run until they have placed as many bots as there are units
     * (or the whole queue, when it is shorter).
     */
    private void drain(List<Long> running) {
        running.forEach(id -> fleet.report(main, id, BotStatus.DONE));
        long target = Math.min(options.units(), ScaleFill.waiting(fleet.setup()));
        long statements = main.sql().statements();
        long start = System.nanoTime();
        int drained = 0;
        while (drained < target) {
            int placed = main.drain();
            if (placed == 0) {
                throw new IllegalStateException("a drain placed nothing with " + (target - drained) + " more to place");
            }
            drained += placed;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        table.put(DRAINED, STATEMENTS, n, (main.sql().statements() - statements) / (double) drained);
        table.put("processQueue, a drain of every unit", RATE, n, drained / seconds);
    }

    /** Tops the queue up to {@code target} waiting bots, then checks that the API sees what the store holds. */
    private void fillQueue(int target) {
        long start = System.nanoTime();
        long waiting = ScaleFill.waiting(fleet.setup());
        ScaleFill.queued(fleet.setup(), template, (int) Math.max(0, target - waiting), Instant.now());
        ScaleFill.vacuumAnalyze(fleet.setup());
        double seconds = (System.nanoTime() - start) / 1e9;
        fillSeconds += seconds;
        long expected = ScaleFill.waiting(fleet.setup());
        long reported = ApiCalls.expect(main.api(), ApiCalls.get("/capacity", Map.of()), 200).body()
                .path("queue").path("waiting").asLong();
        Long last = ScaleFill.lastQueued(fleet.setup());
        long position = ApiCalls.expect(main.api(), ApiCalls.get("/bots/" + last, Map.of()), 200).body()
                .path("queuePosition").asLong();
        out.printf(Locale.ROOT, "  queue filled to %,d in %.1f s; GET /capacity: %,d waiting; GET /bots/%d (last in"
                + " line): position %,d%n", expected, seconds, reported, last, position);
        if (reported != expected || Math.abs(position - expected) > Math.max(1, expected / 100)) {
            throw new IllegalStateException("after the bulk fill the API reports " + reported + " waiting and position "
                    + position + " for the last bot, while the store holds " + expected + " waiting bots: the fill"
                    + " (ScaleFill) misses something the service now keeps; fill that too");
        }
    }

    /** Queued POST /bots per second, each instance on a thread of its own, all at once; the bots are stopped after. */
    private double admit(List<Instance> instances) throws InterruptedException {
        List<Long> admitted = Collections.synchronizedList(new ArrayList<>());
        for (Instance instance : instances) { // a warm container: its connections are open
            admitted.add(ApiCalls.expect(instance.api(), deploy("admission warm-up"), 202).body().path("id").asLong());
        }
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<RuntimeException> failed = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (Instance instance : instances) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    for (int r = 0; r < options.admissionRequests(); r++) {
                        admitted.add(ApiCalls.expect(instance.api(), deploy("admitted " + r), 202).body().path("id").asLong());
                    }
                } catch (RuntimeException e) {
                    failed.compareAndSet(null, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        long start = System.nanoTime();
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failed.get() != null) {
            throw failed.get();
        }
        for (long id : admitted) { // out of the queue again, so the queue is as the fill left it
            ApiCalls.expect(main.api(), ApiCalls.post("/bots/" + id + "/stop", ""), 202);
        }
        return instances.size() * options.admissionRequests() / seconds;
    }

    /**
     * {@code count} requests one after the other through the main instance, after {@code warmups}
     * not measured; the median latency and the statements per request go to the table.
     */
    private void measure(String figure, int warmups, int count, IntFunction<APIGatewayV2HTTPEvent> request,
                         int expected, Consumer<Answer> check) {
        for (int i = 0; i < warmups; i++) {
            check.accept(ApiCalls.expect(main.api(), request.apply(-1 - i), expected));
        }
        long statements = main.sql().statements();
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            Answer answer = ApiCalls.expect(main.api(), request.apply(i), expected);
            check.accept(answer);
            nanos[i] = answer.nanos();
        }
        Arrays.sort(nanos);
        double median = count % 2 == 1 ? nanos[count / 2] : (nanos[count / 2 - 1] + nanos[count / 2]) / 2.0;
        table.put(figure, LATENCY, n, median / 1e6);
        table.put(figure, STATEMENTS, n, (main.sql().statements() - statements) / (double) count);
    }

    private static APIGatewayV2HTTPEvent deploy(String name) {
        return ApiCalls.post("/bots", "{\"meetingUrl\":\"https://zoom.us/j/123456789\",\"displayName\":\"" + name + "\"}");
    }

    private static void expectField(Answer answer, String field, String value) {
        if (!value.equals(answer.text(field))) {
            throw new IllegalStateException("expected " + field + " " + value + ", got " + answer.body());
        }
    }
}
