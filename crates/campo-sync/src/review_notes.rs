//! The office's notes on this tablet's own submissions: each pull page may carry some
//! (`PullResponse::notes`), and the tablet keeps the latest one per submission, sealed
//! like every setting, so the facilitator sees what to correct without a signal.
//!
//! The server sends a review once per change, in its counter order, so the note received
//! last is the latest word: it replaces the one kept, whatever the clocks of the server
//! processes that wrote `reviewed_at`. A page pulled twice brings the same notes again,
//! which changes nothing.

use crate::error::SyncError;
use crate::wire::ReviewNote;
use campo_store::Vault;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Vault setting: the latest note per submission (a JSON map keyed by submission id).
pub const SETTING_REVIEW_NOTES: &str = "review_notes";

type Notes = BTreeMap<Uuid, ReviewNote>;

fn load(vault: &Vault) -> Result<Notes, SyncError> {
    // A copy that cannot be read (a later release's form) is started afresh: the next
    // note of each submission writes it again.
    Ok(vault
        .setting(SETTING_REVIEW_NOTES)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// The latest note of every submission the office reviewed, in submission id order (UUID
/// v7: the order they were made in). Every state is kept; what to show is the app's call.
pub fn review_notes(vault: &Vault) -> Result<Vec<ReviewNote>, SyncError> {
    Ok(load(vault)?.into_values().collect())
}

/// Takes `code` out of the comments of a stored `review_notes` value (campo-core's rule
/// for free text): the new value when anything changed. A value that cannot be read is
/// started afresh (as [`load`] does) if it holds the code at all.
pub(crate) fn scrub(value: &str, code: &str) -> Option<String> {
    if !value.contains(code) {
        return None;
    }
    let Ok(mut notes) = serde_json::from_str::<Notes>(value) else {
        return Some("{}".into());
    };
    let mut changed = false;
    for note in notes.values_mut() {
        changed |= campo_core::erasure::erase_in_text(&mut note.comment, code);
    }
    if !changed {
        return None;
    }
    serde_json::to_string(&notes).ok()
}

/// Keeps `notes` (a page's, in the server's order) in place of those held for their
/// submissions. Nothing is written for a page without notes.
pub(crate) fn store_review_notes(vault: &Vault, notes: &[ReviewNote]) -> Result<(), SyncError> {
    if notes.is_empty() {
        return Ok(());
    }
    let mut held = load(vault)?;
    for note in notes {
        held.insert(note.submission_id, note.clone());
    }
    let json = serde_json::to_string(&held).map_err(|e| SyncError::Encode(e.to_string()))?;
    vault.set_setting(SETTING_REVIEW_NOTES, &json)?;
    Ok(())
}
