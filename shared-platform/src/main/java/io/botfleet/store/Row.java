package io.botfleet.store;

import java.time.Instant;
import java.util.Map;

/** One result row, with values already normalised by the adapter (Long, Double, String, Boolean, Instant). */
public record Row(Map<String, Object> values) {

    public Object get(String column) {
        if (!values.containsKey(column)) {
            throw new IllegalArgumentException("no column " + column + " in " + values.keySet());
        }
        return values.get(column);
    }

    public String getString(String column) {
        Object value = get(column);
        return value == null ? null : value.toString();
    }

    public Long getLong(String column) {
        Object value = get(column);
        return value == null ? null : ((Number) value).longValue();
    }

    public Boolean getBoolean(String column) {
        return (Boolean) get(column);
    }

    public Instant getInstant(String column) {
        return (Instant) get(column);
    }
}
