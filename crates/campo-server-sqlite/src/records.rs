//! Records on SQLite: push, paged pull, and the current revisions the report reads.

use crate::{db_err, parse_uuid};
use campo_core::barrier::BARRIER_LOG;
use campo_server_store::decide::{
    correction_target, decide, follow_up_target, Corrected, Decision, Held,
};
use campo_server_store::{
    cut_page, DeviceIdentity, IncomingRecord, PullData, StorageError, StoredSubmission,
    SubmissionKeys,
};
use campo_wire::{PushResponse, PushStatus, RecordKind};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

/// The current revision of each record: highest revision, then latest receipt.
const CURRENT: &str = "NOT EXISTS (SELECT 1 FROM records r2 WHERE r2.id = r.id \
     AND (r2.revision > r.revision OR (r2.revision = r.revision AND r2.seq > r.seq)))";

/// Moves the project's counter on by `n` and returns its new value. SQLite has one writer
/// at a time, so numbers are handed out in commit order.
pub fn next_seq(tx: &Transaction<'_>, project: &str, n: i64) -> Result<i64, StorageError> {
    tx.query_row(
        "UPDATE projects SET seq = seq + ?2 WHERE id = ?1 RETURNING seq",
        params![project, n],
        |r| r.get(0),
    )
    .optional()
    .map_err(db_err)?
    .ok_or_else(|| campo_server_store::project_not_found(project))
}

fn kind_of(s: &str) -> Result<RecordKind, StorageError> {
    RecordKind::parse(s).ok_or_else(|| StorageError::Corrupt(format!("unknown record kind {s:?}")))
}

/// The submission a correction names, as the rule needs it: read in the project, at its
/// current revision, with whether a submission other than `correction` already names it.
/// Records stored earlier in the same transaction are seen like any other.
struct Corrections<'t> {
    target: rusqlite::CachedStatement<'t>,
    replaced: rusqlite::CachedStatement<'t>,
}

impl<'t> Corrections<'t> {
    fn new(tx: &'t Transaction<'_>) -> Result<Self, StorageError> {
        Ok(Corrections {
            target: tx
                .prepare_cached(
                    "SELECT vault_id, body FROM records \
                     WHERE id = ?1 AND project_id = ?2 AND kind = 'submission' \
                     ORDER BY revision DESC, seq DESC LIMIT 1",
                )
                .map_err(db_err)?,
            replaced: tx
                .prepare_cached(
                    "SELECT 1 FROM records \
                     WHERE replaces = ?1 AND project_id = ?2 AND id != ?3 LIMIT 1",
                )
                .map_err(db_err)?,
        })
    }

    /// The current keys of the submission held under `id` in the project, if any.
    fn keys(&mut self, project: &str, id: Uuid) -> Result<Option<SubmissionKeys>, StorageError> {
        let body: Option<String> = self
            .target
            .query_row(params![id.to_string(), project], |r| r.get(1))
            .optional()
            .map_err(db_err)?;
        body.map(|b| SubmissionKeys::from_body(&b)).transpose()
    }

    /// `(owner vault, keys, replaced by another)` of what `correction` replaces, if held.
    fn find(
        &mut self,
        project: &str,
        target: Uuid,
        correction: Uuid,
    ) -> Result<Option<(Uuid, SubmissionKeys, bool)>, StorageError> {
        let target_s = target.to_string();
        let row: Option<(String, String)> = self
            .target
            .query_row(params![target_s, project], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(db_err)?;
        let Some((owner, body)) = row else {
            return Ok(None);
        };
        let replaced = self
            .replaced
            .query_row(params![target_s, project, correction.to_string()], |_| {
                Ok(())
            })
            .optional()
            .map_err(db_err)?
            .is_some();
        Ok(Some((
            parse_uuid(&owner)?,
            SubmissionKeys::from_body(&body)?,
            replaced,
        )))
    }
}

pub fn push(
    c: &mut Connection,
    device: &DeviceIdentity,
    batch_id: Uuid,
    records: &[IncomingRecord],
    now: DateTime<Utc>,
) -> Result<PushResponse, StorageError> {
    let device_s = device.device_id.to_string();
    let vault_s = device.vault_id.to_string();
    let batch_s = batch_id.to_string();
    let tx = c.transaction().map_err(db_err)?;
    let earlier: Option<String> = tx
        .query_row(
            "SELECT response FROM batches WHERE device_id = ?1 AND batch_id = ?2",
            params![device_s, batch_s],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    if let Some(earlier) = earlier {
        return Ok(serde_json::from_str(&earlier)?);
    }
    let now = now.to_rfc3339();
    let mut seq = next_seq(&tx, &device.project, 0)?;
    let mut results = Vec::with_capacity(records.len());
    {
        let mut find = tx
            .prepare_cached("SELECT vault_id, kind FROM records WHERE id = ?1 LIMIT 1")
            .map_err(db_err)?;
        let mut find_rev = tx
            .prepare_cached("SELECT hash FROM records WHERE id = ?1 AND revision = ?2")
            .map_err(db_err)?;
        let mut corrections = Corrections::new(&tx)?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO records (pseq, id, revision, device_id, kind, body, hash, received_at, project_id, vault_id, replaces, instrument_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .map_err(db_err)?;
        for rec in records {
            let id_s = rec.id.to_string();
            let held = if rec.rejection.is_some() {
                None
            } else {
                find.query_row(params![id_s], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .optional()
                .map_err(db_err)?
            };
            let revision_hash: Option<String> = match &held {
                Some(_) => find_rev
                    .query_row(params![id_s, rec.revision], |r| r.get(0))
                    .optional()
                    .map_err(db_err)?,
                None => None,
            };
            let held = match &held {
                Some((owner, kind)) => Some(Held {
                    owner: parse_uuid(owner)?,
                    kind: kind_of(kind)?,
                    revision_hash: revision_hash.as_deref(),
                }),
                None => None,
            };
            let target = match correction_target(rec) {
                Some(target) => corrections.find(&device.project, target, rec.id)?,
                None => None,
            };
            let corrected = target
                .as_ref()
                .map(|(owner, keys, replaced_by_another)| Corrected {
                    owner: *owner,
                    keys,
                    replaced_by_another: *replaced_by_another,
                });
            let followed = match follow_up_target(rec) {
                Some(first) => corrections.keys(&device.project, first)?,
                None => None,
            };
            match decide(rec, device.vault_id, held, corrected, followed.as_ref()) {
                Decision::Answer(a) => results.push(a),
                Decision::Store => {
                    seq += 1;
                    let replaces = rec
                        .submission
                        .as_ref()
                        .and_then(|s| s.replaces)
                        .map(|r| r.to_string());
                    let instrument = rec.submission.as_ref().map(|s| s.instrument_id.as_str());
                    insert
                        .execute(params![
                            seq,
                            id_s,
                            rec.revision,
                            device_s,
                            rec.kind.as_str(),
                            rec.body,
                            rec.hash,
                            now,
                            device.project,
                            vault_s,
                            replaces,
                            instrument
                        ])
                        .map_err(db_err)?;
                    results.push(campo_server_store::decide::answer(
                        rec,
                        PushStatus::Stored,
                        None,
                    ));
                }
            }
        }
    }
    tx.execute(
        "UPDATE projects SET seq = ?2 WHERE id = ?1",
        params![device.project, seq],
    )
    .map_err(db_err)?;
    let response = PushResponse { results };
    tx.execute(
        "INSERT INTO batches (device_id, batch_id, response) VALUES (?1, ?2, ?3)",
        params![device_s, batch_s, serde_json::to_string(&response)?],
    )
    .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(response)
}

pub fn pull(
    c: &mut Connection,
    device: &DeviceIdentity,
    since: u64,
    limit: u32,
) -> Result<PullData, StorageError> {
    let since = since.min(i64::MAX as u64) as i64;
    let limit = i64::from(limit.max(1));
    // One read transaction: the cursor and the rows come from the same snapshot.
    let tx = c.transaction().map_err(db_err)?;
    let top: i64 = tx
        .query_row(
            "SELECT seq FROM projects WHERE id = ?1",
            [&device.project],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?
        .ok_or_else(|| campo_server_store::project_not_found(&device.project))?;
    let mut page: Vec<(i64, String, String)> = Vec::new();
    {
        // Instruments, the meeting revisions and barrier log forms of the project's other
        // vaults, and the reviews of this vault's own submissions (the owner is the vault
        // of a record's first sender, on every row of it), in counter order; one row more
        // than asked tells whether another page follows.
        let mut stmt = tx
            .prepare_cached(
                "SELECT seq, 'instrument', body FROM instruments WHERE project_id = ?1 AND seq > ?2 AND published = 1 \
                 UNION ALL \
                 SELECT pseq, kind, id FROM records WHERE project_id = ?1 \
                   AND (kind = 'meeting' OR instrument_id = ?5) \
                   AND vault_id != ?3 AND pseq > ?2 \
                 UNION ALL \
                 SELECT v.seq, 'review', v.submission_id FROM reviews v WHERE v.project_id = ?1 AND v.seq > ?2 \
                   AND EXISTS (SELECT 1 FROM records r WHERE r.id = v.submission_id \
                     AND r.project_id = ?1 AND r.vault_id = ?3) \
                 UNION ALL \
                 SELECT retired_seq, 'retired', json_object('id', id, 'version', version) FROM instruments \
                   WHERE project_id = ?1 AND retired_seq > ?2 \
                 UNION ALL \
                 SELECT seq, 'erasure', json_object('records', json(records)) FROM erasures \
                   WHERE project_id = ?1 AND seq > ?2 \
                 ORDER BY 1 LIMIT ?4",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(
                params![
                    device.project,
                    since,
                    device.vault_id.to_string(),
                    limit + 1,
                    BARRIER_LOG
                ],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(db_err)?;
        for row in rows {
            page.push(row.map_err(db_err)?);
        }
    }
    let (cursor, more) = cut_page(&mut page, limit as u32, top, |r| r.0);
    let mut data = PullData {
        cursor,
        more,
        ..PullData::default()
    };
    {
        // A record changed in this page is sent as its current revision (which may be
        // sent again by a later page: applying it twice is harmless).
        let mut current = tx
            .prepare_cached(
                "SELECT body FROM records WHERE id = ?1 ORDER BY revision DESC, seq DESC LIMIT 1",
            )
            .map_err(db_err)?;
        let mut seen = std::collections::HashSet::new();
        for (_, kind, value) in page {
            if kind == "instrument" {
                data.instruments.push(serde_json::from_str(&value)?);
            } else if kind == "retired" {
                data.retired.push(serde_json::from_str(&value)?);
            } else if kind == "erasure" {
                data.erasures.push(serde_json::from_str(&value)?);
            } else if kind == "review" {
                // One row per review, at its last change: never twice in a page.
                data.notes
                    .push(crate::reviews::note(&tx, &device.project, &value)?);
            } else if seen.insert(value.clone()) {
                let body: String = current.query_row([&value], |r| r.get(0)).map_err(db_err)?;
                match kind_of(&kind)? {
                    RecordKind::Meeting => data.meetings.push(serde_json::from_str(&body)?),
                    _ => data.barriers.push(serde_json::from_str(&body)?),
                }
            }
        }
    }
    tx.commit().map_err(db_err)?;
    Ok(data)
}

pub fn current_bodies<T: serde::de::DeserializeOwned>(
    c: &Connection,
    project: &str,
    kind: RecordKind,
) -> Result<Vec<T>, StorageError> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT body FROM records r WHERE project_id = ?1 AND kind = ?2 AND {CURRENT} ORDER BY seq"
        ))
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![project, kind.as_str()], |r| r.get::<_, String>(0))
        .map_err(db_err)?;
    let mut out = Vec::new();
    for body in rows {
        out.push(serde_json::from_str(&body.map_err(db_err)?)?);
    }
    Ok(out)
}

pub fn submissions(c: &Connection, project: &str) -> Result<Vec<StoredSubmission>, StorageError> {
    let mut stmt = c
        .prepare(&format!(
            "SELECT device_id, body FROM records r WHERE project_id = ?1 AND kind = 'submission' \
             AND {CURRENT} ORDER BY seq"
        ))
        .map_err(db_err)?;
    let rows = stmt
        .query_map([project], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db_err)?;
    let mut out = Vec::new();
    for row in rows {
        let (device, body) = row.map_err(db_err)?;
        out.push(StoredSubmission {
            device_id: parse_uuid(&device)?,
            submission: serde_json::from_str(&body)?,
        });
    }
    Ok(out)
}
