-- Vaults: a tablet's identity across enrollments. The same change as SQLite's 0003. Each
-- enrollment names its vault and the vault's secret; the server keeps the SHA-256 of the
-- secret (never the secret) and lets a known vault enroll again only with the same secret.
-- Records belong to the vault whose device first sent them, so a tablet enrolled again
-- keeps what it sent.
CREATE TABLE vaults (
    id          uuid PRIMARY KEY,
    project_id  text NOT NULL REFERENCES projects (id),
    -- Lowercase hex SHA-256 of the secret. NULL for the vault of a device enrolled before
    -- vaults: no secret was ever shown, so no enrollment can claim it again.
    secret_hash text CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL
);

-- Every device enrolled so far is a vault of its own, under its own id, without a secret:
-- its records stay its own.
INSERT INTO vaults (id, project_id, secret_hash, created_at)
SELECT id, project_id, NULL, enrolled_at FROM devices;

ALTER TABLE devices ADD COLUMN vault_id uuid REFERENCES vaults (id);
UPDATE devices SET vault_id = id;
ALTER TABLE devices ALTER COLUMN vault_id SET NOT NULL;
CREATE INDEX devices_vault ON devices (vault_id);

-- The owner of a record is its first sender's vault; device_id stays the sender of each
-- revision.
ALTER TABLE records ADD COLUMN vault_id uuid;
UPDATE records SET vault_id = device_id;
ALTER TABLE records ALTER COLUMN vault_id SET NOT NULL;

-- The submission a correction replaces, so that "is it replaced already" is one indexed
-- look-up.
ALTER TABLE records ADD COLUMN replaces uuid;
UPDATE records SET replaces = (body::jsonb ->> 'replaces')::uuid WHERE kind = 'submission';
CREATE INDEX records_replaces ON records (replaces) WHERE replaces IS NOT NULL;
