-- Vaults: a tablet's identity across enrollments. Each enrollment names its vault and the
-- vault's secret; the server keeps the SHA-256 of the secret (never the secret) and lets a
-- known vault enroll again only with the same secret. Records belong to the vault whose
-- device first sent them, so a tablet enrolled again keeps what it sent.
CREATE TABLE vaults (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id),
    -- Lowercase hex SHA-256 of the secret. NULL for the vault of a device enrolled before
    -- vaults: no secret was ever shown, so no enrollment can claim it again.
    secret_hash TEXT,
    created_at  TEXT NOT NULL
);

-- Every device enrolled so far is a vault of its own, under its own id, without a secret:
-- its records stay its own.
INSERT INTO vaults (id, project_id, secret_hash, created_at)
SELECT id, project_id, NULL, enrolled_at FROM devices;

-- SQLite cannot add a column with both REFERENCES and a non-null default while foreign
-- keys are on; the store writes a vault before any device or record naming it.
ALTER TABLE devices ADD COLUMN vault_id TEXT NOT NULL DEFAULT '';
UPDATE devices SET vault_id = id;
CREATE INDEX devices_vault ON devices (vault_id);

-- The owner of a record is its first sender's vault; device_id stays the sender of each
-- revision.
ALTER TABLE records ADD COLUMN vault_id TEXT NOT NULL DEFAULT '';
UPDATE records SET vault_id = device_id;

-- The submission a correction replaces, so that "is it replaced already" is one indexed
-- look-up.
ALTER TABLE records ADD COLUMN replaces TEXT;
UPDATE records SET replaces = json_extract(body, '$.replaces') WHERE kind = 'submission';
CREATE INDEX records_replaces ON records (replaces) WHERE replaces IS NOT NULL;
