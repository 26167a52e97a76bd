//! The project's assessment report as the server last computed it, over every tablet's
//! records: it comes with the last page of a pull, and the tablet keeps the latest copy
//! (sealed like every setting) so the facilitator can show it without a signal.

use crate::error::SyncError;
use crate::wire::ProjectReport;
use campo_store::Vault;

/// Vault setting: the last [`ProjectReport`] pulled (JSON, with its `as_of`).
pub const SETTING_PROJECT_REPORT: &str = "project_report";

/// The project's report as the server last sent it, with the time it was computed
/// (`as_of`); `None` before any pull brought one, or when the stored copy cannot be read
/// (an older release's form): the next complete pull writes it again.
pub fn project_report(vault: &Vault) -> Result<Option<ProjectReport>, SyncError> {
    Ok(vault
        .setting(SETTING_PROJECT_REPORT)?
        .and_then(|s| serde_json::from_str(&s).ok()))
}

/// Keeps `report` in place of the one stored: the last pull's is the latest the tablet
/// has seen, whatever the clock of the server process that computed it.
pub(crate) fn store_project_report(vault: &Vault, report: &ProjectReport) -> Result<(), SyncError> {
    let json = serde_json::to_string(report).map_err(|e| SyncError::Encode(e.to_string()))?;
    vault.set_setting(SETTING_PROJECT_REPORT, &json)?;
    Ok(())
}
