-- Projects: every device, enrollment code, instrument and record belongs to one. What a
-- version-1 database holds becomes the default project's. The same change as SQLite's 0002.
--
-- Each project keeps its own pull counter (`seq`). A push or a catalog change takes the
-- project's row lock to hand out numbers, so numbers of one project become visible in the
-- order they were handed out, whatever the number of server processes (see records.rs).
CREATE TABLE projects (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    name       text NOT NULL,
    targets    jsonb NOT NULL CHECK (jsonb_typeof(targets) = 'object'),
    created_at timestamptz NOT NULL,
    seq        bigint NOT NULL DEFAULT 0 CHECK (seq >= 0)
);
INSERT INTO projects (id, name, targets, created_at, seq)
SELECT 'default', 'Default project', '{}', now(), value FROM seq;
DROP TABLE seq;

-- The default fills the existing rows; dropping it afterwards makes every later write
-- name its project.
ALTER TABLE enroll_codes ADD COLUMN project_id text NOT NULL DEFAULT 'default' REFERENCES projects (id);
ALTER TABLE enroll_codes ALTER COLUMN project_id DROP DEFAULT;

ALTER TABLE devices ADD COLUMN project_id text NOT NULL DEFAULT 'default' REFERENCES projects (id);
ALTER TABLE devices ALTER COLUMN project_id DROP DEFAULT;
CREATE INDEX devices_project ON devices (project_id, enrolled_at);

-- A version is unique per project now, and so is a counter value.
ALTER TABLE instruments ADD COLUMN project_id text NOT NULL DEFAULT 'default' REFERENCES projects (id);
ALTER TABLE instruments ALTER COLUMN project_id DROP DEFAULT;
ALTER TABLE instruments DROP CONSTRAINT instruments_pkey;
ALTER TABLE instruments ADD PRIMARY KEY (project_id, id, version);
ALTER TABLE instruments ADD CONSTRAINT instruments_project_seq UNIQUE (project_id, seq);

ALTER TABLE records ADD COLUMN project_id text NOT NULL DEFAULT 'default' REFERENCES projects (id);
ALTER TABLE records ALTER COLUMN project_id DROP DEFAULT;
ALTER TABLE records DROP CONSTRAINT records_pkey;
ALTER TABLE records ADD PRIMARY KEY (project_id, seq);
DROP INDEX records_kind_seq;
CREATE INDEX records_project_kind_seq ON records (project_id, kind, seq);
CREATE INDEX records_device ON records (device_id);

-- Attempts per key (an enrollment's client address) in fixed windows, shared by every
-- server process on this database.
CREATE TABLE rate_limits (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    count        bigint NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
