//! Final submissions: immutable once saved; a correction is a new submission naming the
//! one it `replaces` (see corrections.rs). Only finals are sent and counted. Callers
//! validate against the instrument (campo-core) before saving.

use super::consent::ConsentGate;
use super::{exists, immediate, Kind, Origin, Row};
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::Submission;
use rusqlite::params;
use uuid::Uuid;

/// Finals are stored as revision 1: they never change.
pub(crate) const FINAL_REVISION: u32 = 1;

/// The clear columns of a submission or draft: its kind, id and meeting. The instrument
/// and the time are sealed in the body.
pub(crate) fn row(kind: Kind, s: &Submission, revision: u32) -> Row {
    Row {
        kind,
        id: s.id,
        revision,
        meeting_id: Some(s.meeting_id),
    }
}

impl Vault {
    /// Makes a saved draft final, and queues it for sending.
    pub fn finalize(&self, id: Uuid) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        if exists(&tx, Kind::Submission, id)? {
            return Err(StoreError::SubmissionFinal(id));
        }
        let (_, draft) = self
            .current_record::<Submission>(Kind::Draft, id)?
            .ok_or(StoreError::SubmissionNotFound(id))?;
        self.store_final(&tx, &draft, &mut self.consent_gate(&tx)?)?;
        tx.commit()?;
        Ok(())
    }

    /// Saves a final submission directly (respondent mode submits in one step). One that
    /// `replaces` another must keep the correction rule of [`Vault::save_correction`]. A
    /// coded one needs the carer's consent while the project has an information sheet
    /// (`ConsentMissing` otherwise, nothing saved).
    pub fn save_final(&self, submission: &Submission) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        if exists(&tx, Kind::Submission, submission.id)? {
            return Err(StoreError::SubmissionFinal(submission.id));
        }
        self.store_final(&tx, submission, &mut self.consent_gate(&tx)?)?;
        tx.commit()?;
        Ok(())
    }

    /// Saves many final submissions in one transaction (an import, or a benchmark's
    /// fixture). All or nothing: one already final refuses the whole batch.
    pub fn save_finals(&self, submissions: &[Submission]) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        let mut gate = self.consent_gate(&tx)?;
        for submission in submissions {
            if exists(&tx, Kind::Submission, submission.id)? {
                return Err(StoreError::SubmissionFinal(submission.id));
            }
            self.store_final(&tx, submission, &mut gate)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores a final, queued, in the caller's transaction; the carer's consent (see
    /// consent.rs) and a correction's rule are checked first.
    pub(crate) fn store_final(
        &self,
        tx: &rusqlite::Connection,
        submission: &Submission,
        gate: &mut ConsentGate,
    ) -> Result<(), StoreError> {
        gate.check(self, submission)?;
        if submission.replaces.is_some() {
            self.check_correction(tx, submission)?;
        }
        self.insert_record(
            tx,
            &row(Kind::Submission, submission, FINAL_REVISION),
            Origin::Local,
            submission,
            true,
        )?;
        // The draft is now the final; secure_delete overwrites its pages.
        tx.execute(
            "DELETE FROM records WHERE kind = 'draft' AND id = ?1",
            params![submission.id.to_string()],
        )?;
        Ok(())
    }

    /// A submission by id: the final if there is one, else the draft.
    pub fn submission(&self, id: Uuid) -> Result<Option<Submission>, StoreError> {
        if let Some((_, s)) = self.current_record(Kind::Submission, id)? {
            return Ok(Some(s));
        }
        Ok(self.current_record(Kind::Draft, id)?.map(|(_, s)| s))
    }

    /// Every final submission, in no particular order.
    pub fn final_submissions(&self) -> Result<Vec<Submission>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, revision, body FROM records WHERE kind = 'submission'")?;
        Ok(self
            .collect(&mut stmt, [], Kind::Submission)?
            .into_iter()
            .map(|(_, _, s)| s)
            .collect())
    }
}
