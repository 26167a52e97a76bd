//! Drafts: the app saves every answer as a sealed draft before the next question, and
//! offers an unfinished questionnaire back on unlock. A draft is one row, replaced at each
//! save in one small transaction; never queued for sync; when finalized or discarded its
//! row is deleted and, secure_delete being on, its bytes overwritten.

use super::submissions::row;
use super::{exists, immediate, Kind, Origin};
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::Submission;
use rusqlite::params;
use uuid::Uuid;

/// Drafts are stored as revision 0: each save replaces the last.
const DRAFT_REVISION: u32 = 0;

impl Vault {
    /// Saves (or overwrites) a draft. Refused once the submission is final. Its first save
    /// starts the questionnaire: a coded one needs the carer's consent while the project
    /// has an information sheet (`ConsentMissing`, nothing saved; see consent.rs).
    pub fn save_draft(&self, submission: &Submission) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        if exists(&tx, Kind::Submission, submission.id)? {
            return Err(StoreError::SubmissionFinal(submission.id));
        }
        // Checked at the start only, so an answer saved every tap costs no roster read;
        // finishing checks again.
        if submission.respondent.is_some() && !exists(&tx, Kind::Draft, submission.id)? {
            self.consent_gate(&tx)?.check(self, submission)?;
        }
        tx.prepare_cached("DELETE FROM records WHERE kind = 'draft' AND id = ?1")?
            .execute(params![submission.id.to_string()])?;
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

    /// Drafts not finalized, the most recently saved first. Each save re-inserts the
    /// draft's row, so SQLite's row order is the save order: no time is kept in clear.
    pub fn unfinished_drafts(&self) -> Result<Vec<Submission>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, revision, body FROM records WHERE kind = 'draft' ORDER BY rowid DESC",
        )?;
        Ok(self
            .collect(&mut stmt, [], Kind::Draft)?
            .into_iter()
            .map(|(_, _, s)| s)
            .collect())
    }

    /// Throws a draft away: its row is deleted and overwritten, and the WAL checkpointed
    /// so that no earlier save of it lingers there either. A draft already made
    /// final (by `finalize`, `save_final` or `save_correction`) has nothing left to
    /// discard; an unknown id is `SubmissionNotFound`.
    pub fn discard_draft(&self, id: Uuid) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        let n = tx.execute(
            "DELETE FROM records WHERE kind = 'draft' AND id = ?1",
            params![id.to_string()],
        )?;
        if n == 0 && !exists(&tx, Kind::Submission, id)? {
            return Err(StoreError::SubmissionNotFound(id));
        }
        tx.commit()?;
        if n > 0 {
            // Out of the WAL too, where earlier saves of the draft still sit.
            crate::schema::checkpoint(&self.conn)?;
        }
        Ok(())
    }
}
