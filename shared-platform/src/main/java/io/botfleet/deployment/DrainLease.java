package io.botfleet.deployment;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;

/**
 * One drainer at a time ({@code drain_lease}, a single row), so the units free at any moment go
 * to the best due entries however many drains are triggered at once. A drain that finds the
 * lease taken marks it "run again" and returns at once; the holder drains once more before it
 * lets go, so no release that arrived meanwhile is missed. A holder that dies loses the lease when
 * it expires.
 */
public final class DrainLease {

    // One guarded update of the one row: take it when free or expired, else mark rerun.
    private static final String ACQUIRE = """
            WITH old AS (SELECT owner, expires_at FROM drain_lease FOR UPDATE)
            UPDATE drain_lease d
            SET owner = CASE WHEN old.owner IS NULL OR old.expires_at <= :now THEN :owner ELSE d.owner END,
                expires_at = CASE WHEN old.owner IS NULL OR old.expires_at <= :now THEN :until ELSE d.expires_at END,
                rerun = NOT (old.owner IS NULL OR old.expires_at <= :now)
            FROM old
            RETURNING d.owner = :owner AS acquired""";

    // Let go, unless a rerun was asked for and the holder has time for it: then keep it, once more.
    private static final String FINISH = """
            WITH old AS (SELECT rerun FROM drain_lease WHERE owner = :owner FOR UPDATE)
            UPDATE drain_lease d
            SET owner = CASE WHEN old.rerun AND :mayGoOn THEN d.owner END,
                expires_at = CASE WHEN old.rerun AND :mayGoOn THEN d.expires_at END,
                rerun = false
            FROM old
            RETURNING old.rerun AS rerun""";

    /** How the holder ends a pass: let go, run again, or let go although a rerun was asked for. */
    public enum Next { DONE, AGAIN, RERUN_OWED }

    private final Sql sql;
    private final Clock clock;

    public DrainLease(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    /** Takes the lease for {@code ttl}; false (and the holder marked to run again) when another drain holds it. */
    public boolean acquire(String owner, Duration ttl) {
        var now = clock.instant();
        Row row = sql.queryOne(ACQUIRE, Params.of("owner", owner).and("now", now).and("until", now.plus(ttl)));
        return row != null && Boolean.TRUE.equals(row.getBoolean("acquired"));
    }

    /**
     * Ends a pass. AGAIN: a drain was asked for meanwhile and {@code mayGoOn}, so the lease is kept
     * for one more pass. RERUN_OWED: one was asked for but the holder has no time left; it let go,
     * and must ask for a new drain. DONE: let go (also when the lease was lost).
     */
    public Next finish(String owner, boolean mayGoOn) {
        Row row = sql.queryOne(FINISH, Params.of("owner", owner).and("mayGoOn", mayGoOn));
        if (row == null || !Boolean.TRUE.equals(row.getBoolean("rerun"))) {
            return Next.DONE;
        }
        return mayGoOn ? Next.AGAIN : Next.RERUN_OWED;
    }
}
