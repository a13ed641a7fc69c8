package io.botfleet.deployment;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Tenants as data: each tenant's weight, limit of units and guaranteed units, kept in
 * {@code tenants}, with what it has now: its units in use (bots holding a unit of a platform's
 * capacity), its waiting bots (QUEUED) and its weighted share of the units in use. A tenant with
 * no row is one never configured and reads as {@link #DEFAULT_WEIGHT}, no limit, nothing guaranteed.
 *
 * <p>A tenant's share is {@code weight / (sum of the weights of the tenants with work) × units in
 * use}, where a tenant has work when it has a unit in use or a bot waiting, and the units in use are
 * the whole fleet's; a tenant without work has a share of 0. Limit and guaranteed are stored and
 * shown here; what the fleet does with them is not this class's.
 */
public final class Tenants {
    public static final int DEFAULT_WEIGHT = 1;

    /** A tenant's settings and figures. {@code limit} null: no limit. */
    public record Tenant(String tenant, int weight, Integer limit, int guaranteed, long used, long waiting, double share) {
    }

    // A limit comes with the rows of the tenant's capacity calendar a day ahead, as an admission
    // makes them, so its bots already waiting are placed by the next claim.
    private static final String UPSERT = """
            WITH saved AS (
              INSERT INTO tenants (tenant, weight, unit_limit, guaranteed, created_at, updated_at)
              VALUES (:tenant, :weight, CAST(:unitLimit AS integer), :guaranteed, :now, :now)
              ON CONFLICT (tenant) DO UPDATE SET weight = EXCLUDED.weight, unit_limit = EXCLUDED.unit_limit,
                  guaranteed = EXCLUDED.guaranteed, updated_at = EXCLUDED.updated_at
              RETURNING tenant, unit_limit)
            INSERT INTO tenant_calendar (tenant, slot, cap)
            SELECT saved.tenant, s, saved.unit_limit
            FROM saved, generate_series(:promiseFrom::timestamptz, :promiseUntil::timestamptz + interval '1 day',
                                        interval '1 minute') AS s
            WHERE saved.unit_limit IS NOT NULL
            ON CONFLICT (tenant, slot) DO NOTHING""";

    // Every tenant configured or with work, its figures and its share. What the share needs of the
    // queue is which tenants have a bot waiting: a walk of the queued bots' tenant index from one
    // name to the next, a few probes however long the queue. Only the tenants answered have their
    // waiting bots counted, each on that index (V12); the units in use are read on theirs.
    private static final String FIGURES = """
            WITH RECURSIVE queued_tenants AS (
              SELECT (SELECT min(tenant) FROM bots WHERE status = 'QUEUED') AS tenant
              UNION ALL
              SELECT (SELECT min(b.tenant) FROM bots b WHERE b.status = 'QUEUED' AND b.tenant > q.tenant)
              FROM queued_tenants q WHERE q.tenant IS NOT NULL),
            in_use AS (
              SELECT tenant, count(*) AS n FROM bots WHERE capacity_platform IS NOT NULL GROUP BY tenant),
            named AS (
              SELECT tenant FROM tenants UNION SELECT tenant FROM in_use
              UNION SELECT tenant FROM queued_tenants WHERE tenant IS NOT NULL),
            figures AS (
              SELECT n.tenant, coalesce(t.weight, CAST(:defaultWeight AS integer)) AS weight, t.unit_limit,
                     coalesce(t.guaranteed, 0) AS guaranteed,
                     coalesce(u.n, 0) AS used, (u.n IS NOT NULL OR q.tenant IS NOT NULL) AS busy
              FROM named n
              LEFT JOIN tenants t ON t.tenant = n.tenant
              LEFT JOIN in_use u ON u.tenant = n.tenant
              LEFT JOIN queued_tenants q ON q.tenant = n.tenant),
            totals AS (
              SELECT coalesce(sum(used), 0) AS units, coalesce(sum(weight) FILTER (WHERE busy), 0) AS weights FROM figures)
            SELECT f.tenant, f.weight, f.unit_limit, f.guaranteed, f.used,
                   (SELECT count(*) FROM bots b WHERE b.status = 'QUEUED' AND b.tenant = f.tenant) AS waiting,
                   CASE WHEN f.busy THEN round(f.weight * s.units / s.weights::numeric, 2) ELSE 0 END::float8 AS share
            FROM figures f CROSS JOIN totals s""";

    private static final String LIST = FIGURES + "\nORDER BY f.tenant";

    private static final String ONE = FIGURES + "\nWHERE f.tenant = :tenant";

    private final Sql sql;
    private final Clock clock;
    private final CapacityCalendar calendar;

    /** @param calendar whose horizon a tenant's calendar rows are made for when it gets a limit */
    public Tenants(Sql sql, Clock clock, CapacityCalendar calendar) {
        this.sql = sql;
        this.clock = clock;
        this.calendar = calendar;
    }

    /** Sets a tenant's settings (a new row, or the row replaced) and answers it as {@link #get} reads it. */
    public Tenant put(String tenant, int weight, Integer limit, int guaranteed) {
        Instant now = clock.instant();
        sql.update(UPSERT, calendar.horizonParams(Params.of("tenant", tenant), now).and("weight", weight)
                .and("unitLimit", limit).and("guaranteed", guaranteed).and("now", now));
        return get(tenant);
    }

    /** The tenants configured or with work (a unit in use or a bot waiting), by name. */
    public List<Tenant> list() {
        return sql.query(LIST, Params.of("defaultWeight", DEFAULT_WEIGHT)).stream().map(Tenants::tenant).toList();
    }

    /** The tenant's settings and figures; its defaults and no work when it is neither configured nor busy. */
    public Tenant get(String tenant) {
        Row row = sql.queryOne(ONE, Params.of("tenant", tenant).and("defaultWeight", DEFAULT_WEIGHT));
        return row == null ? new Tenant(tenant, DEFAULT_WEIGHT, null, 0, 0, 0, 0) : tenant(row);
    }

    private static Tenant tenant(Row row) {
        Long limit = row.getLong("unit_limit");
        return new Tenant(row.getString("tenant"), Math.toIntExact(row.getLong("weight")),
                limit == null ? null : Math.toIntExact(limit), Math.toIntExact(row.getLong("guaranteed")),
                row.getLong("used"), row.getLong("waiting"), ((Number) row.get("share")).doubleValue());
    }
}
