//! Answers handed in in respondent mode: validated by campo-core, then saved final.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use campo_core::{Answers, Phase, Submission};
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub fn submit(
    state: State<'_, AppState>,
    meeting_id: Uuid,
    instrument_id: String,
    instrument_version: u32,
    respondent: Option<String>,
    phase: Option<Phase>,
    answers: Answers,
) -> AppResult<Uuid> {
    let submission = Submission {
        id: Uuid::now_v7(),
        instrument_id,
        instrument_version,
        meeting_id,
        respondent,
        phase,
        answers,
        created_at: chrono::Utc::now(),
        replaces: None,
    };
    state.with(|v| {
        let catalog = crate::catalog::of(v)?;
        campo_core::validate::validate_submission(&catalog, &submission)
            .map_err(|e| AppError::new("invalid_submission", e.to_string()))?;
        Ok(v.save_final(&submission)?)
    })?;
    state.sync_wake.notify_one();
    Ok(submission.id)
}
