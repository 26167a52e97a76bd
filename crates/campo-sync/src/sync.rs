//! One sync: push everything pending in batches, then pull what the server has for us.
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
//!   lost: they stay in the outbox until [`retry_rejected`] puts them back in line.

use crate::client::{gzip_json, SyncClient};
use crate::error::SyncError;
use crate::progress::Progress;
use crate::wire::{PushRequest, PushStatus, Record, RecordBody, RosterCode};
use campo_store::{PendingRecord, RecordData, Vault};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

/// Vault setting: the pull cursor (a decimal number).
pub const SETTING_CURSOR: &str = "sync_cursor";
/// Vault setting: the batch being sent (`{"batch_id", "records": [[id, rev], ...]}`).
pub const SETTING_BATCH: &str = "sync_batch";
/// Vault setting: records the server rejected, `{"<id>:<rev>": "reason"}`.
pub const SETTING_REJECTED: &str = "sync_rejected";

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
}

/// A record the server refused, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRecord {
    pub id: Uuid,
    pub revision: u32,
    pub reason: String,
}

#[derive(Serialize, Deserialize, PartialEq)]
struct SavedBatch {
    batch_id: Uuid,
    records: Vec<(Uuid, u32)>,
}

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

fn load_rejected(v: &Vault) -> Result<BTreeMap<String, String>, SyncError> {
    Ok(v.setting(SETTING_REJECTED)?
        .filter(|s| !s.is_empty())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

fn load_saved_batch(v: &Vault) -> Result<Option<SavedBatch>, SyncError> {
    Ok(v.setting(SETTING_BATCH)?
        .and_then(|s| serde_json::from_str(&s).ok()))
}

/// The records the server refused and why; they wait in the outbox.
pub fn rejected(vault: &Mutex<Vault>) -> Result<Vec<RejectedRecord>, SyncError> {
    let map = load_rejected(&lock(vault))?;
    Ok(map
        .into_iter()
        .filter_map(|(k, reason)| {
            let (id, rev) = k.split_once(':')?;
            Some(RejectedRecord {
                id: id.parse().ok()?,
                revision: rev.parse().ok()?,
                reason,
            })
        })
        .collect())
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

/// Splits `records` into batches of at most `max_records` records and `max_bytes` of
/// JSON (a record larger than `max_bytes` goes alone: the server's own cap decides).
fn split(
    records: Vec<Record>,
    max_records: usize,
    max_bytes: usize,
) -> Result<Vec<Vec<Record>>, SyncError> {
    let max_records = max_records.max(1);
    let mut batches = Vec::new();
    let mut cur: Vec<Record> = Vec::new();
    let mut cur_bytes = 0usize;
    for r in records {
        let size = serde_json::to_vec(&r)
            .map_err(|e| SyncError::Encode(e.to_string()))?
            .len()
            + 1;
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
    Ok(batches)
}

/// Pushes every pending record (batched, gzip), acknowledges what the server confirmed,
/// then pulls instruments and other devices' meetings. Safe to call again at any time,
/// including after it failed half way: it resumes with what is still pending.
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
    let mut to_send = Vec::with_capacity(records.len());
    for p in records {
        if rejected_map.contains_key(&key(p.id, p.revision)) {
            summary.held_back += 1;
        } else {
            to_send.push(to_wire(p));
        }
    }

    let opts = client.options();
    let mut batches = Vec::new();
    for (i, records) in split(to_send, opts.batch_records, opts.batch_bytes)?
        .into_iter()
        .enumerate()
    {
        let keys: Vec<(Uuid, u32)> = records.iter().map(|r| (r.id, r.revision)).collect();
        // The first batch is the one an interrupted sync was sending if its records are
        // the same: resend it under the same key.
        let batch_id = match &saved {
            Some(s) if i == 0 && s.records == keys => s.batch_id,
            _ => Uuid::now_v7(),
        };
        let gzipped = gzip_json(&PushRequest { batch_id, records })?;
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
                    rejected_map.insert(key(r.id, r.revision), reason);
                }
            }
        }
        {
            let v = lock(vault);
            if newly_rejected > 0 {
                let json = serde_json::to_string(&rejected_map)
                    .map_err(|e| SyncError::Encode(e.to_string()))?;
                v.set_setting(SETTING_REJECTED, &json)?;
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

/// Pulls what changed on the server since the saved cursor and stores it.
async fn pull(
    client: &SyncClient,
    vault: &Mutex<Vault>,
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let since = {
        let v = lock(vault);
        v.setting(SETTING_CURSOR)?
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let resp = client.pull(since).await?;
    let v = lock(vault);
    for instrument in &resp.instruments {
        v.put_instrument(instrument)?;
    }
    for meeting in &resp.meetings {
        v.put_remote_meeting(meeting)?;
    }
    // The cursor moves only after everything it covers is stored.
    v.set_setting(SETTING_CURSOR, &resp.cursor.to_string())?;
    summary.instruments_pulled = resp.instruments.len() as u64;
    summary.meetings_pulled = resp.meetings.len() as u64;
    summary.cursor = resp.cursor;
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

    #[test]
    fn split_caps_count_and_bytes_and_keeps_order() {
        let recs: Vec<Record> = (0..45).map(outreach).collect();
        let ids: Vec<Uuid> = recs.iter().map(|r| r.id).collect();
        let batches = split(recs.clone(), 20, usize::MAX).unwrap();
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![20, 20, 5]
        );
        let flat: Vec<Uuid> = batches.concat().iter().map(|r| r.id).collect();
        assert_eq!(flat, ids);

        let one = serde_json::to_vec(&recs[0]).unwrap().len() + 1;
        let batches = split(recs, 1000, one * 3).unwrap();
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
        let batches = split(recs, 10, 1).unwrap();
        assert_eq!(batches.len(), 3);
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
