-- A tenant's API keys. The key itself is never stored: only its SHA-256 (hex), which a request's
-- key is looked up by, and a short prefix of it that names the key in a listing. A revoked key
-- keeps its row (revoked_at set) so the listing shows when it stopped working.
CREATE TABLE IF NOT EXISTS tenant_keys (
  id         bigserial   PRIMARY KEY,
  tenant     text        NOT NULL CHECK (length(tenant) BETWEEN 1 AND 128),
  key_hash   text        NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  prefix     text        NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);

-- One statement per request with a tenant key: the live key of this hash.
CREATE UNIQUE INDEX IF NOT EXISTS tenant_keys_hash ON tenant_keys (key_hash);
-- A tenant's keys, listed in order.
CREATE INDEX IF NOT EXISTS tenant_keys_tenant ON tenant_keys (tenant, id);
