-- An ended bot has no queue entry, whichever statement ended it. Each ending statement deletes the
-- entry it sees, but an entry written by a transaction that committed while that statement waited
-- for the bot's row (the platform took the bot's container back and queued it again) is not in
-- the statement's snapshot. This trigger's DELETE runs with a snapshot of its own, taken once the
-- bot's row is locked, so it sees that entry too.
CREATE OR REPLACE FUNCTION botfleet_ended_bot_leaves_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM deployment_queue WHERE bot_id = NEW.id;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS bots_ended_leave_queue ON bots;
CREATE TRIGGER bots_ended_leave_queue AFTER UPDATE OF status ON bots
  FOR EACH ROW WHEN (NEW.status IN ('DONE', 'FATAL') AND OLD.status NOT IN ('DONE', 'FATAL'))
  EXECUTE FUNCTION botfleet_ended_bot_leaves_queue();
