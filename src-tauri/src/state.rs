//! What the app holds while it runs: the vault (None while locked), the preferences,
//! when the user last did something (for the idle lock) and the sync status.

use crate::error::{AppError, AppResult};
use crate::prefs::Prefs;
use campo_store::Vault;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The vault sits in its own mutex inside an Arc so that a sync in flight can keep using
/// it while the UI locks: locking drops the app's handle, and the data key is gone as soon
/// as the sync lets go of it.
pub type SharedVault = Arc<Mutex<Vault>>;

#[derive(Clone, Debug, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SyncStatus {
    pub online: bool,
    pub running: bool,
    pub last_sync: Option<String>,
    pub last_error: Option<String>,
    pub records_sent: u64,
    pub records_total: u64,
}

pub struct AppState {
    pub data_dir: PathBuf,
    pub vault: Mutex<Option<SharedVault>>,
    pub prefs: Mutex<Prefs>,
    pub last_activity: Mutex<Instant>,
    /// CAMPO_IDLE_LOCK_SECONDS: overrides the minutes setting, so that tests need not wait.
    pub idle_override: Option<Duration>,
    pub sync_wake: Notify,
    pub sync: Mutex<SyncStatus>,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> AppState {
        let prefs = crate::prefs::load(&data_dir);
        let idle_override = std::env::var("CAMPO_IDLE_LOCK_SECONDS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|s| *s > 0)
            .map(Duration::from_secs);
        AppState {
            data_dir,
            vault: Mutex::new(None),
            prefs: Mutex::new(prefs),
            last_activity: Mutex::new(Instant::now()),
            idle_override,
            sync_wake: Notify::new(),
            sync: Mutex::new(SyncStatus::default()),
        }
    }

    /// The open vault, or the `locked` error the UI answers with the unlock screen.
    pub fn vault(&self) -> AppResult<SharedVault> {
        self.touch();
        self.vault
            .lock()
            .expect("vault slot")
            .clone()
            .ok_or_else(AppError::locked)
    }

    /// Runs `f` on the open vault.
    pub fn with<T>(&self, f: impl FnOnce(&Vault) -> AppResult<T>) -> AppResult<T> {
        let shared = self.vault()?;
        let v = shared
            .lock()
            .map_err(|_| AppError::new("store", "vault poisoned"))?;
        f(&v)
    }

    pub fn touch(&self) {
        *self.last_activity.lock().expect("activity") = Instant::now();
    }

    pub fn idle_limit(&self) -> Duration {
        self.idle_override.unwrap_or_else(|| {
            Duration::from_secs(
                u64::from(self.prefs.lock().expect("prefs").idle_lock_minutes.max(1)) * 60,
            )
        })
    }

    /// Drops the app's handle on the vault: the data key is zeroized with it.
    pub fn lock_vault(&self) -> bool {
        self.vault.lock().expect("vault slot").take().is_some()
    }
}
