//! Display preferences, kept in clear beside the vault (see prefs.rs).

use crate::error::{AppError, AppResult};
use crate::prefs::Prefs;
use crate::state::AppState;
use tauri::State;

#[tauri::command]
pub fn save_prefs(state: State<'_, AppState>, prefs: Prefs) -> AppResult<Prefs> {
    // Language and text size are checked by their types when the call is parsed.
    if !(1..=240).contains(&prefs.idle_lock_minutes) {
        return Err(AppError::new(
            "bad_prefs",
            "idle lock minutes must be 1 to 240",
        ));
    }
    if !crate::prefs::PROBE_SECONDS.contains(&prefs.probe_seconds) {
        return Err(AppError::new(
            "bad_prefs",
            "the probe interval must be 5 to 300 seconds",
        ));
    }
    crate::prefs::save(&state.data_dir, &prefs).map_err(|e| AppError::new("io", e.to_string()))?;
    *state.prefs.lock().expect("prefs") = prefs.clone();
    state.touch();
    // A new probe interval counts from the next wait: wake the loop so it replans now.
    state.sync_wake.notify_one();
    Ok(prefs)
}

/// Called by the UI on taps and key presses (throttled) so that the idle lock counts
/// time without any use, not time without a command.
#[tauri::command]
pub fn activity(state: State<'_, AppState>) {
    state.touch();
}
