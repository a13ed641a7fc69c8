package io.botfleet.platform;

/**
 * What a platform says about a bot's container: its state in the one vocabulary, and a reason a
 * user can act on when there is one ("image ghcr.io/acme/bot:1.4 cannot be pulled", "Spot
 * capacity was reclaimed"), else null.
 */
public record PlatformStatus(PlatformBotStatus state, String reason) {
    public static final PlatformStatus RUNNING = new PlatformStatus(PlatformBotStatus.RUNNING, null);
    public static final PlatformStatus STOPPED = new PlatformStatus(PlatformBotStatus.STOPPED, null);

    public static PlatformStatus of(PlatformBotStatus state, String reason) {
        return new PlatformStatus(state, reason);
    }

    /** The platform could not be asked; the reason says why (never a verdict on the container). */
    public static PlatformStatus unknown(String why) {
        return new PlatformStatus(PlatformBotStatus.UNKNOWN, why);
    }
}
