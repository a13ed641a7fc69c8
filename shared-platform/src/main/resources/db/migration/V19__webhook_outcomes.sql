-- A webhook delivery's outcome (DELIVERED, FAILED, GONE) carries the id of the transaction that
-- reached it, so the metrics count each outcome exactly once, by the cursor that counts the bots'
-- events (V16). Set by the statement that writes the outcome, whichever it is.
ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS outcome_tx bigint;
CREATE INDEX IF NOT EXISTS webhook_deliveries_outcome_tx ON webhook_deliveries (outcome_tx) WHERE outcome_tx IS NOT NULL;

CREATE OR REPLACE FUNCTION botfleet_webhook_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state <> 'PENDING' AND NEW.state IS DISTINCT FROM OLD.state THEN
    NEW.outcome_tx := pg_current_xact_id()::text::bigint;
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS webhook_deliveries_outcome ON webhook_deliveries;
CREATE TRIGGER webhook_deliveries_outcome BEFORE UPDATE OF state ON webhook_deliveries
  FOR EACH ROW EXECUTE FUNCTION botfleet_webhook_outcome();
