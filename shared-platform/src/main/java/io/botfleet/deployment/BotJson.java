package io.botfleet.deployment;

import io.botfleet.JsonMapping;
import io.botfleet.bot.AutomaticLeave;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import java.time.Instant;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.ser.std.ToStringSerializer;

/**
 * The JSON columns of {@code bots} (the meeting and the automatic-leave timeouts), the JSON
 * parameters that carry a batch to one statement (the Data API takes no array parameters), and the
 * canonical text of a deploy request, which its idempotency fingerprint hashes.
 */
final class BotJson {
    private static final JsonMapper MAPPER = JsonMapping.MAPPER;
    private static final JsonMapper PARAMETERS = JsonMapping.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();
    // every record component by name, sorted, nulls included, each value escaped as JSON: a new
    // field joins the text by itself, and no field's text can pass for another field
    private static final JsonMapper CANONICAL = JsonMapping.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .disable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
            .addModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance))
            .build();

    private BotJson() {
    }

    static String meeting(Meeting meeting) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("platform", meeting.platform().wireName());
        node.put("url", meeting.url());
        node.put("id", meeting.id());
        node.put("password", meeting.password());
        return node.toString();
    }

    static Meeting meeting(String json) {
        JsonNode node = read(json);
        return new Meeting(MeetingPlatform.fromWire(node.path("platform").asString()).orElseThrow(),
                text(node, "url"), text(node, "id"), text(node, "password"));
    }

    static String automaticLeave(AutomaticLeave leave) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("waitingRoomTimeoutMs", leave.waitingRoomTimeoutMs());
        node.put("noOneJoinedTimeoutMs", leave.noOneJoinedTimeoutMs());
        node.put("everyoneLeftTimeoutMs", leave.everyoneLeftTimeoutMs());
        node.put("inactivityTimeoutMs", leave.inactivityTimeoutMs());
        return node.toString();
    }

    static AutomaticLeave automaticLeave(String json) {
        JsonNode node = read(json);
        return new AutomaticLeave(node.path("waitingRoomTimeoutMs").asLong(), node.path("noOneJoinedTimeoutMs").asLong(),
                node.path("everyoneLeftTimeoutMs").asLong(), node.path("inactivityTimeoutMs").asLong());
    }

    /** The request as canonical JSON: equal exactly when every field of the two requests is equal. */
    static String canonical(BotConfig config) {
        try {
            return CANONICAL.writeValueAsString(config);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot write a request's canonical form", e);
        }
    }

    /** A statement's JSON parameter: records become objects with snake_case fields, maps objects. */
    static String parameter(Object value) {
        try {
            return PARAMETERS.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot write a JSON parameter", e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalStateException("unreadable JSON column", e);
        }
    }
}
