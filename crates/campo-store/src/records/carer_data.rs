//! A carer's right of access on the tablet: everything this vault holds under a code.

use super::Kind;
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::consent::ConsentEvent;
use campo_core::{Meeting, Participant, Submission};

/// What this tablet holds under one code.
#[derive(Clone, Debug, PartialEq)]
pub struct CarerRecords {
    pub code: String,
    /// The roster entry's name and contact; `None` when the code is not on the roster
    /// (removed, when the name and contact were erased, or never added here).
    pub participant: Option<Participant>,
    /// The consent history, oldest step first (kept when the carer is removed).
    pub consent: Vec<ConsentEvent>,
    /// The current revision of each meeting whose attendance lists the code (this
    /// tablet's and those pulled from other tablets), by date.
    pub attendances: Vec<Meeting>,
    /// Final submissions naming the code as respondent, oldest first.
    pub submissions: Vec<Submission>,
    /// Unfinished questionnaires naming the code, oldest first.
    pub drafts: Vec<Submission>,
}

impl Vault {
    /// Everything held under `code`; `ParticipantNotFound` when nothing is.
    pub fn carer_records(&self, code: &str) -> Result<CarerRecords, StoreError> {
        let entry = self.roster()?.remove(code).map(|(_, _, e)| e);
        let of_code = |kind: Kind| -> Result<Vec<Submission>, StoreError> {
            let mut subs: Vec<Submission> = self
                .current_records::<Submission>(kind)?
                .into_iter()
                .map(|(_, _, s)| s)
                .filter(|s| s.respondent.as_deref() == Some(code))
                .collect();
            subs.sort_by_key(|s| (s.created_at, s.id));
            Ok(subs)
        };
        let out = CarerRecords {
            code: code.to_string(),
            participant: entry
                .as_ref()
                .filter(|e| !e.removed)
                .map(|e| e.participant.clone()),
            consent: entry.map(|e| e.consent).unwrap_or_default(),
            attendances: self
                .meetings()?
                .into_iter()
                .filter(|m| m.attendance.participants.iter().any(|c| c == code))
                .collect(),
            submissions: of_code(Kind::Submission)?,
            drafts: of_code(Kind::Draft)?,
        };
        let nothing = out.participant.is_none()
            && out.consent.is_empty()
            && out.attendances.is_empty()
            && out.submissions.is_empty()
            && out.drafts.is_empty();
        if nothing {
            return Err(StoreError::ParticipantNotFound(code.to_string()));
        }
        Ok(out)
    }
}
