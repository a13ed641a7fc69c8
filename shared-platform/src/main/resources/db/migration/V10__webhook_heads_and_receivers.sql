-- The webhook outbox at scale. A claim reads only deliveries that can go now: each bot's next
-- delivery (its head), kept by the outbox itself, never the deliveries waiting behind it. And a
-- receiver that keeps failing is paused, so its backlog neither uses up its deliveries' attempts
-- nor the senders' time.

-- A bot's deliveries are numbered 1, 2, 3... (seq) in event order; its head row says which one
-- goes next. Every change to a head is arithmetic on its own row under the row's lock (the trigger
-- below adds a delivery; the statement that ends a delivery advances it), so two writers of one
-- bot serialise on that row and neither can miss what the other wrote.
CREATE TABLE IF NOT EXISTS webhook_heads (
  bot_id   bigint      PRIMARY KEY REFERENCES bots (id) ON DELETE CASCADE,
  -- the receiver: the callback URL's origin (scheme, host, port; no user info)
  origin   text        NOT NULL,
  -- the seq of the bot's next delivery to send, and of its latest one: none pending when next_seq > last_seq
  next_seq bigint      NOT NULL,
  last_seq bigint      NOT NULL,
  -- when the head may be claimed: its next attempt, or the end of its lease while a sender has it;
  -- NULL when nothing is pending
  due_at   timestamptz,
  -- its receiver is paused: out of the claim until the receiver is resumed (only while pending)
  paused   boolean     NOT NULL DEFAULT false
);

-- The claim: due heads in due order, read up to the batch and no further.
CREATE INDEX IF NOT EXISTS webhook_heads_due ON webhook_heads (due_at) WHERE due_at IS NOT NULL AND NOT paused;

-- Pausing, probing and resuming one receiver: its pending heads, in due order.
CREATE INDEX IF NOT EXISTS webhook_heads_of_receiver ON webhook_heads (origin, due_at) WHERE due_at IS NOT NULL;

-- Receivers that are failing, paused or being resumed; a healthy receiver has no row. A row is
-- written only by statements that lock it, so a pause and a resume are never both half seen.
CREATE TABLE IF NOT EXISTS webhook_receivers (
  origin        text        PRIMARY KEY,
  -- failed attempts in a row, since the first of them
  failures      integer     NOT NULL DEFAULT 0,
  failing_since timestamptz,
  -- paused while set; once it has passed, one probe goes and the next is set
  paused_until  timestamptz,
  -- answered again: its paused heads are released, then the row is forgotten
  resumed       boolean     NOT NULL DEFAULT false
);

-- The probes due, and the receivers whose heads are to be released.
CREATE INDEX IF NOT EXISTS webhook_receivers_probe ON webhook_receivers (paused_until) WHERE paused_until IS NOT NULL;

CREATE INDEX IF NOT EXISTS webhook_receivers_resumed ON webhook_receivers (origin) WHERE resumed AND paused_until IS NULL;

ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS seq bigint;

-- A head joins its delivery by (bot_id, seq); only pending deliveries are claimed.
CREATE UNIQUE INDEX IF NOT EXISTS webhook_deliveries_pending_seq ON webhook_deliveries (bot_id, seq) WHERE state = 'PENDING';

-- The origin of a URL, as a receiver is named: lower-case scheme and host, the port unless it is
-- the scheme's default, no user info (it may hold a password), no path.
CREATE OR REPLACE FUNCTION botfleet_webhook_origin(url text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(
    regexp_replace(regexp_replace(regexp_replace(
      lower(substring(url FROM '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')),
      '^([a-z0-9+.-]+://)[^@]*@', '\1'),
      '^(https://.*):443$', '\1'),
      '^(http://.*):80$', '\1'),
    'not a URL')
$$;

-- Pending deliveries written before this migration: numbered in event order, and a head for each
-- bot that has any. Only pending rows are touched (delivered and failed ones keep no seq).
UPDATE webhook_deliveries d SET seq = o.seq
FROM (SELECT event_id, row_number() OVER (PARTITION BY bot_id ORDER BY event_id) AS seq
      FROM webhook_deliveries WHERE state = 'PENDING') o
WHERE d.event_id = o.event_id AND d.seq IS NULL;

INSERT INTO webhook_heads (bot_id, origin, next_seq, last_seq, due_at)
SELECT bot_id, botfleet_webhook_origin(min(url)), 1, count(*),
       min(GREATEST(next_attempt_at, lease_until)) FILTER (WHERE seq = 1)
FROM webhook_deliveries WHERE state = 'PENDING'
GROUP BY bot_id
ON CONFLICT (bot_id) DO NOTHING;

-- A status change's webhook now takes the bot's next seq from its head (made at its first) in
-- the same statement; a bot whose deliveries were all done gets a due head again.
CREATE OR REPLACE FUNCTION botfleet_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  event_id bigint;
  delivery_seq bigint;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  END IF;
  INSERT INTO bot_events (bot_id, status, previous_status, reason, platform, at)
  VALUES (NEW.id, NEW.status, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status_reason,
          NEW.deployment_platform, NEW.updated_at)
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

-- A delivery that ends (delivered, failed, gone) advances its bot's head, and a retry sets when
-- the head is due, in the statement that records it, whichever code wrote it. The head is
-- locked first, so the next query (a new snapshot) sees every delivery added before the lock.
CREATE OR REPLACE FUNCTION botfleet_webhook_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  following_seq bigint;
  following_due timestamptz;
BEGIN
  PERFORM 1 FROM webhook_heads WHERE bot_id = NEW.bot_id AND next_seq = NEW.seq FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL; -- not the head: a later delivery ended with it (410 Gone)
  END IF;
  IF NEW.state = 'PENDING' THEN
    UPDATE webhook_heads SET due_at = NEW.next_attempt_at WHERE bot_id = NEW.bot_id;
    RETURN NULL;
  END IF;
  SELECT seq, next_attempt_at INTO following_seq, following_due FROM webhook_deliveries
  WHERE bot_id = NEW.bot_id AND state = 'PENDING' AND seq > NEW.seq ORDER BY seq LIMIT 1;
  UPDATE webhook_heads SET next_seq = COALESCE(following_seq, last_seq + 1), due_at = following_due,
                           paused = paused AND following_seq IS NOT NULL
  WHERE bot_id = NEW.bot_id;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS webhook_deliveries_recorded ON webhook_deliveries;

CREATE TRIGGER webhook_deliveries_recorded AFTER UPDATE OF state, next_attempt_at ON webhook_deliveries
  FOR EACH ROW WHEN (OLD.state = 'PENDING' AND NEW.seq IS NOT NULL)
  EXECUTE FUNCTION botfleet_webhook_recorded();
