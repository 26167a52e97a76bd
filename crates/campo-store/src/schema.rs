//! The vault's SQLite settings and numbered schema migrations.
//!
//! Clear columns hold only what SQLite needs to find and order rows: random ids,
//! revisions, record kinds, the meeting a submission belongs to, and sync state. No time,
//! no name, no instrument of a submission. Every body (names, places, topics, reasons,
//! attendance, answers, notes, counters, settings, slot names) is a sealed blob.

use crate::error::StoreError;
use crate::lockout;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

/// Code a migration runs after its SQL, in the same transaction.
type MigrationCode = fn(&Connection) -> Result<(), StoreError>;

/// One schema step: SQL, then optionally code, in the same transaction.
struct Migration {
    sql: &'static str,
    code: Option<MigrationCode>,
}

/// Migration N (1-based) brings the file from user_version N-1 to N, in one transaction.
const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: V1,
        code: None,
    },
    Migration {
        sql: V2,
        code: Some(v2_code),
    },
];

/// The first release's schema.
const V1: &str = r#"
-- Device id, lockout state and the data-key check; values keep their SQLite type.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value NOT NULL
);
CREATE TABLE key_slots (
    name       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('passphrase', 'recovery')),
    salt       BLOB NOT NULL,
    iterations INTEGER NOT NULL,
    wrapped    BLOB NOT NULL,
    created_at TEXT NOT NULL
);
-- Every revision of every record. kind 'draft' holds unfinished submissions; a final
-- submission is kind 'submission'. origin 'remote' marks meetings pulled from the server.
CREATE TABLE records (
    kind               TEXT NOT NULL CHECK (kind IN ('participant', 'meeting', 'draft', 'submission', 'outreach')),
    id                 TEXT NOT NULL,
    revision           INTEGER NOT NULL CHECK (revision >= 0),
    origin             TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
    meeting_id         TEXT,
    instrument_id      TEXT,
    instrument_version INTEGER,
    written_at         TEXT NOT NULL,
    body               BLOB NOT NULL,
    PRIMARY KEY (kind, id, revision)
);
CREATE INDEX records_by_meeting ON records (meeting_id) WHERE meeting_id IS NOT NULL;
-- Record revisions waiting to be sent, in write order; acknowledged rows stay as history.
CREATE TABLE outbox (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT NOT NULL,
    id        TEXT NOT NULL,
    revision  INTEGER NOT NULL,
    queued_at TEXT NOT NULL,
    acked_at  TEXT,
    UNIQUE (kind, id, revision),
    FOREIGN KEY (kind, id, revision) REFERENCES records (kind, id, revision)
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE acked_at IS NULL;
CREATE INDEX outbox_by_id ON outbox (id, revision);
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    written_at TEXT NOT NULL,
    body       BLOB NOT NULL
);
CREATE TABLE instruments (
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    written_at TEXT NOT NULL,
    body       BLOB NOT NULL,
    PRIMARY KEY (id, version)
);
"#;

/// Nothing in clear names a person or says which instrument a carer answered, or when:
/// slot names are sealed (the clear name of a first-release slot is kept in `legacy_name`
/// only until the next unlock seals it), and the times and instrument columns go. Tables
/// are rebuilt, so the old rows' pages are freed (and zeroed: secure_delete is on).
const V2: &str = r#"
ALTER TABLE key_slots RENAME TO key_slots_v1;
CREATE TABLE key_slots (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('passphrase', 'recovery')),
    salt        BLOB NOT NULL,
    iterations  INTEGER NOT NULL,
    wrapped     BLOB NOT NULL,
    -- what the wrapped key's AAD names: the id, or (first-release slots) the name
    wrapped_for TEXT NOT NULL CHECK (wrapped_for IN ('id', 'name')),
    -- the slot's name sealed under the data key
    name        BLOB,
    legacy_name TEXT,
    CHECK ((name IS NULL) <> (legacy_name IS NULL))
);
INSERT INTO key_slots (id, kind, salt, iterations, wrapped, wrapped_for, legacy_name)
    SELECT lower(hex(randomblob(16))), kind, salt, iterations, wrapped, 'name', name
    FROM key_slots_v1 ORDER BY created_at, name;
DROP TABLE key_slots_v1;

ALTER TABLE outbox RENAME TO outbox_v1;
ALTER TABLE records RENAME TO records_v1;
CREATE TABLE records (
    kind       TEXT NOT NULL CHECK (kind IN ('participant', 'meeting', 'draft', 'submission', 'outreach')),
    id         TEXT NOT NULL,
    revision   INTEGER NOT NULL CHECK (revision >= 0),
    origin     TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
    meeting_id TEXT,
    body       BLOB NOT NULL,
    PRIMARY KEY (kind, id, revision)
);
-- In the old row order: a draft saved again was re-inserted, so row order is save order.
INSERT INTO records (kind, id, revision, origin, meeting_id, body)
    SELECT kind, id, revision, origin, meeting_id, body FROM records_v1 ORDER BY rowid;
CREATE TABLE outbox (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT NOT NULL,
    id       TEXT NOT NULL,
    revision INTEGER NOT NULL,
    acked    INTEGER NOT NULL DEFAULT 0 CHECK (acked IN (0, 1)),
    UNIQUE (kind, id, revision),
    FOREIGN KEY (kind, id, revision) REFERENCES records (kind, id, revision)
);
INSERT INTO outbox (seq, kind, id, revision, acked)
    SELECT seq, kind, id, revision, acked_at IS NOT NULL FROM outbox_v1 ORDER BY seq;
DROP TABLE outbox_v1;
DROP TABLE records_v1;
CREATE INDEX records_by_meeting ON records (meeting_id) WHERE meeting_id IS NOT NULL;
CREATE INDEX outbox_pending ON outbox (seq) WHERE acked = 0;
CREATE INDEX outbox_by_id ON outbox (id, revision);

ALTER TABLE settings RENAME TO settings_v1;
CREATE TABLE settings (
    key  TEXT PRIMARY KEY,
    body BLOB NOT NULL
);
INSERT INTO settings (key, body) SELECT key, body FROM settings_v1;
DROP TABLE settings_v1;

-- The project's instrument catalogue, the same on every tablet: ids stay clear.
ALTER TABLE instruments RENAME TO instruments_v1;
CREATE TABLE instruments (
    id      TEXT NOT NULL,
    version INTEGER NOT NULL,
    body    BLOB NOT NULL,
    PRIMARY KEY (id, version)
);
INSERT INTO instruments (id, version, body) SELECT id, version, body FROM instruments_v1;
DROP TABLE instruments_v1;

DELETE FROM meta WHERE key = 'created_at';
"#;

fn v2_code(conn: &Connection) -> Result<(), StoreError> {
    lockout::convert_wall_clock_retry(conn)?;
    replace_timed_vault_id(conn)
}

/// The first release made the vault id a UUIDv7, which carries the vault's creation time
/// to the millisecond. Nothing outside the vault knows that id (the first release's
/// enrollment did not send it; the server knows the tablet by the device id it gave), so
/// it is replaced by a UUIDv4 before any enrollment can send it.
fn replace_timed_vault_id(conn: &Connection) -> Result<(), StoreError> {
    let id: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| {
            r.get(0)
        })
        .optional()?;
    let timed = id
        .and_then(|i| i.parse::<uuid::Uuid>().ok())
        .is_some_and(|u| u.get_version_num() == 7);
    if timed {
        conn.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'device_id'",
            [uuid::Uuid::new_v4().to_string()],
        )?;
    }
    Ok(())
}

pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Copies every WAL page into the file and empties the WAL, so that rows deleted or
/// rewritten (sealed at last, or migrated away) survive in neither. Best effort: a reader
/// holding an old snapshot makes SQLite leave the WAL as it is until the next checkpoint.
pub(crate) fn checkpoint(conn: &Connection) -> Result<(), StoreError> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Applies durability settings and checks SQLite really took them: a vault that silently
/// ran without WAL or with `synchronous=NORMAL` could lose a commit on power loss.
pub(crate) fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    expect("journal_mode", "wal", &mode.to_lowercase())?;
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
    let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
    expect("synchronous", "2", &sync.to_string())?;
    let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    expect("foreign_keys", "1", &fk.to_string())?;
    // Freed pages are overwritten, so a superseded draft's ciphertext does not linger.
    conn.execute_batch("PRAGMA secure_delete=ON;")?;
    Ok(())
}

fn expect(name: &'static str, expected: &str, actual: &str) -> Result<(), StoreError> {
    if expected != actual {
        return Err(StoreError::Pragma {
            name,
            expected: expected.into(),
            actual: actual.into(),
        });
    }
    Ok(())
}

/// Brings the file to the current schema. Returns whether any migration ran (the caller
/// then checkpoints, so the old rows' pages leave the WAL too).
pub(crate) fn migrate(conn: &Connection) -> Result<bool, StoreError> {
    let mut found = None;
    loop {
        // IMMEDIATE: two processes opening a new file at once must not both migrate it.
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let first = *found.get_or_insert(current);
        if current > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        if current == SCHEMA_VERSION {
            tx.commit()?;
            // A new file (version 0) held nothing to leave behind.
            return Ok(first > 0 && first < SCHEMA_VERSION);
        }
        let step = &MIGRATIONS[current as usize];
        tx.execute_batch(step.sql)?;
        if let Some(code) = step.code {
            code(&tx)?;
        }
        tx.execute_batch(&format!("PRAGMA user_version = {}", current + 1))?;
        tx.commit()?;
    }
}
