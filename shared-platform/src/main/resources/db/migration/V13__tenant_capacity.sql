-- Each tenant's units in use: the tenant side of the capacity ledger. Like platform_capacity.used it
-- moves only together with bots.capacity_platform, in the same statement: a claim adds what it
-- grants (never taking a tenant above tenants.unit_limit), every release takes its units back.
-- A tenant gets its row when its first bot is admitted, so a limit set later counts what the tenant
-- already runs; the rows below are the tenants with work when this migration runs.
CREATE TABLE IF NOT EXISTS tenant_capacity (
  tenant text    PRIMARY KEY,
  used   integer NOT NULL DEFAULT 0 CHECK (used >= 0)
);

INSERT INTO tenant_capacity (tenant, used)
SELECT tenant, count(*) FILTER (WHERE capacity_platform IS NOT NULL)
FROM bots WHERE capacity_platform IS NOT NULL OR status = 'QUEUED'
GROUP BY tenant
ON CONFLICT (tenant) DO NOTHING;

-- The drain shares free units between tenants: it reads each tenant's first due entries in queue
-- order, one walk per tenant with work, from this index. The entry carries its bot's tenant for it;
-- an insert that does not name it (a version before this one) has it filled in from the bot.
ALTER TABLE deployment_queue ADD COLUMN IF NOT EXISTS tenant text;

UPDATE deployment_queue q SET tenant = b.tenant FROM bots b WHERE b.id = q.bot_id AND q.tenant IS NULL;

CREATE OR REPLACE FUNCTION deployment_queue_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.tenant IS NULL THEN
    SELECT b.tenant INTO NEW.tenant FROM bots b WHERE b.id = NEW.bot_id;
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS deployment_queue_tenant ON deployment_queue;
CREATE TRIGGER deployment_queue_tenant BEFORE INSERT ON deployment_queue
  FOR EACH ROW EXECUTE FUNCTION deployment_queue_tenant();

CREATE INDEX IF NOT EXISTS deployment_queue_tenant_waiting ON deployment_queue (tenant, priority, not_before, id)
  WHERE status = 'WAITING';
