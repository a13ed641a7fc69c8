package io.botfleet.functions.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one reader of request bodies. It builds the tree itself from the parser's tokens, so each
 * name and string is checked where it is read, with its JSON pointer at hand: by
 * {@link InputRules#textProblem}, a name given twice in one object is refused (rather than the last
 * one silently winning), and nesting ends at {@link #MAX_DEPTH} levels. Every such problem is
 * reported at once, as a 400 naming its field; a body that is not JSON at all is malformed-json.
 */
final class JsonBody {
    /** Levels of objects and arrays, the body's own included; none of our bodies needs more than 3. */
    static final int MAX_DEPTH = 64;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Set<String> freeText;
    private final List<Problem.FieldError> errors = new ArrayList<>();

    private JsonBody(Set<String> freeText) {
        this.freeText = freeText;
    }

    /** The body's tree; {@code freeText} are the pointers of strings that may hold tab and newline. */
    static JsonNode read(byte[] bytes, Set<String> freeText) {
        JsonBody body = new JsonBody(freeText);
        try (JsonParser parser = Json.MAPPER.createParser(bytes)) {
            try {
                if (parser.nextToken() == null) {
                    throw malformed(parser, null, "no JSON value");
                }
                JsonNode tree = body.value(parser, "", 1);
                if (parser.nextToken() != null) {
                    throw malformed(parser, null, "more than one JSON value");
                }
                body.throwErrors();
                return tree;
            } catch (JacksonIOException e) { // the bytes could not be decoded as the encoding they began in
                throw unreadable();
            } catch (JacksonException e) {
                throw malformed(parser, e.getLocation(), e.getOriginalMessage());
            }
        } catch (JacksonException e) { // no parser for these bytes: their encoding could not be told
            throw unreadable();
        }
    }

    private JsonNode value(JsonParser parser, String pointer, int depth) {
        JsonToken token = parser.currentToken();
        if ((token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) && depth > MAX_DEPTH) {
            // stop here: reading on would be the deep recursion this limit exists to avoid
            error(pointer, "nests deeper than " + MAX_DEPTH + " levels of objects and arrays");
            throwErrors();
        }
        return switch (token) {
            case START_OBJECT -> object(parser, pointer, depth);
            case START_ARRAY -> array(parser, pointer, depth);
            case VALUE_STRING -> {
                check(parser.getString(), pointer, freeText.contains(pointer));
                yield NODES.stringNode(parser.getString());
            }
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(token == JsonToken.VALUE_TRUE);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw malformed(parser, null, "unexpected " + token);
        };
    }

    private ObjectNode object(JsonParser parser, String pointer, int depth) {
        ObjectNode node = NODES.objectNode();
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            String at = pointer + "/" + name.replace("~", "~0").replace("/", "~1"); // RFC 6901
            check(name, at, false);
            if (node.has(name)) {
                error(at, "is given twice; give each field once");
            }
            parser.nextToken();
            node.set(name, value(parser, at, depth + 1));
        }
        return node;
    }

    private ArrayNode array(JsonParser parser, String pointer, int depth) {
        ArrayNode node = NODES.arrayNode();
        for (int i = 0; parser.nextToken() != JsonToken.END_ARRAY; i++) {
            node.add(value(parser, pointer + "/" + i, depth + 1));
        }
        return node;
    }

    private void check(String text, String pointer, boolean free) {
        String problem = InputRules.textProblem(text, free);
        if (problem != null) {
            error(pointer, problem);
        }
    }

    private void error(String pointer, String detail) {
        errors.add(new Problem.FieldError(pointer, detail));
    }

    private void throwErrors() {
        if (!errors.isEmpty()) {
            throw Problem.invalid(errors.size() + " invalid field(s)", List.copyOf(errors));
        }
    }

    /**
     * Where the parser stopped (a limit's exception carries no location of its own) and why, without
     * the text the parser quotes: an unquoted token may be a password ({@code Unrecognized token '...'}).
     */
    private static Problem malformed(JsonParser parser, TokenStreamLocation location, String reason) {
        TokenStreamLocation at = location != null ? location : parser.currentLocation();
        String why = reason == null ? "" : reason.replaceAll("(?s)'.*'", "'...'");
        int detailStart = why.indexOf(" (");
        return new Problem(400, "malformed-json", "The body is not valid JSON",
                "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": "
                        + (detailStart > 0 ? why.substring(0, detailStart) : why));
    }

    private static Problem unreadable() {
        return new Problem(400, "malformed-json", "The body is not valid JSON", "the body could not be read");
    }
}
