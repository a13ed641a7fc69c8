package io.botfleet.bot;

/** Where the bot goes: the meeting service and how to get in. */
public record Meeting(MeetingPlatform platform, String url, String id, String password) {
}
