//! The PostgreSQL migrations, embedded, and the runner that applies them at connect.
//!
//! Several server processes may start at once on one database. Each migration runs in its
//! own transaction that first takes a transaction-scoped advisory lock, so only one
//! process migrates at a time; the others wait, then read the new version and find nothing
//! left to do. The version row commits with its migration, so a crash leaves the database
//! at one version or the next, never between.

use crate::db_err;
use campo_server_store::migrate::{pending, Migration};
use campo_server_store::StorageError;
use deadpool_postgres::{GenericClient, Object};

/// Every migration this build knows, numbered alike with the SQLite backend's (`0002` is
/// the same change in both).
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

/// The advisory lock key that serialises migrations ("campomig" in ASCII). Advisory locks
/// are per database, so servers on other databases of the same cluster do not wait.
const MIGRATION_LOCK: i64 = 0x6361_6d70_6f6d_6967;

const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (\
     version integer PRIMARY KEY, \
     applied_at timestamptz NOT NULL DEFAULT now())";

/// The schema version recorded in the database; 0 before any migration ran.
pub async fn version<C: GenericClient>(c: &C) -> Result<u32, StorageError> {
    let exists: bool = c
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await
        .map_err(db_err)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let v: i64 = c
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::bigint FROM schema_version",
            &[],
        )
        .await
        .map_err(db_err)?
        .get(0);
    u32::try_from(v).map_err(|_| StorageError::Corrupt(format!("schema version {v}")))
}

/// Applies every pending migration, one transaction each. A database newer than this
/// build is refused with `SchemaTooNew` before anything is written.
pub async fn run(client: &mut Object) -> Result<(), StorageError> {
    loop {
        let tx = client.transaction().await.map_err(db_err)?;
        // Taken before reading the version: whoever waited here reads the version the
        // previous holder committed.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db_err)?;
        tx.batch_execute(VERSION_TABLE).await.map_err(db_err)?;
        let current = version(&tx).await?;
        let Some(m) = pending(current, MIGRATIONS)?.first() else {
            tx.commit().await.map_err(db_err)?;
            return Ok(());
        };
        tx.batch_execute(m.sql).await.map_err(|e| match db_err(e) {
            StorageError::Other(why) | StorageError::Conflict(why) => StorageError::Other(format!(
                "migration {} ({}) failed: {why}",
                m.version, m.name
            )),
            other => other,
        })?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(m.version as i32)],
        )
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        tracing::info!(
            version = m.version,
            name = m.name,
            "applied a PostgreSQL migration"
        );
    }
}
