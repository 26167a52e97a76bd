-- The office console: accounts with a role, their password links and sessions, the failed
-- logins that slow guessing down, and the audit log. The same change as SQLite's 0006. In
-- the database, like everything that several server processes must agree on. No password,
-- session id or link token is stored as given: passwords as Argon2id PHC strings, ids and
-- tokens as their SHA-256.

-- An admin is global; every other role holds in exactly one project, and the CHECK keeps it
-- so whatever writes the row.
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    role          text NOT NULL
                  CHECK (role IN ('admin', 'coordinator', 'psychologist', 'viewer')),
    project_id    text REFERENCES projects (id),
    -- NULL until the user sets a password through a link.
    password_hash text,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    CONSTRAINT users_project_unless_admin CHECK ((role = 'admin') = (project_id IS NULL))
);

-- One-time links to set a password. One per account (UNIQUE): a new link replaces the
-- last, so only the newest one sent works.
CREATE TABLE password_links (
    token_hash text PRIMARY KEY,
    user_id    uuid NOT NULL UNIQUE REFERENCES users (id),
    expires_at timestamptz NOT NULL
);

CREATE TABLE sessions (
    id_hash    text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    csrf       text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL
);
-- A new password or a disabled account ends every session of the account.
CREATE INDEX sessions_user ON sessions (user_id);

-- One row per failed login per key (`account:NAME`, `address:IP`), counted in a window.
CREATE TABLE login_failures (
    key text NOT NULL,
    at  timestamptz NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);
-- Failures older than a day are forgotten across every key.
CREATE INDEX login_failures_at ON login_failures (at);

-- Who did what, when, from where. An identity column draws from a sequence, which never
-- hands out a number twice (a rolled-back line leaves a gap, never a reuse), so a seq names
-- one line for good. The primary key's index serves reading newest first. No foreign key on
-- project_id: a line is never refused for what it is about (a refused action on an unknown
-- project is logged too).
CREATE TABLE audit (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text,
    address    text,
    action     text NOT NULL,
    project_id text,
    target     text,
    detail     text
);
-- A coordinator reads the lines of their project, newest first.
CREATE INDEX audit_project_seq ON audit (project_id, seq);

-- Append-only at the database, not only in the code: an edit, a deletion or a TRUNCATE
-- through any connection (a bug, a hand-typed statement, another tool) is refused. The
-- trigger is per statement, so it refuses even a statement that would match no row. (The
-- table's owner can still drop the trigger: this guards against mistakes, not against
-- whoever owns the database.)
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
