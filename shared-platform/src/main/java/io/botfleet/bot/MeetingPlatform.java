package io.botfleet.bot;

import java.util.Arrays;
import java.util.Optional;

/** The meeting service a bot joins; it selects the bot image. */
public enum MeetingPlatform {
    ZOOM("zoom"), MICROSOFT_TEAMS("microsoft-teams"), GOOGLE_MEET("google-meet");

    private final String wireName;

    MeetingPlatform(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /**
     * The platform a meeting URL's host belongs to: Zoom ({@code zoom.us}, {@code zoomgov.com} and
     * their subdomains), Teams ({@code teams.microsoft.com}, {@code teams.live.com}), Meet
     * ({@code meet.google.com}); empty for any other host.
     */
    public static Optional<MeetingPlatform> ofHost(String host) {
        String h = host == null ? "" : host.toLowerCase(java.util.Locale.ROOT);
        if (within(h, "zoom.us") || within(h, "zoomgov.com")) {
            return Optional.of(ZOOM);
        }
        if (within(h, "teams.microsoft.com") || within(h, "teams.live.com")) {
            return Optional.of(MICROSOFT_TEAMS);
        }
        if (h.equals("meet.google.com")) {
            return Optional.of(GOOGLE_MEET);
        }
        return Optional.empty();
    }

    private static boolean within(String host, String domain) {
        return host.equals(domain) || host.endsWith("." + domain);
    }

    public static Optional<MeetingPlatform> fromWire(String value) {
        return Arrays.stream(values()).filter(p -> p.wireName.equals(value)).findFirst();
    }
}
