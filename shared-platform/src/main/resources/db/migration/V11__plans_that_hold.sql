-- The lane trigger (V9) looks up its lane's last number once per queued bot. A plan made for the
-- queue as it was last analyzed, empty after a drain say, and kept by the connection would read the
-- whole lane for every bot that follows (a burst of n cost n squared): planned afresh on each call,
-- the lookup takes the (priority, lane_seq) index as soon as the queue is more than a few pages.
ALTER FUNCTION deployment_queue_lane_seq() SET plan_cache_mode = force_custom_plan;

-- GET /bots?platform= pages by id like the other filters (V7): a rarely used platform's page is
-- read from this index in keyset order instead of walking the history for its bots.
CREATE INDEX IF NOT EXISTS bots_platform_id ON bots (deployment_platform, id);
