package io.botfleet.platform;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How this process's platform calls went: per platform, operation and outcome (OK, a definite
 * failure's kind, or UNKNOWN when the call's effect is not known), how many and how long. Telemetry
 * of this process, not shared state: it decides nothing. Kept twice: since the process started
 * (what a scrape reads), and since the last {@link #sinceLast} (what a metric line writes).
 */
public final class PlatformCallStats {
    /** What the calls are counted by. */
    public record Key(String platform, String operation, String outcome) {
    }

    /** Calls of one key: how many, their total time, and up to {@link #SAMPLES} of their times. */
    public record Calls(long count, long totalMillis, List<Long> millis) {
    }

    /** How many single times a line keeps per key (CloudWatch takes up to 100 values in one). */
    public static final int SAMPLES = 100;

    private static final Map<Key, Calls> TOTAL = new HashMap<>();
    private static Map<Key, Calls> recent = new HashMap<>();

    private PlatformCallStats() {
    }

    /** One call: its platform, operation (deploy, stop, ...), outcome and time. */
    static synchronized void record(String platform, String operation, PlatformDeployError error, long millis) {
        String outcome = error == null ? "OK" : error.outcomeUnknown() ? "UNKNOWN" : error.kind().name();
        Key key = new Key(platform, operation, outcome);
        TOTAL.merge(key, one(millis), PlatformCallStats::sum);
        recent.merge(key, one(millis), PlatformCallStats::sum);
    }

    /** The calls since the last time this was asked, now forgotten. */
    public static synchronized Map<Key, Calls> sinceLast() {
        Map<Key, Calls> taken = recent;
        recent = new HashMap<>();
        return taken;
    }

    /** The calls since this process started. */
    public static synchronized Map<Key, Calls> total() {
        return Map.copyOf(TOTAL);
    }

    private static Calls one(long millis) {
        return new Calls(1, millis, List.of(millis));
    }

    private static Calls sum(Calls a, Calls b) {
        List<Long> millis = new ArrayList<>(a.millis());
        b.millis().stream().limit(Math.max(0, SAMPLES - millis.size())).forEach(millis::add);
        return new Calls(a.count() + b.count(), a.totalMillis() + b.totalMillis(), List.copyOf(millis));
    }
}
