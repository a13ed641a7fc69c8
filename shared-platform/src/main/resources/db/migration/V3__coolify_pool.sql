-- The Coolify pool: numbered slots (1..COOLIFY_BOT_LIMIT, so concurrent creators can never make
-- more), each serving one meeting platform's image, assigned to at most one bot, and advanced
-- through its deployment by the scheduled tick. Every update of a slot compares the assigned bot.

ALTER TABLE bot_pool_slots ALTER COLUMN application_uuid DROP NOT NULL;

ALTER TABLE bot_pool_slots ADD COLUMN slot_number integer;

UPDATE bot_pool_slots SET slot_number = id;

ALTER TABLE bot_pool_slots ALTER COLUMN slot_number SET NOT NULL;

CREATE UNIQUE INDEX bot_pool_slots_number ON bot_pool_slots (slot_number);

-- CREATING: claimed for a bot, its application being made (no uuid yet: never taken for an orphan).
ALTER TABLE bot_pool_slots DROP CONSTRAINT bot_pool_slots_status_check;

ALTER TABLE bot_pool_slots ADD CONSTRAINT bot_pool_slots_status_check
  CHECK (status IN ('CREATING', 'IDLE', 'DEPLOYING', 'HEALTHY', 'ERROR'));

-- the image (with tag) the application is configured with
ALTER TABLE bot_pool_slots ADD COLUMN image text;

-- the deployment in progress, when it started (an admission lease: it stops counting once stale),
-- and how many times the slot was deployed for its current bot
ALTER TABLE bot_pool_slots ADD COLUMN deployment_uuid text;

ALTER TABLE bot_pool_slots ADD COLUMN deploy_started_at timestamptz;

ALTER TABLE bot_pool_slots ADD COLUMN deploy_attempts integer NOT NULL DEFAULT 0;

ALTER TABLE bot_pool_slots ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Admission: a deployment in progress holds one of COOLIFY_MAX_CONCURRENT_DEPLOYS build lanes, and
-- the first deployment of an image not yet pulled holds that image; both are unique, so two
-- concurrent deploys can never take the same one. A lane goes back when the deployment ends, or
-- when the scheduled tick finds it stale (its holder died), so it is a lease.
ALTER TABLE bot_pool_slots ADD COLUMN build_lane integer;

CREATE UNIQUE INDEX bot_pool_slots_build_lane ON bot_pool_slots (build_lane) WHERE build_lane IS NOT NULL;

ALTER TABLE bot_pool_slots ADD COLUMN first_pull text;

CREATE UNIQUE INDEX bot_pool_slots_first_pull ON bot_pool_slots (first_pull) WHERE first_pull IS NOT NULL;

-- Images the Coolify server has pulled: the first deployment of an image goes alone.
CREATE TABLE coolify_images (
  image     text        PRIMARY KEY,
  pulled_at timestamptz NOT NULL
);
