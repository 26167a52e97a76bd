//! First run, unlock (passphrase or recovery code), lock, the facilitators' passphrases
//! and slots, and the checks that let a facilitator leave respondent mode.

use super::{DEVICE_TOKEN, FACILITATOR, SERVER_URL};
use crate::error::{AppError, AppResult};
use crate::lockout::{take_locked, with_locked};
use crate::state::AppState;
use campo_store::{SlotKind, Vault};
use serde::Serialize;
use tauri::State;

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AppStatus {
    pub vault_exists: bool,
    pub unlocked: bool,
    /// Seconds until another unlock attempt is allowed (0: now).
    pub retry_after_secs: u32,
    pub prefs: crate::prefs::Prefs,
}

#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> AppStatus {
    let retry_after_secs = with_locked(&state, |l| l.retry_after().ok())
        .flatten()
        .map(|d| {
            u32::try_from(d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0)))
                .unwrap_or(u32::MAX)
        })
        .unwrap_or(0);
    AppStatus {
        vault_exists: Vault::exists(&state.data_dir),
        unlocked: state.vault.lock().expect("vault slot").is_some(),
        retry_after_secs,
        prefs: state.prefs.lock().expect("prefs").clone(),
    }
}

/// Why a passphrase would be refused, as the vault's rule says (None: it is fine). The UI
/// asks as the facilitator types; the vault applies the same rule when it saves.
#[tauri::command]
pub fn check_passphrase(passphrase: String, facilitator: String) -> Option<AppError> {
    campo_store::check_passphrase(&passphrase, facilitator.trim())
        .err()
        .map(|p| AppError::new(p.code(), p.to_string()))
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
    *state.locked.lock().expect("locked vault") = None;
    let (vault, code) = Vault::create(&state.data_dir, facilitator, &passphrase)?;
    vault.set_setting(FACILITATOR, facilitator)?;
    state.open_vault(vault, Some(facilitator.to_string()));
    Ok(code.as_str().to_string())
}

#[tauri::command]
pub fn unlock(state: State<'_, AppState>, passphrase: String) -> AppResult<()> {
    let vault = take_locked(&state)?.unlock(&passphrase)?;
    let name = vault.unlocked_slot().to_string();
    state.open_vault(vault, Some(name));
    Ok(())
}

/// Opens the vault with the recovery code. The UI then asks for a new passphrase for one
/// of the facilitators and shows a new recovery code: nobody works under the recovery slot.
#[tauri::command]
pub fn unlock_with_recovery(state: State<'_, AppState>, code: String) -> AppResult<()> {
    let vault = take_locked(&state)?.unlock_with_recovery(&code)?;
    state.open_vault(vault, None);
    Ok(())
}

#[tauri::command]
pub fn lock(state: State<'_, AppState>) {
    state.lock_vault();
}

/// The facilitators who have a passphrase on this tablet (names are read after unlock).
#[tauri::command]
pub fn facilitators(state: State<'_, AppState>) -> AppResult<Vec<String>> {
    state.with(|v| {
        Ok(v.slots()?
            .into_iter()
            .filter(|s| s.kind == SlotKind::Passphrase)
            .map(|s| s.name)
            .collect())
    })
}

/// Sets a new passphrase for `facilitator` (after a recovery unlock, or by choice). The
/// facilitator becomes the one acting.
#[tauri::command]
pub fn change_passphrase(
    state: State<'_, AppState>,
    facilitator: String,
    passphrase: String,
) -> AppResult<()> {
    state.with(|v| Ok(v.change_passphrase(&facilitator, &passphrase)?))?;
    *state.facilitator.lock().expect("facilitator") = Some(facilitator);
    Ok(())
}

/// Replaces the recovery code; the old one stops working. Shown once.
#[tauri::command]
pub fn new_recovery_code(state: State<'_, AppState>) -> AppResult<String> {
    state.with(|v| Ok(v.new_recovery_code()?.as_str().to_string()))
}

/// A second facilitator on this tablet, with their own passphrase and slot.
#[tauri::command]
pub fn add_facilitator(
    state: State<'_, AppState>,
    name: String,
    passphrase: String,
) -> AppResult<()> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::new(
            "name_required",
            "the facilitator's name is empty",
        ));
    }
    state.with(|v| Ok(v.add_slot(name, &passphrase)?))
}

#[tauri::command]
pub fn remove_facilitator(state: State<'_, AppState>, name: String) -> AppResult<()> {
    if state.facilitator().as_deref() == Some(name.as_str()) {
        return Err(AppError::new(
            "remove_self",
            "the facilitator who unlocked the tablet cannot remove their own passphrase",
        ));
    }
    state.with(|v| Ok(v.remove_slot(&name)?))
}

/// True when `passphrase` opens one of the facilitators' slots (discarding an unfinished
/// questionnaire). Wrong answers count towards the unlock lockout.
#[tauri::command]
pub fn verify_passphrase(state: State<'_, AppState>, passphrase: String) -> AppResult<bool> {
    state.with(|v| Ok(v.verify_passphrase(&passphrase)?))
}

/// The "leave questionnaire" check: its own gentler counter, so that a carer holding the
/// tablet cannot lock the facilitator out.
#[tauri::command]
pub fn verify_leave_passphrase(state: State<'_, AppState>, passphrase: String) -> AppResult<bool> {
    state.with(|v| Ok(v.verify_leave_passphrase(&passphrase)?))
}

/// Enrolls the device with a one-time code and keeps the server address and token sealed.
#[tauri::command]
pub async fn enroll(state: State<'_, AppState>, server_url: String, code: String) -> AppResult<()> {
    let url = server_url.trim().trim_end_matches('/').to_string();
    let name = state.facilitator().unwrap_or_else(|| "tablet".into());
    let client = campo_sync::SyncClient::new(&url, None)?;
    let vault = state.vault()?;
    let answer = client.enroll(code.trim(), &name, &vault).await?;
    state.with(|v| {
        v.set_setting(SERVER_URL, &url)?;
        v.set_setting(DEVICE_TOKEN, &answer.token)?;
        Ok(())
    })?;
    state.sync_wake.notify_one();
    Ok(())
}
