-- Every status change of a bot, and for a bot with a callback URL its webhook, written by the
-- very statement that changes the status (a trigger runs inside it): a change that did not
-- happen writes nothing, and one that happened cannot lose its event. Whatever path changes a
-- status (deploy, drain, stop, callback, reconcile), the history is whole.

CREATE TABLE bot_events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bot_id          bigint      NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  status          text        NOT NULL,
  previous_status text,
  reason          text,
  platform        text,
  at              timestamptz NOT NULL
);

CREATE INDEX bot_events_of_bot ON bot_events (bot_id, id);

-- A webhook to send: one per event of a bot with a callback URL. Sent in event order per bot;
-- leased while one drainer sends it (lease_until); retried with backoff until delivered,
-- failed, or stopped by a 410 Gone.
CREATE TABLE webhook_deliveries (
  event_id        bigint      PRIMARY KEY REFERENCES bot_events (id) ON DELETE CASCADE,
  bot_id          bigint      NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  url             text        NOT NULL,
  state           text        NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED', 'GONE')),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until     timestamptz,
  last_answer     text,
  answered_at     timestamptz
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'PENDING';

CREATE INDEX webhook_deliveries_of_bot ON webhook_deliveries (bot_id, event_id);

CREATE FUNCTION botfleet_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  event_id bigint;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  END IF;
  INSERT INTO bot_events (bot_id, status, previous_status, reason, platform, at)
  VALUES (NEW.id, NEW.status, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status_reason,
          NEW.deployment_platform, NEW.updated_at)
  RETURNING id INTO event_id;
  IF NEW.callback_url IS NOT NULL THEN
    INSERT INTO webhook_deliveries (event_id, bot_id, url, next_attempt_at)
    VALUES (event_id, NEW.id, NEW.callback_url, NEW.updated_at);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER bots_status_changed AFTER INSERT OR UPDATE OF status ON bots
  FOR EACH ROW EXECUTE FUNCTION botfleet_status_changed();
