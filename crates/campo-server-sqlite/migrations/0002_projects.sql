-- Projects: every device, enrollment code, instrument and record belongs to one. What a
-- first-release database holds becomes the default project's.
CREATE TABLE projects (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    targets    TEXT NOT NULL,   -- JSON of campo_core::report::Targets
    created_at TEXT NOT NULL,
    -- The project's pull counter: a device's cursor is a point in it. Per project, so a
    -- device cannot watch another project's activity through its cursor. The default
    -- project continues the first release's one counter, so tablets' cursors keep meaning.
    seq        INTEGER NOT NULL DEFAULT 0
);
INSERT INTO projects (id, name, targets, created_at, seq)
VALUES ('default', 'Default project', '{}', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
        (SELECT value FROM seq WHERE id = 1));
DROP TABLE seq;

-- SQLite cannot add a column with both REFERENCES and a non-null default while foreign
-- keys are on; the store checks the project exists before writing these.
ALTER TABLE enroll_codes ADD COLUMN project_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE devices ADD COLUMN project_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX devices_project ON devices (project_id);

-- A version is unique per project now, so the key changes: rebuild the table. Its seq is
-- the project's counter too.
CREATE TABLE instruments_v2 (
    project_id TEXT NOT NULL REFERENCES projects (id),
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (project_id, id, version)
);
INSERT INTO instruments_v2 (project_id, id, version, body, seq)
SELECT 'default', id, version, body, seq FROM instruments;
DROP TABLE instruments;
ALTER TABLE instruments_v2 RENAME TO instruments;
CREATE INDEX instruments_project_seq ON instruments (project_id, seq);

-- records.seq stays the row's global receipt order; pseq is its place in its project's
-- counter, which pulls page by.
ALTER TABLE records ADD COLUMN project_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE records ADD COLUMN pseq INTEGER NOT NULL DEFAULT 0;
UPDATE records SET pseq = seq;
CREATE INDEX records_project_kind_pseq ON records (project_id, kind, pseq);
CREATE INDEX records_device ON records (device_id);

-- Attempts per key (an enrollment's client address) in fixed windows, shared by every
-- process on this file.
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,   -- unix seconds
    count        INTEGER NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
