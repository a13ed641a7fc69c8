package io.botfleet.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A benchmark's sizes as {@code name=value} arguments, each with its default, so the same code
 * runs at full size from its command in docs/benchmarks.md and at a tiny size in the test suite. An unknown
 * name or a value that is not a whole number stops the run with the list of known names.
 */
final class BenchArgs {
    private final Map<String, String> values;
    private final Map<String, String> defaults;

    private BenchArgs(Map<String, String> values, Map<String, String> defaults) {
        this.values = values;
        this.defaults = defaults;
    }

    /** @param defaults every known name with its default value, in the order the usage lists them */
    static BenchArgs parse(String[] args, Map<String, String> defaults) {
        Map<String, String> values = new LinkedHashMap<>(defaults);
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 1 || !defaults.containsKey(arg.substring(0, eq))) {
                throw new IllegalArgumentException("unknown argument '" + arg + "'; known, as name=value: " + usage(defaults));
            }
            values.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return new BenchArgs(values, defaults);
    }

    int integer(String name) {
        try {
            int value = Integer.parseInt(values.get(name).replace("_", ""));
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number >= 0; known: " + usage(defaults));
    }

    /** A comma-separated list of whole numbers, such as {@code 1000,10000,100000}. */
    List<Integer> integers(String name) {
        try {
            List<Integer> list = List.of(values.get(name).replace("_", "").split(",")).stream()
                    .map(String::strip).map(Integer::valueOf).toList();
            if (!list.isEmpty() && list.stream().allMatch(v -> v > 0)) {
                return list;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be whole numbers > 0, comma-separated; known: " + usage(defaults));
    }

    /** What this run was given, for the output's header: {@code name=value ...}. */
    String describe() {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    private static String usage(Map<String, String> defaults) {
        return defaults.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
