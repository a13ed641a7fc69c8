-- Metrics counted from the bots' events, each event exactly once, whichever instance counts.
-- Events get the id of the transaction that wrote them. Identity values are drawn before their
-- transactions commit, so a reader that went by id could pass an event that commits late; a
-- transaction id below the oldest transaction still running (the snapshot's xmin) is final, so a
-- count of [last xmin, this xmin) never misses an event nor sees one twice. Rows from before this
-- migration have none and are not counted. Only new rows take the default: no table rewrite.
ALTER TABLE bot_events ADD COLUMN IF NOT EXISTS tx bigint;
ALTER TABLE bot_events ALTER COLUMN tx SET DEFAULT pg_current_xact_id()::text::bigint;
CREATE INDEX IF NOT EXISTS bot_events_tx ON bot_events (tx);

-- How far each count has gone: events of transactions below tx_before are counted.
CREATE TABLE IF NOT EXISTS metric_cursors (
  name      text   PRIMARY KEY,
  tx_before bigint NOT NULL
);
INSERT INTO metric_cursors (name, tx_before)
VALUES ('bot_events', pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
ON CONFLICT (name) DO NOTHING;
