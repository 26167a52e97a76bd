//! The embedded SQLite backend: one file, WAL, one writer connection and one reader.
//!
//! `synchronous=FULL`: a batch the server has acknowledged is one the tablet deletes from
//! its queue, so an acknowledged batch must survive a power cut, not only a crash. The
//! price is one fsync per batch (500 records), which the ingest benchmark shows is small.

use super::schema::SCHEMA;
use super::{Counts, DeviceInfo, IncomingRecord, PullData, Store, StoredSubmission};
use crate::error::StoreError;
use campo_core::report::ReportInput;
use campo_core::{Instrument, Meeting, Outreach, Submission};
use campo_sync::wire::{PushResponse, PushResult, PushStatus, RosterCode};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use uuid::Uuid;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // Another process (the CLI revoking a device, a second `report`) may hold the lock
    // briefly; wait for it rather than fail.
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves SQLite itself consistent (the transaction rolls
    // back when dropped), so the poisoned guard is safe to reuse.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The current revision of each record of a kind: highest revision, then latest receipt.
const CURRENT: &str = "NOT EXISTS (SELECT 1 FROM records r2 WHERE r2.id = r.id \
     AND (r2.revision > r.revision OR (r2.revision = r.revision AND r2.seq > r.seq)))";

impl SqliteStore {
    /// Opens (creating if needed) the database file and its schema.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let writer = Connection::open(path)?;
        configure(&writer)?;
        writer.execute_batch(SCHEMA)?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&reader)?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    fn next_seq(tx: &Transaction<'_>) -> Result<u64, StoreError> {
        let v: i64 = tx.query_row(
            "UPDATE seq SET value = value + 1 WHERE id = 1 RETURNING value",
            [],
            |r| r.get(0),
        )?;
        Ok(v as u64)
    }

    fn current_bodies<T: serde::de::DeserializeOwned>(
        conn: &Connection,
        kind: &str,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT body FROM records r WHERE kind = ?1 AND {CURRENT} ORDER BY seq"
        ))?;
        let rows = stmt.query_map([kind], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for body in rows {
            out.push(serde_json::from_str(&body?)?);
        }
        Ok(out)
    }
}

fn parse_uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("bad uuid {s:?}: {e}")))
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad time {s:?}: {e}")))
}

fn result(rec: &IncomingRecord, status: PushStatus, reason: Option<String>) -> PushResult {
    PushResult {
        id: rec.id,
        revision: rec.revision,
        status,
        reason,
    }
}

impl Store for SqliteStore {
    fn add_enroll_code(
        &self,
        code_hash: &str,
        name: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        lock(&self.writer).execute(
            "INSERT INTO enroll_codes (code_hash, name, expires_at) VALUES (?1, ?2, ?3)",
            params![code_hash, name, expires_at.timestamp()],
        )?;
        Ok(())
    }

    fn enroll(
        &self,
        code_hash: &str,
        device_name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction()?;
        // Marking the code used and creating the device commit together: a code can never
        // make two devices, even with two requests racing.
        let name: Option<String> = tx
            .query_row(
                "UPDATE enroll_codes SET used_at = ?2 \
                 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?3 RETURNING name",
                params![code_hash, now.to_rfc3339(), now.timestamp()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(name) = name else {
            return Ok(None);
        };
        let id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO devices (id, name, device_name, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.to_string(), name, device_name, token_hash, now.to_rfc3339()],
        )?;
        tx.commit()?;
        Ok(Some(id))
    }

    fn authenticate(&self, token_hash: &str) -> Result<Option<Uuid>, StoreError> {
        let conn = lock(&self.reader);
        let id: Option<String> = conn
            .prepare_cached("SELECT id FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL")?
            .query_row([token_hash], |r| r.get(0))
            .optional()?;
        id.map(|s| parse_uuid(&s)).transpose()
    }

    fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        let conn = lock(&self.reader);
        let mut stmt = conn.prepare(
            "SELECT d.id, d.name, d.device_name, d.enrolled_at, d.revoked_at, \
             (SELECT COUNT(*) FROM records r WHERE r.device_id = d.id) \
             FROM devices d ORDER BY d.enrolled_at, d.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, device_name, enrolled, revoked, records) = row?;
            out.push(DeviceInfo {
                id: parse_uuid(&id)?,
                name,
                device_name,
                enrolled_at: parse_time(&enrolled)?,
                revoked_at: revoked.as_deref().map(parse_time).transpose()?,
                records: records as u64,
            });
        }
        Ok(out)
    }

    fn revoke(&self, device: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let conn = lock(&self.writer);
        let exists: bool = conn
            .query_row(
                "SELECT 1 FROM devices WHERE id = ?1",
                [device.to_string()],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        conn.execute(
            "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![device.to_string(), now.to_rfc3339()],
        )?;
        Ok(exists)
    }

    fn add_instruments(&self, instruments: &[Instrument]) -> Result<usize, StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction()?;
        let mut added = 0;
        for instrument in instruments {
            let held: bool = tx
                .query_row(
                    "SELECT 1 FROM instruments WHERE id = ?1 AND version = ?2",
                    params![instrument.id, instrument.version],
                    |_| Ok(true),
                )
                .optional()?
                .unwrap_or(false);
            if held {
                continue;
            }
            let seq = Self::next_seq(&tx)?;
            tx.execute(
                "INSERT INTO instruments (id, version, body, seq) VALUES (?1, ?2, ?3, ?4)",
                params![
                    instrument.id,
                    instrument.version,
                    serde_json::to_string(instrument)?,
                    seq as i64
                ],
            )?;
            added += 1;
        }
        tx.commit()?;
        Ok(added)
    }

    fn instruments(&self) -> Result<Vec<Instrument>, StoreError> {
        let conn = lock(&self.reader);
        let mut stmt = conn.prepare("SELECT body FROM instruments ORDER BY id, version")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for body in rows {
            out.push(serde_json::from_str(&body?)?);
        }
        Ok(out)
    }

    fn push(
        &self,
        device: Uuid,
        batch_id: Uuid,
        records: Vec<IncomingRecord>,
    ) -> Result<PushResponse, StoreError> {
        let device_s = device.to_string();
        let batch_s = batch_id.to_string();
        let mut conn = lock(&self.writer);
        let tx = conn.transaction()?;
        let earlier: Option<String> = tx
            .query_row(
                "SELECT response FROM batches WHERE device_id = ?1 AND batch_id = ?2",
                params![device_s, batch_s],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(earlier) = earlier {
            return Ok(serde_json::from_str(&earlier)?);
        }
        let now = Utc::now().to_rfc3339();
        let mut seq: i64 = tx.query_row("SELECT value FROM seq WHERE id = 1", [], |r| r.get(0))?;
        let mut results = Vec::with_capacity(records.len());
        {
            let mut find =
                tx.prepare_cached("SELECT device_id, kind FROM records WHERE id = ?1 LIMIT 1")?;
            let mut find_rev =
                tx.prepare_cached("SELECT hash FROM records WHERE id = ?1 AND revision = ?2")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO records (seq, id, revision, device_id, kind, body, hash, received_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for rec in &records {
                if let Some(reason) = &rec.rejection {
                    results.push(result(rec, PushStatus::Rejected, Some(reason.clone())));
                    continue;
                }
                let id_s = rec.id.to_string();
                let owner: Option<(String, String)> = find
                    .query_row(params![id_s], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                if let Some((owner, kind)) = &owner {
                    if *owner != device_s {
                        results.push(result(
                            rec,
                            PushStatus::Rejected,
                            Some(format!("record {} belongs to another device", rec.id)),
                        ));
                        continue;
                    }
                    if kind != rec.kind {
                        results.push(result(
                            rec,
                            PushStatus::Rejected,
                            Some(format!("record {} is a {kind}, not a {}", rec.id, rec.kind)),
                        ));
                        continue;
                    }
                    let held: Option<String> = find_rev
                        .query_row(params![id_s, rec.revision], |r| r.get(0))
                        .optional()?;
                    if let Some(held) = held {
                        if held == rec.hash {
                            results.push(result(rec, PushStatus::Duplicate, None));
                        } else {
                            results.push(result(
                                rec,
                                PushStatus::Rejected,
                                Some(format!(
                                    "revision conflict: revision {} of {} is already held with different content",
                                    rec.revision, rec.id
                                )),
                            ));
                        }
                        continue;
                    }
                }
                seq += 1;
                insert.execute(params![
                    seq,
                    id_s,
                    rec.revision,
                    device_s,
                    rec.kind,
                    rec.body,
                    rec.hash,
                    now
                ])?;
                results.push(result(rec, PushStatus::Stored, None));
            }
        }
        tx.execute("UPDATE seq SET value = ?1 WHERE id = 1", [seq])?;
        let response = PushResponse { results };
        tx.execute(
            "INSERT INTO batches (device_id, batch_id, response) VALUES (?1, ?2, ?3)",
            params![device_s, batch_s, serde_json::to_string(&response)?],
        )?;
        tx.commit()?;
        Ok(response)
    }

    fn pull(&self, device: Uuid, since: u64) -> Result<PullData, StoreError> {
        let mut conn = lock(&self.reader);
        let device_s = device.to_string();
        let since = since.min(i64::MAX as u64) as i64;
        // One read transaction: the cursor and the rows come from the same snapshot.
        let tx = conn.transaction()?;
        let cursor: i64 = tx.query_row("SELECT value FROM seq WHERE id = 1", [], |r| r.get(0))?;
        let mut data = PullData {
            cursor: cursor as u64,
            ..PullData::default()
        };
        {
            let mut stmt =
                tx.prepare("SELECT body FROM instruments WHERE seq > ?1 ORDER BY seq")?;
            for body in stmt.query_map([since], |r| r.get::<_, String>(0))? {
                data.instruments
                    .push(serde_json::from_str::<Instrument>(&body?)?);
            }
            let mut stmt = tx.prepare(
                "SELECT DISTINCT body FROM records WHERE kind = 'roster_code' AND seq > ?1 AND device_id != ?2 ORDER BY body",
            )?;
            for body in stmt.query_map(params![since, device_s], |r| r.get::<_, String>(0))? {
                data.roster
                    .push(serde_json::from_str::<RosterCode>(&body?)?);
            }
            let mut stmt = tx.prepare(&format!(
                "SELECT body FROM records r WHERE kind = 'meeting' AND device_id != ?2 \
                 AND id IN (SELECT id FROM records WHERE kind = 'meeting' AND seq > ?1) AND {CURRENT} ORDER BY seq"
            ))?;
            for body in stmt.query_map(params![since, device_s], |r| r.get::<_, String>(0))? {
                data.meetings.push(serde_json::from_str::<Meeting>(&body?)?);
            }
        }
        tx.commit()?;
        Ok(data)
    }

    fn report_input(&self) -> Result<ReportInput, StoreError> {
        let conn = lock(&self.reader);
        Ok(ReportInput {
            meetings: Self::current_bodies::<Meeting>(&conn, "meeting")?,
            submissions: Self::current_bodies::<Submission>(&conn, "submission")?,
            outreach: Self::current_bodies::<Outreach>(&conn, "outreach")?,
        })
    }

    fn submissions(&self) -> Result<Vec<StoredSubmission>, StoreError> {
        let conn = lock(&self.reader);
        let mut stmt = conn.prepare(&format!(
            "SELECT device_id, body FROM records r WHERE kind = 'submission' AND {CURRENT} ORDER BY seq"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (device, body) = row?;
            out.push(StoredSubmission {
                device_id: parse_uuid(&device)?,
                submission: serde_json::from_str(&body)?,
            });
        }
        Ok(out)
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(lock(&self.reader)
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        lock(&self.writer).execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn counts(&self) -> Result<Counts, StoreError> {
        let conn = lock(&self.reader);
        let count = |table: &str| -> Result<u64, StoreError> {
            Ok(
                conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                    r.get::<_, i64>(0)
                })? as u64,
            )
        };
        Ok(Counts {
            record_revisions: count("records")?,
            batches: count("batches")?,
            devices: count("devices")?,
            instruments: count("instruments")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::sha256_hex;

    fn meeting_record(id: Uuid, revision: u32, place: &str) -> IncomingRecord {
        let body = serde_json::json!({
            "id": id, "revision": revision, "activity": "peer_group", "date": "2026-04-01",
            "place": place, "topic": "t", "facilitator": "f", "status": "held",
            "attendance": {"participants": [], "anonymous": 1}, "updated_at": "2026-04-01T10:00:00Z"
        })
        .to_string();
        IncomingRecord {
            id,
            revision,
            kind: "meeting",
            hash: sha256_hex(body.as_bytes()),
            body,
            rejection: None,
        }
    }

    fn device(store: &SqliteStore, name: &str) -> Uuid {
        let now = Utc::now();
        store
            .add_enroll_code(
                &sha256_hex(name.as_bytes()),
                name,
                now + chrono::Duration::minutes(15),
            )
            .unwrap();
        store
            .enroll(
                &sha256_hex(name.as_bytes()),
                name,
                &sha256_hex(format!("token-{name}").as_bytes()),
                now,
            )
            .unwrap()
            .unwrap()
    }

    #[test]
    fn current_revision_is_the_highest_even_when_it_arrives_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        let a = device(&store, "a");
        let b = device(&store, "b");
        let id = Uuid::now_v7();
        store
            .push(a, Uuid::now_v7(), vec![meeting_record(id, 2, "second")])
            .unwrap();
        store
            .push(a, Uuid::now_v7(), vec![meeting_record(id, 1, "first")])
            .unwrap();
        let input = store.report_input().unwrap();
        assert_eq!(input.meetings.len(), 1);
        assert_eq!(input.meetings[0].place, "second");
        let pulled = store.pull(b, 0).unwrap();
        assert_eq!(pulled.meetings.len(), 1);
        assert_eq!(pulled.meetings[0].revision, 2);
        assert_eq!(
            store.counts().unwrap().record_revisions,
            2,
            "every revision is kept"
        );
    }

    #[test]
    fn a_code_makes_one_device_and_revocation_keeps_its_first_date() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        let a = device(&store, "a");
        let again = store
            .enroll(&sha256_hex(b"a"), "a", &sha256_hex(b"other"), Utc::now())
            .unwrap();
        assert_eq!(again, None);
        assert_eq!(
            store.authenticate(&sha256_hex(b"token-a")).unwrap(),
            Some(a)
        );
        assert!(store.revoke(a, Utc::now()).unwrap());
        let first = store.devices().unwrap()[0].revoked_at;
        assert!(store
            .revoke(a, Utc::now() + chrono::Duration::hours(1))
            .unwrap());
        assert_eq!(store.devices().unwrap()[0].revoked_at, first);
        assert_eq!(store.authenticate(&sha256_hex(b"token-a")).unwrap(), None);
        assert!(!store.revoke(Uuid::now_v7(), Utc::now()).unwrap());
    }
}
