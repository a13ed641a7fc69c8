package io.botfleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per line on standard output, as CloudWatch Logs and {@code jq} like it:
 * {@code {"time":..., "level":..., "event":..., "botId":..., "platform":..., "requestId":...}}.
 * The request id of the current invocation is carried in a thread-local set by the handlers.
 */
public final class Log {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ThreadLocal<String> REQUEST_ID = new ThreadLocal<>();
    private static final java.util.List<String> LEVELS = java.util.List.of("INFO", "WARN", "ERROR");
    /** {@code LOG_LEVEL} (environment) or {@code botfleet.log.level} (system property): INFO, WARN or ERROR. */
    private static final int MINIMUM = Math.max(0, LEVELS.indexOf(
            System.getProperty("botfleet.log.level", System.getenv().getOrDefault("LOG_LEVEL", "INFO"))));

    private Log() {
    }

    public static void setRequestId(String requestId) {
        REQUEST_ID.set(requestId);
    }

    public static void info(String event, Map<String, ?> fields) {
        write("INFO", event, fields);
    }

    public static void warn(String event, Map<String, ?> fields) {
        write("WARN", event, fields);
    }

    public static void error(String event, Map<String, ?> fields) {
        write("ERROR", event, fields);
    }

    private static void write(String level, String event, Map<String, ?> fields) {
        if (LEVELS.indexOf(level) < MINIMUM) {
            return;
        }
        ObjectNode line = MAPPER.createObjectNode();
        line.put("time", Instant.now().toString());
        line.put("level", level);
        line.put("event", event);
        String requestId = REQUEST_ID.get();
        if (requestId != null) {
            line.put("requestId", requestId);
        }
        fields.forEach((key, value) -> line.set(key, MAPPER.valueToTree(value)));
        System.out.println(line);
    }
}
