package io.botfleet.functions.http;

import io.botfleet.JsonMapping;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The one mapper of the HTTP layer: botfleet's ({@link JsonMapping}). */
public final class Json {
    public static final JsonMapper MAPPER = JsonMapping.MAPPER;

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }
}
