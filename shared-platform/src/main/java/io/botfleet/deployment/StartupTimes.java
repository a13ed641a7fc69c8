package io.botfleet.deployment;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Each platform's start-up time, deploy to the call (a bot's {@code joined_at - deploy_started_at}),
 * measured as the 95th percentile of its latest bots; and from it the lead a scheduled bot is
 * launched by: the slowest platform's p95 plus a margin, never less than the configured floor. A
 * reservation is fleet-wide, so its bot may land on any platform. The figures are read at most
 * once a minute per instance: they move slowly, and a lead is advice, not a count.
 */
public final class StartupTimes {

    /** How many of a platform's latest joins its percentile is taken over. */
    static final int SAMPLE = 200;

    private static final Duration REFRESH = Duration.ofMinutes(1);

    // Each platform's latest joins, newest first on the bots_joined index, however long the history.
    private static final String P95 = """
            SELECT p.platform,
                   (SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY recent.ms) FROM (
                      SELECT floor(extract(epoch FROM b.joined_at - b.deploy_started_at) * 1000)::bigint AS ms
                      FROM bots b
                      WHERE b.deployment_platform = p.platform AND b.joined_at IS NOT NULL
                        AND b.deploy_started_at IS NOT NULL AND b.joined_at >= b.deploy_started_at
                      ORDER BY b.joined_at DESC LIMIT :sample) recent) AS p95_ms
            FROM unnest(string_to_array(:platforms, ',')) AS p(platform)""";

    private record Measured(Duration lead, Map<String, Duration> p95, Instant at) {
    }

    private final Sql sql;
    private final Clock clock;
    private final String platforms;
    private final Duration floor;
    private final Duration margin;
    private volatile Measured last;

    /**
     * @param floor  the least lead ({@code SCHEDULE_LEAD})
     * @param margin added to the slowest p95 ({@code SCHEDULE_LEAD_MARGIN})
     */
    public StartupTimes(Sql sql, Clock clock, Collection<String> platforms, Duration floor, Duration margin) {
        this.sql = sql;
        this.clock = clock;
        this.platforms = String.join(",", platforms);
        this.floor = floor;
        this.margin = margin;
    }

    /** How long before its start time a scheduled bot is launched. */
    public Duration lead() {
        return measured().lead();
    }

    /** Each platform's p95 start-up time; a platform with no join measured yet is absent. */
    public Map<String, Duration> p95() {
        return measured().p95();
    }

    private Measured measured() {
        Measured known = last;
        Instant now = clock.instant();
        if (known != null && known.at().plus(REFRESH).isAfter(now) && !known.at().isAfter(now)) {
            return known;
        }
        Map<String, Duration> p95 = new LinkedHashMap<>();
        for (Row row : sql.query(P95, Params.of("platforms", platforms).and("sample", SAMPLE))) {
            Long ms = row.getLong("p95_ms");
            if (ms != null) {
                p95.put(row.getString("platform"), Duration.ofMillis(ms));
            }
        }
        Duration slowest = p95.values().stream().max(Duration::compareTo).map(d -> d.plus(margin)).orElse(Duration.ZERO);
        Measured fresh = new Measured(slowest.compareTo(floor) > 0 ? slowest : floor, Map.copyOf(p95), now);
        last = fresh;
        return fresh;
    }
}
