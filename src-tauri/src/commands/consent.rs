//! A carer's rights on the tablet: consent (recorded after the project's information
//! sheet was shown, and withdrawn) and what the tablet holds under their code.

use crate::error::AppResult;
use crate::state::AppState;
use campo_core::consent::{ConsentEvent, ConsentScope};
use campo_core::Lang;
use tauri::State;

#[tauri::command]
pub fn record_consent(
    state: State<'_, AppState>,
    code: String,
    covers: Vec<ConsentScope>,
) -> AppResult<ConsentEvent> {
    let step = state.with(|v| Ok(v.record_consent(code.trim(), &covers, None)?))?;
    // A new roster revision waits to go up with its history.
    state.sync_wake.notify_one();
    Ok(step)
}

#[tauri::command]
pub fn withdraw_consent(state: State<'_, AppState>, code: String) -> AppResult<ConsentEvent> {
    let step = state.with(|v| Ok(v.withdraw_consent(code.trim(), None)?))?;
    state.sync_wake.notify_one();
    Ok(step)
}

/// Everything the tablet holds under a code (the right of access), in words.
#[tauri::command]
pub fn carer_data(
    state: State<'_, AppState>,
    code: String,
    lang: Lang,
) -> AppResult<crate::carer_view::CarerDataView> {
    state.with(|v| {
        let data = campo_sync::carer_data(v, code.trim())?;
        let catalog = crate::catalog::of(v)?;
        Ok(crate::carer_view::view(data, &catalog, lang))
    })
}
