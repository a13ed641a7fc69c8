package io.botfleet.deployment;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A tenant's API keys, kept in {@code tenant_keys}: made, listed without their secret, revoked,
 * and the tenant a presented key acts for. A key is {@value #PREFIX} and 32 random bytes in
 * base64url; it is shown once, when made, and stored only as its SHA-256.
 *
 * <p>Why a plain SHA-256 and not a slow password hash: a key is 256 random bits, not a word a
 * person chose, so no dictionary or brute force over its hash can find it; a slow hash would only
 * slow every request. And a hash that is the same for the same key lets the key be found by one
 * indexed lookup, with no per-row salt to try.
 *
 * <p>Nothing here is cached: a revoked key is refused by the next request on any instance.
 */
public final class TenantKeys {
    /** What every key begins with, so a key is recognisable (by a person, and by secret scanners). */
    public static final String PREFIX = "bf_";
    /** How much of a key its listing shows: the prefix and 5 characters (30 of its 256 random bits). */
    static final int SHOWN = PREFIX.length() + 5;
    private static final int RANDOM_BYTES = 32;

    /** A key as listed: never its secret. {@code revokedAt} null while it works. */
    public record Key(long id, String tenant, String prefix, Instant createdAt, Instant revokedAt) {
    }

    /** A key just made, with the secret, which is shown this once. */
    public record Created(Key key, String secret) {
    }

    private static final String COLUMNS = "id, tenant, prefix, created_at, revoked_at";

    private final Sql sql;
    private final Clock clock;

    public TenantKeys(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    /** A new key of the tenant; its secret is in the answer and nowhere else. */
    public Created create(String tenant) {
        byte[] random = new byte[RANDOM_BYTES];
        // a new generator per key, seeded from the system now: one made before a SnapStart snapshot
        // would be restored, with its state, into every instance started from it
        new SecureRandom().nextBytes(random);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Row row = sql.queryOne("INSERT INTO tenant_keys (tenant, key_hash, prefix, created_at) "
                        + "VALUES (:tenant, :hash, :prefix, :now) RETURNING " + COLUMNS,
                Params.of("tenant", tenant).and("hash", hash(secret)).and("prefix", secret.substring(0, SHOWN))
                        .and("now", clock.instant()));
        return new Created(key(row), secret);
    }

    /** The tenant's keys, revoked ones included, oldest first. */
    public List<Key> list(String tenant) {
        return sql.query("SELECT " + COLUMNS + " FROM tenant_keys WHERE tenant = :tenant ORDER BY id",
                Params.of("tenant", tenant)).stream().map(TenantKeys::key).toList();
    }

    /**
     * Revokes the tenant's key (a key revoked before keeps its first time); false when the tenant
     * has no key of this id.
     */
    public boolean revoke(String tenant, long id) {
        return sql.update("UPDATE tenant_keys SET revoked_at = coalesce(revoked_at, :now) WHERE id = :id AND tenant = :tenant",
                Params.of("id", id).and("tenant", tenant).and("now", clock.instant())) > 0;
    }

    /** The tenant this key acts for; empty when it is no key, or a revoked one. One indexed statement. */
    public Optional<String> tenantOf(String presented) {
        if (!presented.startsWith(PREFIX)) {
            return Optional.empty(); // no key of ours: no statement
        }
        Row row = sql.queryOne("SELECT tenant FROM tenant_keys WHERE key_hash = :hash AND revoked_at IS NULL",
                Params.of("hash", hash(presented)));
        return row == null ? Optional.empty() : Optional.of(row.getString("tenant"));
    }

    private static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static Key key(Row row) {
        return new Key(row.getLong("id"), row.getString("tenant"), row.getString("prefix"), row.getInstant("created_at"),
                row.getInstant("revoked_at"));
    }
}
