//! The roster (names and contacts stay on this tablet; only codes are synced) and its
//! sealed export, so that a replaced tablet keeps it.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use campo_core::consent::{ConsentEvent, InformationSheet};
use campo_core::Participant;
use serde::Serialize;
use tauri::{Manager, State};

/// A roster file is a few kilobytes; anything much larger is not one.
const MAX_ROSTER_FILE: usize = 16 * 1024 * 1024;

fn participant(code: String, name: String, contact: Option<String>) -> AppResult<Participant> {
    let p = Participant {
        code: code.trim().to_string(),
        name: name.trim().to_string(),
        contact: contact
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
    };
    if p.code.is_empty() {
        return Err(AppError::new(
            "code_required",
            "the participant code is empty",
        ));
    }
    // The rule the server applies to roster codes, checked here first so that a code the
    // server would refuse never enters the roster.
    campo_core::rules::check_roster_code(&p.code)
        .map_err(|e| AppError::new(e.code(), e.to_string()))?;
    Ok(p)
}

/// A carer as the roster screen shows them.
#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CarerRow {
    pub code: String,
    pub name: String,
    pub contact: Option<String>,
    /// Oldest step first; the last one says what is in force.
    pub consent: Vec<ConsentEvent>,
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RosterView {
    pub carers: Vec<CarerRow>,
    /// The project's sheet, shown before consent is recorded; `None` while the project has
    /// none (no consent can be recorded, and none is required).
    pub information_sheet: Option<InformationSheet>,
}

#[tauri::command]
pub fn roster(state: State<'_, AppState>) -> AppResult<RosterView> {
    state.with(|v| {
        Ok(RosterView {
            carers: v
                .roster_carers()?
                .into_iter()
                .map(|c| CarerRow {
                    code: c.participant.code,
                    name: c.participant.name,
                    contact: c.participant.contact,
                    consent: c.consent,
                })
                .collect(),
            information_sheet: v.information_sheet()?,
        })
    })
}

#[tauri::command]
pub fn add_participant(
    state: State<'_, AppState>,
    code: String,
    name: String,
    contact: Option<String>,
) -> AppResult<()> {
    let p = participant(code, name, contact)?;
    // A code in use belongs to someone: adding never overwrites their name or contact.
    state.with(|v| Ok(v.add_new_participant(&p)?))
}

/// Corrects a carer's name or contact; the code, which records carry, never changes.
#[tauri::command]
pub fn update_participant(
    state: State<'_, AppState>,
    code: String,
    name: String,
    contact: Option<String>,
) -> AppResult<()> {
    let p = participant(code, name, contact)?;
    state.with(|v| Ok(v.update_participant(&p)?))
}

#[tauri::command]
pub fn remove_participant(state: State<'_, AppState>, code: String) -> AppResult<()> {
    state.with(|v| Ok(v.remove_participant(code.trim())?))
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RosterExport {
    /// Where the sealed file was written.
    pub path: String,
    /// The one-time passphrase that opens it, shown once.
    pub passphrase: String,
}

/// Seals the roster into a file under a one-time passphrase, in the Downloads folder (the
/// app's own folder where there is none, as on a phone).
#[tauri::command]
pub fn export_roster(app: tauri::AppHandle, state: State<'_, AppState>) -> AppResult<RosterExport> {
    let (bytes, passphrase) = state.with(|v| Ok(v.export_roster()?))?;
    let dir = app
        .path()
        .download_dir()
        .ok()
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| state.data_dir.clone());
    let path = dir.join(format!(
        "campo-roster-{}.campo",
        chrono::Local::now().format("%Y-%m-%d-%H%M%S")
    ));
    std::fs::write(&path, bytes).map_err(|e| AppError::new("io", e.to_string()))?;
    Ok(RosterExport {
        path: path.display().to_string(),
        passphrase: passphrase.as_str().to_string(),
    })
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RosterImported {
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Carers removed from this tablet, left removed.
    pub skipped_removed: u32,
}

/// Merges a sealed roster file (read by the UI from a file the facilitator picked) by code.
#[tauri::command]
pub fn import_roster(
    state: State<'_, AppState>,
    file: Vec<u8>,
    passphrase: String,
) -> AppResult<RosterImported> {
    if file.len() > MAX_ROSTER_FILE {
        return Err(AppError::new(
            "roster_file_too_large",
            "this file is too large to be a roster",
        ));
    }
    let r = state.with(|v| Ok(v.import_roster(&file, &passphrase)?))?;
    let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
    Ok(RosterImported {
        added: n(r.added),
        updated: n(r.updated),
        unchanged: n(r.unchanged),
        skipped_removed: n(r.skipped_removed),
    })
}
