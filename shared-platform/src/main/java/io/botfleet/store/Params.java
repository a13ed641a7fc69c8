package io.botfleet.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named statement parameters. Values are null, String, Long, Integer, Boolean, Double or Instant;
 * JSON travels as a String and is cast in the statement ({@code :meeting::jsonb}). Instants are
 * kept to the millisecond: the RDS Data API carries and returns timestamps to the millisecond, so
 * both adapters store, compare and read back the same instant.
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
        values.put(name, value instanceof Instant instant ? instant.truncatedTo(ChronoUnit.MILLIS) : value);
        return this;
    }

    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(values);
    }
}
