package io.botfleet.store;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named statement parameters. Values are null, String, Long, Integer, Boolean, Double or Instant;
 * JSON travels as a String and is cast in the statement ({@code :meeting::jsonb}).
 */
public final class Params {
    private final Map<String, Object> values = new LinkedHashMap<>();

    public static Params of() {
        return new Params();
    }

    public static Params of(String name, Object value) {
        return new Params().and(name, value);
    }

    public Params and(String name, Object value) {
        values.put(name, value);
        return this;
    }

    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(values);
    }
}
