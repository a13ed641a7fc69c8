package io.botfleet.bot;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Per-bot callback tokens: an HMAC of the bot id under a secret only the service holds. */
public final class BotTokens {
    private static final String ALGORITHM = "HmacSHA256";
    private final SecretKeySpec key;

    public BotTokens(String secret) {
        if (secret == null || secret.length() < 16) {
            throw new IllegalArgumentException("the bot token secret must be at least 16 characters");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    public String tokenFor(long botId) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            byte[] digest = mac.doFinal(("bot:" + botId).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison, so a caller learns nothing from how long a wrong token takes. */
    public boolean isValid(long botId, String token) {
        if (token == null) {
            return false;
        }
        return MessageDigest.isEqual(tokenFor(botId).getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }
}
