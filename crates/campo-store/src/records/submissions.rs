//! Submissions: a draft may be saved again and again; a final one is immutable, and a
//! correction is a new submission naming the one it `replaces`. Only finals are sent and
//! counted. Callers validate against the instrument (campo-core) before saving.

use super::{exists, immediate, Kind, Origin, Row};
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::Submission;
use rusqlite::params;
use uuid::Uuid;

/// Finals are stored as revision 1: they never change.
const FINAL_REVISION: u32 = 1;
const DRAFT_REVISION: u32 = 0;

fn row(kind: Kind, s: &Submission, revision: u32) -> Row {
    Row {
        kind,
        id: s.id,
        revision,
        meeting_id: Some(s.meeting_id),
        instrument: Some((s.instrument_id.clone(), s.instrument_version)),
    }
}

impl Vault {
    /// Saves (or overwrites) a draft. Refused once the submission is final.
    pub fn save_draft(&self, submission: &Submission) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        if exists(&tx, Kind::Submission, submission.id)? {
            return Err(StoreError::SubmissionFinal(submission.id));
        }
        tx.execute(
            "DELETE FROM records WHERE kind = 'draft' AND id = ?1",
            params![submission.id.to_string()],
        )?;
        self.insert_record(
            &tx,
            &row(Kind::Draft, submission, DRAFT_REVISION),
            Origin::Local,
            submission,
            false,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Makes a saved draft final, and queues it for sending.
    pub fn finalize(&self, id: Uuid) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        if exists(&tx, Kind::Submission, id)? {
            return Err(StoreError::SubmissionFinal(id));
        }
        let (_, draft) = self
            .current_record::<Submission>(Kind::Draft, id)?
            .ok_or(StoreError::SubmissionNotFound(id))?;
        self.store_final(&tx, &draft)?;
        tx.commit()?;
        Ok(())
    }

    /// Saves a final submission directly (respondent mode submits in one step).
    pub fn save_final(&self, submission: &Submission) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        if exists(&tx, Kind::Submission, submission.id)? {
            return Err(StoreError::SubmissionFinal(submission.id));
        }
        self.store_final(&tx, submission)?;
        tx.commit()?;
        Ok(())
    }

    /// Saves many final submissions in one transaction (an import, or a benchmark's
    /// fixture). All or nothing: one already final refuses the whole batch.
    pub fn save_finals(&self, submissions: &[Submission]) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        for submission in submissions {
            if exists(&tx, Kind::Submission, submission.id)? {
                return Err(StoreError::SubmissionFinal(submission.id));
            }
            self.store_final(&tx, submission)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn store_final(
        &self,
        tx: &rusqlite::Connection,
        submission: &Submission,
    ) -> Result<(), StoreError> {
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
