package io.botfleet.platform;

import io.botfleet.bot.Bot;
import io.botfleet.bot.BotTokens;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment every platform hands a bot container: who it is, where to call back, its own
 * callback token (never a shared secret) and its meeting platform. The rest (the meeting's URL
 * and password among it) the bot reads from {@code GET /bots/{id}/config} with its token, so it
 * never sits in an ECS override, a Job spec or a Coolify application's environment.
 */
public final class BotEnvironment {
    private final String callbackBaseUrl;
    private final BotTokens tokens;

    public BotEnvironment(String callbackBaseUrl, BotTokens tokens) {
        this.callbackBaseUrl = callbackBaseUrl;
        this.tokens = tokens;
    }

    public Map<String, String> forBot(Bot bot) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BOT_ID", Long.toString(bot.id()));
        env.put("BOTFLEET_URL", callbackBaseUrl);
        env.put("BOT_TOKEN", tokens.tokenFor(bot.id()));
        env.put("MEETING_PLATFORM", bot.config().meeting().platform().wireName());
        return env;
    }
}
