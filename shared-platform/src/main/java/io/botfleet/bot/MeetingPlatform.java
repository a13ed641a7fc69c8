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

    public static Optional<MeetingPlatform> fromWire(String value) {
        return Arrays.stream(values()).filter(p -> p.wireName.equals(value)).findFirst();
    }
}
