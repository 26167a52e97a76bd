//! The outbox: record revisions written here and not yet acknowledged by the server, in
//! the order they were written (no time is kept: the order is all the sync needs). Acknowledgement is per (id, revision): a meeting edited
//! again while its previous revision was being sent stays pending for the new revision.

use crate::error::StoreError;
use crate::records::{immediate, Kind, RosterEntry};
use crate::vault::Vault;
use campo_core::consent::ConsentEvent;
use campo_core::{Meeting, Outreach, Participant, Submission};
use rusqlite::params;
use uuid::Uuid;

/// One pending record revision.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingRecord {
    pub id: Uuid,
    pub revision: u32,
    pub data: RecordData,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RecordData {
    Meeting(Meeting),
    Submission(Submission),
    /// A roster revision: the participant (whose code alone is sent) and the carer's
    /// consent history as it stood at that revision (sent with the code).
    Participant {
        participant: Participant,
        consent: Vec<ConsentEvent>,
    },
    Outreach(Outreach),
}

impl Vault {
    /// Record revisions waiting to be sent.
    pub fn pending_count(&self) -> Result<u64, StoreError> {
        let n: i64 =
            self.conn
                .query_row("SELECT COUNT(*) FROM outbox WHERE acked = 0", [], |r| {
                    r.get(0)
                })?;
        Ok(n as u64)
    }

    /// Up to `limit` pending revisions, oldest write first.
    pub fn pending(&self, limit: usize) -> Result<Vec<PendingRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.kind, o.id, o.revision, r.body FROM outbox o
             JOIN records r ON r.kind = o.kind AND r.id = o.id AND r.revision = o.revision
             WHERE o.acked = 0 ORDER BY o.seq LIMIT ?1",
        )?;
        let mut rows = stmt.query(params![i64::try_from(limit).unwrap_or(i64::MAX)])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let kind: String = row.get(0)?;
            let id: String = row.get(1)?;
            let revision: u32 = row.get(2)?;
            let body = row.get_ref(3)?.as_blob()?;
            let data = match kind.as_str() {
                k if k == Kind::Meeting.as_str() => {
                    RecordData::Meeting(self.open_record(k, &id, revision, body)?)
                }
                k if k == Kind::Submission.as_str() => {
                    RecordData::Submission(self.open_record(k, &id, revision, body)?)
                }
                k if k == Kind::Participant.as_str() => {
                    let entry: RosterEntry = self.open_record(k, &id, revision, body)?;
                    RecordData::Participant {
                        participant: entry.participant,
                        consent: entry.consent,
                    }
                }
                k if k == Kind::Outreach.as_str() => {
                    RecordData::Outreach(self.open_record(k, &id, revision, body)?)
                }
                other => {
                    return Err(StoreError::Damaged(format!(
                        "outbox holds a record of kind {other:?}"
                    )))
                }
            };
            let id = id
                .parse()
                .map_err(|_| StoreError::Damaged(format!("record id {id:?} is not a UUID")))?;
            out.push(PendingRecord { id, revision, data });
        }
        Ok(out)
    }

    /// Marks revisions as received by the server, all in one transaction. Unknown or
    /// already acknowledged pairs are ignored, so a repeated acknowledgement is harmless.
    pub fn mark_acknowledged(&self, acked: &[(Uuid, u32)]) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET acked = 1 WHERE id = ?1 AND revision = ?2 AND acked = 0",
            )?;
            for (id, revision) in acked {
                stmt.execute(params![id.to_string(), revision])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
