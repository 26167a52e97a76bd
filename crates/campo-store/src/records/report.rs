//! What the campo-core report is computed from.

use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::report::ReportInput;
use std::collections::HashSet;
use uuid::Uuid;

impl Vault {
    /// Current meeting revisions (this device's and pulled ones), final submissions and
    /// outreach counters. Drafts never count.
    pub fn report_input(&self) -> Result<ReportInput, StoreError> {
        Ok(ReportInput {
            meetings: self.meetings()?,
            submissions: self.final_submissions()?,
            outreach: self.outreach()?,
        })
    }

    /// The same without the meetings and barrier log submissions pulled from other
    /// tablets: the figures of this tablet alone (its report says "this tablet"; the
    /// project's come from the server).
    pub fn own_report_input(&self) -> Result<ReportInput, StoreError> {
        let remote = self.remote_ids()?;
        let mut input = self.report_input()?;
        input.meetings.retain(|m| !remote.contains(&m.id));
        input.submissions.retain(|s| !remote.contains(&s.id));
        Ok(input)
    }

    /// Ids of every record pulled from the server (UUIDs: a meeting's never equals a
    /// submission's).
    fn remote_ids(&self) -> Result<HashSet<Uuid>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT id FROM records WHERE origin = 'remote'")?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = HashSet::new();
        for id in ids {
            let id = id?;
            out.insert(
                id.parse()
                    .map_err(|_| StoreError::Damaged(format!("record id {id:?} is not a UUID")))?,
            );
        }
        Ok(out)
    }
}
