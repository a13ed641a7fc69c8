-- Indexes for the statements every request and every drain runs, so that none reads a table that
-- grows with the backlog or the history whole (QueryPlansTest plans each one on a filled database).
-- Each is built once over the rows already there; CREATE INDEX IF NOT EXISTS makes a repeat a no-op.

-- A claim gives its leases back by the claim's owner (DeploymentQueue.RELEASE_LEASES, at least twice
-- per drain and once per deploy that leaves its entry). Only leased entries have an owner, so the
-- index holds those alone, however long the queue.
CREATE INDEX IF NOT EXISTS deployment_queue_lease_owner ON deployment_queue (lease_owner) WHERE lease_owner IS NOT NULL;

-- GET /bots (BotHistory.LIST) filters by status, tenant or creation time and pages by id, newest
-- first. With the filter's column first and id second, a page of a rare status or tenant is read
-- from the index in keyset order (id below the cursor, descending), however much history there is.
CREATE INDEX IF NOT EXISTS bots_status_id ON bots (status, id);

CREATE INDEX IF NOT EXISTS bots_tenant_id ON bots (tenant, id);

-- For createdAfter: the bots created since then, a range of this index, with their ids in it, so
-- a recent window is read without the history before it.
CREATE INDEX IF NOT EXISTS bots_created_at_id ON bots (created_at, id);
