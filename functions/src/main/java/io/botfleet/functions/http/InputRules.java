package io.botfleet.functions.http;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * What every value the API reads must be, in one place: {@link JsonBody} applies the text rule to
 * every name and string of a body, {@link HttpRequest} to every query parameter, and each reader
 * of a date-time takes it from here.
 */
public final class InputRules {
    /** The answer for a date-time that is not one or falls outside the years this API accepts. */
    public static final String DATE_TIME = "must be an ISO-8601 date-time with an offset, in the years 2000 to 2100, "
            + "such as 2026-11-28T15:00:00Z";

    /** The answer for a tenant's name that breaks {@link #isTenant}. */
    public static final String TENANT = "must be 1 to 128 letters, digits, '.', '_' and '-'";

    private static final Pattern TENANT_NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    // wide enough for any meeting or listing; narrow enough that the queue's arithmetic
    // (time-outs, waits) and the database's timestamps never overflow
    private static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    private static final Instant AFTER_LATEST = Instant.parse("2101-01-01T00:00:00Z");

    private InputRules() {
    }

    /**
     * What is wrong with this text, or null when nothing is. Text is whole Unicode (no unpaired
     * surrogate, which no UTF-8 can carry) without control characters: PostgreSQL refuses U+0000,
     * and the rest hide in logs and displays. Free text (a bot's reason) may have tab and newline.
     * The answer names the character, never the text, which may be a secret.
     */
    public static String textProblem(String text, boolean freeText) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a pair: one character outside the BMP
            } else if (Character.isSurrogate(c)) {
                return "contains the unpaired surrogate U+%04X, which is not Unicode text".formatted((int) c);
            } else if (Character.getType(c) == Character.CONTROL && !(freeText && (c == '\t' || c == '\n'))) {
                return "contains the control character U+%04X; %s".formatted((int) c,
                        freeText ? "only tab and newline may be used here" : "none may be used here");
            }
        }
        return null;
    }

    /** Whether this is a tenant's name: in a deploy's body, a list's filter and the tenant routes' path alike. */
    public static boolean isTenant(String text) {
        return TENANT_NAME.matcher(text).matches();
    }

    /** The instant of an ISO-8601 date-time with an offset in the years 2000 to 2100; null when it is not one. */
    public static Instant dateTime(String text) {
        try {
            Instant instant = OffsetDateTime.parse(text).toInstant();
            return instant.isBefore(EARLIEST) || !instant.isBefore(AFTER_LATEST) ? null : instant;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
