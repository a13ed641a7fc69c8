package io.botfleet.functions;

import io.botfleet.functions.http.Json;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A line in CloudWatch's Embedded Metric Format: printed on standard output, it becomes metrics
 * in the {@code botfleet} namespace with no SDK call and no latency. Each metric has its unit;
 * every metric of a line has the same dimensions.
 */
final class Emf {
    static final String NAMESPACE = "botfleet";

    /** A metric's value and its CloudWatch unit ({@code Count}, {@code Seconds}). */
    record Value(long value, String unit) {
    }

    private Emf() {
    }

    /** The metrics' line at {@code now}, with these dimensions (name to value; none is fine). */
    static ObjectNode line(Instant now, Map<String, String> dimensions, Map<String, Value> metrics) {
        ObjectNode line = Json.object();
        ObjectNode directive = line.putObject("_aws").put("Timestamp", now.toEpochMilli())
                .putArray("CloudWatchMetrics").addObject().put("Namespace", NAMESPACE);
        ArrayNode names = directive.putArray("Dimensions").addArray();
        dimensions.forEach((name, value) -> {
            names.add(name);
            line.put(name, value);
        });
        ArrayNode declared = directive.putArray("Metrics");
        metrics.forEach((name, value) -> {
            declared.addObject().put("Name", name).put("Unit", value.unit());
            line.put(name, value.value());
        });
        return line;
    }
}
