package io.botfleet.bench;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stands in for stdout during a benchmark run: io.botfleet.Log still builds every JSON line (that
 * cost stays in the figures), but INFO lines and the drain's metric lines (Embedded Metric Format)
 * are counted and dropped instead of written; anything else (WARN, ERROR) goes on to stderr, so
 * nothing unusual is hidden.
 */
final class QuietLog extends PrintStream {
    private final AtomicLong dropped = new AtomicLong();

    QuietLog() {
        super(System.err, true);
    }

    long dropped() {
        return dropped.get();
    }

    @Override
    public void println(Object line) { // Log prints its JSON node through this overload, the drain its metric
        String text = String.valueOf(line);
        if (text.startsWith("{\"time\"") && text.contains("\"level\":\"INFO\"") || text.startsWith("{\"_aws\"")) {
            dropped.incrementAndGet();
        } else {
            super.println(text);
        }
    }
}
