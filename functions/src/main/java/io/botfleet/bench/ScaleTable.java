package io.botfleet.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The scale benchmark's figures: per unit (median ms, statements, bots/s) one row per figure,
 * one column per queue size N, and the ratio of the figure at the largest N to the figure at
 * the smallest.
 */
final class ScaleTable {
    private final Map<String, Map<String, TreeMap<Integer, Double>>> units = new LinkedHashMap<>();

    void put(String figure, String unit, int n, double value) {
        units.computeIfAbsent(unit, u -> new LinkedHashMap<>()).computeIfAbsent(figure, f -> new TreeMap<>()).put(n, value);
    }

    /** The figure at the largest N over the figure at the smallest; NaN when it was measured at one N only. */
    double ratio(String figure, String unit) {
        TreeMap<Integer, Double> values = values(figure, unit);
        return values.size() < 2 ? Double.NaN : values.lastEntry().getValue() / values.firstEntry().getValue();
    }

    /** The figure's highest value over every N; NaN when it was not measured. */
    double max(String figure, String unit) {
        return values(figure, unit).values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    List<String> figures(String unit) {
        return new ArrayList<>(units.getOrDefault(unit, Map.of()).keySet());
    }

    /** The rows of one unit as a Markdown table (it reads as plain text too). */
    void print(PrintStream out, String unit, List<Integer> sizes) {
        List<String> names = figures(unit);
        int width = Math.max(unit.length(), names.stream().mapToInt(String::length).max().orElse(10));
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "| %-" + width + "s |", unit));
        StringBuilder rule = new StringBuilder("|" + "-".repeat(width + 2) + "|");
        for (int n : sizes) {
            header.append(String.format(Locale.ROOT, " %11s |", String.format(Locale.ROOT, "N=%,d", n)));
            rule.append("-".repeat(13)).append("|");
        }
        out.println(header.append(String.format(Locale.ROOT, " %8s |", "ratio")));
        out.println(rule.append("-".repeat(10)).append("|"));
        for (String name : names) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "| %-" + width + "s |", name));
            for (int n : sizes) {
                Double value = values(name, unit).get(n);
                line.append(String.format(Locale.ROOT, " %11s |", value == null ? "-" : format(value)));
            }
            double ratio = ratio(name, unit);
            out.println(line.append(String.format(Locale.ROOT, " %8s |",
                    Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2fx", ratio))));
        }
    }

    static String format(double value) {
        if (value >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, value >= 10 ? "%.1f" : value >= 1 ? "%.2f" : "%.3f", value);
    }

    private TreeMap<Integer, Double> values(String figure, String unit) {
        return units.getOrDefault(unit, Map.of()).getOrDefault(figure, new TreeMap<>());
    }
}
