package io.botfleet.bot;

/** When the bot leaves by itself, in milliseconds; the defaults are the prior art's. */
public record AutomaticLeave(long waitingRoomTimeoutMs, long noOneJoinedTimeoutMs,
                             long everyoneLeftTimeoutMs, long inactivityTimeoutMs) {

    public static final AutomaticLeave DEFAULT = new AutomaticLeave(600_000, 60_000, 60_000, 300_000);
}
