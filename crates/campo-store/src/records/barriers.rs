//! The project's barrier log as this tablet knows it: its own barrier submissions and the
//! ones the project's other tablets sent, pulled from the server, so that a follow-up can
//! be written on any barrier of the project (campo-core's `barrier` module makes the
//! chains).

use super::submissions::{row, FINAL_REVISION};
use super::{exists, immediate, Kind, Origin};
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::barrier::BARRIER_LOG;
use campo_core::Submission;

impl Vault {
    /// Stores another tablet's barrier log submission as pulled from the server, never
    /// queued for sending. Finals never change, so one already held (pulled before, or
    /// this tablet's own) changes nothing: a page pulled again is harmless. Anything but
    /// a barrier log submission is refused: the server sends no other.
    pub fn put_remote_submission(&self, submission: &Submission) -> Result<(), StoreError> {
        if submission.instrument_id != BARRIER_LOG {
            return Err(StoreError::Damaged(format!(
                "the server sent a submission of {:?}; only the barrier log is shared",
                submission.instrument_id
            )));
        }
        let tx = immediate(&self.conn)?;
        if exists(&tx, Kind::Submission, submission.id)? {
            return Ok(());
        }
        self.insert_record(
            &tx,
            &row(Kind::Submission, submission, FINAL_REVISION),
            Origin::Remote,
            submission,
            false,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every final barrier log submission held: this tablet's and the pulled ones.
    pub fn barrier_log(&self) -> Result<Vec<Submission>, StoreError> {
        let mut log = self.final_submissions()?;
        log.retain(|s| s.instrument_id == BARRIER_LOG);
        log.sort_by_key(|s| (s.created_at, s.id));
        Ok(log)
    }
}
