-- The office console: accounts with a role, their password links and sessions, the failed
-- logins that slow guessing down, and the audit log. In the database, like everything that
-- several server processes must agree on. No password, session id or link token is stored
-- as given: passwords as Argon2id PHC strings, ids and tokens as their SHA-256.
--
-- Times that are only shown are RFC 3339 text, as elsewhere. Times compared in SQL are
-- integers, as enroll_codes.expires_at is, but in unix MICROseconds: the precision
-- PostgreSQL's timestamptz keeps, so both engines draw a limit at the same instant.

-- An admin is global; every other role holds in exactly one project, and the CHECK keeps it
-- so whatever writes the row.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL
                  CHECK (role IN ('admin', 'coordinator', 'psychologist', 'viewer')),
    project_id    TEXT REFERENCES projects (id),
    -- NULL until the user sets a password through a link.
    password_hash TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL,
    CHECK ((role = 'admin') = (project_id IS NULL))
);

-- One-time links to set a password. One per account (UNIQUE): a new link replaces the
-- last, so only the newest one sent works.
CREATE TABLE password_links (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL UNIQUE REFERENCES users (id),
    expires_at INTEGER NOT NULL   -- unix microseconds
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,  -- unix microseconds
    last_seen  INTEGER NOT NULL   -- unix microseconds
);
-- A new password or a disabled account ends every session of the account.
CREATE INDEX sessions_user ON sessions (user_id);

-- One row per failed login per key (`account:NAME`, `address:IP`), counted in a window.
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at  INTEGER NOT NULL          -- unix microseconds
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);
-- Failures older than a day are forgotten across every key.
CREATE INDEX login_failures_at ON login_failures (at);

-- Who did what, when, from where. AUTOINCREMENT: a seq is never handed out twice, even
-- after the highest row went (which the triggers below forbid anyway), so a seq names one
-- line for good. Reading newest first walks the rowid backwards and needs no index of its
-- own. No foreign key on project_id: a line is never refused for what it is about (a
-- refused action on an unknown project is logged too).
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT,
    address    TEXT,
    action     TEXT NOT NULL,
    project_id TEXT,
    target     TEXT,
    detail     TEXT
);
-- A coordinator reads the lines of their project, newest first.
CREATE INDEX audit_project_seq ON audit (project_id, seq);

-- Append-only at the database, not only in the code: an edit or a deletion through any
-- connection (a bug, a hand-typed statement) is refused. (Someone who can drop these
-- triggers holds the file and could rewrite it anyway; this guards against mistakes.)
-- With a trigger on the table, SQLite never takes its shortcut of emptying a table
-- without visiting rows, so a bare DELETE is refused too.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: a line is never changed');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: a line is never deleted');
END;
