//! The sync screen's view, its "Sync now" button and the refused records' "send again";
//! the work is in sync_task.rs.

use super::{DEVICE_TOKEN, LAST_SYNC, SERVER_URL};
use crate::error::AppResult;
use crate::state::{AppState, SyncStatus};
use campo_sync::RejectedRecord;
use serde::Serialize;
use tauri::State;

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SyncView {
    pub server_url: Option<String>,
    pub enrolled: bool,
    pub pending: u64,
    pub status: SyncStatus,
    /// Records the server (or this tablet's own checks) refused, with the reason.
    pub rejected: Vec<RejectedRecord>,
}

#[tauri::command]
pub fn sync_view(state: State<'_, AppState>) -> AppResult<SyncView> {
    // Read first: campo-sync takes the vault's lock itself.
    let rejected = campo_sync::rejected(&*state.vault()?)?;
    state.with(|v| {
        let mut status = state.sync.lock().expect("sync status").clone();
        status.last_sync = v.setting(LAST_SYNC)?;
        Ok(SyncView {
            server_url: v.setting(SERVER_URL)?,
            enrolled: v.setting(DEVICE_TOKEN)?.is_some(),
            pending: v.pending_count()?,
            status,
            rejected,
        })
    })
}

#[tauri::command]
pub fn sync_now(state: State<'_, AppState>) {
    state.sync_wake.notify_one();
}

/// Puts one refused record back in line and wakes the sync.
#[tauri::command]
pub fn send_again(state: State<'_, AppState>, id: uuid::Uuid, revision: u32) -> AppResult<bool> {
    let shared = state.vault()?;
    let put_back = campo_sync::retry_rejected_one(&shared, id, revision)?;
    state.sync_wake.notify_one();
    Ok(put_back)
}
