-- The capacity calendar of each tenant with a limit: per minute, the tenant's units promised, so a
-- reservation is admitted only within its tenant's limit as well as the fleet's, and the tenant's
-- own ad-hoc bots do not take the units its reservations need. Written like capacity_calendar, in
-- the same statements, after it (the lock order: the gate, the fleet's minutes, the tenants'
-- minutes by tenant and minute, then the counters). cap is the tenant's limit as the last writer
-- knew it; a statement that would promise more is refused whole.
CREATE TABLE IF NOT EXISTS tenant_calendar (
  tenant   text        NOT NULL,
  slot     timestamptz NOT NULL,
  promised integer     NOT NULL DEFAULT 0 CHECK (promised >= 0),
  cap      integer     NOT NULL,
  PRIMARY KEY (tenant, slot),
  CONSTRAINT tenant_calendar_within_cap CHECK (promised <= cap)
);

-- Whether the bot's promise is in its tenant's calendar too (its tenant had a limit when it was
-- made), so what is given back is exactly what was promised.
ALTER TABLE bots ADD COLUMN IF NOT EXISTS tenant_promised boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION botfleet_promise_given_back() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.promised_until IS NOT NULL
     AND (NEW.status IN ('DONE', 'FATAL')
          OR (NOT OLD.reserved AND OLD.capacity_platform IS NOT NULL AND NEW.capacity_platform IS NULL)) THEN
    PERFORM 1 FROM capacity_calendar WHERE slot = '-infinity' FOR UPDATE;
    UPDATE capacity_calendar SET promised = promised - 1
    WHERE slot >= greatest(OLD.promised_from, date_trunc('minute', NEW.updated_at)) AND slot <= OLD.promised_until;
    IF OLD.tenant_promised THEN
      UPDATE tenant_calendar SET promised = promised - 1
      WHERE tenant = OLD.tenant AND slot >= greatest(OLD.promised_from, date_trunc('minute', NEW.updated_at))
        AND slot <= OLD.promised_until;
    END IF;
    NEW.promised_from := NULL;
    NEW.promised_until := NULL;
    NEW.tenant_promised := false;
  END IF;
  RETURN NEW;
END $$;
