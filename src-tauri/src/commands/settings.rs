//! Display preferences, kept in clear beside the vault (see prefs.rs).

use crate::error::{AppError, AppResult};
use crate::prefs::Prefs;
use crate::state::AppState;
use tauri::State;

#[tauri::command]
pub fn save_prefs(state: State<'_, AppState>, prefs: Prefs) -> AppResult<Prefs> {
    if !["it", "en"].contains(&prefs.language.as_str())
        || !["normal", "large", "xlarge"].contains(&prefs.text_size.as_str())
        || !(1..=240).contains(&prefs.idle_lock_minutes)
    {
        return Err(AppError::new(
            "bad_prefs",
            "unknown language or text size, or idle minutes outside 1..240",
        ));
    }
    crate::prefs::save(&state.data_dir, &prefs).map_err(|e| AppError::new("io", e.to_string()))?;
    *state.prefs.lock().expect("prefs") = prefs.clone();
    state.touch();
    Ok(prefs)
}

/// Called by the UI on taps and key presses (throttled) so that the idle lock counts
/// time without any use, not time without a command.
#[tauri::command]
pub fn activity(state: State<'_, AppState>) {
    state.touch();
}
