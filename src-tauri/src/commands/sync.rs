//! The sync screen's view and its "Sync now" button; the work is in sync_task.rs.

use super::{DEVICE_TOKEN, LAST_SYNC, SERVER_URL};
use crate::error::AppResult;
use crate::state::{AppState, SyncStatus};
use serde::Serialize;
use tauri::State;

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SyncView {
    pub server_url: Option<String>,
    pub enrolled: bool,
    pub pending: u64,
    pub status: SyncStatus,
}

#[tauri::command]
pub fn sync_view(state: State<'_, AppState>) -> AppResult<SyncView> {
    state.with(|v| {
        let mut status = state.sync.lock().expect("sync status").clone();
        status.last_sync = v.setting(LAST_SYNC)?;
        Ok(SyncView {
            server_url: v.setting(SERVER_URL)?,
            enrolled: v.setting(DEVICE_TOKEN)?.is_some(),
            pending: v.pending_count()?,
            status,
        })
    })
}

#[tauri::command]
pub fn sync_now(state: State<'_, AppState>) {
    state.touch();
    state.sync_wake.notify_one();
}
