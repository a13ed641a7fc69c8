package io.botfleet.functions.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The figures this process wrote as metric lines, kept for {@code GET /metrics} in Prometheus's text
 * format (the local runner's; in Lambda, CloudWatch reads the lines). Counters add what each count
 * took, so since the process started they sum to what its takes counted; gauges hold the last value.
 */
public final class PrometheusMetrics {
    private record Series(String name, String type, String help) {
    }

    private final Map<String, Series> series = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Double>> values = new ConcurrentHashMap<>();

    /** Adds to the counter {@code name} with these labels. */
    void add(String name, String help, Map<String, String> labels, long amount) {
        series.putIfAbsent(name, new Series(name, "counter", help));
        values.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).merge(labels(labels), (double) amount, Double::sum);
    }

    /** Sets the counter {@code name} with these labels to a total kept elsewhere (since the process started). */
    void total(String name, String help, Map<String, String> labels, double total) {
        series.putIfAbsent(name, new Series(name, "counter", help));
        values.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).put(labels(labels), total);
    }

    /** Sets the gauge {@code name}. */
    public void set(String name, String help, double value) {
        series.putIfAbsent(name, new Series(name, "gauge", help));
        values.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).put("", value);
    }

    /** Every series, sorted by name and labels: the text a scrape reads. */
    public String text() {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(series).values().forEach(s -> {
            out.append("# HELP ").append(s.name()).append(' ').append(s.help()).append('\n');
            out.append("# TYPE ").append(s.name()).append(' ').append(s.type()).append('\n');
            new TreeMap<>(values.getOrDefault(s.name(), Map.of())).forEach((labels, value) -> out.append(s.name())
                    .append(labels).append(' ').append(value == Math.rint(value) ? Long.toString(value.longValue())
                            : Double.toString(value)).append('\n'));
        });
        return out.toString();
    }

    private static String labels(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return "";
        }
        return new TreeMap<>(labels).entrySet().stream()
                .map(e -> e.getKey() + "=\"" + e.getValue().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"")
                .collect(Collectors.joining(",", "{", "}"));
    }
}
