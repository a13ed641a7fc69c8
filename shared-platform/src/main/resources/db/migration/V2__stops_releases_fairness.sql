-- What the platform contract needs from the database: stops and releases that are owed until a
-- platform confirms them, a unit held until its container is gone, one drainer at a time, and a
-- request key that makes a repeated admission find its own bot.

-- Every admission carries a key (the client's Idempotency-Key is another matter): a retried
-- admit statement finds the bot it made instead of making a second one.
ALTER TABLE bots ADD COLUMN request_key text NOT NULL DEFAULT gen_random_uuid()::text;

CREATE UNIQUE INDEX bots_request_key ON bots (request_key);

-- When the latest deploy call of the bot's claim was decided (the first call, or a resume): until
-- that call has surely ended, no stop or lookup may conclude that nothing of the bot runs.
ALTER TABLE bots ADD COLUMN call_started_at timestamptz;

-- A bot ended by the service (stopped, given up for silence) keeps its unit until its container
-- is confirmed gone, so capacity may now be held by an ended bot; only a queued bot holds none.
ALTER TABLE bots DROP CONSTRAINT bots_capacity_only_while_alive;

ALTER TABLE bots ADD CONSTRAINT bots_no_capacity_while_queued CHECK (capacity_platform IS NULL OR status <> 'QUEUED');

-- What the core still owes a platform for a bot: a stop (the container may run) and then the
-- release of a pooled resource (a Coolify slot) and the capacity-released announcement. A row is
-- written by the same statement that ends the bot or frees its unit, and deleted when done.
CREATE TABLE platform_releases (
  bot_id          bigint      NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  platform        text        NOT NULL CHECK (platform IN ('coolify', 'k8s', 'aws', 'local')),
  stop_owed       boolean     NOT NULL,
  -- the container's identifier when known; a stop without it goes by the bot's deterministic name
  identifier      text,
  -- a stop confirms nothing runs only once every deploy call of the bot's claim has ended
  stop_after      timestamptz NOT NULL,
  reason          text,
  next_attempt_at timestamptz NOT NULL,
  attempts        integer     NOT NULL DEFAULT 0,
  last_error      text,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (bot_id, platform)
);

CREATE INDEX platform_releases_due ON platform_releases (next_attempt_at);

-- One drainer at a time, so the units free at any moment go to the best due entries. A drain
-- that finds the lease taken marks rerun, and the holder drains once more before it lets go.
CREATE TABLE drain_lease (
  singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  owner      text,
  expires_at timestamptz,
  rerun      boolean     NOT NULL DEFAULT false
);

INSERT INTO drain_lease (singleton) VALUES (true);

-- A new request checks for due entries ahead of it, whatever their lease.
CREATE INDEX deployment_queue_order ON deployment_queue (priority, not_before, id);
