package io.botfleet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The scale benchmark, run by its own code at a tiny size so it cannot rot unseen: every step,
 * the admission and the webhook backlog complete, each fill is seen by the API, and every figure
 * is printed with its ratio. Not a timed test: no speed is judged.
 */
class ScaleBenchmarkTest {

    @Test
    void theScaleBenchmarkRunsAndPrintsEveryFigure() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean passed = ScaleBenchmark.run(new String[] {"queued=20,40", "history=100,200", "admission-queue=20",
                        "admission-instances=2", "admission-requests=3", "units=10", "samples=3", "warmup=0",
                        "webhooks=60", "webhook-seconds=30"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String output = bytes.toString(StandardCharsets.UTF_8);

        assertThat(output).as("the benchmark's output").contains(
                "== botfleet scale benchmark ==", "through the JDBC adapter",
                "[N=20] 100 ended bots filled", "[N=40] 200 ended bots filled",
                "GET /capacity: 20 waiting", "GET /capacity: 40 waiting",
                "admission, 2 instances x 3 queued POST /bots:",
                "[webhooks] 10 bots x 6 status webhooks = 60 pending after an outage",
                "60 delivered in", "bots out of order: 0",
                "| median ms", "| SQL statements", "| bots/s", "|        N=20 |        N=40 |    ratio |",
                "| POST /bots, placed at once (queue empty)", "| POST /bots, placed at once on aws (k8s full)",
                "| POST /bots, queued (every platform full)", "| GET /bots/{id}, a queued bot (last in line)",
                "| GET /capacity", "| GET /queue (first 100)",
                "| GET /bots, first page", "| GET /bots?status=FATAL, first page",
                "| GET /bots?tenant=(rare), first page", "| GET /bots?createdAfter=(1 h ago), first page",
                "| GET /bots, last page (keyset cursor)", "| GET /bots?status=FATAL, last page",
                "| GET /bots?tenant=(rare), last page", "| GET /bots?createdAfter=(1 h ago), last page",
                "| processQueue, per drained bot", "| processQueue, a drain of every unit",
                "== targets ==", "admission at 20 waiting over admission at an empty queue",
                "webhook backlog of 60 drained at least 200/s", "statements per immediate deploy",
                "statements per drained bot", "run took",
                "check: every fill seen by the API, every answer as expected, each bot's webhooks in order: PASS");
        assertThat(passed).as("the run's checks; its output:%n%s", output).isTrue();
    }
}
