package io.botfleet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The drain benchmark of docs/benchmarks.md, run by its own code at a tiny size so it cannot rot unseen: the
 * run completes, passes its checks and prints every figure. Not a timed test: speeds are not judged.
 */
class DrainBenchmarkTest {

    @Test
    void theDrainBenchmarkRunsAndPrintsEveryFigure() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean passed = DrainBenchmark.run(new String[] {"immediate=20", "drained=40", "warmup=0"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String output = bytes.toString(StandardCharsets.UTF_8);

        assertThat(output).as("the benchmark's output").contains(
                "== botfleet drain benchmark ==",
                "[1] immediate deploys, capacity free",
                "20 deploys in", "per immediate deploy",
                "[2] drained bots, DRAIN_BATCH_SIZE=80", "drain: 40 bots in", "per drained bot",
                "[3] baseline", "== result ==", "drain rate, batched / baseline:",
                "check: every bot started exactly once, no orphan stops, queue empty, ledger consistent: PASS");
        assertThat(passed).as("the run's checks; its output:%n%s", output).isTrue();
    }
}
