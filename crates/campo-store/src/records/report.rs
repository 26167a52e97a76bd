//! What the campo-core report is computed from.

use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::report::ReportInput;

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
}
