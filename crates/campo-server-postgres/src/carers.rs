//! A carer's rights on PostgreSQL: forgetting a code, exporting what is held under it, the
//! codes retention forgets, and the project's information sheet and retention period. What
//! to do with each row is campo-server-store's `carers` module; this file reads and writes.
//!
//! Forgetting holds the project's counter lock from its first statement (as a push does,
//! see records.rs), so it sees every push of the project that committed before it, no push
//! of the project stores a revision meanwhile, and the numbers it hands out (the scrubbed
//! records, the reviews, the erasure) commit in order with everyone else's.
//!
//! PostgreSQL writes a new row version on every UPDATE and DELETE and leaves the old one
//! (with the code) as a dead tuple until VACUUM reclaims it; autovacuum does so in time,
//! and docs/server.md says how to do it at once (`VACUUM`, and `VACUUM FULL` to give the
//! space back). No query sees a dead tuple.

use crate::db_err;
use crate::records::{lock_counter, set_counter};
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
use deadpool_postgres::{GenericClient, Object, Transaction};
use std::collections::BTreeSet;
use uuid::Uuid;

fn kind_of(s: &str) -> Result<RecordKind, StorageError> {
    RecordKind::parse(s).ok_or_else(|| StorageError::Corrupt(format!("unknown record kind {s:?}")))
}

/// Every version of the project's instruments, published or not: a submission is scrubbed
/// against the very version it answers.
async fn all_instruments(
    tx: &Transaction<'_>,
    project: &str,
) -> Result<Vec<Instrument>, StorageError> {
    let rows = tx
        .query(
            "SELECT body FROM instruments WHERE project_id = $1",
            &[&project],
        )
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| Ok(serde_json::from_str(r.get::<_, &str>(0))?))
        .collect()
}

/// Forgets `code` in `project` in one transaction under the project's counter lock.
pub async fn forget_carer(
    client: &mut Object,
    project: &str,
    code: &str,
    at: DateTime<Utc>,
) -> Result<ErasureSummary, StorageError> {
    check_code(code)?;
    let tx = client.transaction().await.map_err(db_err)?;
    let start = lock_counter(&tx, project).await?;
    let forgetting = Forgetting::new(code, all_instruments(&tx, project).await?)?;
    let needle = forgetting.in_json();
    let mut tally = Tally::default();

    // Every revision whose body could hold the code (it holds its JSON text), each decided
    // by the shared rules. Returning early drops the transaction: it rolls back.
    let mut rewrites: Vec<(i64, Uuid, String, String)> = Vec::new();
    let mut deletes: BTreeSet<Uuid> = BTreeSet::new();
    for row in tx
        .query(
            "SELECT seq, id, kind, body FROM records \
             WHERE project_id = $1 AND strpos(body, $2) > 0 ORDER BY seq",
            &[&project, &needle],
        )
        .await
        .map_err(db_err)?
    {
        let (seq, id): (i64, Uuid) = (row.get(0), row.get(1));
        match forgetting.record(kind_of(row.get(2))?, row.get(3))? {
            RowChange::Keep => {}
            RowChange::DeleteRecord => {
                deletes.insert(id);
            }
            RowChange::Rewrite { body, hash } => rewrites.push((seq, id, body, hash)),
        }
    }
    for id in deletes {
        let n = tx
            .execute(
                "DELETE FROM records WHERE project_id = $1 AND id = $2",
                &[&project, &id],
            )
            .await
            .map_err(db_err)?;
        tally.record_deleted(id, n);
    }
    for (seq, id, body, hash) in rewrites {
        tx.execute(
            "UPDATE records SET body = $3, hash = $4 WHERE project_id = $1 AND seq = $2",
            &[&project, &seq, &body, &hash],
        )
        .await
        .map_err(db_err)?;
        tally.revision_changed(id);
    }

    // Review comments, then the push answers stored for the project's devices.
    let mut comments: Vec<(Uuid, String)> = Vec::new();
    for row in tx
        .query(
            "SELECT submission_id, comment FROM reviews \
             WHERE project_id = $1 AND strpos(comment, $2) > 0 ORDER BY seq",
            &[&project, &code],
        )
        .await
        .map_err(db_err)?
    {
        if let Some(scrubbed) = forgetting.comment(row.get(1)) {
            comments.push((row.get(0), scrubbed));
        }
    }
    for row in tx
        .query(
            "SELECT device_id, batch_id, response FROM batches \
             WHERE device_id IN (SELECT id FROM devices WHERE project_id = $1) \
               AND strpos(response, $2) > 0",
            &[&project, &needle],
        )
        .await
        .map_err(db_err)?
    {
        let (device, batch): (Uuid, Uuid) = (row.get(0), row.get(1));
        if let Some(scrubbed) = forgetting.push_answer(row.get(2))? {
            tx.execute(
                "UPDATE batches SET response = $3 WHERE device_id = $1 AND batch_id = $2",
                &[&device, &batch, &scrubbed],
            )
            .await
            .map_err(db_err)?;
            tally.push_answer_changed();
        }
    }
    if tally.is_empty() && comments.is_empty() {
        return Err(nothing_held(project));
    }

    // Numbers in the project's counter: the current revision of each rewritten record
    // other vaults pull (meetings, barrier forms; never answers, whose numbers side by
    // side would tie one carer's answers together), each changed review (so its vault
    // pulls the scrubbed note), then the erasure itself.
    let mut seq = start;
    for id in tally.changed_records() {
        let n = tx
            .execute(
                "UPDATE records SET seq = $3 WHERE project_id = $1 AND seq = ( \
                   SELECT seq FROM records WHERE project_id = $1 AND id = $2 \
                   ORDER BY revision DESC, seq DESC LIMIT 1) \
                 AND (kind = 'meeting' OR instrument_id = $4)",
                &[&project, &id, &(seq + 1), &BARRIER_LOG],
            )
            .await
            .map_err(db_err)?;
        seq += n as i64;
    }
    for (id, comment) in &comments {
        seq += 1;
        tx.execute(
            "UPDATE reviews SET comment = $3, seq = $4 WHERE project_id = $1 AND submission_id = $2",
            &[&project, id, comment, &seq],
        )
        .await
        .map_err(db_err)?;
        tally.review_changed();
    }
    seq += 1;
    tx.execute(
        "INSERT INTO erasures (project_id, seq, records, erased_at) VALUES ($1, $2, $3, $4)",
        &[&project, &seq, &tally.erasure_records(), &at],
    )
    .await
    .map_err(db_err)?;
    set_counter(&tx, project, seq).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(tally.summary(project, seq as u64, at))
}

/// Everything held under `code`, read in one snapshot (`tx` is REPEATABLE READ).
pub async fn carer_export(
    tx: &Transaction<'_>,
    project: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<CarerExport, StorageError> {
    check_code(code)?;
    if tx
        .query_opt("SELECT 1 FROM projects WHERE id = $1", &[&project])
        .await
        .map_err(db_err)?
        .is_none()
    {
        return Err(project_not_found(project));
    }
    let needle = Forgetting::new(code, [])?.in_json();
    let mut rows = ExportRows::default();
    for r in tx
        .query(
            "SELECT c.id, c.revision, c.vault_id, d.name, c.received_at, c.body FROM ( \
               SELECT DISTINCT ON (id) id, revision, vault_id, device_id, received_at, body, seq \
               FROM records WHERE project_id = $1 AND kind = 'roster_code' \
               ORDER BY id, revision DESC, seq DESC \
             ) c JOIN devices d ON d.id = c.device_id \
             WHERE strpos(c.body, $2) > 0 ORDER BY c.seq",
            &[&project, &needle],
        )
        .await
        .map_err(db_err)?
    {
        let revision: i64 = r.get(1);
        rows.roster.push(HeldRoster {
            record_id: r.get(0),
            revision: u32::try_from(revision)
                .map_err(|_| StorageError::Corrupt(format!("revision {revision}")))?,
            vault_id: r.get(2),
            device: r.get(3),
            received_at: r.get(4),
            body: r.get(5),
        });
    }
    rows.meetings = current_bodies_with(tx, project, RecordKind::Meeting, &needle).await?;
    rows.submissions = current_bodies_with(tx, project, RecordKind::Submission, &needle).await?;
    rows.reviews = crate::reviews::reviews(tx, project).await?;
    carer_export::carer_export(project, code, now, rows)
}

/// The current revisions of the project's records of `kind` whose body contains `needle`.
async fn current_bodies_with(
    c: &impl GenericClient,
    project: &str,
    kind: RecordKind,
    needle: &str,
) -> Result<Vec<String>, StorageError> {
    let rows = c
        .query(
            "SELECT body FROM ( \
               SELECT DISTINCT ON (id) body, seq FROM records \
               WHERE project_id = $1 AND kind = $2 \
               ORDER BY id, revision DESC, seq DESC \
             ) current WHERE strpos(body, $3) > 0 ORDER BY seq",
            &[&project, &kind.as_str(), &needle],
        )
        .await
        .map_err(db_err)?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Every code any revision of the project's records holds.
pub async fn carer_codes(
    c: &impl GenericClient,
    project: &str,
) -> Result<Vec<String>, StorageError> {
    if c.query_opt("SELECT 1 FROM projects WHERE id = $1", &[&project])
        .await
        .map_err(db_err)?
        .is_none()
    {
        return Err(project_not_found(project));
    }
    let rows = c
        .query(
            "SELECT kind, body FROM records WHERE project_id = $1 \
             AND kind IN ('roster_code', 'meeting', 'submission')",
            &[&project],
        )
        .await
        .map_err(db_err)?;
    let mut codes = BTreeSet::new();
    for r in rows {
        codes_in(kind_of(r.get(0))?, r.get(1), &mut codes)?;
    }
    Ok(codes.into_iter().collect())
}

pub async fn set_information_sheet(
    c: &impl GenericClient,
    project: &str,
    sheet: Option<&InformationSheet>,
) -> Result<(), StorageError> {
    let json = sheet
        .map(|s| {
            check_information_sheet(s)?;
            Ok::<_, StorageError>(serde_json::to_value(s)?)
        })
        .transpose()?;
    let n = c
        .execute(
            "UPDATE projects SET information_sheet = $2 WHERE id = $1",
            &[&project, &json],
        )
        .await
        .map_err(db_err)?;
    if n == 0 {
        return Err(project_not_found(project));
    }
    Ok(())
}

pub async fn set_retention_months(
    c: &impl GenericClient,
    project: &str,
    months: Option<u32>,
) -> Result<(), StorageError> {
    check_retention_months(months)?;
    // At most RETENTION_MONTHS_MAX, so it fits.
    let months = months.map(|m| m as i32);
    let n = c
        .execute(
            "UPDATE projects SET retention_months = $2 WHERE id = $1",
            &[&project, &months],
        )
        .await
        .map_err(db_err)?;
    if n == 0 {
        return Err(project_not_found(project));
    }
    Ok(())
}

pub async fn carer_settings(
    c: &impl GenericClient,
    project: &str,
) -> Result<CarerSettings, StorageError> {
    let row = c
        .query_opt(
            "SELECT information_sheet, retention_months FROM projects WHERE id = $1",
            &[&project],
        )
        .await
        .map_err(db_err)?
        .ok_or_else(|| project_not_found(project))?;
    let sheet: Option<serde_json::Value> = row.get(0);
    let months: Option<i32> = row.get(1);
    Ok(CarerSettings {
        information_sheet: sheet.map(serde_json::from_value).transpose()?,
        retention_months: months
            .map(|m| {
                u32::try_from(m)
                    .map_err(|_| StorageError::Corrupt(format!("retention of {m} months")))
            })
            .transpose()?,
    })
}
