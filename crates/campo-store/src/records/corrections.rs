//! Corrections: a final submission is never changed; a correction is a new final that
//! `replaces` it. The original must be a final submission of this vault, for the same
//! meeting and instrument, and not replaced already: a second correction replaces the
//! first correction, so a meeting's submissions form chains whose last link counts.

use super::{exists, immediate, Kind};
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::Submission;
use std::fmt;
use uuid::Uuid;

/// Why a correction is refused. `code()` is stable (it is the `StoreError`'s code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorrectionProblem {
    /// `replaces` is empty: this is not a correction.
    NoOriginal,
    /// `replaces` names the correction itself.
    ReplacesItself,
    /// No final submission of this vault has that id (a draft is no original).
    OriginalNotFound(Uuid),
    /// The original is of another meeting.
    OtherMeeting(Uuid),
    /// The original answers another instrument.
    OtherInstrument(Uuid),
    /// The original was corrected already, by the submission named: correct that one.
    AlreadyReplaced { original: Uuid, by: Uuid },
}

impl CorrectionProblem {
    pub fn code(self) -> &'static str {
        match self {
            CorrectionProblem::NoOriginal => "correction_without_original",
            CorrectionProblem::ReplacesItself => "correction_replaces_itself",
            CorrectionProblem::OriginalNotFound(_) => "correction_original_not_found",
            CorrectionProblem::OtherMeeting(_) => "correction_other_meeting",
            CorrectionProblem::OtherInstrument(_) => "correction_other_instrument",
            CorrectionProblem::AlreadyReplaced { .. } => "correction_original_replaced",
        }
    }
}

impl fmt::Display for CorrectionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorrectionProblem::NoOriginal => f.write_str("it names no submission it replaces"),
            CorrectionProblem::ReplacesItself => f.write_str("it names itself as the original"),
            CorrectionProblem::OriginalNotFound(id) => {
                write!(
                    f,
                    "submission {id} is not a final submission of this tablet"
                )
            }
            CorrectionProblem::OtherMeeting(id) => {
                write!(f, "submission {id} belongs to another meeting")
            }
            CorrectionProblem::OtherInstrument(id) => {
                write!(f, "submission {id} answers another instrument")
            }
            CorrectionProblem::AlreadyReplaced { original, by } => write!(
                f,
                "submission {original} was already corrected by {by}: correct that one instead"
            ),
        }
    }
}

/// A final submission of a meeting, and the correction that replaced it, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct MeetingSubmission {
    pub submission: Submission,
    pub replaced_by: Option<Uuid>,
}

impl Vault {
    /// The meeting's final submissions (decrypting that meeting's rows only).
    fn finals_of_meeting(
        &self,
        conn: &rusqlite::Connection,
        meeting: Uuid,
    ) -> Result<Vec<Submission>, StoreError> {
        let mut stmt = conn.prepare_cached(
            "SELECT id, revision, body FROM records WHERE kind = 'submission' AND meeting_id = ?1",
        )?;
        Ok(self
            .collect(&mut stmt, [meeting.to_string()], Kind::Submission)?
            .into_iter()
            .map(|(_, _, s)| s)
            .collect())
    }

    /// Refuses a correction that breaks the rule, in the caller's transaction.
    pub(crate) fn check_correction(
        &self,
        tx: &rusqlite::Connection,
        correction: &Submission,
    ) -> Result<(), StoreError> {
        let refuse = |problem| StoreError::Correction {
            id: correction.id,
            problem,
        };
        let original = correction
            .replaces
            .ok_or_else(|| refuse(CorrectionProblem::NoOriginal))?;
        if original == correction.id {
            return Err(refuse(CorrectionProblem::ReplacesItself));
        }
        let (_, stored) = self
            .current_record::<Submission>(Kind::Submission, original)?
            .ok_or_else(|| refuse(CorrectionProblem::OriginalNotFound(original)))?;
        if stored.meeting_id != correction.meeting_id {
            return Err(refuse(CorrectionProblem::OtherMeeting(original)));
        }
        if stored.instrument_id != correction.instrument_id {
            return Err(refuse(CorrectionProblem::OtherInstrument(original)));
        }
        if let Some(by) = self
            .finals_of_meeting(tx, correction.meeting_id)?
            .into_iter()
            .find(|s| s.replaces == Some(original) && s.id != correction.id)
        {
            return Err(refuse(CorrectionProblem::AlreadyReplaced {
                original,
                by: by.id,
            }));
        }
        Ok(())
    }

    /// Saves a correction: a final submission whose `replaces` names a final submission
    /// of this vault, of the same meeting and instrument, not corrected already (to
    /// correct again, replace the last correction). Queued for sync like any final; a
    /// draft of the same id is removed. Refused with `StoreError::Correction`, or
    /// `SubmissionFinal` when this id is final already, with nothing saved.
    pub fn save_correction(&self, submission: &Submission) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        if exists(&tx, Kind::Submission, submission.id)? {
            return Err(StoreError::SubmissionFinal(submission.id));
        }
        if submission.replaces.is_none() {
            return Err(StoreError::Correction {
                id: submission.id,
                problem: CorrectionProblem::NoOriginal,
            });
        }
        self.store_final(&tx, submission, &mut self.consent_gate(&tx)?)?;
        tx.commit()?;
        Ok(())
    }

    /// A meeting's final submissions, oldest first, each with the correction that
    /// replaced it (a replaced one no longer counts in the report).
    pub fn final_submissions_of_meeting(
        &self,
        meeting: Uuid,
    ) -> Result<Vec<MeetingSubmission>, StoreError> {
        let mut finals = self.finals_of_meeting(&self.conn, meeting)?;
        finals.sort_by_key(|s| (s.created_at, s.id));
        let replaced: Vec<(Uuid, Uuid)> = finals
            .iter()
            .filter_map(|s| s.replaces.map(|original| (original, s.id)))
            .collect();
        Ok(finals
            .into_iter()
            .map(|submission| MeetingSubmission {
                replaced_by: replaced
                    .iter()
                    .find(|(original, _)| *original == submission.id)
                    .map(|(_, by)| *by),
                submission,
            })
            .collect())
    }
}
