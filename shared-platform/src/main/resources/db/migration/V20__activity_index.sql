-- The dashboard's chart: placements and ends per minute over the last hour, read by time on the
-- events of those statuses only.
CREATE INDEX IF NOT EXISTS bot_events_outcomes_at ON bot_events (at) WHERE status IN ('DEPLOYING', 'DONE', 'FATAL');
