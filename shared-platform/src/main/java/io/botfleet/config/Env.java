package io.botfleet.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads typed settings from an environment map. Every problem is collected, so one start-up
 * reports all malformed settings at once, each by name and never by its value: a value may be a
 * secret, or a secret given to the wrong setting by mistake.
 */
public final class Env {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private final Map<String, String> values;
    private final List<String> problems = new ArrayList<>();

    public Env(Map<String, String> values) {
        this.values = values;
    }

    public String string(String name, String fallback) {
        String value = values.get(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    public String required(String name) {
        String value = string(name, null);
        if (value == null) {
            problems.add(name + " is required");
        }
        return value;
    }

    public boolean isSet(String name) {
        return string(name, null) != null;
    }

    public int positiveInt(String name, int fallback) {
        return parse(name, fallback, "a whole number of 1 or more", text -> {
            int n = Integer.parseInt(text);
            if (n < 1) {
                throw new IllegalArgumentException();
            }
            return n;
        });
    }

    public int port(String name, int fallback) {
        return parse(name, fallback, "a port number (0-65535)", text -> {
            int n = Integer.parseInt(text);
            if (n < 0 || n > 65535) {
                throw new IllegalArgumentException();
            }
            return n;
        });
    }

    /** Durations are written {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or {@code 30d}. */
    public Duration duration(String name, String fallback) {
        return parse(name, parseDuration(fallback), "a duration such as 500ms, 30s, 5m, 1h or 30d", Env::parseDuration);
    }

    /** A text that must match {@code pattern} whole; {@code expected} says what it should look like. */
    public String matching(String name, String fallback, Pattern pattern, String expected) {
        return parse(name, fallback, expected, text -> {
            if (!pattern.matcher(text).matches()) {
                throw new IllegalArgumentException();
            }
            return text;
        });
    }

    public List<String> list(String name, String fallback) {
        return Arrays.stream(string(name, fallback).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** A problem in botfleet's words, naming the setting; never with the setting's value. */
    public void problem(String message) {
        problems.add(message);
    }

    /** Throws one {@link ConfigException} naming every bad setting, if there were any. */
    public void check() {
        if (!problems.isEmpty()) {
            throw new ConfigException("invalid settings: " + String.join("; ", problems));
        }
    }

    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(text);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private <T> T parse(String name, T fallback, String expected, Function<String, T> parser) {
        String text = string(name, null);
        if (text == null) {
            return fallback;
        }
        try {
            return parser.apply(text);
        } catch (RuntimeException e) {
            problems.add(name + " must be " + expected);
            return fallback;
        }
    }
}
