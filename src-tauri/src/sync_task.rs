//! The background sync: runs at start, when woken (a final record saved, "Sync now",
//! unlock, enrollment) and on the backoff timer; emits "sync://progress" and "sync://done".

use crate::commands::{DEVICE_TOKEN, LAST_SYNC, SERVER_URL};
use crate::state::AppState;
use campo_sync::{sync_once, Backoff, FailureClass, Progress, SyncClient};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

/// After a sync that worked, look again this often (new records wake the task anyway).
const IDLE_RECHECK: Duration = Duration::from_secs(300);
/// After a sync that stopped at its page bound with more waiting on the server.
const MORE_TO_PULL: Duration = Duration::from_secs(2);

pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(600));
        loop {
            let wait = match run_once(&app).await {
                Outcome::Done => {
                    backoff.reset();
                    IDLE_RECHECK
                }
                Outcome::MoreToPull => {
                    backoff.reset();
                    MORE_TO_PULL
                }
                Outcome::NothingToDo => IDLE_RECHECK,
                Outcome::Failed => backoff.next_delay(),
            };
            let state = app.state::<AppState>();
            tokio::select! {
                _ = state.sync_wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    });
}

enum Outcome {
    Done,
    /// The server holds more pages than one sync takes: carry on soon.
    MoreToPull,
    NothingToDo,
    Failed,
}

async fn run_once(app: &AppHandle) -> Outcome {
    let state = app.state::<AppState>();
    let Some(vault) = state.vault.lock().expect("vault slot").clone() else {
        return Outcome::NothingToDo;
    };
    let (url, token) = {
        let v = vault.lock().expect("vault");
        (
            v.setting(SERVER_URL).ok().flatten(),
            v.setting(DEVICE_TOKEN).ok().flatten(),
        )
    };
    let (Some(url), Some(token)) = (url, token) else {
        return Outcome::NothingToDo;
    };
    let client = match SyncClient::new(&url, Some(token)) {
        Ok(c) => c,
        Err(e) => return fail(app, &e),
    };
    if let Err(e) = client.health().await {
        return fail(app, &e);
    }
    {
        let mut s = state.sync.lock().expect("sync status");
        s.online = true;
        s.running = true;
        s.last_error = None;
        s.failure = None;
    }
    let _ = app.emit(
        "sync://progress",
        Progress {
            records_sent: 0,
            records_total: 0,
            bytes_sent: 0,
            bytes_total: 0,
        },
    );
    let emitter = app.clone();
    let on_progress = move |p: Progress| {
        if let Some(st) = emitter.try_state::<AppState>() {
            let mut s = st.sync.lock().expect("sync status");
            s.records_sent = p.records_sent;
            s.records_total = p.records_total;
        }
        let _ = emitter.emit("sync://progress", p);
    };
    match sync_once(&client, &vault, &on_progress).await {
        Ok(summary) => {
            let now = chrono::Utc::now().to_rfc3339();
            let _ = vault.lock().expect("vault").set_setting(LAST_SYNC, &now);
            state.sync.lock().expect("sync status").running = false;
            let more = summary.more_to_pull;
            let _ = app.emit("sync://done", summary);
            if more {
                Outcome::MoreToPull
            } else {
                Outcome::Done
            }
        }
        Err(e) => fail(app, &e),
    }
}

fn fail(app: &AppHandle, e: &campo_sync::SyncError) -> Outcome {
    let state = app.state::<AppState>();
    let message = e.to_string();
    {
        let mut s = state.sync.lock().expect("sync status");
        s.failure = e.class();
        s.online = !matches!(s.failure, Some(FailureClass::Offline));
        s.running = false;
        s.last_error = Some(message.clone());
    }
    let _ = app.emit("sync://error", message);
    Outcome::Failed
}
