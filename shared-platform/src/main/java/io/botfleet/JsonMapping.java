package io.botfleet;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * botfleet's JSON mapper (Jackson 3), in one place: the HTTP answers, the logs, the webhooks, the
 * Coolify calls and the JSON columns all write and read through it or through one
 * {@link #builder} makes. Where Jackson 3's defaults would change what botfleet writes or reads,
 * it says what botfleet wants.
 */
public final class JsonMapping {
    /** Immutable, so shared: trees, log fields, and the JSON of records, lists and maps. */
    public static final JsonMapper MAPPER = builder().build();

    private JsonMapping() {
    }

    /** These settings, for a mapper that adds its own (a canonical form, snake_case names). */
    public static JsonMapper.Builder builder() {
        return JsonMapper.builder()
                // an object's properties in the order its class declares them (a record's: its components')
                .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                // an enum by its name, whatever its toString() says
                .disable(EnumFeature.WRITE_ENUMS_USING_TO_STRING)
                // a document is its first value: text after it (a peer's trailing garbage) is not a failure
                .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }
}
