//! campo-server's embedded backend: one SQLite file, WAL, one writer connection and one
//! reader, each call run on tokio's blocking pool.
//!
//! `synchronous=FULL`: a batch the server has acknowledged is one the tablet deletes from
//! its queue, so an acknowledged batch must survive a power cut, not only a crash. The
//! price is one fsync per batch, which the ingest benchmark shows is small.
//!
//! The pull cursor is a counter per project (`projects.seq`): SQLite has one writer at a
//! time, so numbers are handed out in commit order and a cursor can never skip a row.

mod accounts;
// A carer's rights.
mod carers;
mod migrations;
mod records;
mod retired;
mod reviews;

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
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use uuid::Uuid;

pub use migrations::MIGRATIONS;

pub struct SqliteStore {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    reader: Arc<Mutex<Connection>>,
}

/// Driver errors become the neutral type here, and nowhere else: a unique violation is a
/// `Conflict`, anything else `Other` (the message names the SQL error, never a value).
pub(crate) fn db_err(e: rusqlite::Error) -> StorageError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation
                && (f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY) =>
        {
            StorageError::Conflict(e.to_string())
        }
        _ => StorageError::Other(e.to_string()),
    }
}

fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    // Another process (the CLI revoking a device, a second `report`) may hold the lock
    // briefly; wait for it rather than fail.
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A carer's rights: a deleted or rewritten row's old bytes are zeroed, not left in
    // free space, so a forgotten carer's code stays in no page of the file (carers.rs).
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves SQLite itself consistent (the transaction rolls
    // back when dropped), so the poisoned guard is safe to reuse.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid, StorageError> {
    Uuid::parse_str(s).map_err(|e| StorageError::Corrupt(format!("bad uuid {s:?}: {e}")))
}

pub(crate) fn parse_time(s: &str) -> Result<DateTime<Utc>, StorageError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StorageError::Corrupt(format!("bad time {s:?}: {e}")))
}

pub(crate) fn project_exists(conn: &Connection, project: &str) -> Result<(), StorageError> {
    conn.query_row(
        "SELECT 1 FROM projects WHERE id = ?1",
        [project],
        |_| Ok(()),
    )
    .optional()
    .map_err(db_err)?
    .ok_or_else(|| project_not_found(project))
}

fn row_to_project(
    id: String,
    name: String,
    targets: String,
    created: String,
) -> Result<Project, StorageError> {
    Ok(Project {
        id,
        name,
        targets: serde_json::from_str(&targets)?,
        created_at: parse_time(&created)?,
    })
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StorageError> {
        let mut writer = Connection::open(path).map_err(db_err)?;
        configure(&writer).map_err(db_err)?;
        migrations::run(&mut writer)?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_err)?;
        configure(&reader).map_err(db_err)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the writer connection on the blocking pool.
    async fn write<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    {
        let conn = self.writer.clone();
        tokio::task::spawn_blocking(move || f(&mut lock(&conn)))
            .await
            .map_err(|e| StorageError::Other(format!("the storage task failed: {e}")))?
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    {
        let conn = self.reader.clone();
        tokio::task::spawn_blocking(move || f(&mut lock(&conn)))
            .await
            .map_err(|e| StorageError::Other(format!("the storage task failed: {e}")))?
    }

    /// Adds the versions the project does not hold yet (a held version is never
    /// overwritten, published or not), each numbered in the project's counter.
    async fn insert_instruments(
        &self,
        project: &str,
        instruments: &[Instrument],
        published: bool,
    ) -> Result<usize, StorageError> {
        let project = project.to_string();
        let bodies = instruments
            .iter()
            .map(|i| Ok((i.id.clone(), i.version, serde_json::to_string(i)?)))
            .collect::<Result<Vec<_>, StorageError>>()?;
        self.write(move |c| {
            let tx = c.transaction().map_err(db_err)?;
            project_exists(&tx, &project)?;
            let mut added = 0;
            for (id, version, body) in bodies {
                let held = tx
                    .query_row(
                        "SELECT 1 FROM instruments WHERE project_id = ?1 AND id = ?2 AND version = ?3",
                        params![project, id, version],
                        |_| Ok(()),
                    )
                    .optional()
                    .map_err(db_err)?
                    .is_some();
                if held {
                    continue;
                }
                let seq = records::next_seq(&tx, &project, 1)?;
                tx.execute(
                    "INSERT INTO instruments (project_id, id, version, body, seq, published) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![project, id, version, body, seq, published],
                )
                .map_err(db_err)?;
                added += 1;
            }
            tx.commit().map_err(db_err)?;
            Ok(added)
        })
        .await
    }

    /// The project's published (or unpublished) versions, by id and version.
    async fn instrument_bodies(
        &self,
        project: &str,
        published: bool,
    ) -> Result<Vec<Instrument>, StorageError> {
        let project = project.to_string();
        self.read(move |c| {
            let mut stmt = c
                .prepare(
                    "SELECT body FROM instruments WHERE project_id = ?1 AND published = ?2 \
                     ORDER BY id, version",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map(params![project, published], |r| r.get::<_, String>(0))
                .map_err(db_err)?;
            let mut out = Vec::new();
            for body in rows {
                out.push(serde_json::from_str(&body.map_err(db_err)?)?);
            }
            Ok(out)
        })
        .await
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn engine(&self) -> &'static str {
        "sqlite"
    }

    async fn schema_version(&self) -> Result<u32, StorageError> {
        self.read(|c| migrations::version(c)).await
    }

    async fn add_project(&self, project: &Project) -> Result<(), StorageError> {
        check_project(project)?;
        let p = project.clone();
        let targets = serde_json::to_string(&p.targets)?;
        self.write(move |c| {
            c.execute(
                "INSERT INTO projects (id, name, targets, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![p.id, p.name, targets, p.created_at.to_rfc3339()],
            )
            .map_err(|e| match db_err(e) {
                StorageError::Conflict(_) => {
                    StorageError::Conflict(format!("project {:?} exists", p.id))
                }
                other => other,
            })?;
            Ok(())
        })
        .await
    }

    async fn projects(&self) -> Result<Vec<Project>, StorageError> {
        self.read(|c| {
            let mut stmt = c
                .prepare("SELECT id, name, targets, created_at FROM projects ORDER BY id")
                .map_err(db_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(db_err)?;
            let mut out = Vec::new();
            for row in rows {
                let (id, name, targets, created) = row.map_err(db_err)?;
                out.push(row_to_project(id, name, targets, created)?);
            }
            Ok(out)
        })
        .await
    }

    async fn project(&self, id: &str) -> Result<Option<Project>, StorageError> {
        let id = id.to_string();
        self.read(move |c| {
            let row: Option<(String, String, String, String)> = c
                .query_row(
                    "SELECT id, name, targets, created_at FROM projects WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(db_err)?;
            row.map(|(id, name, targets, created)| row_to_project(id, name, targets, created))
                .transpose()
        })
        .await
    }

    async fn set_targets(&self, project: &str, targets: &Targets) -> Result<(), StorageError> {
        check_targets(targets)?;
        let json = serde_json::to_string(targets)?;
        let project = project.to_string();
        self.write(move |c| {
            let n = c
                .execute(
                    "UPDATE projects SET targets = ?2 WHERE id = ?1",
                    params![project, json],
                )
                .map_err(db_err)?;
            if n == 0 {
                return Err(project_not_found(&project));
            }
            Ok(())
        })
        .await
    }

    async fn add_enroll_code(
        &self,
        project: &str,
        code_hash: &str,
        name: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let (project, code_hash, name) =
            (project.to_string(), code_hash.to_string(), name.to_string());
        self.write(move |c| {
            project_exists(c, &project)?;
            c.execute(
                "INSERT INTO enroll_codes (code_hash, name, expires_at, project_id) VALUES (?1, ?2, ?3, ?4)",
                params![code_hash, name, expires_at.timestamp(), project],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
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
        let (code_hash, device_name, token_hash, vault) = (
            code_hash.to_string(),
            device_name.to_string(),
            token_hash.to_string(),
            vault.clone(),
        );
        self.write(move |c| {
            let tx = c.transaction().map_err(db_err)?;
            // Marking the code used, registering the vault and creating the device commit
            // together: a code can never make two devices, even with two requests racing,
            // and a refused vault leaves the code unused (the transaction rolls back when
            // dropped).
            let found: Option<(String, String)> = tx
                .query_row(
                    "UPDATE enroll_codes SET used_at = ?2 \
                     WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?3 \
                     RETURNING name, project_id",
                    params![code_hash, now.to_rfc3339(), now.timestamp()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db_err)?;
            let Some((name, project)) = found else {
                return Ok(Enrollment::CodeRefused);
            };
            let vault_s = vault.id.to_string();
            let known: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT project_id, secret_hash FROM vaults WHERE id = ?1",
                    [&vault_s],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db_err)?;
            match known {
                Some((held_project, held_hash)) => {
                    if let Err(refused) =
                        check_vault(&held_project, held_hash.as_deref(), &vault, &project)
                    {
                        return Ok(refused);
                    }
                }
                None => {
                    tx.execute(
                        "INSERT INTO vaults (id, project_id, secret_hash, created_at) \
                         VALUES (?1, ?2, ?3, ?4)",
                        params![vault_s, project, vault.secret_hash, now.to_rfc3339()],
                    )
                    .map_err(db_err)?;
                }
            }
            let id = Uuid::now_v7();
            tx.execute(
                "INSERT INTO devices (id, name, device_name, token_hash, enrolled_at, project_id, vault_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id.to_string(),
                    name,
                    device_name,
                    token_hash,
                    now.to_rfc3339(),
                    project,
                    vault_s
                ],
            )
            .map_err(db_err)?;
            tx.commit().map_err(db_err)?;
            Ok(Enrollment::Enrolled(DeviceIdentity {
                device_id: id,
                vault_id: vault.id,
                project,
            }))
        })
        .await
    }

    async fn authenticate(&self, token_hash: &str) -> Result<Option<DeviceIdentity>, StorageError> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            let row: Option<(String, String, String)> = c
                .prepare_cached(
                    "SELECT id, project_id, vault_id FROM devices \
                     WHERE token_hash = ?1 AND revoked_at IS NULL",
                )
                .map_err(db_err)?
                .query_row([token_hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
                .map_err(db_err)?;
            row.map(|(id, project, vault)| {
                Ok(DeviceIdentity {
                    device_id: parse_uuid(&id)?,
                    vault_id: parse_uuid(&vault)?,
                    project,
                })
            })
            .transpose()
        })
        .await
    }

    async fn devices(&self, project: Option<&str>) -> Result<Vec<DeviceInfo>, StorageError> {
        let project = project.map(str::to_string);
        self.read(move |c| {
            let mut stmt = c
                .prepare(
                    "SELECT d.id, d.project_id, d.name, d.device_name, d.enrolled_at, d.revoked_at, \
                     (SELECT COUNT(*) FROM records r WHERE r.device_id = d.id), d.vault_id, \
                     d.last_seen_at \
                     FROM devices d WHERE ?1 IS NULL OR d.project_id = ?1 \
                     ORDER BY d.enrolled_at, d.id",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map([project], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, Option<String>>(8)?,
                    ))
                })
                .map_err(db_err)?;
            let mut out = Vec::new();
            for row in rows {
                let (id, project, name, device_name, enrolled, revoked, records, vault, seen) =
                    row.map_err(db_err)?;
                out.push(DeviceInfo {
                    id: parse_uuid(&id)?,
                    vault_id: parse_uuid(&vault)?,
                    project,
                    name,
                    device_name,
                    enrolled_at: parse_time(&enrolled)?,
                    revoked_at: revoked.as_deref().map(parse_time).transpose()?,
                    records: records as u64,
                    last_seen_at: seen.as_deref().map(parse_time).transpose()?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn revoke(&self, device: Uuid, now: DateTime<Utc>) -> Result<bool, StorageError> {
        self.write(move |c| {
            let exists = c
                .query_row(
                    "SELECT 1 FROM devices WHERE id = ?1",
                    [device.to_string()],
                    |_| Ok(()),
                )
                .optional()
                .map_err(db_err)?
                .is_some();
            c.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![device.to_string(), now.to_rfc3339()],
            )
            .map_err(db_err)?;
            Ok(exists)
        })
        .await
    }

    async fn touch_device(&self, device: Uuid, now: DateTime<Utc>) -> Result<(), StorageError> {
        self.write(move |c| {
            c.execute(
                "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1",
                params![device.to_string(), now.to_rfc3339()],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn meeting_vaults(&self, project: &str) -> Result<Vec<(Uuid, Uuid)>, StorageError> {
        let project = project.to_string();
        self.read(move |c| {
            // The owner's vault is on every row of a record.
            let mut stmt = c
                .prepare_cached(
                    "SELECT DISTINCT id, vault_id FROM records WHERE project_id = ?1 AND kind = 'meeting'",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map([project], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(db_err)?;
            let mut out = Vec::new();
            for row in rows {
                let (id, vault) = row.map_err(db_err)?;
                out.push((parse_uuid(&id)?, parse_uuid(&vault)?));
            }
            Ok(out)
        })
        .await
    }

    async fn add_instruments(
        &self,
        project: &str,
        instruments: &[Instrument],
    ) -> Result<usize, StorageError> {
        self.insert_instruments(project, instruments, true).await
    }

    async fn instruments(&self, project: &str) -> Result<Vec<Instrument>, StorageError> {
        self.instrument_bodies(project, true).await
    }

    async fn add_unpublished_instruments(
        &self,
        project: &str,
        instruments: &[Instrument],
    ) -> Result<usize, StorageError> {
        self.insert_instruments(project, instruments, false).await
    }

    async fn publish_instrument(
        &self,
        project: &str,
        id: &str,
        version: u32,
    ) -> Result<bool, StorageError> {
        let (project, id) = (project.to_string(), id.to_string());
        self.write(move |c| {
            let tx = c.transaction().map_err(db_err)?;
            let published: bool = tx
                .query_row(
                    "SELECT published FROM instruments WHERE project_id = ?1 AND id = ?2 AND version = ?3",
                    params![project, id, version],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_err)?
                .ok_or_else(|| {
                    StorageError::NotFound(format!("instrument {id} v{version} in project {project}"))
                })?;
            if published {
                return Ok(false);
            }
            // A new number in the project's counter: every tablet's cursor is behind it,
            // so each one's next pull brings the instrument.
            let seq = records::next_seq(&tx, &project, 1)?;
            tx.execute(
                "UPDATE instruments SET published = 1, seq = ?4 WHERE project_id = ?1 AND id = ?2 AND version = ?3",
                params![project, id, version, seq],
            )
            .map_err(db_err)?;
            tx.commit().map_err(db_err)?;
            Ok(true)
        })
        .await
    }

    async fn retire_instrument(
        &self,
        project: &str,
        id: &str,
        version: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let (project, id) = (project.to_string(), id.to_string());
        self.write(move |c| retired::retire(c, &project, &id, version, now))
            .await
    }

    async fn retired_instruments(
        &self,
        project: &str,
    ) -> Result<Vec<RetiredVersion>, StorageError> {
        let project = project.to_string();
        self.read(move |c| retired::retired(c, &project)).await
    }

    async fn unpublished_instruments(
        &self,
        project: &str,
    ) -> Result<Vec<Instrument>, StorageError> {
        self.instrument_bodies(project, false).await
    }

    async fn catalog_version(&self, project: &str) -> Result<u64, StorageError> {
        let project = project.to_string();
        self.read(move |c| {
            let v: i64 = c
                .prepare_cached(
                    "SELECT COALESCE(MAX(seq), 0) FROM instruments WHERE project_id = ?1 AND published = 1",
                )
                .map_err(db_err)?
                .query_row([project], |r| r.get(0))
                .map_err(db_err)?;
            Ok(v as u64)
        })
        .await
    }

    async fn push(
        &self,
        device: &DeviceIdentity,
        batch_id: Uuid,
        records: Vec<IncomingRecord>,
        now: DateTime<Utc>,
    ) -> Result<PushResponse, StorageError> {
        let device = device.clone();
        self.write(move |c| records::push(c, &device, batch_id, &records, now))
            .await
    }

    async fn pull(
        &self,
        device: &DeviceIdentity,
        since: u64,
        limit: u32,
    ) -> Result<PullData, StorageError> {
        let device = device.clone();
        self.read(move |c| records::pull(c, &device, since, limit))
            .await
    }

    async fn report_input(&self, project: &str) -> Result<ReportInput, StorageError> {
        let project = project.to_string();
        self.read(move |c| {
            Ok(ReportInput {
                meetings: records::current_bodies::<Meeting>(c, &project, RecordKind::Meeting)?,
                submissions: records::current_bodies(c, &project, RecordKind::Submission)?,
                outreach: records::current_bodies::<Outreach>(c, &project, RecordKind::Outreach)?,
            })
        })
        .await
    }

    async fn submissions(&self, project: &str) -> Result<Vec<StoredSubmission>, StorageError> {
        let project = project.to_string();
        self.read(move |c| records::submissions(c, &project)).await
    }

    async fn set_reviews(
        &self,
        project: &str,
        submissions: &[Uuid],
        review: &NewReview,
        now: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        let (project, ids, review) = (project.to_string(), submissions.to_vec(), review.clone());
        self.write(move |c| reviews::set_reviews(c, &project, &ids, &review, now))
            .await
    }

    async fn reviews(&self, project: &str) -> Result<Vec<Review>, StorageError> {
        let project = project.to_string();
        self.read(move |c| reviews::reviews(c, &project)).await
    }

    async fn setting(&self, key: &str) -> Result<Option<String>, StorageError> {
        let key = key.to_string();
        self.read(move |c| {
            c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err)
        })
        .await
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StorageError> {
        let (key, value) = (key.to_string(), value.to_string());
        self.write(move |c| {
            c.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StorageError> {
        let (key, value) = (key.to_string(), value.to_string());
        self.write(move |c| {
            c.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                params![key, value],
            )
            .map_err(db_err)?;
            c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .map_err(db_err)
        })
        .await
    }

    async fn rate_limit(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
        max: u32,
    ) -> Result<bool, StorageError> {
        let key = key.to_string();
        let window = window.as_secs().max(1) as i64;
        let now = now.timestamp();
        let start = now - now.rem_euclid(window);
        self.write(move |c| {
            let tx = c.transaction().map_err(db_err)?;
            // Old windows are forgotten so that a scan from many addresses cannot grow the
            // table without end.
            tx.execute("DELETE FROM rate_limits WHERE window_start < ?1", [start])
                .map_err(db_err)?;
            let count: i64 = tx
                .query_row(
                    "INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, 1) \
                     ON CONFLICT (key) DO UPDATE SET \
                       count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END, \
                       window_start = excluded.window_start \
                     RETURNING count",
                    params![key, start],
                    |r| r.get(0),
                )
                .map_err(db_err)?;
            tx.commit().map_err(db_err)?;
            Ok(count <= i64::from(max))
        })
        .await
    }

    async fn counts(&self) -> Result<Counts, StorageError> {
        self.read(|c| {
            let count = |table: &str| -> Result<u64, StorageError> {
                Ok(
                    c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                        r.get::<_, i64>(0)
                    })
                    .map_err(db_err)? as u64,
                )
            };
            Ok(Counts {
                record_revisions: count("records")?,
                batches: count("batches")?,
                devices: count("devices")?,
                instruments: count("instruments")?,
                projects: count("projects")?,
            })
        })
        .await
    }

    async fn add_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<User, StorageError> {
        let user = user.clone();
        self.write(move |c| accounts::add_user(c, &user, now)).await
    }

    async fn users(&self) -> Result<Vec<User>, StorageError> {
        self.read(|c| accounts::users(c)).await
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>, StorageError> {
        let name = name.to_string();
        self.read(move |c| accounts::user_by_name(c, &name)).await
    }

    async fn set_password_hash(&self, user: Uuid, hash: &str) -> Result<bool, StorageError> {
        let hash = hash.to_string();
        self.write(move |c| accounts::set_password_hash(c, user, &hash))
            .await
    }

    async fn set_user_disabled(&self, user: Uuid, disabled: bool) -> Result<bool, StorageError> {
        self.write(move |c| accounts::set_user_disabled(c, user, disabled))
            .await
    }

    async fn add_password_link(
        &self,
        user: Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let token_hash = token_hash.to_string();
        self.write(move |c| accounts::add_password_link(c, user, &token_hash, expires_at))
            .await
    }

    async fn password_link_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StorageError> {
        let token_hash = token_hash.to_string();
        self.read(move |c| accounts::password_link_user(c, &token_hash, now))
            .await
    }

    async fn add_session(
        &self,
        id_hash: &str,
        user: Uuid,
        csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let (id_hash, csrf) = (id_hash.to_string(), csrf.to_string());
        self.write(move |c| accounts::add_session(c, &id_hash, user, &csrf, now))
            .await
    }

    async fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
        limits: SessionLimits,
    ) -> Result<Option<SessionRow>, StorageError> {
        let id_hash = id_hash.to_string();
        self.write(move |c| accounts::session(c, &id_hash, now, limits))
            .await
    }

    async fn end_session(&self, id_hash: &str) -> Result<(), StorageError> {
        let id_hash = id_hash.to_string();
        self.write(move |c| accounts::end_session(c, &id_hash))
            .await
    }

    async fn login_failures(&self, key: &str, since: DateTime<Utc>) -> Result<u64, StorageError> {
        let key = key.to_string();
        self.read(move |c| accounts::login_failures(c, &key, since))
            .await
    }

    async fn add_login_failure(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let keys = keys.to_vec();
        self.write(move |c| accounts::add_login_failure(c, &keys, now))
            .await
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StorageError> {
        let key = key.to_string();
        self.write(move |c| accounts::clear_login_failures(c, &key))
            .await
    }

    async fn add_audit(&self, entry: &NewAudit) -> Result<(), StorageError> {
        let entry = entry.clone();
        self.write(move |c| accounts::add_audit(c, &entry)).await
    }

    async fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StorageError> {
        let query = query.clone();
        self.read(move |c| accounts::audit_log(c, &query)).await
    }

    // A carer's rights (carers.rs).

    async fn forget_carer(
        &self,
        project: &str,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<ErasureSummary, StorageError> {
        let (project, code) = (project.to_string(), code.to_string());
        self.write(move |c| carers::forget_carer(c, &project, &code, at))
            .await
    }

    async fn carer_export(
        &self,
        project: &str,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<CarerExport, StorageError> {
        let (project, code) = (project.to_string(), code.to_string());
        self.read(move |c| carers::carer_export(c, &project, &code, now))
            .await
    }

    async fn carer_codes(&self, project: &str) -> Result<Vec<String>, StorageError> {
        let project = project.to_string();
        self.read(move |c| carers::carer_codes(c, &project)).await
    }

    async fn set_information_sheet(
        &self,
        project: &str,
        sheet: Option<&InformationSheet>,
    ) -> Result<(), StorageError> {
        let (project, sheet) = (project.to_string(), sheet.cloned());
        self.write(move |c| carers::set_information_sheet(c, &project, sheet.as_ref()))
            .await
    }

    async fn set_retention_months(
        &self,
        project: &str,
        months: Option<u32>,
    ) -> Result<(), StorageError> {
        let project = project.to_string();
        self.write(move |c| carers::set_retention_months(c, &project, months))
            .await
    }

    async fn carer_settings(&self, project: &str) -> Result<CarerSettings, StorageError> {
        let project = project.to_string();
        self.read(move |c| carers::carer_settings(c, &project))
            .await
    }

    async fn backup(&self, out: &Path) -> Result<(), StorageError> {
        if out.exists() {
            return Err(StorageError::Invalid(format!(
                "{} exists; a backup never overwrites a file",
                out.display()
            )));
        }
        let out = out
            .to_str()
            .ok_or_else(|| StorageError::Invalid("the backup path is not UTF-8".into()))?
            .to_string();
        // VACUUM INTO writes a consistent, compacted copy from one read snapshot while
        // pushes go on.
        self.read(move |c| {
            c.execute("VACUUM INTO ?1", [out]).map_err(db_err)?;
            Ok(())
        })
        .await
    }
}
