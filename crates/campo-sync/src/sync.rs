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
//!   with the reason in the sealed setting `sync_rejected`, not resent on every sync and not
//!   lost: they stay in the outbox until [`retry_rejected`] puts them back in line. Records
//!   that break the rules the server checks first ([`Record::check`]: a roster code, an
//!   outreach period, an envelope that disagrees with its body), or that are larger than
//!   the server takes in one push, are set aside the same way before anything is sent.
//! - The pull moves the saved cursor after each page it stored, so a drop half way resumes
//!   from the last stored page: nothing skipped, at most one page fetched again.

use crate::client::{gzip_push_body, SyncClient, ENVELOPE_BYTES};
use crate::error::SyncError;
use crate::progress::Progress;
use crate::wire::{PushStatus, Record, RecordBody, RosterCode, MAX_BODY_BYTES};
use campo_core::report::Targets;
use campo_store::{PendingRecord, RecordData, Vault};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

/// Vault setting: the pull cursor (a decimal number).
pub const SETTING_CURSOR: &str = "sync_cursor";
/// Vault setting: the batch being sent (`{"batch_id", "records": [[id, rev], ...]}`).
pub const SETTING_BATCH: &str = "sync_batch";
/// Vault setting: records set aside, `{"<id>:<rev>": "reason"}` or, when a code says why,
/// `{"<id>:<rev>": {"reason": "...", "reason_code": "..."}}` (both forms are read).
pub const SETTING_REJECTED: &str = "sync_rejected";
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
pub struct SyncSummary {
    /// Records the server stored for the first time.
    pub stored: u64,
    /// Records the server already held (a resend after a lost answer).
    pub duplicates: u64,
    /// Records refused in this sync (now in `sync_rejected`).
    pub rejected: u64,
    /// Records refused by an earlier sync and not sent this time.
    pub held_back: u64,
    pub batches: u32,
    pub bytes_sent: u64,
    pub instruments_pulled: u64,
    pub meetings_pulled: u64,
    pub cursor: u64,
    /// Of `rejected`, the records the tablet refused itself before sending them
    /// ([`Record::check`] or too large for one push).
    #[serde(default)]
    pub refused_locally: u64,
    /// Pull pages fetched and stored.
    #[serde(default)]
    pub pull_pages: u32,
    /// The pull stopped at [`MAX_PULL_PAGES`] with more waiting on the server; the next
    /// sync goes on from the saved cursor.
    #[serde(default)]
    pub more_to_pull: bool,
}

/// A record set aside (refused by the server, or by the tablet before sending it), with
/// the reason and, when there is one, its stable code (e.g. `unknown_instrument_version`,
/// `roster_code_invalid`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRecord {
    pub id: Uuid,
    pub revision: u32,
    pub reason: String,
    #[serde(default)]
    pub reason_code: Option<String>,
}

/// One entry of `sync_rejected`. The first release stored the reason alone; entries with
/// a code are stored as an object. Entries without a code keep the first form, so a
/// tablet's setting stays readable by the release before this one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum StoredRejection {
    Reason(String),
    Coded {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason_code: Option<String>,
    },
}

impl StoredRejection {
    fn new(reason: String, reason_code: Option<String>) -> StoredRejection {
        match reason_code {
            None => StoredRejection::Reason(reason),
            Some(code) => StoredRejection::Coded {
                reason,
                reason_code: Some(code),
            },
        }
    }

    fn into_parts(self) -> (String, Option<String>) {
        match self {
            StoredRejection::Reason(reason) => (reason, None),
            StoredRejection::Coded {
                reason,
                reason_code,
            } => (reason, reason_code),
        }
    }
}

type RejectedMap = BTreeMap<String, StoredRejection>;

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

/// A poisoned lock means a panic elsewhere mid-call; the vault's own transactions keep its
/// file consistent, so carrying on is safe and better than losing the sync.
fn lock(vault: &Mutex<Vault>) -> MutexGuard<'_, Vault> {
    vault.lock().unwrap_or_else(|p| p.into_inner())
}

/// The wire form of an outbox record. A roster entry travels as its code only: names and
/// contacts never leave the device.
pub fn to_wire(p: PendingRecord) -> Record {
    let body = match p.data {
        RecordData::Meeting(m) => RecordBody::Meeting(m),
        RecordData::Submission(s) => RecordBody::Submission(s),
        RecordData::Participant(part) => RecordBody::RosterCode(RosterCode { code: part.code }),
        RecordData::Outreach(o) => RecordBody::Outreach(o),
    };
    Record {
        id: p.id,
        revision: p.revision,
        body,
    }
}

fn key(id: Uuid, rev: u32) -> String {
    format!("{id}:{rev}")
}

fn load_rejected(v: &Vault) -> Result<RejectedMap, SyncError> {
    Ok(v.setting(SETTING_REJECTED)?
        .filter(|s| !s.is_empty())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

fn load_saved_batch(v: &Vault) -> Result<Option<SavedBatch>, SyncError> {
    Ok(v.setting(SETTING_BATCH)?
        .and_then(|s| serde_json::from_str(&s).ok()))
}

fn save_rejected(v: &Vault, map: &RejectedMap) -> Result<(), SyncError> {
    let json = serde_json::to_string(map).map_err(|e| SyncError::Encode(e.to_string()))?;
    v.set_setting(SETTING_REJECTED, &json)?;
    Ok(())
}

/// The records set aside and why (refused by the server, or by the tablet before sending);
/// they wait in the outbox.
pub fn rejected(vault: &Mutex<Vault>) -> Result<Vec<RejectedRecord>, SyncError> {
    let map = load_rejected(&lock(vault))?;
    Ok(map
        .into_iter()
        .filter_map(|(k, stored)| {
            let (id, rev) = k.split_once(':')?;
            let (reason, reason_code) = stored.into_parts();
            Some(RejectedRecord {
                id: id.parse().ok()?,
                revision: rev.parse().ok()?,
                reason,
                reason_code,
            })
        })
        .collect())
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

/// Puts every refused record back in line for the next sync (after the server learned
/// the missing instrument version, say). Returns how many.
pub fn retry_rejected(vault: &Mutex<Vault>) -> Result<usize, SyncError> {
    let v = lock(vault);
    let n = load_rejected(&v)?.len();
    v.set_setting(SETTING_REJECTED, "{}")?;
    // A fresh key: the server answers a known batch id with its recorded answer, which
    // for these records was the refusal.
    v.set_setting(SETTING_BATCH, "")?;
    Ok(n)
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
/// then pulls instruments, other devices' meetings and the project's targets, page by
/// page. Safe to call again at any time, including after it failed half way: it resumes
/// with what is still pending and from the last pull page stored.
pub async fn sync_once(
    client: &SyncClient,
    vault: &Mutex<Vault>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<SyncSummary, SyncError> {
    if client.token().is_none() {
        return Err(SyncError::NotEnrolled);
    }
    let mut summary = SyncSummary::default();

    // Read the outbox under the lock, then let go of it before any network wait.
    let (records, mut rejected_map, saved) = {
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
                rejected_map.insert(k, StoredRejection::new(reason, Some(code)));
                summary.refused_locally += 1;
            }
            None => to_send.push((((record.id, record.revision), json), size)),
        }
    }
    if summary.refused_locally > 0 {
        save_rejected(&lock(vault), &rejected_map)?;
        summary.rejected += summary.refused_locally;
    }

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
        // The first batch is the one an interrupted sync was sending if its records are
        // the same: resend it under the same key.
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

    let mut prog = Progress {
        records_total: batches.iter().map(|b| b.keys.len() as u64).sum(),
        bytes_total: batches.iter().map(|b| b.gzipped.len() as u64).sum(),
        ..Progress::default()
    };
    progress(prog);

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
        let mut newly_rejected = 0u64;
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
                    newly_rejected += 1;
                    let reason = r
                        .reason
                        .unwrap_or_else(|| "rejected without a reason".into());
                    rejected_map.insert(
                        key(r.id, r.revision),
                        StoredRejection::new(reason, r.reason_code),
                    );
                }
            }
        }
        {
            let v = lock(vault);
            if newly_rejected > 0 {
                save_rejected(&v, &rejected_map)?;
            }
            if !acked.is_empty() {
                v.mark_acknowledged(&acked)?;
            }
            // The batch was answered: its key is spent. Keeping it could make a later
            // batch of the same records (refused ones put back in line) replay this answer.
            v.set_setting(SETTING_BATCH, "")?;
        }
        summary.rejected += newly_rejected;
        summary.batches += 1;
        summary.bytes_sent += sent_bytes;
        prog.records_sent += batch.keys.len() as u64;
        prog.bytes_sent += sent_bytes;
        progress(prog);
    }

    pull(client, vault, &mut summary).await?;
    Ok(summary)
}

/// Pulls what changed on the server since the saved cursor, page by page, and stores it.
/// Each page is stored before the cursor moves past it, and the cursor is saved after each
/// page: a drop between pages costs nothing, a drop during one costs that page again.
async fn pull(
    client: &SyncClient,
    vault: &Mutex<Vault>,
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let (mut since, mut stored_targets) = {
        let v = lock(vault);
        let since = v
            .setting(SETTING_CURSOR)?
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0);
        (since, v.setting(SETTING_TARGETS)?)
    };
    summary.cursor = since;
    let mut limit = client.pull_limit();
    while summary.pull_pages < MAX_PULL_PAGES {
        let page = match client.pull(since, limit).await {
            Ok(page) => page,
            // A page too large to read: ask for smaller ones, down to one item.
            Err(SyncError::AnswerTooLarge { .. }) if limit > 1 => {
                limit /= 2;
                continue;
            }
            Err(e) => return Err(e),
        };
        if page.more && page.cursor <= since {
            // Asking again would bring the same page: never loop on it.
            return Err(SyncError::Decode(format!(
                "the server has more to pull but its cursor did not move past {since}"
            )));
        }
        {
            let v = lock(vault);
            for instrument in &page.instruments {
                v.put_instrument(instrument)?;
            }
            for meeting in &page.meetings {
                v.put_remote_meeting(meeting)?;
            }
            if let Some(targets) = &page.targets {
                let json =
                    serde_json::to_string(targets).map_err(|e| SyncError::Encode(e.to_string()))?;
                // Every page carries them; write only what changed.
                if stored_targets.as_deref() != Some(json.as_str()) {
                    v.set_setting(SETTING_TARGETS, &json)?;
                    stored_targets = Some(json);
                }
            }
            // The cursor moves only after everything it covers is stored.
            v.set_setting(SETTING_CURSOR, &page.cursor.to_string())?;
        }
        summary.pull_pages += 1;
        summary.instruments_pulled += page.instruments.len() as u64;
        summary.meetings_pulled += page.meetings.len() as u64;
        summary.cursor = page.cursor;
        since = page.cursor;
        if !page.more {
            summary.more_to_pull = false;
            return Ok(());
        }
        summary.more_to_pull = true;
    }
    Ok(())
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
            }),
        };
        assert_eq!(
            local_problem(&roster, 100).unwrap().0,
            "roster_code_invalid"
        );
    }

    #[test]
    fn a_rejection_without_a_code_keeps_the_first_releases_form() {
        let mut map = RejectedMap::new();
        map.insert("a:1".into(), StoredRejection::new("old".into(), None));
        map.insert(
            "b:2".into(),
            StoredRejection::new("new".into(), Some("record_mismatch".into())),
        );
        let json = serde_json::to_string(&map).unwrap();
        assert_eq!(
            json,
            r#"{"a:1":"old","b:2":{"reason":"new","reason_code":"record_mismatch"}}"#
        );
        let back: RejectedMap = serde_json::from_str(&json).unwrap();
        assert_eq!(back, map);
        // What the first release wrote reads as reasons without codes.
        let old: RejectedMap = serde_json::from_str(r#"{"x:1":"unknown instrument"}"#).unwrap();
        assert_eq!(
            old["x:1"].clone().into_parts(),
            ("unknown instrument".to_string(), None)
        );
    }

    #[test]
    fn roster_entries_travel_as_codes_only() {
        let p = PendingRecord {
            id: Uuid::now_v7(),
            revision: 1,
            data: RecordData::Participant(campo_core::Participant {
                code: "C-017".into(),
                name: "Maria Rossi".into(),
                contact: Some("333 1234567".into()),
            }),
        };
        let json = serde_json::to_string(&to_wire(p)).unwrap();
        assert!(json.contains("C-017"));
        assert!(!json.contains("Maria") && !json.contains("333"), "{json}");
    }
}

/// The whole sync against a local stand-in for the server: what goes up, what comes back,
/// and what the vault keeps.
#[cfg(test)]
mod sync_tests {
    use super::*;
    use crate::test_server::{Response, TestServer};
    use crate::wire::{PullResponse, PushRequest, PushResponse, PushResult};
    use campo_core::catalog::Catalog;
    use campo_core::{Activity, Attendance, Meeting, MeetingStatus, Outreach, Participant};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tempfile::TempDir;

    fn vault() -> (TempDir, Mutex<Vault>) {
        let dir = tempfile::tempdir().unwrap();
        let (v, _) = Vault::create(dir.path(), "Facilitatrice", "a test passphrase only").unwrap();
        (dir, Mutex::new(v))
    }

    fn client(server: &TestServer) -> SyncClient {
        SyncClient::new(server.url(), Some("token".into())).unwrap()
    }

    fn meeting(topic: &str) -> Meeting {
        Meeting {
            id: Uuid::now_v7(),
            revision: 1,
            activity: Activity::PeerGroup,
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            place: "Sala civica".into(),
            topic: topic.into(),
            facilitator: "Altra facilitatrice".into(),
            status: MeetingStatus::Held,
            attendance: Attendance::default(),
            updated_at: chrono::Utc::now(),
        }
    }

    fn page(cursor: u64, more: bool, meetings: Vec<Meeting>) -> PullResponse {
        PullResponse {
            cursor,
            more,
            instruments: vec![],
            roster: vec![],
            meetings,
            targets: None,
        }
    }

    fn cursor(v: &Mutex<Vault>) -> Option<String> {
        lock(v).setting(SETTING_CURSOR).unwrap()
    }

    fn sinces(server: &TestServer) -> Vec<u64> {
        server
            .requests()
            .iter()
            .filter(|r| r.path() == "/api/v1/sync/pull")
            .map(|r| r.query_u64("since"))
            .collect()
    }

    fn topics(v: &Mutex<Vault>) -> Vec<String> {
        let mut t: Vec<String> = lock(v)
            .meetings()
            .unwrap()
            .into_iter()
            .map(|m| m.topic)
            .collect();
        t.sort();
        t
    }

    /// Answers each push with `status` (and a reason and code when rejected).
    fn push_answer(req: &crate::test_server::Request, status: PushStatus) -> Response {
        let push: PushRequest = req.json();
        let rejected = status == PushStatus::Rejected;
        Response::gzip_json(&PushResponse {
            results: push
                .records
                .iter()
                .map(|r| PushResult {
                    id: r.id,
                    revision: r.revision,
                    status,
                    reason: rejected.then(|| "instrument version 99 is unknown".into()),
                    reason_code: rejected.then(|| "unknown_instrument_version".into()),
                })
                .collect(),
        })
    }

    #[tokio::test]
    async fn pull_pages_until_no_more_and_stores_each_page_and_the_targets() {
        let targets = Targets {
            eligible_carers: 123,
            ..Targets::default()
        };
        let t = targets.clone();
        let server = TestServer::start(move |req| {
            let mut p = match req.query_u64("since") {
                0 => page(10, true, vec![meeting("one")]),
                10 => page(20, true, vec![meeting("two")]),
                _ => page(30, false, vec![meeting("three")]),
            };
            p.instruments = vec![Catalog::builtin()
                .latest("training_satisfaction")
                .unwrap()
                .clone()];
            p.targets = Some(t.clone());
            Response::gzip_json(&p)
        })
        .await;
        let (_dir, v) = vault();
        assert_eq!(project_targets(&v).unwrap(), None);
        let s = sync_once(&client(&server), &v, &|_| {}).await.unwrap();
        assert_eq!(sinces(&server), [0, 10, 20]);
        assert!(server
            .requests()
            .iter()
            .all(|r| r.query_u64("limit") == 500));
        assert_eq!(
            (
                s.pull_pages,
                s.meetings_pulled,
                s.instruments_pulled,
                s.cursor
            ),
            (3, 3, 3, 30)
        );
        assert!(!s.more_to_pull);
        assert_eq!(topics(&v), ["one", "three", "two"]);
        assert_eq!(cursor(&v).as_deref(), Some("30"));
        assert_eq!(project_targets(&v).unwrap(), Some(targets.clone()));
        assert_eq!(
            project_targets_of(&lock(&v)).unwrap(),
            Some(targets.clone())
        );
        assert!(lock(&v)
            .instruments()
            .unwrap()
            .iter()
            .any(|i| i.id == "training_satisfaction"));
        assert_eq!(
            lock(&v).pending_count().unwrap(),
            0,
            "pulled, never pushed back"
        );
    }

    #[tokio::test]
    async fn a_pull_without_targets_keeps_the_ones_stored() {
        let server = TestServer::start(|req| {
            Response::gzip_json(&page(req.query_u64("since") + 1, false, vec![]))
        })
        .await;
        let (_dir, v) = vault();
        let targets = Targets {
            satisfaction_min: 80.0,
            ..Targets::default()
        };
        lock(&v)
            .set_setting(SETTING_TARGETS, &serde_json::to_string(&targets).unwrap())
            .unwrap();
        sync_once(&client(&server), &v, &|_| {}).await.unwrap();
        assert_eq!(project_targets(&v).unwrap(), Some(targets));
    }

    #[tokio::test]
    async fn a_drop_between_pages_resumes_from_the_last_page_stored() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let server = TestServer::start(move |req| match req.query_u64("since") {
            0 => Response::gzip_json(&page(10, true, vec![meeting("first")])),
            // The link drops on the second page the first time it is asked for.
            10 if c.fetch_add(1, Ordering::SeqCst) == 0 => Response::Drop,
            10 => Response::gzip_json(&page(20, false, vec![meeting("second")])),
            since => panic!("asked from {since}"),
        })
        .await;
        let (_dir, v) = vault();
        let client = client(&server);
        let err = sync_once(&client, &v, &|_| {}).await.unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
        assert_eq!(cursor(&v).as_deref(), Some("10"), "the first page is kept");
        assert_eq!(topics(&v), ["first"]);

        let s = sync_once(&client, &v, &|_| {}).await.unwrap();
        assert_eq!(sinces(&server), [0, 10, 10], "resumed, never from 0 again");
        assert_eq!((s.pull_pages, s.cursor), (1, 20));
        assert_eq!(topics(&v), ["first", "second"]);
        assert_eq!(cursor(&v).as_deref(), Some("20"));
    }

    #[tokio::test]
    async fn a_sync_pulls_at_most_its_bound_of_pages_and_the_next_goes_on() {
        let endless = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let e = endless.clone();
        let server = TestServer::start(move |req| {
            let since = req.query_u64("since");
            Response::json(&page(since + 1, e.load(Ordering::SeqCst), vec![]))
        })
        .await;
        let (_dir, v) = vault();
        let client = client(&server);
        let s = sync_once(&client, &v, &|_| {}).await.unwrap();
        assert_eq!(s.pull_pages, MAX_PULL_PAGES);
        assert!(s.more_to_pull);
        assert_eq!(s.cursor, MAX_PULL_PAGES as u64);
        assert_eq!(server.requests().len(), MAX_PULL_PAGES as usize);
        assert_eq!(cursor(&v), Some(MAX_PULL_PAGES.to_string()));

        endless.store(false, Ordering::SeqCst);
        let s = sync_once(&client, &v, &|_| {}).await.unwrap();
        assert_eq!((s.pull_pages, s.more_to_pull), (1, false));
        assert_eq!(*sinces(&server).last().unwrap(), MAX_PULL_PAGES as u64);
    }

    #[tokio::test]
    async fn a_cursor_that_does_not_move_is_a_bad_answer_not_a_loop() {
        let server = TestServer::start(|req| {
            Response::gzip_json(&page(req.query_u64("since"), true, vec![]))
        })
        .await;
        let (_dir, v) = vault();
        lock(&v).set_setting(SETTING_CURSOR, "7").unwrap();
        let err = sync_once(&client(&server), &v, &|_| {}).await.unwrap_err();
        assert!(matches!(err, SyncError::Decode(_)), "{err:?}");
        assert_eq!(server.requests().len(), 1);
        assert_eq!(cursor(&v).as_deref(), Some("7"));
    }

    #[tokio::test]
    async fn a_pull_page_too_large_to_read_is_asked_again_smaller() {
        let server = TestServer::start(|req| {
            let mut p = page(5, false, vec![meeting("small enough")]);
            if req.query_u64("limit") > 2 {
                p.meetings = (0..64).map(|i| meeting(&"x".repeat(100 + i))).collect();
            }
            Response::gzip_json(&p)
        })
        .await;
        let (_dir, v) = vault();
        let client = client(&server)
            .with_max_answer_bytes(4096)
            .with_pull_limit(8);
        let s = sync_once(&client, &v, &|_| {}).await.unwrap();
        let limits: Vec<u64> = server
            .requests()
            .iter()
            .map(|r| r.query_u64("limit"))
            .collect();
        assert_eq!(limits, [8, 4, 2]);
        assert_eq!((s.pull_pages, s.cursor), (1, 5));
        assert_eq!(topics(&v), ["small enough"]);
    }

    #[tokio::test]
    async fn records_that_break_the_rules_are_set_aside_before_sending_and_kept() {
        let server = TestServer::start(|req| match req.path() {
            "/api/v1/sync/push" => push_answer(req, PushStatus::Stored),
            _ => Response::gzip_json(&page(1, false, vec![])),
        })
        .await;
        let (_dir, v) = vault();
        {
            let v = lock(&v);
            v.save_outreach(&Outreach {
                period: "2026-03".into(),
                page_likes: 4,
                ..Outreach::default()
            })
            .unwrap();
            v.save_outreach(&Outreach {
                period: "marzo".into(),
                ..Outreach::default()
            })
            .unwrap();
            v.add_participant(&Participant {
                code: " C-017".into(),
                name: "Maria Rossi".into(),
                contact: None,
            })
            .unwrap();
        }
        let client = client(&server);
        let s = sync_once(&client, &v, &|_| {}).await.unwrap();
        assert_eq!(
            (s.stored, s.rejected, s.refused_locally),
            (1, 2, 2),
            "{s:?}"
        );
        let pushes: Vec<PushRequest> = server
            .requests()
            .iter()
            .filter(|r| r.path() == "/api/v1/sync/push")
            .map(|r| r.json())
            .collect();
        assert_eq!(pushes.len(), 1);
        assert_eq!(pushes[0].records.len(), 1, "only the valid record went up");
        assert!(
            matches!(&pushes[0].records[0].body, RecordBody::Outreach(o) if o.period == "2026-03")
        );
        assert_eq!(lock(&v).pending_count().unwrap(), 2, "set aside, not lost");
        let mut codes: Vec<Option<String>> = rejected(&v)
            .unwrap()
            .into_iter()
            .map(|r| r.reason_code)
            .collect();
        codes.sort();
        assert_eq!(
            codes,
            [
                Some("outreach_period_invalid".to_string()),
                Some("roster_code_invalid".to_string())
            ]
        );
        assert!(rejected(&v).unwrap().iter().all(|r| !r.reason.is_empty()));

        // Held back next time, like any refused record.
        let s = sync_once(&client, &v, &|_| {}).await.unwrap();
        assert_eq!((s.held_back, s.batches, s.rejected), (2, 0, 0));
        // Put back in line, they are refused again on the tablet: still nothing sent.
        assert_eq!(retry_rejected(&v).unwrap(), 2);
        let before = server.requests().len();
        let s = sync_once(&client, &v, &|_| {}).await.unwrap();
        assert_eq!((s.refused_locally, s.batches), (2, 0));
        assert_eq!(server.requests().len() - before, 1, "the pull alone");
        assert_eq!(lock(&v).pending_count().unwrap(), 2);
    }

    #[tokio::test]
    async fn a_server_rejection_keeps_its_reason_code() {
        let server = TestServer::start(|req| match req.path() {
            "/api/v1/sync/push" => push_answer(req, PushStatus::Rejected),
            _ => Response::gzip_json(&page(1, false, vec![])),
        })
        .await;
        let (_dir, v) = vault();
        lock(&v)
            .save_outreach(&Outreach {
                period: "2026-04".into(),
                ..Outreach::default()
            })
            .unwrap();
        let s = sync_once(&client(&server), &v, &|_| {}).await.unwrap();
        assert_eq!((s.rejected, s.refused_locally), (1, 0));
        let r = rejected(&v).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].reason, "instrument version 99 is unknown");
        assert_eq!(
            r[0].reason_code.as_deref(),
            Some("unknown_instrument_version")
        );
        let stored = lock(&v).setting(SETTING_REJECTED).unwrap().unwrap();
        assert!(
            stored.contains(r#""reason_code":"unknown_instrument_version""#),
            "{stored}"
        );
    }

    #[tokio::test]
    async fn rejections_stored_by_the_first_release_still_hold_records_back() {
        let server = TestServer::start(|req| match req.path() {
            "/api/v1/sync/push" => push_answer(req, PushStatus::Stored),
            _ => Response::gzip_json(&page(1, false, vec![])),
        })
        .await;
        let (_dir, v) = vault();
        let (id, rev) = {
            let v = lock(&v);
            v.save_outreach(&Outreach {
                period: "2026-05".into(),
                ..Outreach::default()
            })
            .unwrap();
            let p = v.pending(1).unwrap().remove(0);
            let old = format!(r#"{{"{}:{}":"instrument unknown"}}"#, p.id, p.revision);
            v.set_setting(SETTING_REJECTED, &old).unwrap();
            (p.id, p.revision)
        };
        assert_eq!(
            rejected(&v).unwrap(),
            [RejectedRecord {
                id,
                revision: rev,
                reason: "instrument unknown".into(),
                reason_code: None,
            }]
        );
        let s = sync_once(&client(&server), &v, &|_| {}).await.unwrap();
        assert_eq!((s.held_back, s.batches), (1, 0));
    }
}
