-- The capacity calendar: per minute (a slot, named by its first instant), the units of the fleet
-- promised for it. A scheduled bot admitted far enough ahead reserves one unit for every minute
-- from its launch (its start time less the lead) to its end, in the statement that admits it; a
-- bot placed without a reservation promises its unit for the minutes of its estimated duration, in
-- the claim that places it, and only where a unit is left. cap is the fleet's units as the last
-- writer knew them: a statement that would promise more than that is refused whole by the CHECK,
-- so two admissions racing for the last unit cannot both have it.
CREATE TABLE IF NOT EXISTS capacity_calendar (
  slot     timestamptz PRIMARY KEY,
  promised integer     NOT NULL DEFAULT 0 CHECK (promised >= 0),
  cap      integer     NOT NULL,
  CONSTRAINT capacity_calendar_within_cap CHECK (promised <= cap)
);

-- The calendar's gate: every statement that changes promised minutes (an admission's reservation, a
-- claim's promise, a promise given back) locks this row first, so their row locks on the minutes,
-- taken over ranges that overlap in any order, cannot wait on each other in a circle.
INSERT INTO capacity_calendar (slot, promised, cap) VALUES ('-infinity', 0, 0) ON CONFLICT (slot) DO NOTHING;

-- A bot's promise: the slots [promised_from, promised_until] it holds a unit in, and whether it is
-- a reservation (kept through a failed platform call, until the bot ends) or an estimate (given
-- up when its unit is). joined_at: when it first reached its call in its latest placement, so its
-- start-up time is joined_at - deploy_started_at and, scheduled, its lateness joined_at - start_time.
ALTER TABLE bots ADD COLUMN IF NOT EXISTS reserved boolean NOT NULL DEFAULT false;
ALTER TABLE bots ADD COLUMN IF NOT EXISTS promised_from timestamptz;
ALTER TABLE bots ADD COLUMN IF NOT EXISTS promised_until timestamptz;
ALTER TABLE bots ADD COLUMN IF NOT EXISTS joined_at timestamptz;

-- The launch lead follows each platform's recent start-up times: its latest joins, newest first.
CREATE INDEX IF NOT EXISTS bots_joined ON bots (deployment_platform, joined_at DESC) WHERE joined_at IS NOT NULL;

-- The schedule view lists the reservations held in a window.
CREATE INDEX IF NOT EXISTS bots_reserved ON bots (promised_from) WHERE reserved AND promised_until IS NOT NULL;

-- A reserved bot's entry goes before every other due entry: the drain reads them first, from here.
ALTER TABLE deployment_queue ADD COLUMN IF NOT EXISTS reserved boolean NOT NULL DEFAULT false;

CREATE INDEX IF NOT EXISTS deployment_queue_reserved_waiting ON deployment_queue (not_before, id)
  WHERE status = 'WAITING' AND reserved;

-- A promise is given back by the statement that ends it, whichever statement that is: a bot that
-- ends gives back what is left of its promise (from the current minute on), and an estimated one
-- gives it back with its unit too (a reserved bot whose platform call failed keeps its reservation
-- for the next platform). The slots it held before the current minute keep their count: they are past.
CREATE OR REPLACE FUNCTION botfleet_promise_given_back() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.promised_until IS NOT NULL
     AND (NEW.status IN ('DONE', 'FATAL')
          OR (NOT OLD.reserved AND OLD.capacity_platform IS NOT NULL AND NEW.capacity_platform IS NULL)) THEN
    PERFORM 1 FROM capacity_calendar WHERE slot = '-infinity' FOR UPDATE;
    UPDATE capacity_calendar SET promised = promised - 1
    WHERE slot >= greatest(OLD.promised_from, date_trunc('minute', NEW.updated_at)) AND slot <= OLD.promised_until;
    NEW.promised_from := NULL;
    NEW.promised_until := NULL;
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS bots_promise_given_back ON bots;
CREATE TRIGGER bots_promise_given_back BEFORE UPDATE OF status, capacity_platform ON bots
  FOR EACH ROW EXECUTE FUNCTION botfleet_promise_given_back();

-- A bot's events carry how late it joined its call, on the event of its joining, when it had a start time.
ALTER TABLE bot_events ADD COLUMN IF NOT EXISTS late_by_ms bigint;

CREATE OR REPLACE FUNCTION botfleet_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  event_id bigint;
  delivery_seq bigint;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  END IF;
  INSERT INTO bot_events (bot_id, status, previous_status, reason, platform, at, late_by_ms)
  VALUES (NEW.id, NEW.status, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status_reason,
          NEW.deployment_platform, NEW.updated_at,
          CASE WHEN TG_OP = 'UPDATE' AND NEW.start_time IS NOT NULL AND NEW.joined_at IS NOT NULL
                    AND OLD.joined_at IS DISTINCT FROM NEW.joined_at
               THEN greatest(0, floor(extract(epoch FROM NEW.joined_at - NEW.start_time) * 1000))::bigint END)
  RETURNING id INTO event_id;
  IF NEW.callback_url IS NOT NULL THEN
    INSERT INTO webhook_heads AS h (bot_id, origin, next_seq, last_seq, due_at)
    VALUES (NEW.id, botfleet_webhook_origin(NEW.callback_url), 1, 1, NEW.updated_at)
    ON CONFLICT (bot_id) DO UPDATE SET last_seq = h.last_seq + 1,
      due_at = CASE WHEN h.next_seq > h.last_seq THEN EXCLUDED.due_at ELSE h.due_at END
    RETURNING h.last_seq INTO delivery_seq;
    INSERT INTO webhook_deliveries (event_id, bot_id, url, next_attempt_at, seq)
    VALUES (event_id, NEW.id, NEW.callback_url, NEW.updated_at, delivery_seq);
  END IF;
  RETURN NULL;
END $$;
