//! The SQLite migrations, embedded, and the runner that applies them at open.

use crate::db_err;
use campo_server_store::migrate::{pending, Migration};
use campo_server_store::StorageError;
use rusqlite::{Connection, OptionalExtension};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "projects",
        sql: include_str!("../migrations/0002_projects.sql"),
    },
    Migration {
        version: 3,
        name: "vaults",
        sql: include_str!("../migrations/0003_vaults.sql"),
    },
    Migration {
        version: 4,
        name: "unpublished_instruments",
        sql: include_str!("../migrations/0004_unpublished_instruments.sql"),
    },
    Migration {
        version: 5,
        name: "shared_barriers",
        sql: include_str!("../migrations/0005_shared_barriers.sql"),
    },
    Migration {
        version: 6,
        name: "console",
        sql: include_str!("../migrations/0006_console.sql"),
    },
    Migration {
        version: 7,
        name: "reviews",
        sql: include_str!("../migrations/0007_reviews.sql"),
    },
    Migration {
        version: 8,
        name: "carers_and_retirement",
        sql: include_str!("../migrations/0008_carers_and_retirement.sql"),
    },
];

/// The schema version recorded in the file; 0 for a new file or one made by the first
/// release, which kept no version (its tables are exactly migration 1's).
pub fn version(c: &Connection) -> Result<u32, StorageError> {
    let has_table = c
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
            [],
            |_| Ok(()),
        )
        .optional()
        .map_err(db_err)?
        .is_some();
    if !has_table {
        return Ok(0);
    }
    let v: Option<i64> = c
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .map_err(db_err)?;
    Ok(v.unwrap_or(0) as u32)
}

/// Applies every pending migration, each in its own transaction with its version row, so a
/// crash leaves the file at one version or the next, never between.
pub fn run(c: &mut Connection) -> Result<(), StorageError> {
    // BEGIN IMMEDIATE: two processes opening a new file at once must not both migrate.
    let tx = c
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db_err)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .map_err(db_err)?;
    let current = version(&tx)?;
    let todo = pending(current, MIGRATIONS)?;
    tx.commit().map_err(db_err)?;
    for m in todo {
        let tx = c
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db_err)?;
        // Another process may have applied it while we waited for the lock.
        if version(&tx)? >= m.version {
            continue;
        }
        tx.execute_batch(m.sql).map_err(|e| {
            StorageError::Other(format!("migration {} ({}) failed: {e}", m.version, m.name))
        })?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            [m.version],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
    }
    Ok(())
}
