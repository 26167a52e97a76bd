//! campo-server's PostgreSQL backend, for more than one server process on one database.
//! It keeps every promise of [`campo_server_store::Store`] that the SQLite backend keeps,
//! with the database's constraints and row locks standing in for SQLite's single writer:
//!
//! - a batch is one transaction, and the `batches` primary key decides which of two racing
//!   copies of a batch is stored (the other is answered with the stored answer);
//! - each project has its own pull counter, handed out under the project's row lock, so a
//!   cursor never skips a row (the reasoning is in `records.rs`);
//! - rate limits, settings and enrollment codes live in tables every process shares.
//!
//! Connections come from a pool of [`POOL_SIZE`]. They are made without TLS: run the
//! database on the same host (a Unix socket or loopback) or reach it over a private
//! network; TLS to the database is for a later change. The URL is never logged nor put in
//! an error, since it may carry a password.
//!
//! Times are `timestamptz`, which keeps microseconds: a time read back may differ from the
//! one written by less than a microsecond.

mod accounts;
// A carer's rights.
mod carers;
mod migrations;
mod records;
mod reviews;
#[cfg(feature = "testdb")]
pub mod testdb;

use async_trait::async_trait;
use campo_core::consent::InformationSheet;
use campo_core::report::{ReportInput, Targets};
use campo_core::{Instrument, Meeting, Outreach};
use campo_server_store::{
    check_project, check_targets, check_vault, check_vault_claim, project_not_found, AuditEntry,
    AuditQuery, Counts, DeviceIdentity, DeviceInfo, Enrollment, IncomingRecord, NewAudit,
    NewReview, NewUser, Project, PullData, RetiredVersion, Review, SessionLimits, SessionRow,
    StorageError, Store, StoredSubmission, User, VaultClaim,
};
use campo_server_store::{CarerExport, CarerSettings, ErasureSummary};
use campo_wire::{PushResponse, RecordKind};
use chrono::{DateTime, Utc};
use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Transaction,
};
use std::path::Path;
use std::time::Duration;
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::{IsolationLevel, NoTls, Row};
use uuid::Uuid;

pub use migrations::MIGRATIONS;

/// Connections per server process. A push holds one for its transaction; sixteen keep a
/// busy pilot's tablets from queueing while staying well below PostgreSQL's default
/// `max_connections` (100) with a few processes.
pub const POOL_SIZE: usize = 16;

/// The PostgreSQL store: a pool of connections to one database.
pub struct PostgresStore {
    pool: Pool,
}

/// Driver errors become the neutral type here, and nowhere else. A unique violation is a
/// `Conflict`; anything else is `Other`. The message never carries a value from the data:
/// the server's DETAIL (which quotes the row) is left out, and so is the message of a data
/// exception (class 22, which quotes the input that failed to parse).
pub(crate) fn db_err(e: tokio_postgres::Error) -> StorageError {
    if let Some(db) = e.as_db_error() {
        return if *db.code() == SqlState::UNIQUE_VIOLATION {
            StorageError::Conflict(db.message().to_string())
        } else {
            StorageError::Other(describe(db))
        };
    }
    // Not the server's: the connection, the protocol or a type conversion. Only an I/O
    // cause is added (such as "Connection refused"): a conversion's cause could quote a
    // value.
    let mut msg = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>().is_some() {
            msg.push_str(": ");
            msg.push_str(&c.to_string());
        }
        cause = c.source();
    }
    StorageError::Other(msg)
}

/// The server's error as SQLSTATE and message, without its detail or hint.
fn describe(db: &DbError) -> String {
    let code = db.code().code();
    if code.starts_with("22") {
        let mut out = format!("{code}: invalid data");
        if let Some(column) = db.column() {
            out.push_str(&format!(" in column {column}"));
        }
        if let Some(table) = db.table() {
            out.push_str(&format!(" of table {table}"));
        }
        out
    } else {
        format!("{code}: {}", db.message())
    }
}

fn pool_err(e: PoolError) -> StorageError {
    match e {
        PoolError::Backend(e) => db_err(e),
        PoolError::Timeout(_) => {
            StorageError::Other("no database connection could be had in time".into())
        }
        PoolError::Closed => StorageError::Other("the database connection pool is closed".into()),
        other => StorageError::Other(format!("database connection pool: {other}")),
    }
}

pub(crate) fn to_u64(v: i64, what: &str) -> Result<u64, StorageError> {
    u64::try_from(v).map_err(|_| StorageError::Corrupt(format!("{what} {v} is negative")))
}

fn row_to_project(row: &Row) -> Result<Project, StorageError> {
    Ok(Project {
        id: row.get(0),
        name: row.get(1),
        targets: serde_json::from_value(row.get::<_, serde_json::Value>(2))?,
        created_at: row.get(3),
    })
}

/// A read-only transaction on one snapshot: every query in it sees the database as of the
/// first one, so what is read together is consistent (a pull's counter and its page, the
/// three parts of a report).
async fn snapshot(client: &mut Object) -> Result<Transaction<'_>, StorageError> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(db_err)
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://` or `postgresql://`) and brings its
    /// schema up to date. `SchemaTooNew` if a newer campo-server already migrated it.
    pub async fn connect(url: &str) -> Result<PostgresStore, StorageError> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StorageError::Invalid(
                "a PostgreSQL database is named by a postgres:// or postgresql:// URL".into(),
            ));
        }
        let config: tokio_postgres::Config = url.parse().map_err(|e: tokio_postgres::Error| {
            // The parser's causes name the option at fault, never its value.
            let cause = std::error::Error::source(&e)
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            StorageError::Invalid(format!("the database URL does not parse{cause}"))
        })?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // A broken connection shows as an error on its first query, failing that
                // one request; checking each connection before use would cost a round
                // trip on every request.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(15)))
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| StorageError::Other(format!("database connection pool: {e}")))?;
        let store = PostgresStore { pool };
        let mut client = store.client().await?;
        migrations::run(&mut client).await?;
        let version = migrations::version(&client).await?;
        tracing::info!(version, "PostgreSQL database ready");
        Ok(store)
    }

    async fn client(&self) -> Result<Object, StorageError> {
        self.pool.get().await.map_err(pool_err)
    }

    /// The project's published (or unpublished) versions, by id and version.
    async fn instrument_bodies(
        &self,
        project: &str,
        published: bool,
    ) -> Result<Vec<Instrument>, StorageError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT body FROM instruments WHERE project_id = $1 AND published = $2 \
                 ORDER BY id, version",
                &[&project, &published],
            )
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| Ok(serde_json::from_str(r.get::<_, &str>(0))?))
            .collect()
    }
}

/// `(id, version, json)` of each instrument, as the catalog stores them.
fn bodies(instruments: &[Instrument]) -> Result<Vec<(String, i64, String)>, StorageError> {
    instruments
        .iter()
        .map(|i| {
            Ok((
                i.id.clone(),
                i64::from(i.version),
                serde_json::to_string(i)?,
            ))
        })
        .collect()
}

#[async_trait]
impl Store for PostgresStore {
    fn engine(&self) -> &'static str {
        "postgres"
    }

    async fn schema_version(&self) -> Result<u32, StorageError> {
        let client = self.client().await?;
        migrations::version(&client).await
    }

    async fn add_project(&self, project: &Project) -> Result<(), StorageError> {
        check_project(project)?;
        let targets = serde_json::to_value(&project.targets)?;
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO projects (id, name, targets, created_at) VALUES ($1, $2, $3, $4)",
                &[&project.id, &project.name, &targets, &project.created_at],
            )
            .await
            .map_err(|e| match db_err(e) {
                StorageError::Conflict(_) => {
                    StorageError::Conflict(format!("project {:?} exists", project.id))
                }
                other => other,
            })?;
        Ok(())
    }

    async fn projects(&self) -> Result<Vec<Project>, StorageError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, name, targets, created_at FROM projects ORDER BY id",
                &[],
            )
            .await
            .map_err(db_err)?;
        rows.iter().map(row_to_project).collect()
    }

    async fn project(&self, id: &str) -> Result<Option<Project>, StorageError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, name, targets, created_at FROM projects WHERE id = $1",
                &[&id],
            )
            .await
            .map_err(db_err)?;
        row.as_ref().map(row_to_project).transpose()
    }

    async fn set_targets(&self, project: &str, targets: &Targets) -> Result<(), StorageError> {
        check_targets(targets)?;
        let json = serde_json::to_value(targets)?;
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE projects SET targets = $2 WHERE id = $1",
                &[&project, &json],
            )
            .await
            .map_err(db_err)?;
        if n == 0 {
            return Err(project_not_found(project));
        }
        Ok(())
    }

    async fn add_enroll_code(
        &self,
        project: &str,
        code_hash: &str,
        name: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let client = self.client().await?;
        // One statement checks the project and inserts: nothing to race with.
        let n = client
            .execute(
                "INSERT INTO enroll_codes (code_hash, name, expires_at, project_id) \
                 SELECT $1::text, $2::text, $3::timestamptz, id FROM projects WHERE id = $4",
                &[&code_hash, &name, &expires_at, &project],
            )
            .await
            .map_err(db_err)?;
        if n == 0 {
            return Err(project_not_found(project));
        }
        Ok(())
    }

    async fn enroll(
        &self,
        code_hash: &str,
        device_name: &str,
        token_hash: &str,
        vault: &VaultClaim,
        now: DateTime<Utc>,
    ) -> Result<Enrollment, StorageError> {
        check_vault_claim(vault)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        // The UPDATE locks the code's row: a second request with the same code waits, then
        // finds it used and matches nothing. Marking the code used, registering the vault
        // and creating the device commit together, so a code never makes two devices, and
        // a refused vault rolls the code back to unused.
        let found = tx
            .query_opt(
                "UPDATE enroll_codes SET used_at = $2 \
                 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                 RETURNING name, project_id",
                &[&code_hash, &now],
            )
            .await
            .map_err(db_err)?;
        let Some(found) = found else {
            return Ok(Enrollment::CodeRefused);
        };
        let (name, project): (String, String) = (found.get(0), found.get(1));
        // A new vault is registered here. Two first enrollments of one vault racing (with
        // two codes) meet at its key: the second waits for the first to commit, inserts
        // nothing, and the SELECT (a new snapshot) reads the first one's row.
        tx.execute(
            "INSERT INTO vaults (id, project_id, secret_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
            &[&vault.id, &project, &vault.secret_hash, &now],
        )
        .await
        .map_err(db_err)?;
        let held = tx
            .query_one(
                "SELECT project_id, secret_hash FROM vaults WHERE id = $1",
                &[&vault.id],
            )
            .await
            .map_err(db_err)?;
        let (held_project, held_hash): (String, Option<String>) = (held.get(0), held.get(1));
        if let Err(refused) = check_vault(&held_project, held_hash.as_deref(), vault, &project) {
            tx.rollback().await.map_err(db_err)?;
            return Ok(refused);
        }
        let id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO devices (id, name, device_name, token_hash, enrolled_at, project_id, vault_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&id, &name, &device_name, &token_hash, &now, &project, &vault.id],
        )
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(Enrollment::Enrolled(DeviceIdentity {
            device_id: id,
            vault_id: vault.id,
            project,
        }))
    }

    async fn authenticate(&self, token_hash: &str) -> Result<Option<DeviceIdentity>, StorageError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT id, project_id, vault_id FROM devices \
                 WHERE token_hash = $1 AND revoked_at IS NULL",
            )
            .await
            .map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&token_hash])
            .await
            .map_err(db_err)?;
        Ok(row.map(|r| DeviceIdentity {
            device_id: r.get(0),
            vault_id: r.get(2),
            project: r.get(1),
        }))
    }

    async fn devices(&self, project: Option<&str>) -> Result<Vec<DeviceInfo>, StorageError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT d.id, d.project_id, d.name, d.device_name, d.enrolled_at, d.revoked_at, \
                 (SELECT COUNT(*) FROM records r WHERE r.device_id = d.id), d.vault_id, \
                 d.last_seen_at \
                 FROM devices d WHERE $1::text IS NULL OR d.project_id = $1 \
                 ORDER BY d.enrolled_at, d.id",
                &[&project],
            )
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(DeviceInfo {
                    id: r.get(0),
                    vault_id: r.get(7),
                    project: r.get(1),
                    name: r.get(2),
                    device_name: r.get(3),
                    enrolled_at: r.get(4),
                    revoked_at: r.get(5),
                    records: to_u64(r.get(6), "record count")?,
                    last_seen_at: r.get(8),
                })
            })
            .collect()
    }

    async fn revoke(&self, device: Uuid, now: DateTime<Utc>) -> Result<bool, StorageError> {
        let client = self.client().await?;
        // COALESCE keeps the first date; the row count says whether the device exists.
        let n = client
            .execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
                &[&device, &now],
            )
            .await
            .map_err(db_err)?;
        Ok(n > 0)
    }

    async fn touch_device(&self, device: Uuid, now: DateTime<Utc>) -> Result<(), StorageError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE devices SET last_seen_at = $2 WHERE id = $1",
                &[&device, &now],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn meeting_vaults(&self, project: &str) -> Result<Vec<(Uuid, Uuid)>, StorageError> {
        let client = self.client().await?;
        // The owner's vault is on every row of a record.
        let rows = client
            .query(
                "SELECT DISTINCT id, vault_id FROM records WHERE project_id = $1 AND kind = 'meeting'",
                &[&project],
            )
            .await
            .map_err(db_err)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn add_instruments(
        &self,
        project: &str,
        instruments: &[Instrument],
    ) -> Result<usize, StorageError> {
        let mut client = self.client().await?;
        records::add_instruments(&mut client, project, &bodies(instruments)?, true).await
    }

    async fn instruments(&self, project: &str) -> Result<Vec<Instrument>, StorageError> {
        self.instrument_bodies(project, true).await
    }

    async fn add_unpublished_instruments(
        &self,
        project: &str,
        instruments: &[Instrument],
    ) -> Result<usize, StorageError> {
        let mut client = self.client().await?;
        records::add_instruments(&mut client, project, &bodies(instruments)?, false).await
    }

    async fn publish_instrument(
        &self,
        project: &str,
        id: &str,
        version: u32,
    ) -> Result<bool, StorageError> {
        let mut client = self.client().await?;
        records::publish_instrument(&mut client, project, id, i64::from(version)).await
    }

    async fn retire_instrument(
        &self,
        project: &str,
        id: &str,
        version: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let mut client = self.client().await?;
        records::retire_instrument(&mut client, project, id, i64::from(version), now).await
    }

    async fn retired_instruments(
        &self,
        project: &str,
    ) -> Result<Vec<RetiredVersion>, StorageError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, version, retired_at FROM instruments \
                 WHERE project_id = $1 AND retired_at IS NOT NULL ORDER BY id, version",
                &[&project],
            )
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(RetiredVersion {
                    id: r.get(0),
                    version: u32::try_from(r.get::<_, i64>(1))
                        .map_err(|_| StorageError::Corrupt("instrument version".into()))?,
                    retired_at: r.get(2),
                })
            })
            .collect()
    }

    async fn unpublished_instruments(
        &self,
        project: &str,
    ) -> Result<Vec<Instrument>, StorageError> {
        self.instrument_bodies(project, false).await
    }

    async fn catalog_version(&self, project: &str) -> Result<u64, StorageError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT COALESCE(MAX(seq), 0)::bigint FROM instruments \
                 WHERE project_id = $1 AND published",
            )
            .await
            .map_err(db_err)?;
        let v: i64 = client
            .query_one(&stmt, &[&project])
            .await
            .map_err(db_err)?
            .get(0);
        to_u64(v, "catalog version")
    }

    async fn push(
        &self,
        device: &DeviceIdentity,
        batch_id: Uuid,
        records: Vec<IncomingRecord>,
        now: DateTime<Utc>,
    ) -> Result<PushResponse, StorageError> {
        let mut client = self.client().await?;
        records::push(&mut client, device, batch_id, &records, now).await
    }

    async fn pull(
        &self,
        device: &DeviceIdentity,
        since: u64,
        limit: u32,
    ) -> Result<PullData, StorageError> {
        let mut client = self.client().await?;
        let tx = snapshot(&mut client).await?;
        let data = records::pull(&tx, device, since, limit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(data)
    }

    async fn report_input(&self, project: &str) -> Result<ReportInput, StorageError> {
        let mut client = self.client().await?;
        let tx = snapshot(&mut client).await?;
        let input = ReportInput {
            meetings: records::current_bodies::<Meeting>(&tx, project, RecordKind::Meeting).await?,
            submissions: records::current_bodies(&tx, project, RecordKind::Submission).await?,
            outreach: records::current_bodies::<Outreach>(&tx, project, RecordKind::Outreach)
                .await?,
        };
        tx.commit().await.map_err(db_err)?;
        Ok(input)
    }

    async fn submissions(&self, project: &str) -> Result<Vec<StoredSubmission>, StorageError> {
        let client = self.client().await?;
        records::submissions(&client, project).await
    }

    async fn set_reviews(
        &self,
        project: &str,
        submissions: &[Uuid],
        review: &NewReview,
        now: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        let mut client = self.client().await?;
        reviews::set_reviews(&mut client, project, submissions, review, now).await
    }

    async fn reviews(&self, project: &str) -> Result<Vec<Review>, StorageError> {
        reviews::reviews(&self.client().await?, project).await
    }

    async fn setting(&self, key: &str) -> Result<Option<String>, StorageError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT value FROM settings WHERE key = $1", &[&key])
            .await
            .map_err(db_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StorageError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StorageError> {
        let client = self.client().await?;
        // If another process is inserting the same key, the INSERT waits for it to commit
        // and then does nothing; the SELECT, a new statement with a new snapshot, sees the
        // winner's value.
        client
            .execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &value],
            )
            .await
            .map_err(db_err)?;
        let row = client
            .query_one("SELECT value FROM settings WHERE key = $1", &[&key])
            .await
            .map_err(db_err)?;
        Ok(row.get(0))
    }

    async fn rate_limit(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
        max: u32,
    ) -> Result<bool, StorageError> {
        let window = i64::try_from(window.as_secs()).unwrap_or(i64::MAX).max(1);
        let now = now.timestamp();
        let start = DateTime::from_timestamp(now - now.rem_euclid(window), 0)
            .ok_or_else(|| StorageError::Invalid("the time is out of range".into()))?;
        let client = self.client().await?;
        // Two statements, each its own transaction, each holding row locks only while it
        // runs: processes counting at the turn of a window cannot deadlock over each
        // other's old rows. Old windows are forgotten so that a scan from many addresses
        // cannot grow the table without end. The upsert is one atomic statement: two
        // processes counting the same key both count.
        client
            .execute("DELETE FROM rate_limits WHERE window_start < $1", &[&start])
            .await
            .map_err(db_err)?;
        let stmt = client
            .prepare_cached(
                "INSERT INTO rate_limits AS r (key, window_start, count) VALUES ($1, $2, 1) \
                 ON CONFLICT (key) DO UPDATE SET \
                   count = CASE WHEN r.window_start = excluded.window_start \
                           THEN r.count + 1 ELSE 1 END, \
                   window_start = excluded.window_start \
                 RETURNING count",
            )
            .await
            .map_err(db_err)?;
        let count: i64 = client
            .query_one(&stmt, &[&key, &start])
            .await
            .map_err(db_err)?
            .get(0);
        Ok(count <= i64::from(max))
    }

    async fn counts(&self) -> Result<Counts, StorageError> {
        let client = self.client().await?;
        // One statement, so one snapshot.
        let r = client
            .query_one(
                "SELECT (SELECT COUNT(*) FROM records), (SELECT COUNT(*) FROM batches), \
                 (SELECT COUNT(*) FROM devices), (SELECT COUNT(*) FROM instruments), \
                 (SELECT COUNT(*) FROM projects)",
                &[],
            )
            .await
            .map_err(db_err)?;
        Ok(Counts {
            record_revisions: to_u64(r.get(0), "count")?,
            batches: to_u64(r.get(1), "count")?,
            devices: to_u64(r.get(2), "count")?,
            instruments: to_u64(r.get(3), "count")?,
            projects: to_u64(r.get(4), "count")?,
        })
    }

    async fn add_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<User, StorageError> {
        accounts::add_user(&self.client().await?, user, now).await
    }

    async fn users(&self) -> Result<Vec<User>, StorageError> {
        accounts::users(&self.client().await?).await
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>, StorageError> {
        accounts::user_by_name(&self.client().await?, name).await
    }

    async fn set_password_hash(&self, user: Uuid, hash: &str) -> Result<bool, StorageError> {
        accounts::set_password_hash(&mut self.client().await?, user, hash).await
    }

    async fn set_user_disabled(&self, user: Uuid, disabled: bool) -> Result<bool, StorageError> {
        accounts::set_user_disabled(&mut self.client().await?, user, disabled).await
    }

    async fn add_password_link(
        &self,
        user: Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        accounts::add_password_link(&self.client().await?, user, token_hash, expires_at).await
    }

    async fn password_link_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StorageError> {
        accounts::password_link_user(&self.client().await?, token_hash, now).await
    }

    async fn add_session(
        &self,
        id_hash: &str,
        user: Uuid,
        csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        accounts::add_session(&self.client().await?, id_hash, user, csrf, now).await
    }

    async fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
        limits: SessionLimits,
    ) -> Result<Option<SessionRow>, StorageError> {
        accounts::session(&mut self.client().await?, id_hash, now, limits).await
    }

    async fn end_session(&self, id_hash: &str) -> Result<(), StorageError> {
        accounts::end_session(&self.client().await?, id_hash).await
    }

    async fn login_failures(&self, key: &str, since: DateTime<Utc>) -> Result<u64, StorageError> {
        accounts::login_failures(&self.client().await?, key, since).await
    }

    async fn add_login_failure(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        accounts::add_login_failure(&self.client().await?, keys, now).await
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StorageError> {
        accounts::clear_login_failures(&self.client().await?, key).await
    }

    async fn add_audit(&self, entry: &NewAudit) -> Result<(), StorageError> {
        accounts::add_audit(&self.client().await?, entry).await
    }

    async fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StorageError> {
        accounts::audit_log(&self.client().await?, query).await
    }

    // A carer's rights (carers.rs).

    async fn forget_carer(
        &self,
        project: &str,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<ErasureSummary, StorageError> {
        carers::forget_carer(&mut self.client().await?, project, code, at).await
    }

    async fn carer_export(
        &self,
        project: &str,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<CarerExport, StorageError> {
        let mut client = self.client().await?;
        let tx = snapshot(&mut client).await?;
        let export = carers::carer_export(&tx, project, code, now).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(export)
    }

    async fn carer_codes(&self, project: &str) -> Result<Vec<String>, StorageError> {
        carers::carer_codes(&self.client().await?, project).await
    }

    async fn set_information_sheet(
        &self,
        project: &str,
        sheet: Option<&InformationSheet>,
    ) -> Result<(), StorageError> {
        carers::set_information_sheet(&self.client().await?, project, sheet).await
    }

    async fn set_retention_months(
        &self,
        project: &str,
        months: Option<u32>,
    ) -> Result<(), StorageError> {
        carers::set_retention_months(&self.client().await?, project, months).await
    }

    async fn carer_settings(&self, project: &str) -> Result<CarerSettings, StorageError> {
        carers::carer_settings(&self.client().await?, project).await
    }

    /// PostgreSQL has its own tool for a consistent copy of a live database.
    async fn backup(&self, _out: &Path) -> Result<(), StorageError> {
        Err(StorageError::Invalid(
            "use pg_dump: PostgreSQL makes its own consistent copy while the server runs, \
             e.g. `pg_dump --format=custom --file=campo.dump DATABASE_URL`"
                .into(),
        ))
    }
}
