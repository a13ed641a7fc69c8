-- Retention: the drain deletes bots that ended more than RETENTION ago, with their events and
-- webhook deliveries (see Retention).

-- The retention scan reads the oldest ended bots that hold no unit, in this order, and stops after
-- one batch: it never reads the history still kept, or the bots still alive.
CREATE INDEX IF NOT EXISTS bots_ended ON bots (ended_at, id) WHERE status IN ('DONE', 'FATAL') AND capacity_platform IS NULL;

-- A stop or release still owed for a bot is never deleted with it: the delete of a bot that is
-- owed one fails instead (checked when the delete ends, on what is committed then, so an obligation
-- written while the retention statement ran is seen too). The retention is what deletes bots; the
-- constraint is made again with no cascade, checking the few rows the table holds.
ALTER TABLE platform_releases DROP CONSTRAINT platform_releases_bot_id_fkey;

ALTER TABLE platform_releases ADD CONSTRAINT platform_releases_bot_id_fkey FOREIGN KEY (bot_id) REFERENCES bots (id);
