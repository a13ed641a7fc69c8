-- botfleet schema. timestamptz everywhere; every enum column has a CHECK.
-- Statements end with a semicolon at the end of a line (see Migrations).

CREATE TABLE bots (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant              text        NOT NULL CHECK (length(tenant) BETWEEN 1 AND 128),
  display_name        text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 255),
  image_url           text        CHECK (length(image_url) <= 2048),
  meeting             jsonb       NOT NULL,
  meeting_platform    text        NOT NULL CHECK (meeting_platform IN ('zoom', 'microsoft-teams', 'google-meet')),
  recording_enabled   boolean     NOT NULL DEFAULT false,
  automatic_leave     jsonb       NOT NULL,
  start_time          timestamptz,
  end_time            timestamptz,
  callback_url        text        CHECK (length(callback_url) <= 2048),
  priority            integer     NOT NULL DEFAULT 0,
  status              text        NOT NULL CHECK (status IN ('QUEUED', 'DEPLOYING', 'JOINING_CALL', 'IN_WAITING_ROOM',
                                    'IN_CALL', 'LEAVING', 'CALL_ENDED', 'DONE', 'FATAL')),
  status_reason       text,
  -- where the bot was (or is being) deployed
  deployment_platform text        CHECK (deployment_platform IN ('coolify', 'k8s', 'aws', 'local')),
  -- the platform whose capacity ledger holds a unit for this bot; NULL once released
  capacity_platform   text        CHECK (capacity_platform IN ('coolify', 'k8s', 'aws', 'local')),
  platform_identifier text,
  idempotency_key     text        CHECK (length(idempotency_key) <= 255),
  request_fingerprint text,
  deploy_attempts     integer     NOT NULL DEFAULT 0,
  last_error          text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  deploy_started_at   timestamptz,
  deployed_at         timestamptz,
  ended_at            timestamptz,
  last_heartbeat      timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT bots_capacity_only_while_alive CHECK (capacity_platform IS NULL OR status IN
    ('DEPLOYING', 'JOINING_CALL', 'IN_WAITING_ROOM', 'IN_CALL', 'LEAVING', 'CALL_ENDED'))
);

CREATE UNIQUE INDEX bots_idempotency_key ON bots (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE INDEX bots_platform_status ON bots (deployment_platform, status);

-- the drain's search for deployed bots gone silent
CREATE INDEX bots_alive_heartbeat ON bots (last_heartbeat, deployed_at) WHERE capacity_platform IS NOT NULL;

-- The global queue: one row per bot that is not yet running.
-- Order is priority (lower first), then not_before (when the bot became eligible), then id.
CREATE TABLE deployment_queue (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bot_id           bigint      NOT NULL UNIQUE REFERENCES bots (id) ON DELETE CASCADE,
  priority         integer     NOT NULL DEFAULT 0,
  queued_at        timestamptz NOT NULL DEFAULT now(),
  not_before       timestamptz NOT NULL DEFAULT now(),
  timeout_at       timestamptz NOT NULL,
  status           text        NOT NULL DEFAULT 'WAITING' CHECK (status IN ('WAITING', 'PROCESSING')),
  lease_owner      text,
  lease_expires_at timestamptz,
  attempts         integer     NOT NULL DEFAULT 0,
  last_error       text,
  CONSTRAINT deployment_queue_lease_matches_status
    CHECK ((status = 'PROCESSING') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);

CREATE INDEX deployment_queue_waiting ON deployment_queue (priority, not_before, id) WHERE status = 'WAITING';

CREATE INDEX deployment_queue_leases ON deployment_queue (lease_expires_at) WHERE status = 'PROCESSING';

CREATE INDEX deployment_queue_timeouts ON deployment_queue (timeout_at);

-- The capacity ledger: one row per platform. A claim is a guarded increment, a release a decrement
-- tied to clearing bots.capacity_platform in the same statement (see CapacityLedger).
CREATE TABLE platform_capacity (
  platform   text    PRIMARY KEY CHECK (platform IN ('coolify', 'k8s', 'aws', 'local')),
  used       integer NOT NULL DEFAULT 0 CHECK (used >= 0),
  last_grant integer NOT NULL DEFAULT 0
);

INSERT INTO platform_capacity (platform) VALUES ('coolify'), ('k8s'), ('aws'), ('local');

-- Coolify pool slots: pre-created applications, each serving one meeting platform's image.
CREATE TABLE bot_pool_slots (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_uuid text        NOT NULL UNIQUE,
  slot_name        text        NOT NULL UNIQUE,
  meeting_platform text        NOT NULL CHECK (meeting_platform IN ('zoom', 'microsoft-teams', 'google-meet')),
  status           text        NOT NULL DEFAULT 'IDLE' CHECK (status IN ('IDLE', 'DEPLOYING', 'HEALTHY', 'ERROR')),
  assigned_bot_id  bigint      UNIQUE REFERENCES bots (id) ON DELETE SET NULL,
  last_used_at     timestamptz,
  error_message    text,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX bot_pool_slots_platform_status ON bot_pool_slots (meeting_platform, status);
