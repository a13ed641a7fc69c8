package io.botfleet.deployment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.botfleet.bot.AutomaticLeave;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import java.time.Instant;

/**
 * The JSON columns of {@code bots} (the meeting and the automatic-leave timeouts), the JSON
 * parameters that carry a batch to one statement (the Data API takes no array parameters), and the
 * canonical text of a deploy request, which its idempotency fingerprint hashes.
 */
final class BotJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper PARAMETERS = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    // every record component by name, sorted, nulls included, each value escaped as JSON: a new
    // field joins the text by itself, and no field's text can pass for another field
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
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
        return new Meeting(MeetingPlatform.fromWire(node.path("platform").asText()).orElseThrow(),
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
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write a request's canonical form", e);
        }
    }

    /** A statement's JSON parameter: records become objects with snake_case fields, maps objects. */
    static String parameter(Object value) {
        try {
            return PARAMETERS.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write a JSON parameter", e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable JSON column", e);
        }
    }
}
