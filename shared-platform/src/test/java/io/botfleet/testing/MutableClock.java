package io.botfleet.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * A clock tests move by hand, so leases, timeouts and schedules are tested without sleeping:
 * standing still, or (for long runs whose end must let minutes pass) real time plus what the
 * test added.
 */
public final class MutableClock extends Clock {
    private final Instant start = Instant.now().truncatedTo(ChronoUnit.MILLIS); // what the database keeps
    private final boolean ticking;
    private volatile Duration added = Duration.ZERO;

    public MutableClock() {
        this(false);
    }

    private MutableClock(boolean ticking) {
        this.ticking = ticking;
    }

    /** Real time, plus what {@link #advance} adds. */
    public static MutableClock ticking() {
        return new MutableClock(true);
    }

    public void advance(Duration by) {
        added = added.plus(by);
    }

    @Override
    public Instant instant() {
        return (ticking ? Instant.now() : start).plus(added);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
