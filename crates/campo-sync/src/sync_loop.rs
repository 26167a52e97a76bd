//! The tablet's background sync: one loop that tries, reports, and waits for what the
//! [`Scheduler`] says, or for a reason to try sooner (a final record saved, "Sync now",
//! unlock, enrollment: the `wake` notification; the system's network-change signal: the
//! `network` one).
//!
//! Every attempt starts with the health request, the smallest the API has: with no signal
//! it fails at once without reading a record off the vault, and it is what the tablet
//! "probes" with while offline. When it answers, the sync (push, then pull) follows on the
//! same connection.
//!
//! The app supplies a [`SyncHost`]: where the vault and the server are, the settings, and
//! where the events go. Tests drive the same loop with their own host.

use crate::backoff::Backoff;
use crate::client::SyncClient;
use crate::error::SyncError;
use crate::progress::Progress;
use crate::schedule::{Plan, SchedulePolicy, Scheduler};
use crate::sync::{sync_once, SyncSummary};
use campo_store::Vault;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// The vault setting that holds when the last sync worked (RFC 3339), for the Sync screen.
pub const LAST_SYNC: &str = "last_sync";

/// What one attempt syncs: the open vault and a client for its server.
pub struct SyncTarget {
    pub vault: Arc<Mutex<Vault>>,
    pub client: SyncClient,
}

/// What the loop tells its host.
#[derive(Debug)]
pub enum LoopEvent<'a> {
    /// The server answered the health request: a sync starts.
    Started,
    Progress(Progress),
    Done(&'a SyncSummary),
    /// The health request or the sync failed.
    Failed(&'a SyncError),
    /// What comes next and when (for the Sync screen).
    Planned {
        plan: Plan,
        at: DateTime<Utc>,
    },
}

/// The app's side of the loop.
pub trait SyncHost: Send + Sync {
    /// Read before every plan, so a changed probe interval counts from the next wait.
    fn policy(&self) -> SchedulePolicy;
    /// The vault and server to sync now; `None` while there is nothing to sync with (the
    /// vault locked, the tablet not enrolled).
    fn target(&self) -> Result<Option<SyncTarget>, SyncError>;
    fn on_event(&self, event: LoopEvent<'_>);
}

/// Runs for as long as the future is polled (the app: for its whole life).
pub async fn run(host: &impl SyncHost, wake: &Notify, network: &Notify, backoff: Backoff) {
    let mut scheduler = Scheduler::new(host.policy(), backoff);
    loop {
        scheduler.set_policy(host.policy());
        let plan = attempt(host, &mut scheduler).await;
        let at = Utc::now() + plan.after;
        host.on_event(LoopEvent::Planned { plan, at });
        tokio::select! {
            _ = wake.notified() => {}
            _ = network.notified() => {
                let plan = scheduler.network_changed(plan.state);
                host.on_event(LoopEvent::Planned { plan, at: Utc::now() });
            }
            _ = tokio::time::sleep(plan.after) => {}
        }
    }
}

/// One attempt: the health request, then (if it answered) a whole sync.
async fn attempt(host: &impl SyncHost, scheduler: &mut Scheduler) -> Plan {
    let target = match host.target() {
        Ok(Some(target)) => target,
        Ok(None) => return scheduler.idle(),
        Err(e) => {
            host.on_event(LoopEvent::Failed(&e));
            return scheduler.after_sync(Err(&e), 0);
        }
    };
    if let Err(e) = target.client.health().await {
        host.on_event(LoopEvent::Failed(&e));
        return scheduler.after_probe(&e, pending(&target.vault));
    }
    host.on_event(LoopEvent::Started);
    let progress = |p: Progress| host.on_event(LoopEvent::Progress(p));
    match sync_once(&target.client, &target.vault, &progress).await {
        Ok(summary) => {
            if let Ok(v) = target.vault.lock() {
                // A clock note for the screen; failing to write it loses nothing.
                let _ = v.set_setting(LAST_SYNC, &Utc::now().to_rfc3339());
            }
            host.on_event(LoopEvent::Done(&summary));
            scheduler.after_sync(Ok(summary.more_to_pull), 0)
        }
        Err(e) => {
            host.on_event(LoopEvent::Failed(&e));
            scheduler.after_sync(Err(&e), pending(&target.vault))
        }
    }
}

/// Records still waiting to go out; a vault that cannot count counts as "some", so the
/// loop keeps probing rather than falling asleep on a fault of its own.
fn pending(vault: &Mutex<Vault>) -> u64 {
    vault.lock().map_or(1, |v| v.pending_count().unwrap_or(1))
}
