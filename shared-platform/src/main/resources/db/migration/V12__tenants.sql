-- Tenants as data: a tenant's weight, its limit of units and the units guaranteed to it. A tenant
-- with no row is one never configured: it counts as weight 1, no limit, nothing guaranteed.
CREATE TABLE IF NOT EXISTS tenants (
  tenant     text        PRIMARY KEY CHECK (length(tenant) BETWEEN 1 AND 128),
  weight     integer     NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 1000),
  -- NULL: no limit
  unit_limit integer     CHECK (unit_limit >= 0),
  guaranteed integer     NOT NULL DEFAULT 0 CHECK (guaranteed >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tenants_guaranteed_within_limit CHECK (unit_limit IS NULL OR guaranteed <= unit_limit)
);

-- The tenant views count each tenant's units in use and its waiting bots: from these indexes, whose
-- size follows the bots running and the backlog rather than the history.
CREATE INDEX IF NOT EXISTS bots_tenant_in_use ON bots (tenant) WHERE capacity_platform IS NOT NULL;
CREATE INDEX IF NOT EXISTS bots_tenant_queued ON bots (tenant) WHERE status = 'QUEUED';
