package io.botfleet.functions.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads and validates the body of {@code PUT /tenants/{tenant}}: the whole of a tenant's settings,
 * a field left out taking its default. Every problem is reported at once, each with a JSON pointer;
 * unknown fields are refused, so a misspelt field is an error, not a default.
 *
 * @param limit null: no limit
 */
public record TenantRequest(int weight, Integer limit, int guaranteed) {
    public static final int MAX_WEIGHT = 1000;
    private static final Set<String> FIELDS = Set.of("weight", "limit", "guaranteed");

    /** The validated settings, or a 400 problem naming every invalid field. */
    public static TenantRequest parse(JsonNode body) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (!body.isObject()) {
            throw Problem.invalid("1 invalid field(s)", List.of(new Problem.FieldError("", "must be a JSON object")));
        }
        for (String name : body.propertyNames()) {
            if (!FIELDS.contains(name)) {
                errors.add(new Problem.FieldError("/" + name, "is not a known field; the fields are " + FIELDS));
            }
        }
        Integer weight = whole(body, "weight", 1, MAX_WEIGHT, false, errors);
        Integer limit = whole(body, "limit", 0, Integer.MAX_VALUE, true, errors);
        Integer guaranteed = whole(body, "guaranteed", 0, Integer.MAX_VALUE, false, errors);
        if (limit != null && guaranteed != null && guaranteed > limit) {
            errors.add(new Problem.FieldError("/guaranteed", "must not be above limit (" + limit + ")"));
        }
        if (!errors.isEmpty()) {
            throw Problem.invalid(errors.size() + " invalid field(s)", errors);
        }
        return new TenantRequest(weight == null ? 1 : weight, limit, guaranteed == null ? 0 : guaranteed);
    }

    /**
     * The field as a whole number in [min, max]; null when absent, when null and {@code nullable}, or
     * when wrong (then an error is added).
     */
    private static Integer whole(JsonNode body, String field, int min, int max, boolean nullable,
                                 List<Problem.FieldError> errors) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull() && nullable) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < min || node.asInt() > max) {
            errors.add(new Problem.FieldError("/" + field, "must be a whole number from " + min + " to " + max
                    + (nullable ? ", or null for none" : "")));
            return null;
        }
        return node.asInt();
    }
}
