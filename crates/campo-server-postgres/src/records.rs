//! Records and instruments on PostgreSQL: push, the paged pull, and the current revisions
//! the report reads.
//!
//! # Why the pull cursor never skips a row
//!
//! A cursor is a point in the project's counter (`projects.seq`): a pull sends what has a
//! number above it, and the next pull starts from the number it returns. A bare sequence
//! would not do: two transactions draw 7 and 8, the one holding 8 commits first, a pull
//! reads 8 and returns cursor 8, then 7 commits and is never sent.
//!
//! Here a transaction that hands out numbers (a push storing records, a catalog change)
//! first takes the project row's lock, reads the counter, and writes the new value back
//! before it commits. The lock is held until commit, so the next writer of the project
//! reads the counter only after this one committed: numbers are handed out in commit order.
//! (PostgreSQL makes a transaction visible before it releases its locks, so whoever got
//! the lock next can only commit after the previous holder is visible to everyone.)
//!
//! A pull reads the counter and its page in one REPEATABLE READ snapshot. Say the counter
//! there is `top`, written by transaction C. Every transaction that drew a number up to
//! `top` held the lock no later than C, so committed no later than C, and is in the
//! snapshot; a transaction that drew a number above `top` took the lock after C committed
//! and had not committed when the snapshot was taken (or the snapshot would show its
//! counter). So the snapshot holds exactly the rows numbered up to `top`, with no hole that
//! a later commit could fill. The page is the first `limit` of them above `since` in
//! counter order; the cursor is the last number in the page when more follow (every row
//! up to it was in the page, as numbers are unique within a project) and `top` otherwise.
//! A rolled-back transaction rolls back its counter too, so numbers are even gapless.

use crate::db_err;
use campo_core::barrier::BARRIER_LOG;
use campo_server_store::decide::{
    answer, correction_target, decide, follow_up_target, Corrected, Decision, Held,
};
use campo_server_store::{cut_page, project_not_found};
use campo_server_store::{
    DeviceIdentity, IncomingRecord, PullData, StorageError, StoredSubmission, SubmissionKeys,
};
use campo_wire::{PushResponse, PushStatus, RecordKind};
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Object};
use std::collections::{HashMap, HashSet};
use tokio_postgres::error::SqlState;
use uuid::Uuid;

/// Locks the project's counter row until the transaction ends and returns the counter.
/// `FOR NO KEY UPDATE` is the lock an UPDATE of the counter takes: it orders the writers
/// of one project, and unlike `FOR UPDATE` it does not hold up inserts elsewhere whose
/// foreign key points at the project.
const LOCK_COUNTER: &str = "SELECT seq FROM projects WHERE id = $1 FOR NO KEY UPDATE";
const SET_COUNTER: &str = "UPDATE projects SET seq = $2 WHERE id = $1 RETURNING seq";

/// What a batch's records find held, given the `(id, revision)` pairs looked up as two
/// arrays: a row with no revision per held id (its owner vault and kind, from any of its
/// rows), and a row per held pair with its hash.
const FIND_HELD: &str = "WITH pushed AS ( \
       SELECT * FROM UNNEST($1::uuid[], $2::bigint[]) AS p(id, revision) \
     ) \
     SELECT o.id, o.vault_id, o.kind, NULL::bigint, NULL::text \
       FROM (SELECT DISTINCT id FROM pushed) i \
       CROSS JOIN LATERAL ( \
         SELECT id, vault_id, kind FROM records WHERE records.id = i.id LIMIT 1 \
       ) o \
     UNION ALL \
     SELECT r.id, r.vault_id, r.kind, r.revision, r.hash \
       FROM (SELECT DISTINCT id, revision FROM pushed) p \
       JOIN records r ON r.id = p.id AND r.revision = p.revision";

/// The submissions of the project that a batch's corrections name, each at its current
/// revision: its id, vault, body and revision.
const FIND_CORRECTED: &str = "SELECT DISTINCT ON (id) id, vault_id, body, revision FROM records \
     WHERE id = ANY($1) AND project_id = $2 AND kind = 'submission' \
     ORDER BY id, revision DESC, seq DESC";

/// Which stored submissions of the project already name those: `(replaced, by)`.
const FIND_REPLACING: &str = "SELECT DISTINCT replaces, id FROM records \
     WHERE replaces = ANY($1) AND project_id = $2";

/// Stores a batch's records in one statement: the project, device, vault and receipt time,
/// then one array per column, one element per record, the counter values already assigned.
const INSERT_RECORDS: &str = "INSERT INTO records \
       (project_id, seq, id, revision, device_id, vault_id, kind, body, hash, received_at, replaces, \
        instrument_id) \
     SELECT $1::text, r.seq, r.id, r.revision, $2::uuid, $3::uuid, r.kind, r.body, r.hash, \
            $4::timestamptz, r.replaces, r.instrument_id \
       FROM UNNEST($5::bigint[], $6::uuid[], $7::bigint[], $8::text[], $9::text[], $10::text[], \
                   $11::uuid[], $12::text[]) \
         AS r(seq, id, revision, kind, body, hash, replaces, instrument_id)";

/// How often a push is tried when the database says a retry will do (a deadlock, or a
/// record id stored meanwhile by a device of another project).
const PUSH_ATTEMPTS: usize = 3;

fn kind_of(s: &str) -> Result<RecordKind, StorageError> {
    RecordKind::parse(s).ok_or_else(|| StorageError::Corrupt(format!("unknown record kind {s:?}")))
}

/// Why one try at a push stopped.
enum Stop {
    /// Trying again will see what stopped this one.
    Retry(StorageError),
    /// Another request stored this batch first (the batches key said so).
    BatchTaken,
    Fail(StorageError),
}

impl From<StorageError> for Stop {
    fn from(e: StorageError) -> Self {
        Stop::Fail(e)
    }
}

fn stop(e: tokio_postgres::Error) -> Stop {
    let retry = matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    );
    if retry {
        Stop::Retry(db_err(e))
    } else {
        Stop::Fail(db_err(e))
    }
}

/// Stores a batch in one transaction and answers per record; a batch seen before from the
/// same device gets its first answer.
///
/// Every push of a project waits for the project's counter lock before it reads anything,
/// so it decides on everything earlier pushes of the project committed, as under SQLite's
/// single writer. Two copies of one batch (one device, so one project) therefore meet at
/// the lock, and the second finds the first's answer. The `batches` primary key has the
/// last word all the same: should a second insert of a batch ever happen, it fails, that
/// try rolls back whole, and the answer stored by the first is returned.
pub async fn push(
    client: &mut Object,
    device: &DeviceIdentity,
    batch_id: Uuid,
    records: &[IncomingRecord],
    now: DateTime<Utc>,
) -> Result<PushResponse, StorageError> {
    let mut tries = 0;
    loop {
        tries += 1;
        match push_once(client, device, batch_id, records, now).await {
            Ok(response) => return Ok(response),
            Err(Stop::Fail(e)) => return Err(e),
            Err(Stop::BatchTaken) => {
                return stored_answer(&*client, device.device_id, batch_id)
                    .await?
                    .ok_or_else(|| {
                        StorageError::Other("a batch reported as stored could not be read".into())
                    })
            }
            Err(Stop::Retry(e)) if tries >= PUSH_ATTEMPTS => return Err(e),
            Err(Stop::Retry(e)) => {
                tracing::debug!(error = %e, tries, "retrying a push");
            }
        }
    }
}

async fn stored_answer<C: GenericClient>(
    c: &C,
    device: Uuid,
    batch_id: Uuid,
) -> Result<Option<PushResponse>, StorageError> {
    let stmt = c
        .prepare_cached("SELECT response FROM batches WHERE device_id = $1 AND batch_id = $2")
        .await
        .map_err(db_err)?;
    let row = c
        .query_opt(&stmt, &[&device, &batch_id])
        .await
        .map_err(db_err)?;
    row.map(|r| Ok(serde_json::from_str(r.get(0))?)).transpose()
}

async fn push_once(
    client: &mut Object,
    device: &DeviceIdentity,
    batch_id: Uuid,
    records: &[IncomingRecord],
    now: DateTime<Utc>,
) -> Result<PushResponse, Stop> {
    // READ COMMITTED: each statement below sees what committed before it started, so after
    // the lock every read sees every earlier push of the project.
    let tx = client.transaction().await.map_err(stop)?;
    let lock = tx.prepare_cached(LOCK_COUNTER).await.map_err(stop)?;
    let Some(row) = tx
        .query_opt(&lock, &[&device.project])
        .await
        .map_err(stop)?
    else {
        return Err(project_not_found(&device.project).into());
    };
    let start: i64 = row.get(0);
    if let Some(earlier) = stored_answer(&tx, device.device_id, batch_id).await? {
        tx.rollback().await.map_err(stop)?;
        return Ok(earlier);
    }

    // What is held for the whole batch, in one round trip: the owner and kind of each id
    // (any row: all of an id's rows have one owner and one kind) and the hash of each
    // pushed (id, revision) held. Refused records are answered without a look.
    let looked: Vec<&IncomingRecord> = records.iter().filter(|r| r.rejection.is_none()).collect();
    let mut owners: HashMap<Uuid, (Uuid, String)> = HashMap::new();
    let mut hashes: HashMap<(Uuid, i64), String> = HashMap::new();
    if !looked.is_empty() {
        let ids: Vec<Uuid> = looked.iter().map(|r| r.id).collect();
        let revisions: Vec<i64> = looked.iter().map(|r| i64::from(r.revision)).collect();
        let find = tx.prepare_cached(FIND_HELD).await.map_err(stop)?;
        for row in tx.query(&find, &[&ids, &revisions]).await.map_err(stop)? {
            let id: Uuid = row.get(0);
            match row.get::<_, Option<i64>>(3) {
                Some(revision) => {
                    hashes.insert((id, revision), row.get(4));
                }
                None => {
                    owners.insert(id, (row.get(1), row.get(2)));
                }
            }
        }
    }

    // The submissions this batch's corrections and follow-ups name, and who already
    // replaces them.
    let targets: Vec<Uuid> = records
        .iter()
        .filter_map(correction_target)
        .chain(records.iter().filter_map(follow_up_target))
        .collect();
    let mut corrected: HashMap<Uuid, Submitted> = HashMap::new();
    let mut replacing: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    if !targets.is_empty() {
        let find = tx.prepare_cached(FIND_CORRECTED).await.map_err(stop)?;
        for row in tx
            .query(&find, &[&targets, &device.project])
            .await
            .map_err(stop)?
        {
            let keys = SubmissionKeys::from_body(row.get(2))?;
            corrected.insert(
                row.get(0),
                Submitted {
                    owner: row.get(1),
                    revision: row.get(3),
                    keys,
                },
            );
        }
        let find = tx.prepare_cached(FIND_REPLACING).await.map_err(stop)?;
        for row in tx
            .query(&find, &[&targets, &device.project])
            .await
            .map_err(stop)?
        {
            replacing.entry(row.get(0)).or_default().insert(row.get(1));
        }
    }

    // Each record decided in batch order, as if looked up one at a time: a record this
    // batch stores is held for the records after it (and may be corrected by them).
    let mut seq = start;
    let mut results = Vec::with_capacity(records.len());
    let mut stored: Vec<(i64, &IncomingRecord)> = Vec::new();
    for rec in records {
        let revision = i64::from(rec.revision);
        let held = if rec.rejection.is_some() {
            None
        } else {
            match owners.get(&rec.id) {
                Some((owner, kind)) => Some(Held {
                    owner: *owner,
                    kind: kind_of(kind)?,
                    revision_hash: hashes.get(&(rec.id, revision)).map(String::as_str),
                }),
                None => None,
            }
        };
        let target = correction_target(rec);
        let found = target
            .and_then(|t| corrected.get(&t))
            .map(|held| Corrected {
                owner: held.owner,
                keys: &held.keys,
                replaced_by_another: target
                    .and_then(|t| replacing.get(&t))
                    .is_some_and(|by| by.iter().any(|id| *id != rec.id)),
            });
        let followed = follow_up_target(rec)
            .and_then(|t| corrected.get(&t))
            .map(|held| &held.keys);
        match decide(rec, device.vault_id, held, found, followed) {
            Decision::Answer(a) => results.push(a),
            Decision::Store => {
                seq += 1;
                stored.push((seq, rec));
                owners
                    .entry(rec.id)
                    .or_insert_with(|| (device.vault_id, rec.kind.as_str().to_string()));
                hashes.insert((rec.id, revision), rec.hash.clone());
                if let Some(keys) = &rec.submission {
                    let newer = corrected
                        .get(&rec.id)
                        .is_none_or(|held| held.revision < revision);
                    if newer {
                        corrected.insert(
                            rec.id,
                            Submitted {
                                owner: device.vault_id,
                                revision,
                                keys: keys.clone(),
                            },
                        );
                    }
                    if let Some(replaced) = keys.replaces {
                        replacing.entry(replaced).or_default().insert(rec.id);
                    }
                }
                results.push(answer(rec, PushStatus::Stored, None));
            }
        }
    }
    if !stored.is_empty() {
        let seqs: Vec<i64> = stored.iter().map(|(s, _)| *s).collect();
        let ids: Vec<Uuid> = stored.iter().map(|(_, r)| r.id).collect();
        let revisions: Vec<i64> = stored.iter().map(|(_, r)| i64::from(r.revision)).collect();
        let kinds: Vec<&str> = stored.iter().map(|(_, r)| r.kind.as_str()).collect();
        let bodies: Vec<&str> = stored.iter().map(|(_, r)| r.body.as_str()).collect();
        let hashes: Vec<&str> = stored.iter().map(|(_, r)| r.hash.as_str()).collect();
        let replaces: Vec<Option<Uuid>> = stored
            .iter()
            .map(|(_, r)| r.submission.as_ref().and_then(|s| s.replaces))
            .collect();
        let instruments: Vec<Option<&str>> = stored
            .iter()
            .map(|(_, r)| r.submission.as_ref().map(|s| s.instrument_id.as_str()))
            .collect();
        let insert = tx.prepare_cached(INSERT_RECORDS).await.map_err(stop)?;
        tx.execute(
            &insert,
            &[
                &device.project,
                &device.device_id,
                &device.vault_id,
                &now,
                &seqs,
                &ids,
                &revisions,
                &kinds,
                &bodies,
                &hashes,
                &replaces,
                &instruments,
            ],
        )
        .await
        .map_err(|e| {
            // The lock orders pushes of this project only: a device of another project may
            // have stored one of these ids meanwhile. The next try sees its row and answers
            // as the rule says.
            if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                Stop::Retry(db_err(e))
            } else {
                stop(e)
            }
        })?;
    }
    if seq != start {
        let set = tx.prepare_cached(SET_COUNTER).await.map_err(stop)?;
        tx.query_one(&set, &[&device.project, &seq])
            .await
            .map_err(stop)?;
    }
    let response = PushResponse { results };
    let json = serde_json::to_string(&response).map_err(StorageError::from)?;
    let save = tx
        .prepare_cached("INSERT INTO batches (device_id, batch_id, response) VALUES ($1, $2, $3)")
        .await
        .map_err(stop)?;
    tx.execute(&save, &[&device.device_id, &batch_id, &json])
        .await
        .map_err(|e| {
            if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                Stop::BatchTaken
            } else {
                stop(e)
            }
        })?;
    tx.commit().await.map_err(stop)?;
    Ok(response)
}

/// A submission a correction of the batch may name: read from the table at its current
/// revision, or stored by the batch itself (a higher revision stored later replaces it).
struct Submitted {
    owner: Uuid,
    revision: i64,
    keys: SubmissionKeys,
}

/// Takes the project's counter lock for the rest of `tx` and reads the counter: every
/// number given out in the project after this commits in number order.
pub(crate) async fn lock_counter(
    tx: &deadpool_postgres::Transaction<'_>,
    project: &str,
) -> Result<i64, StorageError> {
    tx.query_opt(LOCK_COUNTER, &[&project])
        .await
        .map_err(db_err)?
        .map(|row| row.get(0))
        .ok_or_else(|| project_not_found(project))
}

/// Writes the counter back (under the lock [`lock_counter`] took) after handing out
/// numbers up to `seq`.
pub(crate) async fn set_counter(
    tx: &deadpool_postgres::Transaction<'_>,
    project: &str,
    seq: i64,
) -> Result<(), StorageError> {
    tx.query_one(SET_COUNTER, &[&project, &seq])
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Adds the instrument versions the project does not hold, published or not, numbering
/// each in the project's counter under its lock (so a pull sees a catalog change like a
/// record). `bodies` are `(id, version, json)`.
pub async fn add_instruments(
    client: &mut Object,
    project: &str,
    bodies: &[(String, i64, String)],
    published: bool,
) -> Result<usize, StorageError> {
    let tx = client.transaction().await.map_err(db_err)?;
    let start = lock_counter(&tx, project).await?;
    let mut seq = start;
    // Under the lock no other writer adds to this project's catalog, so the check and the
    // insert cannot race; a version already held is never overwritten.
    for (id, version, body) in bodies {
        let held = tx
            .query_opt(
                "SELECT 1 FROM instruments WHERE project_id = $1 AND id = $2 AND version = $3",
                &[&project, id, version],
            )
            .await
            .map_err(db_err)?
            .is_some();
        if held {
            continue;
        }
        seq += 1;
        tx.execute(
            "INSERT INTO instruments (project_id, id, version, body, seq, published) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&project, id, version, body, &seq, &published],
        )
        .await
        .map_err(db_err)?;
    }
    if seq != start {
        tx.query_one(SET_COUNTER, &[&project, &seq])
            .await
            .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok((seq - start) as usize)
}

/// Publishes a held version with a new number in the project's counter (see
/// `Store::publish_instrument`).
pub async fn publish_instrument(
    client: &mut Object,
    project: &str,
    id: &str,
    version: i64,
) -> Result<bool, StorageError> {
    let tx = client.transaction().await.map_err(db_err)?;
    let seq = lock_counter(&tx, project).await? + 1;
    let published: bool = tx
        .query_opt(
            "SELECT published FROM instruments WHERE project_id = $1 AND id = $2 AND version = $3",
            &[&project, &id, &version],
        )
        .await
        .map_err(db_err)?
        .ok_or_else(|| {
            StorageError::NotFound(format!("instrument {id} v{version} in project {project}"))
        })?
        .get(0);
    if published {
        return Ok(false);
    }
    tx.execute(
        "UPDATE instruments SET published = true, seq = $4 \
         WHERE project_id = $1 AND id = $2 AND version = $3",
        &[&project, &id, &version, &seq],
    )
    .await
    .map_err(db_err)?;
    tx.query_one(SET_COUNTER, &[&project, &seq])
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

/// Retires a published version, numbered in the project's counter (see the trait).
pub async fn retire_instrument(
    client: &mut Object,
    project: &str,
    id: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let tx = client.transaction().await.map_err(db_err)?;
    let seq = lock_counter(&tx, project).await? + 1;
    let row = tx
        .query_opt(
            "SELECT published, retired_at IS NOT NULL FROM instruments \
             WHERE project_id = $1 AND id = $2 AND version = $3",
            &[&project, &id, &version],
        )
        .await
        .map_err(db_err)?
        .ok_or_else(|| {
            StorageError::NotFound(format!("instrument {id} v{version} in project {project}"))
        })?;
    let (published, retired): (bool, bool) = (row.get(0), row.get(1));
    if !published {
        return Err(StorageError::Invalid(format!(
            "instrument {id} v{version} is not published: no tablet offers it"
        )));
    }
    if retired {
        return Ok(false);
    }
    tx.execute(
        "UPDATE instruments SET retired_at = $4, retired_seq = $5 \
         WHERE project_id = $1 AND id = $2 AND version = $3",
        &[&project, &id, &version, &now, &seq],
    )
    .await
    .map_err(db_err)?;
    tx.query_one(SET_COUNTER, &[&project, &seq])
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

/// The kind a pull page gives a review's row.
const REVIEW: &str = "review";

/// One page of a pull. `tx` must be a REPEATABLE READ transaction: the counter and the
/// page are read in its one snapshot (see the module's doc for why that skips nothing).
pub async fn pull(
    tx: &deadpool_postgres::Transaction<'_>,
    device: &DeviceIdentity,
    since: u64,
    limit: u32,
) -> Result<PullData, StorageError> {
    let since = since.min(i64::MAX as u64) as i64;
    let limit = i64::from(limit.max(1));
    let top: i64 = tx
        .query_opt("SELECT seq FROM projects WHERE id = $1", &[&device.project])
        .await
        .map_err(db_err)?
        .ok_or_else(|| project_not_found(&device.project))?
        .get(0);
    // Instruments, the meeting revisions and barrier log forms of the project's other
    // vaults, and the reviews of this vault's own submissions (the owner is the vault of a
    // record's first sender, on every row of it), in counter order; one row more than
    // asked tells whether another page follows.
    let page_stmt = tx
        .prepare_cached(
            "SELECT seq, body, NULL::uuid AS id, 'instrument' AS kind FROM instruments \
               WHERE project_id = $1 AND seq > $2 AND published \
             UNION ALL \
             SELECT seq, NULL::text, id, kind FROM records \
               WHERE project_id = $1 AND (kind = 'meeting' OR instrument_id = $5) \
                 AND vault_id <> $3 AND seq > $2 \
             UNION ALL \
             SELECT v.seq, NULL::text, v.submission_id, 'review' FROM reviews v \
               WHERE v.project_id = $1 AND v.seq > $2 \
                 AND EXISTS (SELECT 1 FROM records r WHERE r.id = v.submission_id \
                   AND r.project_id = $1 AND r.vault_id = $3) \
             UNION ALL \
             SELECT retired_seq, json_build_object('id', id, 'version', version)::text, NULL::uuid, \
               'retired' FROM instruments WHERE project_id = $1 AND retired_seq > $2 \
             UNION ALL \
             SELECT seq, json_build_object('records', records)::text, NULL::uuid, 'erasure' \
               FROM erasures WHERE project_id = $1 AND seq > $2 \
             ORDER BY 1 LIMIT $4",
        )
        .await
        .map_err(db_err)?;
    let mut page = tx
        .query(
            &page_stmt,
            &[
                &device.project,
                &since,
                &device.vault_id,
                &(limit + 1),
                &BARRIER_LOG,
            ],
        )
        .await
        .map_err(db_err)?;
    let (cursor, more) = cut_page(&mut page, limit as u32, top, |r| r.get(0));
    let mut data = PullData {
        cursor,
        more,
        ..PullData::default()
    };

    // A record changed in this page is sent as its current revision (which a later page
    // may send again: applying it twice is harmless), once per page; a review as a note.
    let is_review = |r: &tokio_postgres::Row| r.get::<_, &str>(3) == REVIEW;
    let ids: Vec<Uuid> = page
        .iter()
        .filter(|r| !is_review(r))
        .filter_map(|r| r.get::<_, Option<Uuid>>(2))
        .collect();
    let reviewed: Vec<Uuid> = page
        .iter()
        .filter(|r| is_review(r))
        .filter_map(|r| r.get::<_, Option<Uuid>>(2))
        .collect();
    let mut notes = crate::reviews::notes(tx, &device.project, &reviewed).await?;
    let mut current: HashMap<Uuid, String> = HashMap::new();
    if !ids.is_empty() {
        let stmt = tx
            .prepare_cached(
                "SELECT DISTINCT ON (id) id, body FROM records WHERE id = ANY($1) \
                 ORDER BY id, revision DESC, seq DESC",
            )
            .await
            .map_err(db_err)?;
        for row in tx.query(&stmt, &[&ids]).await.map_err(db_err)? {
            current.insert(row.get(0), row.get(1));
        }
    }
    let mut seen = HashSet::new();
    for row in &page {
        match row.get::<_, Option<Uuid>>(2) {
            None => {
                let body: &str = row.get(1);
                match row.get::<_, &str>(3) {
                    "retired" => data.retired.push(serde_json::from_str(body)?),
                    "erasure" => data.erasures.push(serde_json::from_str(body)?),
                    _ => data.instruments.push(serde_json::from_str(body)?),
                }
            }
            // One row per review, at its last change: never twice in a page.
            Some(id) if is_review(row) => {
                data.notes.push(notes.remove(&id).ok_or_else(|| {
                    StorageError::Corrupt(format!("review of {id} has no submission"))
                })?);
            }
            Some(id) => {
                if seen.insert(id) {
                    let body = current.get(&id).ok_or_else(|| {
                        StorageError::Corrupt(format!("record {id} has no current revision"))
                    })?;
                    match kind_of(row.get(3))? {
                        RecordKind::Meeting => data.meetings.push(serde_json::from_str(body)?),
                        _ => data.barriers.push(serde_json::from_str(body)?),
                    }
                }
            }
        }
    }
    Ok(data)
}

/// The current revision of each record of `kind` in the project (highest revision, then
/// latest receipt), in receipt order of those revisions.
const CURRENT: &str = "SELECT device_id, body FROM ( \
       SELECT DISTINCT ON (id) device_id, body, seq FROM records \
       WHERE project_id = $1 AND kind = $2 \
       ORDER BY id, revision DESC, seq DESC \
     ) current ORDER BY seq";

pub async fn current_bodies<T: serde::de::DeserializeOwned>(
    c: &impl GenericClient,
    project: &str,
    kind: RecordKind,
) -> Result<Vec<T>, StorageError> {
    let stmt = c.prepare_cached(CURRENT).await.map_err(db_err)?;
    let rows = c
        .query(&stmt, &[&project, &kind.as_str()])
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| Ok(serde_json::from_str(r.get(1))?))
        .collect()
}

pub async fn submissions(
    c: &impl GenericClient,
    project: &str,
) -> Result<Vec<StoredSubmission>, StorageError> {
    let stmt = c.prepare_cached(CURRENT).await.map_err(db_err)?;
    let rows = c
        .query(&stmt, &[&project, &RecordKind::Submission.as_str()])
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok(StoredSubmission {
                device_id: r.get(0),
                submission: serde_json::from_str(r.get(1))?,
            })
        })
        .collect()
}
