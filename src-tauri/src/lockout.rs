//! While the vault is locked, keeps the vault file open; locked or not, writes a running
//! lockout delay's progress every second: the delay is counted in the app's running time, so
//! killing the app or moving the clock forward neither shortens nor resets it.

use crate::state::AppState;
use campo_store::{LockedVault, Vault};
use std::time::Duration;
use tauri::{AppHandle, Manager};

pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let state = app.state::<AppState>();
            let open = state.vault.lock().expect("vault slot").clone();
            if let Some(shared) = open {
                // Delays running while the vault is open: the "leave questionnaire" check's
                // and the passphrase checks' (discarding a draft).
                if let Ok(v) = shared.lock() {
                    if v.leave_retry_after().map(|d| !d.is_zero()).unwrap_or(false) {
                        let _ = v.save_leave_lockout_progress();
                    }
                    if v.retry_after().map(|d| !d.is_zero()).unwrap_or(false) {
                        let _ = v.save_lockout_progress();
                    }
                }
                continue;
            }
            with_locked(&state, |locked| {
                if locked.delay_running().unwrap_or(false) {
                    let _ = locked.save_lockout_progress();
                }
            });
        }
    });
}

/// Runs `f` on the vault file held open while locked, opening it first if it is not held
/// yet; None when there is no vault (first run) or it cannot be opened.
pub fn with_locked<T>(state: &AppState, f: impl FnOnce(&LockedVault) -> T) -> Option<T> {
    let mut held = state.locked.lock().expect("locked vault");
    if held.is_none() && Vault::exists(&state.data_dir) {
        *held = Vault::open(&state.data_dir).ok();
    }
    held.as_ref().map(f)
}

/// The vault file to try a passphrase on: the one held open (its delay already counted
/// down), or a fresh open.
pub fn take_locked(state: &AppState) -> crate::error::AppResult<LockedVault> {
    if let Some(held) = state.locked.lock().expect("locked vault").take() {
        return Ok(held);
    }
    Ok(Vault::open(&state.data_dir)?)
}
