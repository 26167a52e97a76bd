//! The background sync: campo-sync's loop, with the app as its host. It runs at start,
//! when woken (a final record saved, "Sync now", unlock, enrollment), when the system says
//! the network changed, and when the scheduler's wait ends (a probe every few seconds
//! while offline with records waiting, a backoff while the server is in trouble). It
//! emits "sync://progress", "sync://done", "sync://error" and "sync://plan".

use crate::commands::{DEVICE_TOKEN, SERVER_URL};
use crate::state::AppState;
use campo_sync::{
    Backoff, LoopEvent, Progress, SchedulePolicy, SyncClient, SyncError, SyncHost, SyncTarget,
};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

pub fn spawn(app: AppHandle) {
    let state = app.state::<AppState>();
    match crate::network_signal::listen(state.network_changed.clone()) {
        Ok(name) => eprintln!("campo: listening to {name} for network changes"),
        Err(why) => eprintln!("campo: no network-change signal ({why}); probing alone"),
    }
    tauri::async_runtime::spawn(async move {
        let host = AppHost(app.clone());
        let state = app.state::<AppState>();
        campo_sync::sync_loop::run(
            &host,
            &state.sync_wake,
            &state.network_changed,
            Backoff::default(),
        )
        .await;
    });
}

struct AppHost(AppHandle);

impl SyncHost for AppHost {
    fn policy(&self) -> SchedulePolicy {
        let seconds = self
            .0
            .state::<AppState>()
            .prefs
            .lock()
            .expect("prefs")
            .probe_seconds;
        SchedulePolicy {
            probe_interval: Duration::from_secs(u64::from(seconds)),
            ..SchedulePolicy::default()
        }
    }

    fn target(&self) -> Result<Option<SyncTarget>, SyncError> {
        let state = self.0.state::<AppState>();
        let Some(vault) = state.vault.lock().expect("vault slot").clone() else {
            return Ok(None);
        };
        let (url, token) = {
            let v = vault.lock().expect("vault");
            (v.setting(SERVER_URL)?, v.setting(DEVICE_TOKEN)?)
        };
        let (Some(url), Some(token)) = (url, token) else {
            return Ok(None);
        };
        let client = SyncClient::new(&url, Some(token))?;
        Ok(Some(SyncTarget { vault, client }))
    }

    fn on_event(&self, event: LoopEvent<'_>) {
        let app = &self.0;
        let state = app.state::<AppState>();
        let mut status = state.sync.lock().expect("sync status");
        match event {
            LoopEvent::Started => {
                status.online = true;
                status.running = true;
                status.last_error = None;
                status.failure = None;
                status.link = campo_sync::LinkState::Ok;
                status.next_action = None;
                status.next_at = None;
                drop(status);
                let _ = app.emit("sync://progress", Progress::default());
            }
            LoopEvent::Progress(p) => {
                status.records_sent = p.records_sent;
                status.records_total = p.records_total;
                drop(status);
                let _ = app.emit("sync://progress", p);
            }
            LoopEvent::Done(summary) => {
                status.running = false;
                drop(status);
                let _ = app.emit("sync://done", summary);
            }
            LoopEvent::Failed(e) => {
                status.failure = e.class();
                status.online = !matches!(status.failure, Some(campo_sync::FailureClass::Offline));
                status.running = false;
                status.last_error = Some(e.to_string());
                drop(status);
                let _ = app.emit("sync://error", e.to_string());
            }
            LoopEvent::Planned { plan, at } => {
                status.link = plan.state;
                status.next_action = Some(plan.action);
                status.next_at = Some(at.to_rfc3339());
                let snapshot = status.clone();
                drop(status);
                let _ = app.emit("sync://plan", snapshot);
            }
        }
    }
}
