package io.botfleet.functions.metrics;

import io.botfleet.JsonMapping;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A line in CloudWatch's Embedded Metric Format: printed on standard output, it becomes metrics
 * in the {@code botfleet} namespace with no SDK call and no latency. Each metric has its unit;
 * every metric of a line has the same dimensions, aggregated over each of the line's dimension
 * sets (so one line can feed a metric per reason and the same metric over all reasons).
 */
final class Emf {
    static final String NAMESPACE = "botfleet";

    /**
     * A metric's value, or values (up to 100: each a data point, as CloudWatch takes an array),
     * and its CloudWatch unit ({@code Count}, {@code Seconds}, {@code Milliseconds}).
     */
    record Value(List<Long> values, String unit) {
        Value(long value, String unit) {
            this(List.of(value), unit);
        }
    }

    private Emf() {
    }

    /** The metrics' line at {@code now}, with these dimensions (name to value; none is fine) as its one set. */
    static ObjectNode line(Instant now, Map<String, String> dimensions, Map<String, Value> metrics) {
        return line(now, dimensions, List.of(List.copyOf(dimensions.keySet())), metrics);
    }

    /** The metrics' line at {@code now}: the dimensions' values, and the sets of their names it is aggregated by. */
    static ObjectNode line(Instant now, Map<String, String> dimensions, List<List<String>> dimensionSets,
                           Map<String, Value> metrics) {
        ObjectNode line = JsonMapping.MAPPER.createObjectNode();
        ObjectNode directive = line.putObject("_aws").put("Timestamp", now.toEpochMilli())
                .putArray("CloudWatchMetrics").addObject().put("Namespace", NAMESPACE);
        ArrayNode sets = directive.putArray("Dimensions");
        dimensionSets.forEach(set -> set.forEach(sets.addArray()::add));
        dimensions.forEach(line::put);
        ArrayNode declared = directive.putArray("Metrics");
        metrics.forEach((name, value) -> {
            declared.addObject().put("Name", name).put("Unit", value.unit());
            if (value.values().size() == 1) {
                line.put(name, value.values().get(0));
            } else {
                value.values().forEach(line.putArray(name)::add);
            }
        });
        return line;
    }
}
