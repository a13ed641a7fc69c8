package io.botfleet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /**
     * The fair drain shares each round between tenants in the same few statements: with the
     * backlog spread over 5 tenants of different weights, a drain of 400 bots (5 rounds of 80)
     * costs at most 0.1 statement per drained bot.
     */
    @Test
    void fiveTenantsCostAtMostATenthOfAStatementPerDrainedBot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean passed = DrainBenchmark.run(new String[] {"immediate=10", "drained=400", "warmup=0", "tenants=5"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String output = bytes.toString(StandardCharsets.UTF_8);

        assertThat(passed).as("the run's checks; its output:%n%s", output).isTrue();
        assertThat(output).contains("drained backlog: 5 tenants of weights 1 to 5");
        Matcher batched = Pattern.compile("\\[2\\] drained bots.*?= ([0-9.]+) per drained bot", Pattern.DOTALL)
                .matcher(output);
        assertThat(batched.find()).as("the batched drain's figure in:%n%s", output).isTrue();
        assertThat(Double.parseDouble(batched.group(1))).as("statements per drained bot, 5 tenants").isLessThanOrEqualTo(0.1);
    }
}
