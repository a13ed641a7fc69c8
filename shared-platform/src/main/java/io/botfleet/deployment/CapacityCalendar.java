package io.botfleet.deployment;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The capacity calendar (V15): per minute, the units of the fleet promised for it, to reserved
 * bots for their whole window and to bots placed without a reservation for their estimated
 * duration; and the same per tenant with a limit (V17). Its rows are written by the statements that admit, claim and end bots; this class
 * holds what those statements share (the slots of a span, the horizon an unreserved bot promises)
 * and the reads: the next window with a unit free, and the schedule.
 */
public final class CapacityCalendar {

    /** How far the next free window is searched, and the longest schedule one read answers. */
    public static final Duration SEARCH = Duration.ofDays(7);

    /** Slots made ahead of every admission, so a claim finds the rows of its horizon. */
    static final Duration MADE_AHEAD = Duration.ofDays(1);

    /** The slots {@code [from, until]}, each named by the minute it starts. */
    public record Span(Instant from, Instant until) {
        /** The span of minutes that {@code start} to {@code end} touches. */
        public static Span of(Instant start, Instant end) {
            return new Span(slot(start), slot(end));
        }

        public long slots() {
            return Duration.between(from, until).toMinutes() + 1;
        }
    }

    /** A run of minutes with the same units promised, and the units left in them. */
    public record Window(Instant from, Instant to, int promised, int free) {
    }

    /** A bot's reservation: its window and where the bot is. */
    public record Reservation(long botId, String tenant, Instant startTime, Instant from, Instant until, String status) {
    }

    /** The calendar between two instants: the fleet's units, the windows, and the reservations held in it. */
    public record Schedule(int units, List<Window> windows, List<Reservation> reservations) {
    }

    // Every minute from :from to :to with the units promised in it, the fleet's and :tenant's (none:
    // null), a minute without a row promising nothing.
    private static final String SLOTS = """
            WITH slots AS (
              SELECT s.slot, coalesce(c.promised, 0) AS promised, coalesce(t.promised, 0) AS tenant_promised
              FROM generate_series(:from::timestamptz, :to::timestamptz, interval '1 minute') AS s(slot)
              LEFT JOIN capacity_calendar c ON c.slot = s.slot
              LEFT JOIN tenant_calendar t ON t.tenant = :tenant::text AND t.slot = s.slot),
            """;

    // The first window at or after :from of :len more slots whose every slot has a unit left, the
    // fleet's and, when it has a limit, the tenant's; searched as far as :to.
    private static final String NEXT_FREE = SLOTS + """
            windows AS (
              SELECT slot, max(promised) OVER w AS peak, max(tenant_promised) OVER w AS tenant_peak, count(*) OVER w AS n
              FROM slots
              WINDOW w AS (ORDER BY slot ROWS BETWEEN CURRENT ROW AND :len FOLLOWING))
            SELECT min(slot) AS start FROM windows
            WHERE peak < :units AND n = :len + 1
              AND tenant_peak < coalesce((SELECT unit_limit FROM tenants WHERE tenant = :tenant::text), :units)""";

    // Runs of equal promise between :from and :to, a slot without a row promising nothing.
    private static final String WINDOWS = SLOTS + """
            marked AS (
              SELECT slot, promised, CASE WHEN promised = lag(promised) OVER (ORDER BY slot) THEN 0 ELSE 1 END AS starts
              FROM slots),
            runs AS (
              SELECT slot, promised, sum(starts) OVER (ORDER BY slot) AS run FROM marked)
            SELECT min(slot) AS window_from, max(slot) + interval '1 minute' AS window_to, min(promised) AS promised
            FROM runs GROUP BY run ORDER BY window_from""";

    // The reservations whose window meets [:from, :to], by launch.
    private static final String RESERVATIONS = """
            SELECT b.id, b.tenant, b.start_time, b.promised_from, b.promised_until, b.status FROM bots b
            WHERE b.reserved AND b.promised_until IS NOT NULL AND b.promised_from <= :to AND b.promised_until >= :from
            ORDER BY b.promised_from, b.id LIMIT :limit""";

    private final Sql sql;
    private final java.time.Clock clock;
    private final int units;
    private final Duration estimatedBotDuration;

    /**
     * @param units                the fleet's units: the sum of its platforms' limits
     * @param estimatedBotDuration what a bot without a reservation promises its unit for
     */
    public CapacityCalendar(Sql sql, java.time.Clock clock, int units, Duration estimatedBotDuration) {
        this.sql = sql;
        this.clock = clock;
        this.units = units;
        this.estimatedBotDuration = estimatedBotDuration;
    }

    /** The minute that holds {@code t}. */
    public static Instant slot(Instant t) {
        return t.truncatedTo(ChronoUnit.MINUTES);
    }

    /** Now, on the clock the statements that write the calendar use. */
    public Instant now() {
        return clock.instant();
    }

    public int units() {
        return units;
    }

    public Duration estimatedBotDuration() {
        return estimatedBotDuration;
    }

    /** What a bot placed now without a reservation promises: its unit for its estimated duration. */
    Span horizon(java.time.Instant now) {
        return Span.of(now, now.plus(estimatedBotDuration));
    }

    /**
     * The parameters of a statement that checks or makes an unreserved promise now:
     * {@code :units}, {@code :promiseFrom}, {@code :promiseUntil} and {@code :promiseSlots}.
     */
    Params horizonParams(Params params, Instant now) {
        Span span = horizon(now);
        return params.and("units", units).and("promiseFrom", span.from()).and("promiseUntil", span.until())
                .and("promiseSlots", span.slots());
    }

    /**
     * The earliest span as long as {@code wanted}, starting at or after it, with a unit free in every
     * slot, the fleet's and, when the tenant has a limit, the tenant's.
     */
    public Optional<Span> nextFree(Span wanted, String tenant) {
        long extra = wanted.slots() - 1;
        Row row = sql.queryOne(NEXT_FREE, Params.of("from", wanted.from()).and("to", wanted.from().plus(SEARCH).plus(
                Duration.ofMinutes(extra))).and("len", extra).and("units", units).and("tenant", tenant));
        Instant start = row == null ? null : row.getInstant("start");
        return Optional.ofNullable(start).map(s -> new Span(s, s.plus(Duration.ofMinutes(extra))));
    }

    /**
     * The calendar from {@code from} to {@code to} (at most {@link #SEARCH} apart): windows of equal
     * promise and up to {@code limit} reservations.
     */
    public Schedule schedule(Instant from, Instant to, int limit) {
        Instant first = slot(from);
        Instant last = slot(to.minusNanos(1));
        List<Window> windows = new ArrayList<>();
        for (Row row : sql.query(WINDOWS, Params.of("from", first).and("to", last).and("tenant", null))) {
            int promised = row.getLong("promised").intValue();
            windows.add(new Window(row.getInstant("window_from"), row.getInstant("window_to"), promised,
                    Math.max(0, units - promised)));
        }
        List<Reservation> reservations = sql.query(RESERVATIONS, Params.of("from", first).and("to", last)
                .and("limit", limit)).stream()
                .map(r -> new Reservation(r.getLong("id"), r.getString("tenant"), r.getInstant("start_time"),
                        r.getInstant("promised_from"), r.getInstant("promised_until").plus(Duration.ofMinutes(1)),
                        r.getString("status"))).toList();
        return new Schedule(units, windows, reservations);
    }
}
