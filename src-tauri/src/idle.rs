//! Locks the vault after the idle time: the app drops its handle (the data key is zeroized
//! with the vault) and tells the UI, which shows the unlock screen.

use crate::state::AppState;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let state = app.state::<AppState>();
            let idle = state.last_activity.lock().expect("activity").elapsed();
            if idle >= state.idle_limit() && state.lock_vault() {
                let _ = app.emit("vault://locked", ());
            }
        }
    });
}
