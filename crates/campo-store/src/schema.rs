//! The vault's SQLite settings and numbered schema migrations.
//!
//! Clear columns hold only what SQLite needs to find and order rows: ids, revisions,
//! timestamps, instrument ids and versions, record kinds and sync state. Every body
//! (names, places, topics, reasons, attendance, answers, notes, counters, settings) is a
//! sealed blob.

use crate::error::StoreError;
use rusqlite::{Connection, Transaction, TransactionBehavior};

/// Migration N (1-based) brings the file from user_version N-1 to N, in one transaction.
const MIGRATIONS: &[&str] = &[r#"
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
"#];

pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

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

pub(crate) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    loop {
        // IMMEDIATE: two processes opening a new file at once must not both migrate it.
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        if current == SCHEMA_VERSION {
            tx.commit()?;
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[current as usize])?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", current + 1))?;
        tx.commit()?;
    }
}
