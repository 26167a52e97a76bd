//! A carer's rights on SQLite: forgetting a code, exporting what is held under it, the
//! codes retention forgets, and the project's information sheet and retention period. What
//! to do with each row is campo-server-store's `carers` module; this file reads and writes.
//!
//! Forgetting runs on the writer connection, SQLite's one writer: the numbers it hands out
//! commit in order with every push's (what PostgreSQL needs the project's row lock for).
//! Every connection has `secure_delete` on (lib.rs), so a rewritten or deleted row's old
//! bytes are zeroed in the pages written; after the commit a `wal_checkpoint(TRUNCATE)`
//! copies those pages into the database file and empties the -wal, so no byte of the code
//! stays in either.

use crate::records::next_seq;
use crate::{db_err, parse_time, parse_uuid, project_exists};
use campo_core::barrier::BARRIER_LOG;
use campo_core::consent::InformationSheet;
use campo_core::Instrument;
use campo_server_store::carer_export::{self, CarerExport, ExportRows, HeldRoster};
use campo_server_store::carers::{
    check_code, check_information_sheet, check_retention_months, codes_in, nothing_held,
    CarerSettings, ErasureSummary, Forgetting, RowChange, Tally,
};
use campo_server_store::{project_not_found, StorageError};
use campo_wire::RecordKind;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::BTreeSet;
use std::time::Duration;
use uuid::Uuid;

/// The current revision of each record: highest revision, then latest receipt (as
/// records.rs has it).
const CURRENT: &str = "NOT EXISTS (SELECT 1 FROM records r2 WHERE r2.id = r.id \
     AND (r2.revision > r.revision OR (r2.revision = r.revision AND r2.seq > r.seq)))";

/// Tries of the checkpoint that empties the -wal after a forgetting. Each waits for a
/// reader of another process in the middle of a read as long as the busy timeout (10 s,
/// lib.rs) before it gives up; then it pauses and tries again.
const CHECKPOINT_TRIES: u32 = 3;
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(100);

fn kind_of(s: &str) -> Result<RecordKind, StorageError> {
    RecordKind::parse(s).ok_or_else(|| StorageError::Corrupt(format!("unknown record kind {s:?}")))
}

/// Every version of the project's instruments, published or not: a submission is scrubbed
/// against the very version it answers.
fn all_instruments(tx: &Transaction<'_>, project: &str) -> Result<Vec<Instrument>, StorageError> {
    let mut stmt = tx
        .prepare("SELECT body FROM instruments WHERE project_id = ?1")
        .map_err(db_err)?;
    let rows = stmt
        .query_map([project], |r| r.get::<_, String>(0))
        .map_err(db_err)?;
    let mut out = Vec::new();
    for body in rows {
        out.push(serde_json::from_str(&body.map_err(db_err)?)?);
    }
    Ok(out)
}

/// Forgets `code` in `project` in one transaction, then empties the -wal.
pub fn forget_carer(
    c: &mut Connection,
    project: &str,
    code: &str,
    at: DateTime<Utc>,
) -> Result<ErasureSummary, StorageError> {
    check_code(code)?;
    let forgotten = forget_in_transaction(c, project, code, at);
    // Also when nothing was held: a forgetting whose checkpoint was kept waiting empties
    // the -wal when asked again.
    if !checkpoint(c)? {
        // The carer is forgotten (committed); only old bytes in the -wal wait for the next
        // checkpoint, which SQLite makes on its own as the -wal grows.
        tracing::warn!(
            "a carer was forgotten, but another process kept the write-ahead log busy: \
             run the forget command again to empty it"
        );
    }
    forgotten
}

fn forget_in_transaction(
    c: &mut Connection,
    project: &str,
    code: &str,
    at: DateTime<Utc>,
) -> Result<ErasureSummary, StorageError> {
    let tx = c.transaction().map_err(db_err)?;
    project_exists(&tx, project)?;
    let forgetting = Forgetting::new(code, all_instruments(&tx, project)?)?;
    let needle = forgetting.in_json();
    let mut tally = Tally::default();

    // Every revision whose body could hold the code (it holds its JSON text), each decided
    // by the shared rules. Dropping the transaction on an error rolls everything back.
    let mut rewrites: Vec<(i64, Uuid, String, String)> = Vec::new();
    let mut deletes: BTreeSet<Uuid> = BTreeSet::new();
    {
        let mut stmt = tx
            .prepare(
                "SELECT seq, id, kind, body FROM records \
                 WHERE project_id = ?1 AND instr(body, ?2) > 0 ORDER BY seq",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![project, needle], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(db_err)?;
        for row in rows {
            let (seq, id, kind, body) = row.map_err(db_err)?;
            let id = parse_uuid(&id)?;
            match forgetting.record(kind_of(&kind)?, &body)? {
                RowChange::Keep => {}
                RowChange::DeleteRecord => {
                    deletes.insert(id);
                }
                RowChange::Rewrite { body, hash } => rewrites.push((seq, id, body, hash)),
            }
        }
    }
    for id in deletes {
        let n = tx
            .execute(
                "DELETE FROM records WHERE project_id = ?1 AND id = ?2",
                params![project, id.to_string()],
            )
            .map_err(db_err)?;
        tally.record_deleted(id, n as u64);
    }
    for (seq, id, body, hash) in rewrites {
        tx.execute(
            "UPDATE records SET body = ?2, hash = ?3 WHERE seq = ?1",
            params![seq, body, hash],
        )
        .map_err(db_err)?;
        tally.revision_changed(id);
    }

    // Review comments, then the push answers stored for the project's devices.
    let comments: Vec<(String, String)> = {
        let mut stmt = tx
            .prepare(
                "SELECT submission_id, comment FROM reviews \
                 WHERE project_id = ?1 AND instr(comment, ?2) > 0 ORDER BY seq",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![project, code], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, comment): (String, String) = row.map_err(db_err)?;
            if let Some(scrubbed) = forgetting.comment(&comment) {
                out.push((id, scrubbed));
            }
        }
        out
    };
    let answers: Vec<(String, String, String)> = {
        let mut stmt = tx
            .prepare(
                "SELECT device_id, batch_id, response FROM batches \
                 WHERE device_id IN (SELECT id FROM devices WHERE project_id = ?1) \
                   AND instr(response, ?2) > 0",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![project, needle], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (device, batch, response): (String, String, String) = row.map_err(db_err)?;
            if let Some(scrubbed) = forgetting.push_answer(&response)? {
                out.push((device, batch, scrubbed));
            }
        }
        out
    };
    for (device, batch, response) in &answers {
        tx.execute(
            "UPDATE batches SET response = ?3 WHERE device_id = ?1 AND batch_id = ?2",
            params![device, batch, response],
        )
        .map_err(db_err)?;
        tally.push_answer_changed();
    }
    if tally.is_empty() && comments.is_empty() {
        return Err(nothing_held(project));
    }

    // Numbers in the project's counter: the current revision of each rewritten record
    // other vaults pull (meetings, barrier forms; never answers, whose numbers side by
    // side would tie one carer's answers together), each changed review (so its vault
    // pulls the scrubbed note), then the erasure itself.
    let mut seq = next_seq(&tx, project, 0)?;
    for id in tally.changed_records() {
        let n = tx
            .execute(
                "UPDATE records SET pseq = ?2 WHERE seq = ( \
                   SELECT seq FROM records WHERE id = ?1 ORDER BY revision DESC, seq DESC LIMIT 1) \
                 AND (kind = 'meeting' OR instrument_id = ?3)",
                params![id.to_string(), seq + 1, BARRIER_LOG],
            )
            .map_err(db_err)?;
        seq += n as i64;
    }
    for (id, comment) in &comments {
        seq += 1;
        tx.execute(
            "UPDATE reviews SET comment = ?3, seq = ?4 WHERE project_id = ?1 AND submission_id = ?2",
            params![project, id, comment, seq],
        )
        .map_err(db_err)?;
        tally.review_changed();
    }
    seq += 1;
    let records = tally.erasure_records();
    tx.execute(
        "INSERT INTO erasures (project_id, seq, records, erased_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            project,
            seq,
            serde_json::to_string(&records)?,
            at.to_rfc3339()
        ],
    )
    .map_err(db_err)?;
    tx.execute(
        "UPDATE projects SET seq = ?2 WHERE id = ?1",
        params![project, seq],
    )
    .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(tally.summary(project, seq as u64, at))
}

/// Copies every page of the -wal into the database file and empties the -wal, so the old
/// bytes of what was just rewritten are nowhere (secure_delete zeroed them in the new
/// pages). A reader of another process (the server, a `report`) in the middle of a read
/// holds the -wal; it is waited for. Whether the -wal was emptied.
fn checkpoint(c: &Connection) -> Result<bool, StorageError> {
    for _ in 0..CHECKPOINT_TRIES {
        // (busy, frames in the -wal, frames copied); busy 0 means the -wal was emptied.
        let busy: i64 = c
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .map_err(db_err)?;
        if busy == 0 {
            return Ok(true);
        }
        std::thread::sleep(CHECKPOINT_PAUSE);
    }
    Ok(false)
}

/// Everything held under `code`, read in one snapshot.
pub fn carer_export(
    c: &mut Connection,
    project: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<CarerExport, StorageError> {
    check_code(code)?;
    let tx = c.transaction().map_err(db_err)?;
    project_exists(&tx, project)?;
    let needle = Forgetting::new(code, [])?.in_json();
    let mut rows = ExportRows::default();
    {
        let mut stmt = tx
            .prepare(&format!(
                "SELECT r.id, r.revision, r.vault_id, d.name, r.received_at, r.body \
                 FROM records r JOIN devices d ON d.id = r.device_id \
                 WHERE r.project_id = ?1 AND r.kind = 'roster_code' AND instr(r.body, ?2) > 0 \
                   AND {CURRENT} ORDER BY r.seq"
            ))
            .map_err(db_err)?;
        let found = stmt
            .query_map(params![project, needle], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(db_err)?;
        for row in found {
            let (id, revision, vault, device, received, body) = row.map_err(db_err)?;
            rows.roster.push(HeldRoster {
                record_id: parse_uuid(&id)?,
                revision,
                vault_id: parse_uuid(&vault)?,
                device,
                received_at: parse_time(&received)?,
                body,
            });
        }
    }
    rows.meetings = current_bodies_with(&tx, project, RecordKind::Meeting, &needle)?;
    rows.submissions = current_bodies_with(&tx, project, RecordKind::Submission, &needle)?;
    rows.reviews = crate::reviews::reviews(&tx, project)?;
    tx.commit().map_err(db_err)?;
    carer_export::carer_export(project, code, now, rows)
}

/// The current revisions of the project's records of `kind` whose body contains `needle`.
fn current_bodies_with(
    tx: &Transaction<'_>,
    project: &str,
    kind: RecordKind,
    needle: &str,
) -> Result<Vec<String>, StorageError> {
    let mut stmt = tx
        .prepare(&format!(
            "SELECT body FROM records r WHERE project_id = ?1 AND kind = ?2 \
             AND instr(body, ?3) > 0 AND {CURRENT} ORDER BY seq"
        ))
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![project, kind.as_str(), needle], |r| {
            r.get::<_, String>(0)
        })
        .map_err(db_err)?;
    rows.map(|r| r.map_err(db_err)).collect()
}

/// Every code any revision of the project's records holds.
pub fn carer_codes(c: &Connection, project: &str) -> Result<Vec<String>, StorageError> {
    project_exists(c, project)?;
    let mut stmt = c
        .prepare(
            "SELECT kind, body FROM records WHERE project_id = ?1 \
             AND kind IN ('roster_code', 'meeting', 'submission')",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map([project], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db_err)?;
    let mut codes = BTreeSet::new();
    for row in rows {
        let (kind, body) = row.map_err(db_err)?;
        codes_in(kind_of(&kind)?, &body, &mut codes)?;
    }
    Ok(codes.into_iter().collect())
}

pub fn set_information_sheet(
    c: &Connection,
    project: &str,
    sheet: Option<&InformationSheet>,
) -> Result<(), StorageError> {
    let json = sheet
        .map(|s| {
            check_information_sheet(s)?;
            Ok::<_, StorageError>(serde_json::to_string(s)?)
        })
        .transpose()?;
    let n = c
        .execute(
            "UPDATE projects SET information_sheet = ?2 WHERE id = ?1",
            params![project, json],
        )
        .map_err(db_err)?;
    if n == 0 {
        return Err(project_not_found(project));
    }
    Ok(())
}

pub fn set_retention_months(
    c: &Connection,
    project: &str,
    months: Option<u32>,
) -> Result<(), StorageError> {
    check_retention_months(months)?;
    let n = c
        .execute(
            "UPDATE projects SET retention_months = ?2 WHERE id = ?1",
            params![project, months],
        )
        .map_err(db_err)?;
    if n == 0 {
        return Err(project_not_found(project));
    }
    Ok(())
}

pub fn carer_settings(c: &Connection, project: &str) -> Result<CarerSettings, StorageError> {
    let (sheet, months): (Option<String>, Option<u32>) = c
        .query_row(
            "SELECT information_sheet, retention_months FROM projects WHERE id = ?1",
            [project],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db_err)?
        .ok_or_else(|| project_not_found(project))?;
    Ok(CarerSettings {
        information_sheet: sheet.map(|s| serde_json::from_str(&s)).transpose()?,
        retention_months: months,
    })
}
