//! Records set aside: refused by the server, or by the tablet before sending them. They
//! are neither lost nor resent on every sync: each waits in the outbox, with the reason
//! and its code, in the sealed setting `sync_rejected`, until it is put back in line (by
//! the app for one record or all, or by the sync itself once a pull brings an instrument
//! the refusal was missing).
//!
//! Every change to the set reads, changes and writes it under one hold of the vault's
//! lock, so a record the app puts back while a sync runs is not set aside again by the
//! sync's own copy.

use crate::error::SyncError;
use campo_store::Vault;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

/// Vault setting: records set aside, `{"<id>:<rev>": "reason"}` or, when a code says why,
/// `{"<id>:<rev>": {"reason": "...", "reason_code": "..."}}` (both forms are read).
pub const SETTING_REJECTED: &str = "sync_rejected";
/// Vault setting: the batch being sent (`{"batch_id", "records": [[id, rev], ...]}`).
pub const SETTING_BATCH: &str = "sync_batch";

/// The server's codes for a submission whose instrument it does not hold (the instrument,
/// or that version of it). A pull that brings an instrument the tablet did not hold puts
/// these back in line, and no others: the server has learned something, and may now take
/// them. A refusal that names the instrument version it waits for is put back when that
/// version arrives; one that does not (kept by an earlier release) when any does.
pub const UNKNOWN_INSTRUMENT_CODES: [&str; 2] =
    ["unknown_instrument", "unknown_instrument_version"];

/// An instrument version, as a refused submission names it and a pull brings it.
pub(crate) type InstrumentKey = (String, u32);

/// A record set aside (refused by the server, or by the tablet before sending it), with
/// the reason and, when there is one, its stable code (e.g. `unknown_instrument_version`,
/// `roster_code_invalid`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RejectedRecord {
    pub id: Uuid,
    pub revision: u32,
    /// Why, in the words of whoever refused it (the server's message, or the tablet's).
    pub reason: String,
    /// The stable code of `reason`; `None` for records set aside by the first release,
    /// which kept no code.
    #[serde(default)]
    pub reason_code: Option<String>,
}

/// One entry of `sync_rejected`. The first release stored the reason alone; entries with
/// a code are stored as an object. Entries without a code keep the first form, so a
/// tablet's setting stays readable by the release before this one.
/// A refusal for an unknown instrument also keeps the instrument version the submission
/// names (`waits_for`), so that only its arrival puts it back; the releases before read
/// the entry all the same (they ignore fields they do not know).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum StoredRejection {
    Reason(String),
    Coded {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        waits_for: Option<WaitsFor>,
    },
}

/// The instrument version a refused submission waits for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WaitsFor {
    instrument_id: String,
    instrument_version: u32,
}

impl StoredRejection {
    pub(crate) fn new(reason: String, reason_code: Option<String>) -> StoredRejection {
        match reason_code {
            None => StoredRejection::Reason(reason),
            Some(code) => StoredRejection::Coded {
                reason,
                reason_code: Some(code),
                waits_for: None,
            },
        }
    }

    /// A refusal by the server, which keeps the instrument version of a submission refused
    /// for an unknown instrument (`instrument`, when the record is a submission).
    pub(crate) fn refused(
        reason: String,
        reason_code: Option<String>,
        instrument: Option<InstrumentKey>,
    ) -> StoredRejection {
        let mut r = StoredRejection::new(reason, reason_code);
        if let StoredRejection::Coded {
            reason_code: Some(code),
            waits_for,
            ..
        } = &mut r
        {
            if UNKNOWN_INSTRUMENT_CODES.contains(&code.as_str()) {
                *waits_for = instrument.map(|(instrument_id, instrument_version)| WaitsFor {
                    instrument_id,
                    instrument_version,
                });
            }
        }
        r
    }

    /// Whether a pulled page may let the server take this record now. `sent` holds every
    /// instrument version on the page (the server sends a version once it holds it, so the
    /// version a refusal waits for may come back even if the tablet had it: a server
    /// restored from a backup older than the instrument, then taught it again); `new` those
    /// of them new to the tablet, for refusals stored without the version they wait for.
    fn may_go_through(&self, sent: &HashSet<InstrumentKey>, new: &HashSet<InstrumentKey>) -> bool {
        match self {
            StoredRejection::Coded {
                reason_code: Some(code),
                waits_for,
                ..
            } if UNKNOWN_INSTRUMENT_CODES.contains(&code.as_str()) => match waits_for {
                Some(w) => sent.contains(&(w.instrument_id.clone(), w.instrument_version)),
                None => !new.is_empty(),
            },
            _ => false,
        }
    }

    fn into_parts(self) -> (String, Option<String>) {
        match self {
            StoredRejection::Reason(reason) => (reason, None),
            StoredRejection::Coded {
                reason,
                reason_code,
                ..
            } => (reason, reason_code),
        }
    }
}

pub(crate) type RejectedMap = BTreeMap<String, StoredRejection>;

/// A poisoned lock means a panic elsewhere mid-call; the vault's own transactions keep its
/// file consistent, so carrying on is safe and better than losing the sync.
pub(crate) fn lock(vault: &Mutex<Vault>) -> MutexGuard<'_, Vault> {
    vault.lock().unwrap_or_else(|p| p.into_inner())
}

/// The key of a record revision in `sync_rejected`.
pub(crate) fn key(id: Uuid, rev: u32) -> String {
    format!("{id}:{rev}")
}

/// The set as stored; an unreadable setting reads as empty (the records then go out again
/// and the server answers them again: nothing is lost).
pub(crate) fn load_rejected(v: &Vault) -> Result<RejectedMap, SyncError> {
    Ok(v.setting(SETTING_REJECTED)?
        .filter(|s| !s.is_empty())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// Takes `code` out of the reasons of a stored `sync_rejected` value (campo-core's rule
/// for free text): the new value when anything changed. A value that cannot be read holds
/// nothing the app shows (it reads as empty) and is emptied if it holds the code at all.
pub(crate) fn scrub(value: &str, code: &str) -> Option<String> {
    if !value.contains(code) {
        return None;
    }
    let Ok(mut map) = serde_json::from_str::<RejectedMap>(value) else {
        return Some("{}".into());
    };
    let mut changed = false;
    for stored in map.values_mut() {
        let (StoredRejection::Reason(reason) | StoredRejection::Coded { reason, .. }) = stored;
        changed |= campo_core::erasure::erase_in_text(reason, code);
    }
    if !changed {
        return None;
    }
    serde_json::to_string(&map).ok()
}

fn save_rejected(v: &Vault, map: &RejectedMap) -> Result<(), SyncError> {
    let json = serde_json::to_string(map).map_err(|e| SyncError::Encode(e.to_string()))?;
    v.set_setting(SETTING_REJECTED, &json)?;
    Ok(())
}

/// Adds `entries` to the set as it is now in the vault.
pub(crate) fn set_aside(
    v: &Vault,
    entries: Vec<(String, StoredRejection)>,
) -> Result<(), SyncError> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut map = load_rejected(v)?;
    map.extend(entries);
    save_rejected(v, &map)
}

/// Puts back in line the records refused for an instrument the server did not hold
/// ([`UNKNOWN_INSTRUMENT_CODES`]) that a pulled page's instrument versions (`sent`; `new`:
/// those new to the tablet) may let through, and no other. Returns how many.
pub(crate) fn put_back_unknown_instrument(
    v: &Vault,
    sent: &HashSet<InstrumentKey>,
    new: &HashSet<InstrumentKey>,
) -> Result<u64, SyncError> {
    if sent.is_empty() {
        return Ok(0);
    }
    let mut map = load_rejected(v)?;
    let before = map.len();
    map.retain(|_, r| !r.may_go_through(sent, new));
    let put_back = before - map.len();
    if put_back > 0 {
        save_rejected(v, &map)?;
    }
    Ok(put_back as u64)
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

/// Puts every refused record back in line for the next sync (after the server learned
/// the missing instrument version, say). Returns how many.
pub fn retry_rejected(vault: &Mutex<Vault>) -> Result<usize, SyncError> {
    let v = lock(vault);
    let n = load_rejected(&v)?.len();
    v.set_setting(SETTING_REJECTED, "{}")?;
    forget_batch_key(&v)?;
    Ok(n)
}

/// Puts one refused record revision back in line for the next sync ("send again" on one
/// record). Returns `false`, changing nothing, when that revision is not set aside (put
/// back already, or never refused).
pub fn retry_rejected_one(
    vault: &Mutex<Vault>,
    id: Uuid,
    revision: u32,
) -> Result<bool, SyncError> {
    let v = lock(vault);
    let mut map = load_rejected(&v)?;
    if map.remove(&key(id, revision)).is_none() {
        return Ok(false);
    }
    save_rejected(&v, &map)?;
    forget_batch_key(&v)?;
    Ok(true)
}

/// A record put back goes out under a fresh key: the server answers a batch id it knows
/// with the answer it recorded, which for these records was the refusal.
fn forget_batch_key(v: &Vault) -> Result<(), SyncError> {
    v.set_setting(SETTING_BATCH, "")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn vault() -> (tempfile::TempDir, Mutex<Vault>) {
        let dir = tempfile::tempdir().unwrap();
        let (v, _) = Vault::create(dir.path(), "Facilitatrice", "a test passphrase only").unwrap();
        (dir, Mutex::new(v))
    }

    fn entry(code: Option<&str>) -> (Uuid, u32, StoredRejection) {
        let reason = format!("refused: {code:?}");
        (
            Uuid::now_v7(),
            1,
            StoredRejection::new(reason, code.map(String::from)),
        )
    }

    fn keys(v: &Mutex<Vault>) -> Vec<(Uuid, u32)> {
        rejected(v)
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.revision))
            .collect()
    }

    fn arrived(keys: &[(&str, u32)]) -> HashSet<InstrumentKey> {
        keys.iter().map(|(i, v)| (i.to_string(), *v)).collect()
    }

    #[test]
    fn a_refusal_for_an_unknown_instrument_keeps_the_version_it_waits_for() {
        let r = StoredRejection::refused(
            "no such version".into(),
            Some("unknown_instrument_version".into()),
            Some(("peer_satisfaction".into(), 99)),
        );
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"reason":"no such version","reason_code":"unknown_instrument_version","waits_for":{"instrument_id":"peer_satisfaction","instrument_version":99}}"#
        );
        // Any other refusal of a submission waits for nothing.
        let other = StoredRejection::refused(
            "bad".into(),
            Some("invalid_answers".into()),
            Some(("peer_satisfaction".into(), 1)),
        );
        assert_eq!(
            serde_json::to_string(&other).unwrap(),
            r#"{"reason":"bad","reason_code":"invalid_answers"}"#
        );
        let peer = arrived(&[("peer_satisfaction", 1)]);
        assert!(!other.may_go_through(&peer, &peer));
    }

    #[test]
    fn only_refusals_for_an_instrument_that_arrived_are_put_back() {
        let (_dir, v) = vault();
        let waits = |code: &str, instrument: Option<(&str, u32)>| {
            (
                Uuid::now_v7(),
                1,
                StoredRejection::refused(
                    format!("refused: {code}"),
                    Some(code.into()),
                    instrument.map(|(i, n)| (i.to_string(), n)),
                ),
            )
        };
        let peer_99 = waits(
            "unknown_instrument_version",
            Some(("peer_satisfaction", 99)),
        );
        let new_quiz = waits("unknown_instrument", Some(("quiz_new", 1)));
        // Kept by an earlier release, without the version it waits for.
        let unnamed = entry(Some("unknown_instrument"));
        let invalid = waits("invalid_answers", Some(("peer_satisfaction", 1)));
        let conflict = entry(Some("revision_conflict"));
        let first_release = entry(None);
        let all = [
            &peer_99,
            &new_quiz,
            &unnamed,
            &invalid,
            &conflict,
            &first_release,
        ];
        set_aside(
            &lock(&v),
            all.iter()
                .map(|(id, rev, r)| (key(*id, *rev), r.clone()))
                .collect(),
        )
        .unwrap();
        let left = |v: &Mutex<Vault>| {
            let mut k = keys(v);
            k.sort();
            k
        };
        let expect = |es: &[&(Uuid, u32, StoredRejection)]| {
            let mut k: Vec<(Uuid, u32)> = es.iter().map(|(id, rev, _)| (*id, *rev)).collect();
            k.sort();
            k
        };
        assert_eq!(keys(&v).len(), 6);

        // Nothing new: nothing put back.
        assert_eq!(
            put_back_unknown_instrument(&lock(&v), &arrived(&[]), &arrived(&[])).unwrap(),
            0
        );
        // Another instrument: only the refusal that names none.
        let other = arrived(&[("training_satisfaction", 3)]);
        assert_eq!(
            put_back_unknown_instrument(&lock(&v), &other, &other).unwrap(),
            1
        );
        assert_eq!(
            left(&v),
            expect(&[&peer_99, &new_quiz, &invalid, &conflict, &first_release])
        );
        // The version one waits for, sent again though the tablet holds it already (a server
        // taught it again after losing it): that one.
        let peer = arrived(&[("peer_satisfaction", 99), ("peer_satisfaction", 1)]);
        assert_eq!(
            put_back_unknown_instrument(&lock(&v), &peer, &arrived(&[])).unwrap(),
            1
        );
        assert_eq!(
            left(&v),
            expect(&[&new_quiz, &invalid, &conflict, &first_release])
        );
        let quiz = arrived(&[("quiz_new", 1)]);
        assert_eq!(
            put_back_unknown_instrument(&lock(&v), &quiz, &quiz).unwrap(),
            1
        );
        assert_eq!(left(&v), expect(&[&invalid, &conflict, &first_release]));
    }

    #[test]
    fn one_record_is_put_back_and_the_others_stay() {
        let (_dir, v) = vault();
        let a = entry(Some("invalid_answers"));
        let b = entry(Some("phase_missing"));
        set_aside(
            &lock(&v),
            vec![(key(a.0, a.1), a.2.clone()), (key(b.0, b.1), b.2.clone())],
        )
        .unwrap();
        lock(&v)
            .set_setting(SETTING_BATCH, r#"{"batch_id":"x","records":[]}"#)
            .unwrap();

        assert!(retry_rejected_one(&v, a.0, a.1).unwrap());
        assert_eq!(keys(&v), [(b.0, b.1)]);
        assert_eq!(
            lock(&v).setting(SETTING_BATCH).unwrap().as_deref(),
            Some(""),
            "a record put back goes out under a fresh key"
        );
        // The same again, another revision of the one left, or an id never refused:
        // nothing to put back and nothing changes.
        assert!(!retry_rejected_one(&v, a.0, a.1).unwrap());
        assert!(!retry_rejected_one(&v, b.0, b.1 + 1).unwrap());
        assert!(!retry_rejected_one(&v, Uuid::now_v7(), 1).unwrap());
        assert_eq!(keys(&v), [(b.0, b.1)]);
        let left = rejected(&v).unwrap();
        assert_eq!(left[0].reason_code.as_deref(), Some("phase_missing"));
    }

    #[test]
    fn setting_aside_adds_to_what_the_vault_holds_now() {
        let (_dir, v) = vault();
        let a = entry(Some("invalid_answers"));
        let b = entry(Some("kind_mismatch"));
        set_aside(&lock(&v), vec![(key(a.0, a.1), a.2.clone())]).unwrap();
        // Put back by the app meanwhile: a later refusal of another record must not
        // bring it back.
        assert!(retry_rejected_one(&v, a.0, a.1).unwrap());
        set_aside(&lock(&v), vec![(key(b.0, b.1), b.2.clone())]).unwrap();
        assert_eq!(keys(&v), [(b.0, b.1)]);
    }
}
