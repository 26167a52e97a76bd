//! One sync: push everything pending in batches, then pull what the server has for us,
//! page by page.
//!
//! The rules that make a weak link safe:
//! - The vault's lock is never held across a network wait (lock, read, unlock, send, lock,
//!   acknowledge, unlock), so the facilitator can keep recording while a batch crawls out.
//! - A record leaves the outbox only after a 2xx that names it stored or duplicate, in one
//!   vault transaction. A dropped link before that means the batch is simply sent again;
//!   the server answers "duplicate" for what it already holds, so nothing is counted twice.
//! - Each batch carries an idempotency key (`batch_id`) that is saved in the vault before
//!   the batch is sent: after a crash or a drop the same records go out under the same key,
//!   and the server answers a key it has already committed with the answer it recorded.
//!   Once a batch is answered its key is cleared, so it is never reused for a new attempt.
//! - Records the server rejects (say, an instrument version it does not know) are set aside
//!   with the reason in the sealed setting `sync_rejected` ([`crate::rejected`]), not resent
//!   on every sync and not lost: they stay in the outbox until put back in line. Records
//!   that break the rules the server checks first ([`Record::check`]: a roster code, an
//!   outreach period, an envelope that disagrees with its body), or that are larger than
//!   the server takes in one push, are set aside the same way before anything is sent.
//! - The pull ([`crate::pull`]) moves the saved cursor after each page it stored, so a drop
//!   half way resumes from the last stored page: nothing skipped, at most one page fetched
//!   again. When it brings an instrument the tablet did not hold, the records refused for
//!   an unknown instrument are put back in line and pushed again in the same sync.

use crate::client::{gzip_push_body, SyncClient, ENVELOPE_BYTES};
use crate::error::SyncError;
use crate::progress::Progress;
use crate::pull::pull;
use crate::rejected::{key, load_rejected, lock, set_aside, InstrumentKey, StoredRejection};
pub use crate::rejected::{SETTING_BATCH, SETTING_REJECTED};
use crate::wire::{PushStatus, Record, RecordBody, RosterCode, MAX_BODY_BYTES};
use campo_core::report::Targets;
use campo_store::{PendingRecord, RecordData, Vault};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

/// Vault setting: the pull cursor (a decimal number).
pub const SETTING_CURSOR: &str = "sync_cursor";
/// Vault setting: the project's targets as the server last sent them (JSON of
/// [`Targets`]), for the tablet's own report. Read them with [`project_targets`].
pub const SETTING_TARGETS: &str = "project_targets";

/// Most pull pages in one sync (100,000 items at the default 500 a page). What is left
/// waits for the next sync, from the saved cursor ([`SyncSummary::more_to_pull`]).
pub const MAX_PULL_PAGES: u32 = 200;

/// `reason_code` of a record the tablet sets aside because, alone, it is larger than the
/// server takes in one push.
pub const RECORD_TOO_LARGE: &str = "record_too_large";

/// What one sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SyncSummary {
    /// Records the server stored for the first time.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub stored: u64,
    /// Records the server already held (a resend after a lost answer).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duplicates: u64,
    /// Records refused in this sync (now in `sync_rejected`).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rejected: u64,
    /// Records refused by an earlier sync and still waiting, not sent this time.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub held_back: u64,
    pub batches: u32,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_sent: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub instruments_pulled: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub meetings_pulled: u64,
    /// Barrier log forms of other tablets pulled.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub barriers_pulled: u64,
    /// The office's notes on this tablet's own submissions pulled (one per review change).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub notes_pulled: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cursor: u64,
    /// Of `rejected`, the records the tablet refused itself before sending them
    /// ([`Record::check`] or too large for one push).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refused_locally: u64,
    /// Pull pages fetched and stored.
    #[serde(default)]
    pub pull_pages: u32,
    /// The pull stopped at [`MAX_PULL_PAGES`] with more waiting on the server; the next
    /// sync goes on from the saved cursor.
    #[serde(default)]
    pub more_to_pull: bool,
    /// Records refused earlier for an instrument the server did not hold, put back in
    /// line because this sync's pull brought the instrument version they wait for (new to
    /// the tablet), and pushed again in this sync (their answers are counted in `stored`,
    /// `duplicates` and `rejected`).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub requeued: u64,
    /// Carers the office forgot whose code this tablet held, forgotten here too by this
    /// sync's pull ([`crate::erasure`]).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub erasures_applied: u64,
    /// Questionnaire versions retired by the office, new to this tablet: no longer offered
    /// for new questionnaires.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub retired_pulled: u64,
}

#[derive(Serialize, Deserialize, PartialEq)]
struct SavedBatch {
    batch_id: Uuid,
    records: Vec<(Uuid, u32)>,
}

/// A record's key and its JSON, as it goes into a push.
type Serialized = ((Uuid, u32), Vec<u8>);

struct Batch {
    batch_id: Uuid,
    keys: Vec<(Uuid, u32)>,
    gzipped: Vec<u8>,
}

/// The wire form of an outbox record. A roster entry travels as its code and the carer's
/// consent history only: names and contacts never leave the device.
pub fn to_wire(p: PendingRecord) -> Record {
    let body = match p.data {
        RecordData::Meeting(m) => RecordBody::Meeting(m),
        RecordData::Submission(s) => RecordBody::Submission(s),
        RecordData::Participant {
            participant,
            consent,
        } => RecordBody::RosterCode(RosterCode {
            code: participant.code,
            consent,
        }),
        RecordData::Outreach(o) => RecordBody::Outreach(o),
    };
    Record {
        id: p.id,
        revision: p.revision,
        body,
    }
}

fn load_saved_batch(v: &Vault) -> Result<Option<SavedBatch>, SyncError> {
    Ok(v.setting(SETTING_BATCH)?
        .and_then(|s| serde_json::from_str(&s).ok()))
}

/// The project's targets as the server last sent them with a pull, for the tablet's own
/// report; `None` before any pull brought them (or if the stored copy cannot be read: the
/// next pull that carries them writes it again).
pub fn project_targets(vault: &Mutex<Vault>) -> Result<Option<Targets>, SyncError> {
    project_targets_of(&lock(vault))
}

/// [`project_targets`] for a caller that holds the vault already (the app's report runs
/// with the vault borrowed, where locking the mutex again would wait forever).
pub fn project_targets_of(vault: &Vault) -> Result<Option<Targets>, SyncError> {
    Ok(vault
        .setting(SETTING_TARGETS)?
        .and_then(|s| serde_json::from_str(&s).ok()))
}

/// Why the tablet refuses to send `record`, as `(reason_code, reason)`: the rules the
/// server checks before anything else, and the size of one push (the server would refuse
/// the whole push with 413, every sync, and hold up every record after it).
fn local_problem(record: &Record, size: usize) -> Option<(String, String)> {
    if let Err(p) = record.check() {
        return Some((p.code.to_string(), p.message));
    }
    // The body cap holds the record with the push's envelope around it.
    if size + ENVELOPE_BYTES > MAX_BODY_BYTES {
        return Some((
            RECORD_TOO_LARGE.to_string(),
            format!(
                "the record is {size} bytes of JSON; the server takes at most {MAX_BODY_BYTES} \
                 bytes in one push"
            ),
        ));
    }
    None
}

/// Splits `records` (each with the bytes of its JSON and a comma) into batches of at most
/// `max_records` records and `max_bytes` of JSON (a record larger than `max_bytes` goes
/// alone), in order.
fn split<T>(records: Vec<(T, usize)>, max_records: usize, max_bytes: usize) -> Vec<Vec<T>> {
    let max_records = max_records.max(1);
    let mut batches = Vec::new();
    let mut cur: Vec<T> = Vec::new();
    let mut cur_bytes = 0usize;
    for (r, size) in records {
        if !cur.is_empty() && (cur.len() >= max_records || cur_bytes + size > max_bytes) {
            batches.push(std::mem::take(&mut cur));
            cur_bytes = 0;
        }
        cur_bytes += size;
        cur.push(r);
    }
    if !cur.is_empty() {
        batches.push(cur);
    }
    batches
}

/// Pushes every pending record (batched, gzip), acknowledges what the server confirmed,
/// then pulls instruments, other devices' meetings, the project's targets and its report,
/// page by page. When the pull brought an instrument the tablet did not hold, the records
/// refused for an unknown instrument are put back in line and pushed once more. Safe to
/// call again at any time, including after it failed half way: it resumes with what is
/// still pending and from the last pull page stored.
///
/// `progress` gets the totals before the first batch and the running counts after each
/// acknowledged batch; when records are put back in line after the pull, the totals grow
/// by theirs before they go out.
pub async fn sync_once(
    client: &SyncClient,
    vault: &Mutex<Vault>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<SyncSummary, SyncError> {
    if client.token().is_none() {
        return Err(SyncError::NotEnrolled);
    }
    let mut summary = SyncSummary::default();
    let mut prog = Progress::default();
    push_pending(
        client,
        vault,
        &mut summary,
        &mut prog,
        progress,
        Pass::First,
    )
    .await?;
    pull(client, vault, &mut summary).await?;
    if summary.requeued > 0 {
        push_pending(
            client,
            vault,
            &mut summary,
            &mut prog,
            progress,
            Pass::AfterPull,
        )
        .await?;
    }
    Ok(summary)
}

/// Which push of a sync: the first always tells the progress bar its totals, even when
/// there is nothing to send; the one after the pull only when it sends something.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    First,
    AfterPull,
}

/// One pass over the outbox: every pending record not set aside, checked, batched and
/// pushed, each batch acknowledged as its answer comes.
async fn push_pending(
    client: &SyncClient,
    vault: &Mutex<Vault>,
    summary: &mut SyncSummary,
    prog: &mut Progress,
    progress: &(dyn Fn(Progress) + Send + Sync),
    pass: Pass,
) -> Result<(), SyncError> {
    // Read the outbox under the lock, then let go of it before any network wait.
    let (records, rejected_map, saved) = {
        let v = lock(vault);
        let count = usize::try_from(v.pending_count()?).unwrap_or(usize::MAX);
        let pending = if count == 0 {
            Vec::new()
        } else {
            v.pending(count)?
        };
        (pending, load_rejected(&v)?, load_saved_batch(&v)?)
    };
    // Each record is serialized once: its size decides the batches and its bytes go into
    // the batch's body as they are.
    let mut to_send: Vec<(Serialized, usize)> = Vec::with_capacity(records.len());
    let mut refused_here = Vec::new();
    // The instrument version of each submission sent, kept with a refusal for an unknown
    // instrument so that only its arrival puts the record back in line.
    let mut instruments: HashMap<(Uuid, u32), InstrumentKey> = HashMap::new();
    // What this pass finds waiting: a second pass counts again from nothing.
    summary.held_back = 0;
    for p in records {
        let k = key(p.id, p.revision);
        if rejected_map.contains_key(&k) {
            summary.held_back += 1;
            continue;
        }
        let record = to_wire(p);
        let json = serde_json::to_vec(&record).map_err(|e| SyncError::Encode(e.to_string()))?;
        let size = json.len() + 1;
        match local_problem(&record, size) {
            // Set aside exactly as if the server had refused it: kept, not sent.
            Some((code, reason)) => {
                refused_here.push((k, StoredRejection::new(reason, Some(code))));
            }
            None => {
                if let RecordBody::Submission(sub) = &record.body {
                    instruments.insert(
                        (record.id, record.revision),
                        (sub.instrument_id.clone(), sub.instrument_version),
                    );
                }
                to_send.push((((record.id, record.revision), json), size));
            }
        }
    }
    if !refused_here.is_empty() {
        let n = refused_here.len() as u64;
        set_aside(&lock(vault), refused_here)?;
        summary.refused_locally += n;
        summary.rejected += n;
    }

    let batches = compress(client, to_send, saved).await?;
    if batches.is_empty() && pass == Pass::AfterPull {
        return Ok(());
    }
    prog.records_total += batches.iter().map(|b| b.keys.len() as u64).sum::<u64>();
    prog.bytes_total += batches.iter().map(|b| b.gzipped.len() as u64).sum::<u64>();
    progress(*prog);

    for batch in batches {
        {
            let saved = SavedBatch {
                batch_id: batch.batch_id,
                records: batch.keys.clone(),
            };
            let json =
                serde_json::to_string(&saved).map_err(|e| SyncError::Encode(e.to_string()))?;
            lock(vault).set_setting(SETTING_BATCH, &json)?;
        }
        let sent_bytes = batch.gzipped.len() as u64;
        let resp = client.push_encoded(batch.gzipped).await?;

        let in_batch: std::collections::HashSet<(Uuid, u32)> = batch.keys.iter().copied().collect();
        let mut acked = Vec::new();
        let mut newly_rejected = Vec::new();
        for r in resp.results {
            if !in_batch.contains(&(r.id, r.revision)) {
                continue; // not ours: never acknowledge what we did not send
            }
            match r.status {
                PushStatus::Stored => {
                    summary.stored += 1;
                    acked.push((r.id, r.revision));
                }
                PushStatus::Duplicate => {
                    summary.duplicates += 1;
                    acked.push((r.id, r.revision));
                }
                PushStatus::Rejected => {
                    let reason = r
                        .reason
                        .unwrap_or_else(|| "rejected without a reason".into());
                    let instrument = instruments.remove(&(r.id, r.revision));
                    newly_rejected.push((
                        key(r.id, r.revision),
                        StoredRejection::refused(reason, r.reason_code, instrument),
                    ));
                }
            }
        }
        summary.rejected += newly_rejected.len() as u64;
        {
            let v = lock(vault);
            set_aside(&v, newly_rejected)?;
            if !acked.is_empty() {
                v.mark_acknowledged(&acked)?;
            }
            // The batch was answered: its key is spent. Keeping it could make a later
            // batch of the same records (refused ones put back in line) replay this answer.
            v.set_setting(SETTING_BATCH, "")?;
        }
        summary.batches += 1;
        summary.bytes_sent += sent_bytes;
        prog.records_sent += batch.keys.len() as u64;
        prog.bytes_sent += sent_bytes;
        progress(*prog);
    }
    Ok(())
}

/// Splits the records into batches and gzips each. The first batch is the one an
/// interrupted sync was sending if its records are the same: it goes out under the same
/// key.
async fn compress(
    client: &SyncClient,
    to_send: Vec<(Serialized, usize)>,
    saved: Option<SavedBatch>,
) -> Result<Vec<Batch>, SyncError> {
    let opts = client.options();
    let mut jobs = Vec::new();
    for (i, records) in split(
        to_send,
        opts.effective_batch_records(),
        opts.effective_batch_bytes(),
    )
    .into_iter()
    .enumerate()
    {
        let (keys, jsons): (Vec<(Uuid, u32)>, Vec<Vec<u8>>) = records.into_iter().unzip();
        let batch_id = match &saved {
            Some(s) if i == 0 && s.records == keys => s.batch_id,
            _ => Uuid::now_v7(),
        };
        // gzip at the highest level is the CPU-heavy part: every batch on a blocking
        // thread of its own, all at once, off the async runtime's workers.
        let job = tokio::task::spawn_blocking(move || gzip_push_body(batch_id, &jsons));
        jobs.push((batch_id, keys, job));
    }
    let mut batches = Vec::with_capacity(jobs.len());
    for (batch_id, keys, job) in jobs {
        let gzipped = job
            .await
            .map_err(|e| SyncError::Encode(format!("compressing a batch: {e}")))??;
        batches.push(Batch {
            batch_id,
            keys,
            gzipped,
        });
    }
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use super::*;
    use campo_core::Outreach;

    fn outreach(i: u32) -> Record {
        Record {
            id: Uuid::now_v7(),
            revision: 1,
            body: RecordBody::Outreach(Outreach {
                period: format!("2026-{:02}", i % 12 + 1),
                ..Default::default()
            }),
        }
    }

    fn sized(recs: &[Record]) -> Vec<(Record, usize)> {
        recs.iter()
            .map(|r| (r.clone(), serde_json::to_vec(r).unwrap().len() + 1))
            .collect()
    }

    #[test]
    fn split_caps_count_and_bytes_and_keeps_order() {
        let recs: Vec<Record> = (0..45).map(outreach).collect();
        let ids: Vec<Uuid> = recs.iter().map(|r| r.id).collect();
        let batches = split(sized(&recs), 20, usize::MAX);
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![20, 20, 5]
        );
        let flat: Vec<Uuid> = batches.concat().iter().map(|r| r.id).collect();
        assert_eq!(flat, ids);

        let one = serde_json::to_vec(&recs[0]).unwrap().len() + 1;
        let batches = split(sized(&recs), 1000, one * 3);
        assert!(
            batches.iter().all(|b| b.len() <= 3),
            "{:?}",
            batches.iter().map(Vec::len).collect::<Vec<_>>()
        );
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 45);
    }

    /// The app runs a sync on a tokio worker: the future must be `Send`, which also proves
    /// no vault lock is held across an `.await`.
    #[allow(dead_code)]
    fn sync_once_future_is_send(c: &SyncClient, v: &Mutex<Vault>) {
        fn is_send<T: Send>(_: &T) {}
        let f = sync_once(c, v, &|_| {});
        is_send(&f);
    }

    #[test]
    fn an_oversized_record_goes_alone() {
        let recs: Vec<Record> = (0..3).map(outreach).collect();
        let batches = split(sized(&recs), 10, 1);
        assert_eq!(batches.len(), 3);
    }

    #[test]
    fn default_batches_hold_a_thousand_records_and_never_more_than_the_server_takes() {
        let recs: Vec<Record> = (0..2_500).map(outreach).collect();
        let o = crate::ClientOptions::default();
        let sizes = |b: Vec<Vec<Record>>| b.iter().map(Vec::len).collect::<Vec<_>>();
        let batches = split(
            sized(&recs),
            o.effective_batch_records(),
            o.effective_batch_bytes(),
        );
        assert_eq!(sizes(batches), vec![1_000, 1_000, 500]);
        let greedy = crate::ClientOptions {
            batch_records: 10_000,
            ..o
        };
        let batches = split(
            sized(&recs),
            greedy.effective_batch_records(),
            greedy.effective_batch_bytes(),
        );
        assert_eq!(sizes(batches), vec![2_000, 500]);
    }

    #[test]
    fn records_the_server_would_refuse_first_are_found_before_sending() {
        let good = outreach(1);
        assert_eq!(local_problem(&good, 100), None);
        let (code, _) = local_problem(&good, MAX_BODY_BYTES).unwrap();
        assert_eq!(code, RECORD_TOO_LARGE);
        let mut bad = outreach(1);
        if let RecordBody::Outreach(o) = &mut bad.body {
            o.period = "2026-13".into();
        }
        assert_eq!(
            local_problem(&bad, 100).unwrap().0,
            "outreach_period_invalid"
        );
        let roster = Record {
            id: Uuid::now_v7(),
            revision: 1,
            body: RecordBody::RosterCode(RosterCode {
                code: "C-1 ".into(),
                consent: Vec::new(),
            }),
        };
        assert_eq!(
            local_problem(&roster, 100).unwrap().0,
            "roster_code_invalid"
        );
    }

    #[test]
    fn roster_entries_travel_as_codes_and_consent_only() {
        use campo_core::consent::{ConsentEvent, ConsentScope};
        let history = vec![
            ConsentEvent::Given {
                date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
                sheet_version: "2026-01".into(),
                covers: vec![ConsentScope::Questionnaires],
            },
            ConsentEvent::Withdrawn {
                date: chrono::NaiveDate::from_ymd_opt(2026, 4, 2).unwrap(),
            },
        ];
        let p = PendingRecord {
            id: Uuid::now_v7(),
            revision: 1,
            data: RecordData::Participant {
                participant: campo_core::Participant {
                    code: "C-017".into(),
                    name: "Maria Rossi".into(),
                    contact: Some("333 1234567".into()),
                },
                consent: history.clone(),
            },
        };
        let record = to_wire(p);
        let json = serde_json::to_string(&record).unwrap();
        assert!(!json.contains("Maria") && !json.contains("333"), "{json}");
        assert!(record.check().is_ok(), "the server's rules hold");
        match record.body {
            RecordBody::RosterCode(r) => {
                assert_eq!(r.code, "C-017");
                assert_eq!(r.consent, history);
            }
            other => panic!("{other:?}"),
        }
    }
}
