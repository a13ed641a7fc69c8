package io.botfleet.platform;

/**
 * What a platform says about a bot's container: its state in the one vocabulary, and a reason a
 * user can act on when there is one ("image ghcr.io/acme/bot:1.4 cannot be pulled", "Spot
 * capacity was reclaimed"), else null.
 *
 * @param capacityReclaimed the platform took the container's capacity back (a Spot interruption):
 *                          the bot did nothing wrong, and one that had not joined its call yet
 *                          is worth placing again
 */
public record PlatformStatus(PlatformBotStatus state, String reason, boolean capacityReclaimed) {
    public static final PlatformStatus RUNNING = of(PlatformBotStatus.RUNNING, null);
    public static final PlatformStatus STOPPED = of(PlatformBotStatus.STOPPED, null);

    public static PlatformStatus of(PlatformBotStatus state, String reason) {
        return new PlatformStatus(state, reason, false);
    }

    /** Stopped because the platform took its capacity back. */
    public static PlatformStatus reclaimed(String reason) {
        return new PlatformStatus(PlatformBotStatus.STOPPED, reason, true);
    }

    /** The platform could not be asked; the reason says why (never a verdict on the container). */
    public static PlatformStatus unknown(String why) {
        return of(PlatformBotStatus.UNKNOWN, why);
    }
}
