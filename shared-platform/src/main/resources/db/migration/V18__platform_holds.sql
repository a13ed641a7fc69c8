-- A platform taken out of rotation by the operator: HELD (no new placement there; queued and new
-- bots go to the next platform by priority) or DRAINING (held, and its running bots are stopped).
-- On the ledger's row, so every claim reads it in the statement that would grant a unit there,
-- on every instance, and a restart keeps it.
ALTER TABLE platform_capacity ADD COLUMN IF NOT EXISTS hold text CHECK (hold IN ('HELD', 'DRAINING'));
ALTER TABLE platform_capacity ADD COLUMN IF NOT EXISTS held_at timestamptz;
