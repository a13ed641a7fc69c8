package io.botfleet.config;

import io.botfleet.bot.MeetingPlatform;
import java.util.EnumMap;
import java.util.Map;

/**
 * The bot image (with its tag) for each meeting platform, shared by every container platform:
 * {@code BOT_IMAGE_ZOOM}, {@code BOT_IMAGE_MICROSOFT_TEAMS}, {@code BOT_IMAGE_GOOGLE_MEET}.
 */
public record BotImages(Map<MeetingPlatform, String> byPlatform) {

    public String of(MeetingPlatform platform) {
        return byPlatform.get(platform);
    }

    /** The image name without its tag: {@code ghcr.io/acme/bot} of {@code ghcr.io/acme/bot:1.4}. */
    public static String name(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(0, colon) : image;
    }

    /** The tag of an image, {@code latest} when it names none. */
    public static String tag(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(colon + 1) : "latest";
    }

    /** Each platform's image, required because a container platform is configured. */
    static BotImages read(Env env) {
        Map<MeetingPlatform, String> images = new EnumMap<>(MeetingPlatform.class);
        for (MeetingPlatform platform : MeetingPlatform.values()) {
            String name = "BOT_IMAGE_" + platform.name();
            String image = env.required(name);
            if (image != null && (image.isBlank() || image.chars().anyMatch(Character::isWhitespace))) {
                env.problem(name + " must be an image reference such as ghcr.io/acme/bot:1.4 (no spaces)");
            }
            images.put(platform, image);
        }
        return new BotImages(images);
    }
}
