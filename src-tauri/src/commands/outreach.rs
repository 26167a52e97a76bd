//! The project's outreach counters, one entry per month.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use campo_core::Outreach;
use tauri::State;

#[tauri::command]
pub fn outreach(state: State<'_, AppState>) -> AppResult<Vec<Outreach>> {
    state.with(|v| {
        let mut all = v.outreach()?;
        all.sort_by(|a, b| b.period.cmp(&a.period));
        Ok(all)
    })
}

/// Saves a month's counters (a month saved again replaces its figures).
#[tauri::command]
pub fn save_outreach(state: State<'_, AppState>, outreach: Outreach) -> AppResult<()> {
    campo_core::rules::check_outreach(&outreach)
        .map_err(|e| AppError::new(e.code(), e.to_string()))?;
    state.with(|v| Ok(v.save_outreach(&outreach)?))?;
    state.sync_wake.notify_one();
    Ok(())
}
