package io.botfleet.deployment;

/**
 * The SQL that shares the fleet between tenants, for the statements that place bots (the drain's
 * claim, the admission) and those that show why a bot waits and for how long. A tenant's share is
 * weighted: its weight over the weights of the tenants with work. Units go to the tenant whose
 * level is lowest with one more unit running, counted by half a unit (the Sainte-Lague divisors,
 * see DeploymentQueue's CLAIM): {@code (units in use + 0.5) / weight}.
 * Statements that use these bind {@code :now} and {@code :defaultWeight}.
 */
final class TenantShares {

    /**
     * A recursive CTE ({@code walk}): every tenant with a WAITING entry, one probe of the queue's
     * tenant index (V13) per tenant, however many entries each has. The last row's tenant is null.
     */
    static final String WALK = """
            walk AS (
              SELECT (SELECT min(tenant) FROM deployment_queue WHERE status = 'WAITING') AS tenant
              UNION ALL
              SELECT (SELECT min(q.tenant) FROM deployment_queue q WHERE q.status = 'WAITING' AND q.tenant > walk.tenant)
              FROM walk WHERE walk.tenant IS NOT NULL)""";

    /**
     * A CTE ({@code next_shares}, after {@link #WALK}): each tenant with a due entry its limit still
     * allows to run, the priority of its first, and its level with one more unit running
     * ({@code (used + 0.5) / weight}). The first due entry is found on the tenant's index and its
     * bot read by id.
     */
    static final String NEXT_SHARES = """
            next_shares AS (
              SELECT w.tenant, first.priority,
                     (coalesce(c.used, 0) + 0.5) / coalesce(t.weight, CAST(:defaultWeight AS integer)) AS share
              FROM walk w
              CROSS JOIN LATERAL (
                SELECT q.priority FROM deployment_queue q
                WHERE q.tenant = w.tenant AND q.status = 'WAITING' AND q.not_before <= :now AND q.timeout_at > :now
                  AND EXISTS (SELECT 1 FROM bots b WHERE b.id = q.bot_id AND b.status = 'QUEUED')
                ORDER BY q.priority, q.not_before, q.id LIMIT 1) first
              LEFT JOIN tenant_capacity c ON c.tenant = w.tenant
              LEFT JOIN tenants t ON t.tenant = w.tenant
              WHERE t.unit_limit IS NULL OR coalesce(c.used, 0) < t.unit_limit)""";

    private TenantShares() {
    }

    /**
     * True when another tenant would be served before {@code source}'s entry (columns
     * {@code tenant}, {@code priority}; after {@link #NEXT_SHARES}): it has a due entry of a better
     * priority, or of the same priority and a smaller share with one more unit running.
     */
    static String servedFirstByAnother(String source) {
        return """
                EXISTS (SELECT 1 FROM next_shares s
                        WHERE s.tenant <> %1$s.tenant AND (s.priority < %1$s.priority OR (s.priority = %1$s.priority
                          AND s.share < (SELECT m.share FROM next_shares m WHERE m.tenant = %1$s.tenant))))"""
                .formatted(source);
    }

    /**
     * Columns for the estimated wait of {@code source}'s entry (column {@code tenant}; after
     * {@link #WALK}): its tenant's {@code weight} and {@code unit_limit}, and {@code busy_weights},
     * the weights of every tenant with work (a unit in use or an entry waiting).
     */
    static String lineColumns(String source) {
        return """
                coalesce((SELECT t.weight FROM tenants t WHERE t.tenant = %1$s.tenant), CAST(:defaultWeight AS integer)) AS weight,
                (SELECT t.unit_limit FROM tenants t WHERE t.tenant = %1$s.tenant) AS unit_limit,
                (SELECT coalesce(sum(coalesce(t.weight, CAST(:defaultWeight AS integer))), 0)
                 FROM (SELECT tenant FROM walk WHERE tenant IS NOT NULL
                       UNION SELECT tenant FROM tenant_capacity WHERE used > 0) busy
                 LEFT JOIN tenants t ON t.tenant = busy.tenant) AS busy_weights""".formatted(source);
    }
}
