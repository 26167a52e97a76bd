//! What the app holds while it runs: the vault (None while locked), the preferences,
//! when a person last touched the tablet (for the idle lock) and the sync status.

use crate::error::{AppError, AppResult};
use crate::prefs::Prefs;
use campo_store::{LockedVault, Vault};
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
    /// What kind of failure stopped the last sync (offline, server trouble, revoked,
    /// refused), for the UI's words.
    pub failure: Option<campo_sync::FailureClass>,
    pub records_sent: u64,
    pub records_total: u64,
    /// How the link looked at the last attempt: offline (probing), server trouble
    /// (backing off), needs attention, or fine.
    pub link: campo_sync::LinkState,
    /// What the background sync does next (a probe or a sync) and when (RFC 3339).
    pub next_action: Option<campo_sync::Action>,
    pub next_at: Option<String>,
}

pub struct AppState {
    pub data_dir: PathBuf,
    pub vault: Mutex<Option<SharedVault>>,
    /// The vault file held open while locked, so that a lockout delay is counted in the
    /// app's running time (see lockout.rs).
    pub locked: Mutex<Option<LockedVault>>,
    /// The facilitator whose slot unlocked the vault: the name written on new meetings.
    pub facilitator: Mutex<Option<String>>,
    pub prefs: Mutex<Prefs>,
    pub last_activity: Mutex<Instant>,
    /// CAMPO_IDLE_LOCK_SECONDS: overrides the minutes setting, so that tests need not wait.
    pub idle_override: Option<Duration>,
    pub sync_wake: Notify,
    /// Notified by the system's network-change signal (see network_signal.rs).
    pub network_changed: Arc<Notify>,
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
            locked: Mutex::new(None),
            facilitator: Mutex::new(None),
            prefs: Mutex::new(prefs),
            last_activity: Mutex::new(Instant::now()),
            idle_override,
            sync_wake: Notify::new(),
            network_changed: Arc::new(Notify::new()),
            sync: Mutex::new(SyncStatus::default()),
        }
    }

    /// The open vault, or the `locked` error the UI answers with the unlock screen. It does
    /// not count as activity: a screen that polls must not keep the vault open.
    pub fn vault(&self) -> AppResult<SharedVault> {
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

    /// A person used the tablet (a tap or a key, reported by the UI): the idle lock starts
    /// counting again.
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
        *self.facilitator.lock().expect("facilitator") = None;
        self.vault.lock().expect("vault slot").take().is_some()
    }

    /// Puts an unlocked vault in place and remembers who opened it.
    pub fn open_vault(&self, vault: Vault, facilitator: Option<String>) {
        *self.facilitator.lock().expect("facilitator") = facilitator;
        *self.locked.lock().expect("locked vault") = None;
        *self.vault.lock().expect("vault slot") = Some(Arc::new(Mutex::new(vault)));
        self.touch();
        self.sync_wake.notify_one();
    }

    /// The facilitator acting now (the name of the slot that unlocked the vault).
    pub fn facilitator(&self) -> Option<String> {
        self.facilitator.lock().expect("facilitator").clone()
    }
}
