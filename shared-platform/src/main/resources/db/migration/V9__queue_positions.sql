-- A queued bot's position and the waiting count no longer count the queue (DeploymentQueue).
-- Beyond the part counted exactly, each lane (a priority) is read by the arrival numbers of its
-- first and last entries: lane_seq numbers a lane's entries in arrival order, set on insert by
-- every statement that queues a bot. Two arrivals at once in a lane may share a number (it is an
-- estimate's input, not an identity).
ALTER TABLE deployment_queue ADD COLUMN IF NOT EXISTS lane_seq bigint;

UPDATE deployment_queue q SET lane_seq = numbered.n
FROM (SELECT id, row_number() OVER (PARTITION BY priority ORDER BY id) AS n FROM deployment_queue) numbered
WHERE q.id = numbered.id AND q.lane_seq IS NULL;

CREATE INDEX IF NOT EXISTS deployment_queue_lane ON deployment_queue (priority, lane_seq);

CREATE FUNCTION deployment_queue_lane_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.lane_seq := coalesce((SELECT max(lane_seq) FROM deployment_queue WHERE priority = NEW.priority), 0) + 1;
  RETURN NEW;
END $$;

CREATE TRIGGER deployment_queue_numbered BEFORE INSERT ON deployment_queue
  FOR EACH ROW EXECUTE FUNCTION deployment_queue_lane_seq();

-- The oldest waiting entry, for GET /capacity and the drain's metric, without reading the queue.
CREATE INDEX IF NOT EXISTS deployment_queue_queued_at ON deployment_queue (queued_at);
