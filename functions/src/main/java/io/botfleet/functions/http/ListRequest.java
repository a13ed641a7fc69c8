package io.botfleet.functions.http;

import io.botfleet.bot.BotStatus;
import io.botfleet.config.Settings;
import io.botfleet.deployment.BotHistory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/** Reads and validates {@code GET /bots?status=&platform=&tenant=&createdAfter=&limit=&cursor=}. */
public final class ListRequest {
    private static final Pattern CURSOR = Pattern.compile("before:([1-9][0-9]{0,18})");

    private ListRequest() {
    }

    /** The filter, or a 400 problem naming every invalid parameter. */
    public static BotHistory.Filter parse(HttpRequest request) {
        List<Problem.FieldError> errors = new ArrayList<>();
        BotStatus status = null;
        String rawStatus = request.query("status");
        if (rawStatus != null) {
            status = Arrays.stream(BotStatus.values()).filter(s -> s.name().equals(rawStatus)).findFirst().orElse(null);
            if (status == null) {
                errors.add(new Problem.FieldError("/status", "must be one of " + Arrays.toString(BotStatus.values())));
            }
        }
        String platform = request.query("platform");
        if (platform != null && !Settings.PLATFORMS.contains(platform)) {
            errors.add(new Problem.FieldError("/platform", "must be one of coolify, k8s, aws, local"));
        }
        String tenant = request.query("tenant");
        if (tenant != null && !InputRules.isTenant(tenant)) {
            errors.add(new Problem.FieldError("/tenant", InputRules.TENANT));
        }
        Instant createdAfter = null;
        if (request.query("createdAfter") != null) {
            createdAfter = InputRules.dateTime(request.query("createdAfter"));
            if (createdAfter == null) {
                errors.add(new Problem.FieldError("/createdAfter", InputRules.DATE_TIME));
            }
        }
        Long before = null;
        if (request.query("cursor") != null) {
            before = cursorId(request.query("cursor"));
            if (before == null) {
                errors.add(new Problem.FieldError("/cursor", "is not a cursor this API gave (use nextCursor as it is)"));
            }
        }
        int limit = 50;
        try {
            limit = request.intQuery("limit", 50, 1, BotHistory.MAX_PAGE);
        } catch (Problem problem) {
            errors.addAll(problem.errors());
        }
        if (!errors.isEmpty()) {
            throw Problem.invalid(errors.size() + " invalid query parameter(s)", errors);
        }
        // after the 400s: a tenant's key lists its own bots, and is refused (403) another's
        return new BotHistory.Filter(status, platform, request.caller().listTenant(tenant), createdAfter, before, limit);
    }

    /** The opaque cursor of the page after the bot {@code id}. */
    public static String cursor(long before) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("before:" + before).getBytes(StandardCharsets.UTF_8));
    }

    private static Long cursorId(String cursor) {
        try {
            var m = CURSOR.matcher(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
            return m.matches() ? Long.valueOf(m.group(1)) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
