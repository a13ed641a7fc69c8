package io.botfleet;

import io.botfleet.log.ErrorObject;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One JSON object per line on standard output, as CloudWatch Logs and {@code jq} like it:
 * {@code {"time", "level", "event", "requestId", "cold_start", "function_name",
 * "function_version", "xray_trace_id", ...fields}}. botfleet's own lines name an {@code event};
 * the libraries' lines (through {@link io.botfleet.log.JsonLogProvider}) carry {@code logger} and
 * {@code message}. The invocation's fields are set by the handlers and carried onto the threads
 * that make its platform calls ({@link #carried}). A line about an exception carries it as
 * {@code error: {type, message, stack}} ({@link ErrorObject}), with no text a library wrote.
 */
public final class Log {
    private static final JsonMapper MAPPER = JsonMapping.MAPPER;
    private static final List<String> LEVELS = List.of("DEBUG", "INFO", "WARN", "ERROR");
    /**
     * {@code botfleet.log.level} (system property), else {@code LOG_LEVEL}, else the level of the
     * function's Lambda logging configuration ({@code AWS_LAMBDA_LOG_LEVEL}), else INFO.
     */
    private static final int MINIMUM = LEVELS.indexOf(minimumLevel(System.getProperty("botfleet.log.level"),
            System.getenv("LOG_LEVEL"), System.getenv("AWS_LAMBDA_LOG_LEVEL")));
    private static final String FUNCTION_NAME = System.getenv("AWS_LAMBDA_FUNCTION_NAME");
    private static final String FUNCTION_VERSION = System.getenv("AWS_LAMBDA_FUNCTION_VERSION");
    private static final AtomicBoolean FIRST_INVOCATION = new AtomicBoolean(true);
    private static final ThreadLocal<Invocation> INVOCATION = new ThreadLocal<>();

    /** The invocation a line belongs to; {@code coldStart} for the first one this JVM serves. */
    public record Invocation(String requestId, boolean coldStart) {
    }

    private Log() {
    }

    /** The handler's first step: this thread now serves that invocation (null: none). */
    public static void setRequestId(String requestId) {
        INVOCATION.set(requestId == null ? null : new Invocation(requestId, FIRST_INVOCATION.getAndSet(false)));
    }

    /** After a SnapStart restore: the next invocation is this copy's cold start. */
    public static void coldStartAgain() {
        FIRST_INVOCATION.set(true);
    }

    /** {@code work}, to run on another thread with this thread's invocation fields. */
    public static <T> Callable<T> carried(Callable<T> work) {
        Invocation invocation = INVOCATION.get();
        return () -> {
            INVOCATION.set(invocation);
            try {
                return work.call();
            } finally {
                INVOCATION.remove();
            }
        };
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

    /** A warning about {@code error}: the line carries it as {@code error: {type, message, stack}}. */
    public static void warn(String event, Map<String, ?> fields, Throwable error) {
        write("WARN", event, fields, error);
    }

    /** An error line about {@code error}: the line carries it as {@code error: {type, message, stack}}. */
    public static void error(String event, Map<String, ?> fields, Throwable error) {
        write("ERROR", event, fields, error);
    }

    public static boolean enabled(String level) {
        return LEVELS.indexOf(level) >= MINIMUM;
    }

    /**
     * The first of these level names that means something, as botfleet's DEBUG, INFO, WARN or
     * ERROR: Lambda's TRACE is DEBUG, botfleet's lowest; FATAL is ERROR.
     */
    static String minimumLevel(String... names) {
        for (String name : names) {
            String level = name == null ? null : switch (name.strip().toUpperCase(Locale.ROOT)) {
                case "TRACE", "DEBUG" -> "DEBUG";
                case "INFO" -> "INFO";
                case "WARN" -> "WARN";
                case "ERROR", "FATAL" -> "ERROR";
                default -> null;
            };
            if (level != null) {
                return level;
            }
        }
        return "INFO";
    }

    /** A library's line (its own DEBUG and TRACE never reach here; see {@link io.botfleet.log.JsonLogger}). */
    public static void library(String level, String logger, String message, Throwable error) {
        if (!enabled(level)) {
            return;
        }
        ObjectNode line = start(level);
        line.put("logger", logger);
        line.put("message", message);
        if (error != null) {
            line.set("error", ErrorObject.of(error));
        }
        System.out.println(line);
    }

    private static void write(String level, String event, Map<String, ?> fields) {
        write(level, event, fields, null);
    }

    private static void write(String level, String event, Map<String, ?> fields, Throwable error) {
        if (!enabled(level)) {
            return;
        }
        ObjectNode line = start(level);
        line.put("event", event);
        fields.forEach((key, value) -> line.putIfAbsent(key, MAPPER.valueToTree(value))); // never over the line's own keys
        if (error != null) {
            line.set("error", ErrorObject.of(error));
        }
        System.out.println(line);
    }

    private static ObjectNode start(String level) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("time", Instant.now().toString());
        line.put("level", level);
        Invocation invocation = INVOCATION.get();
        if (invocation != null) {
            line.put("requestId", invocation.requestId());
        }
        line.put("cold_start", invocation == null ? FIRST_INVOCATION.get() : invocation.coldStart());
        if (FUNCTION_NAME != null) {
            line.put("function_name", FUNCTION_NAME);
            line.put("function_version", FUNCTION_VERSION);
        }
        String traceId = traceId();
        if (traceId != null) {
            line.put("xray_trace_id", traceId);
        }
        return line;
    }

    /** The X-Ray root of this invocation: the Java runtime sets it as a system property per invocation. */
    private static String traceId() {
        String header = System.getProperty("com.amazonaws.xray.traceHeader", System.getenv("_X_AMZN_TRACE_ID"));
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            if (part.startsWith("Root=")) {
                return part.substring(5);
            }
        }
        return null;
    }
}
