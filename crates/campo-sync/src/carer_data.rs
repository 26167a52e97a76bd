//! A carer's right of access on the tablet: what the vault holds under the code
//! (`Vault::carer_records`) and the office's notes on their submissions, kept by this
//! crate.

use crate::error::SyncError;
use crate::review_notes::review_notes;
use crate::wire::ReviewNote;
use campo_store::{CarerRecords, Vault};

/// Everything this tablet holds under one code.
#[derive(Clone, Debug, PartialEq)]
pub struct CarerData {
    pub records: CarerRecords,
    /// The office's latest note on each of the carer's final submissions that has one.
    pub notes: Vec<ReviewNote>,
}

/// Everything held under `code`; the vault's `ParticipantNotFound` when nothing is.
pub fn carer_data(vault: &Vault, code: &str) -> Result<CarerData, SyncError> {
    let records = vault.carer_records(code)?;
    let notes = review_notes(vault)?
        .into_iter()
        .filter(|n| records.submissions.iter().any(|s| s.id == n.submission_id))
        .collect();
    Ok(CarerData { records, notes })
}
