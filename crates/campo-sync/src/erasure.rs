//! Carers the office forgot, as pull brings them (`PullResponse::erasures`): each names
//! the roster entries that held the code, and the vault forgets the code everywhere it holds it
//! (campo-store's `apply_erasures`, one transaction per pull page). The settings this crate keeps that may hold free text
//! naming a carer are scrubbed in the same transaction: the office's review notes
//! (comments) and the server's refusals (reasons).

use crate::error::SyncError;
use crate::rejected::SETTING_REJECTED;
use crate::review_notes::SETTING_REVIEW_NOTES;
use crate::wire::Erasure;
use campo_store::{TextSetting, Vault};

/// The settings of this crate that hold free text.
pub(crate) const TEXT_SETTINGS: [TextSetting; 2] = [
    TextSetting {
        key: SETTING_REVIEW_NOTES,
        scrub: crate::review_notes::scrub,
    },
    TextSetting {
        key: SETTING_REJECTED,
        scrub: crate::rejected::scrub,
    },
];

/// Applies a page's erasures to the vault in one go; how many named something it held
/// (one applied already, or naming nothing here, changes nothing).
pub fn apply_erasures(vault: &Vault, erasures: &[Erasure]) -> Result<u64, SyncError> {
    if erasures.is_empty() {
        return Ok(0);
    }
    let named: Vec<&[uuid::Uuid]> = erasures.iter().map(|e| e.records.as_slice()).collect();
    Ok(vault.apply_erasures(&named, &TEXT_SETTINGS)?.erasures as u64)
}
