-- The schema of Campo's first release. Every statement is idempotent: a database made by
-- that release (which had no schema_version table) passes through it unchanged.
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- One counter for records and instruments alike: a device's pull cursor is a point in it.
CREATE TABLE IF NOT EXISTS seq (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO seq (id, value) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS enroll_codes (
    code_hash  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    expires_at INTEGER NOT NULL,  -- unix seconds
    used_at    TEXT
);
CREATE TABLE IF NOT EXISTS devices (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    device_name TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE TABLE IF NOT EXISTS instruments (
    id      TEXT NOT NULL,
    version INTEGER NOT NULL,
    body    TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (id, version)
);
-- Every revision ever received. (id, revision) is unique: a second, different body for
-- the same revision is a conflict and is refused, never stored.
CREATE TABLE IF NOT EXISTS records (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    device_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (id, revision)
);
CREATE INDEX IF NOT EXISTS records_kind_seq ON records (kind, seq);
CREATE TABLE IF NOT EXISTS batches (
    device_id TEXT NOT NULL,
    batch_id  TEXT NOT NULL,
    response  TEXT NOT NULL,
    PRIMARY KEY (device_id, batch_id)
);
