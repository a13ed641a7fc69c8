package io.botfleet.functions.http;

import io.botfleet.bot.AutomaticLeave;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads and validates the body of {@code POST /bots}. Every problem is reported at once, each
 * with a JSON pointer; unknown fields are refused, so a misspelt field is an error, not a default.
 */
public final class DeployRequest {
    private static final Set<String> FIELDS = Set.of("meetingUrl", "meeting", "displayName", "imageUrl", "recordingEnabled",
            "automaticLeave", "startTime", "endTime", "callbackUrl", "tenant", "priority");
    private static final Set<String> MEETING_FIELDS = Set.of("platform", "url", "id", "password");
    private static final Set<String> LEAVE_FIELDS = Set.of("waitingRoomTimeoutMs", "noOneJoinedTimeoutMs",
            "everyoneLeftTimeoutMs", "inactivityTimeoutMs");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");
    private static final long MAX_LEAVE_MS = 24L * 60 * 60 * 1000;
    private static final java.time.Duration MAX_CALL = java.time.Duration.ofHours(24);
    /** The tenant of a bot whose body names none, deployed by the operator. */
    private static final String DEFAULT_TENANT = "default";

    private final List<Problem.FieldError> errors = new ArrayList<>();
    private final boolean webhooksSigned;
    private final String defaultTenant;

    private DeployRequest(boolean webhooksSigned, String defaultTenant) {
        this.webhooksSigned = webhooksSigned;
        this.defaultTenant = defaultTenant;
    }

    /**
     * The validated configuration, or a 400 problem naming every invalid field.
     *
     * @param webhooksSigned whether this deployment has a {@code WEBHOOK_SECRET}: without one no
     *                       webhook can be sent, so a {@code callbackUrl} is refused, not ignored
     * @param caller         a tenant's key deploys for its tenant: the one a body without
     *                       {@code tenant} gets, and the only one a body may name (else 403)
     */
    public static BotConfig parse(JsonNode body, boolean webhooksSigned, Caller caller) {
        DeployRequest request = new DeployRequest(webhooksSigned, caller.isOperator() ? DEFAULT_TENANT : caller.tenant());
        BotConfig config = request.read(body);
        if (!request.errors.isEmpty()) {
            throw Problem.invalid(request.errors.size() + " invalid field(s)", request.errors);
        }
        caller.requireTenant(config.tenant());
        return config;
    }

    /** The Idempotency-Key header: absent, or 1-255 visible ASCII characters. */
    public static String idempotencyKey(String header) {
        if (header != null && !IDEMPOTENCY_KEY.matcher(header).matches()) {
            throw Problem.invalid("Idempotency-Key must be 1 to 255 visible ASCII characters",
                    List.of(new Problem.FieldError("/headers/idempotency-key", "must be 1 to 255 visible ASCII characters")));
        }
        return header;
    }

    private BotConfig read(JsonNode body) {
        if (!body.isObject()) {
            error("", "must be a JSON object");
            return null;
        }
        unknownFields(body, FIELDS, "");
        Meeting meeting = meeting(body.get("meeting"), url(body, "meetingUrl", ""));
        String displayName = text(body, "displayName", "", 255, false);
        String imageUrl = url(body, "imageUrl", "");
        Boolean recording = bool(body, "recordingEnabled");
        AutomaticLeave leave = automaticLeave(body.get("automaticLeave"));
        Instant start = instant(body, "startTime");
        Instant end = instant(body, "endTime");
        if (start != null && end != null && !end.isAfter(start)) {
            error("/endTime", "must be after startTime");
        } else if (start != null && end != null && end.isAfter(start.plus(MAX_CALL))) {
            // a reservation holds a unit in every minute of the bot's window
            error("/endTime", "must be at most 24 hours after startTime");
        }
        String callbackUrl = url(body, "callbackUrl", "");
        if (callbackUrl != null && !webhooksSigned) {
            error("/callbackUrl", "cannot be used here: WEBHOOK_SECRET is not set, so no webhook could be signed "
                    + "(set WEBHOOK_SECRET or WEBHOOK_SECRET_SECRET_ARN, or leave callbackUrl out)");
        }
        String tenant = text(body, "tenant", "", 128, false);
        if (tenant != null && !InputRules.isTenant(tenant)) {
            error("/tenant", InputRules.TENANT);
        }
        int priority = 0;
        JsonNode p = body.get("priority");
        if (p != null && !p.isNull()) {
            if (!p.canConvertToInt() || !p.isIntegralNumber() || p.asInt() < -100 || p.asInt() > 100) {
                error("/priority", "must be a whole number from -100 to 100 (lower goes first)");
            } else {
                priority = p.asInt();
            }
        }
        return new BotConfig(meeting, displayName == null ? "botfleet" : displayName, imageUrl,
                recording != null && recording, leave, start, end, callbackUrl, tenant == null ? defaultTenant : tenant,
                priority);
    }

    /**
     * The meeting: its URL (as {@code meetingUrl}, or {@code meeting.url} as before) decides the
     * platform by its host; a {@code meeting.platform} given too must agree. {@code meeting}
     * still carries the meeting's id and password.
     */
    private Meeting meeting(JsonNode node, String meetingUrl) {
        if (node != null && !node.isNull() && !node.isObject()) {
            error("/meeting", "must be an object");
            return null;
        }
        JsonNode meeting = node == null || node.isNull() ? null : node;
        if (meeting != null) {
            unknownFields(meeting, MEETING_FIELDS, "/meeting");
        }
        String urlPointer = meetingUrl != null ? "/meetingUrl" : "/meeting/url";
        String url = meetingUrl;
        if (meeting != null && meeting.get("url") != null && !meeting.get("url").isNull()) {
            String inMeeting = url(meeting, "url", "/meeting");
            if (meetingUrl != null && inMeeting != null && !inMeeting.equals(meetingUrl)) {
                error("/meeting/url", "differs from meetingUrl; give the meeting's URL once, as meetingUrl");
            }
            url = url == null ? inMeeting : url;
        }
        MeetingPlatform platform = null;
        if (url == null) {
            if (errors.stream().noneMatch(e -> e.pointer().equals(urlPointer) || e.pointer().equals("/meeting/url"))) {
                error(meeting != null && meeting.has("platform") ? "/meeting/url" : "/meetingUrl",
                        "is required: the meeting's Zoom, Microsoft Teams or Google Meet URL");
            }
        } else {
            platform = MeetingPlatform.ofHost(URI.create(url).getHost()).orElse(null);
            if (platform == null) {
                error(urlPointer, "is not a Zoom, Microsoft Teams or Google Meet meeting URL (host "
                        + URI.create(url).getHost() + ")");
            }
        }
        JsonNode p = meeting == null ? null : meeting.get("platform");
        if (p != null && !p.isNull()) {
            MeetingPlatform given = p.isString() ? MeetingPlatform.fromWire(p.stringValue()).orElse(null) : null;
            if (given == null) {
                error("/meeting/platform", "must be zoom, microsoft-teams or google-meet, got " + p);
            } else if (platform != null && given != platform) {
                error("/meeting/platform", "is " + given.wireName() + " but the URL is a " + platform.wireName()
                        + " meeting; leave the platform out, the URL decides it");
            }
        }
        return new Meeting(platform, url, meeting == null ? null : text(meeting, "id", "/meeting", 255, false),
                meeting == null ? null : text(meeting, "password", "/meeting", 255, false));
    }

    private AutomaticLeave automaticLeave(JsonNode node) {
        if (node == null || node.isNull()) {
            return AutomaticLeave.DEFAULT;
        }
        if (!node.isObject()) {
            error("/automaticLeave", "must be an object");
            return AutomaticLeave.DEFAULT;
        }
        unknownFields(node, LEAVE_FIELDS, "/automaticLeave");
        AutomaticLeave d = AutomaticLeave.DEFAULT;
        return new AutomaticLeave(millis(node, "waitingRoomTimeoutMs", d.waitingRoomTimeoutMs()),
                millis(node, "noOneJoinedTimeoutMs", d.noOneJoinedTimeoutMs()),
                millis(node, "everyoneLeftTimeoutMs", d.everyoneLeftTimeoutMs()),
                millis(node, "inactivityTimeoutMs", d.inactivityTimeoutMs()));
    }

    private long millis(JsonNode parent, String field, long fallback) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        // canConvertToLong first: past a long's range, asLong() would wrap the number into it
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < 1 || node.asLong() > MAX_LEAVE_MS) {
            error("/automaticLeave/" + field, "must be a whole number of milliseconds from 1 to " + MAX_LEAVE_MS);
            return fallback;
        }
        return node.asLong();
    }

    private String text(JsonNode parent, String field, String prefix, int maxLength, boolean required) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                error(prefix + "/" + field, "is required");
            }
            return null;
        }
        if (!node.isString()) {
            error(prefix + "/" + field, "must be a string");
            return null;
        }
        String value = node.stringValue();
        if (value.isBlank() || value.length() > maxLength) {
            error(prefix + "/" + field, "must be 1 to " + maxLength + " characters");
            return null;
        }
        return value;
    }

    private String url(JsonNode parent, String field, String prefix) {
        String value = text(parent, field, prefix, 2048, false);
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value);
            // ASCII only (percent-encode the rest, as RFC 3986 wants): it also bounds a row's bytes
            if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && value.chars().allMatch(c -> c < 128)) {
                return value;
            }
        } catch (java.net.URISyntaxException ignored) {
            // reported below
        }
        error(prefix + "/" + field, "must be an absolute http or https URL in ASCII (percent-encoded)");
        return null;
    }

    private Boolean bool(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            error("/" + field, "must be true or false");
            return null;
        }
        return node.asBoolean();
    }

    private Instant instant(JsonNode parent, String field) {
        String value = text(parent, field, "", 64, false);
        if (value == null) {
            return null;
        }
        Instant instant = InputRules.dateTime(value);
        if (instant == null) {
            error("/" + field, InputRules.DATE_TIME);
        }
        return instant;
    }

    private void unknownFields(JsonNode node, Set<String> known, String prefix) {
        for (String name : node.propertyNames()) {
            if (!known.contains(name)) {
                error(prefix + "/" + name, "is not a known field");
            }
        }
    }

    private void error(String pointer, String detail) {
        errors.add(new Problem.FieldError(pointer, detail));
    }
}
