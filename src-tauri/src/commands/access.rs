//! First run, unlock, lock, and the passphrase check that lets a facilitator leave
//! respondent mode.

use super::{DEVICE_TOKEN, FACILITATOR, SERVER_URL};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use campo_store::Vault;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use tauri::State;

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AppStatus {
    pub vault_exists: bool,
    pub unlocked: bool,
    pub prefs: crate::prefs::Prefs,
}

#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> AppStatus {
    AppStatus {
        vault_exists: Vault::exists(&state.data_dir),
        unlocked: state.vault.lock().expect("vault slot").is_some(),
        prefs: state.prefs.lock().expect("prefs").clone(),
    }
}

/// Creates the vault and returns the recovery code, which is shown once and never stored.
#[tauri::command]
pub fn setup(
    state: State<'_, AppState>,
    facilitator: String,
    passphrase: String,
) -> AppResult<String> {
    let facilitator = facilitator.trim();
    if facilitator.is_empty() {
        return Err(AppError::new(
            "name_required",
            "the facilitator's name is empty",
        ));
    }
    let (vault, code) = Vault::create(&state.data_dir, facilitator, &passphrase)?;
    vault.set_setting(FACILITATOR, facilitator)?;
    *state.vault.lock().expect("vault slot") = Some(Arc::new(Mutex::new(vault)));
    state.touch();
    Ok(code.as_str().to_string())
}

#[tauri::command]
pub fn unlock(state: State<'_, AppState>, passphrase: String) -> AppResult<()> {
    let vault = Vault::open(&state.data_dir)?.unlock(&passphrase)?;
    *state.vault.lock().expect("vault slot") = Some(Arc::new(Mutex::new(vault)));
    state.touch();
    state.sync_wake.notify_one();
    Ok(())
}

#[tauri::command]
pub fn lock(state: State<'_, AppState>) {
    state.lock_vault();
}

/// True when `passphrase` opens one of the vault's slots; the vault stays open either way.
#[tauri::command]
pub fn verify_passphrase(state: State<'_, AppState>, passphrase: String) -> AppResult<bool> {
    state.with(|v| Ok(v.verify_passphrase(&passphrase)?))
}

/// Enrolls the device with a one-time code and keeps the server address and token sealed.
#[tauri::command]
pub async fn enroll(state: State<'_, AppState>, server_url: String, code: String) -> AppResult<()> {
    let url = server_url.trim().trim_end_matches('/').to_string();
    let name = state.with(|v| Ok(v.setting(FACILITATOR)?.unwrap_or_else(|| "tablet".into())))?;
    let client = campo_sync::SyncClient::new(&url, None)?;
    let answer = client.enroll(code.trim(), &name).await?;
    state.with(|v| {
        v.set_setting(SERVER_URL, &url)?;
        v.set_setting(DEVICE_TOKEN, &answer.token)?;
        Ok(())
    })?;
    state.sync_wake.notify_one();
    Ok(())
}
