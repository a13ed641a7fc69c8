package io.botfleet.platform;

/** What a platform's scheduled tick ({@link PlatformService#tick}) may tell the core. */
public interface PlatformTick {

    /**
     * The bot's container cannot start on this platform, for good, although its deploy was
     * accepted (Coolify's deployment failed again and again): the bot ends FATAL with this
     * reason, and its unit and pooled resource are given back as for any end. Only while the bot
     * still has this container ({@code identifier}): a word about an earlier one changes nothing.
     */
    void deployFailed(long botId, String identifier, String reason);
}
