//! Every failure reaches the UI as `{code, message}`: a stable code the UI can branch on
//! and an English reason for the log.

use serde::Serialize;

#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AppError {
    pub code: String,
    pub message: String,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> AppError {
        AppError {
            code: code.to_string(),
            message: message.into(),
        }
    }

    pub fn locked() -> AppError {
        AppError::new("locked", "the vault is locked")
    }
}

impl From<campo_store::StoreError> for AppError {
    fn from(e: campo_store::StoreError) -> Self {
        // The vault's own stable code (wrong_passphrase, locked_out, remote_meeting, ...):
        // the UI words each one in the facilitator's language.
        AppError::new(e.code(), e.to_string())
    }
}

impl From<campo_sync::SyncError> for AppError {
    fn from(e: campo_sync::SyncError) -> Self {
        match e {
            // The vault's own code (participant_not_found, ...) rather than "store": the
            // UI words it as when the vault is called directly.
            campo_sync::SyncError::Store(e) => e.into(),
            // The sync error's own stable code (offline, unauthorized, answer_too_large,
            // ...) so the UI can tell them apart.
            e => AppError::new(e.code(), e.to_string()),
        }
    }
}

impl From<uuid::Error> for AppError {
    fn from(e: uuid::Error) -> Self {
        AppError::new("bad_id", e.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;
