-- Campo's first-release tables, in PostgreSQL's own types. The same change as SQLite's
-- 0001: one counter for records and instruments alike (a device's pull cursor is a point
-- in it); migration 0002 moves it into each project.
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE seq (
    id    integer PRIMARY KEY CHECK (id = 1),
    value bigint NOT NULL
);
INSERT INTO seq (id, value) VALUES (1, 0);
CREATE TABLE enroll_codes (
    code_hash  text PRIMARY KEY,
    name       text NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE TABLE devices (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    device_name text NOT NULL,
    token_hash  text NOT NULL UNIQUE,
    enrolled_at timestamptz NOT NULL,
    revoked_at  timestamptz
);
-- Versions and revisions are u32 on the wire, hence bigint (integer is signed 32-bit).
CREATE TABLE instruments (
    id      text NOT NULL,
    version bigint NOT NULL,
    body    text NOT NULL,
    seq     bigint NOT NULL,
    PRIMARY KEY (id, version)
);
-- Every revision ever received. (id, revision) is unique: a second, different body for
-- the same revision is a conflict and is refused, never stored. The body is text, not
-- jsonb: it is the exact canonical JSON the content hash was taken of, and jsonb would
-- re-order and re-space it.
CREATE TABLE records (
    seq         bigint PRIMARY KEY,
    id          uuid NOT NULL,
    revision    bigint NOT NULL,
    device_id   uuid NOT NULL,
    kind        text NOT NULL,
    body        text NOT NULL,
    hash        text NOT NULL,
    received_at timestamptz NOT NULL,
    UNIQUE (id, revision)
);
CREATE INDEX records_kind_seq ON records (kind, seq);
-- The first answer to each batch, returned unchanged when the same batch comes again.
CREATE TABLE batches (
    device_id uuid NOT NULL,
    batch_id  uuid NOT NULL,
    response  text NOT NULL,
    PRIMARY KEY (device_id, batch_id)
);
