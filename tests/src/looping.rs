//! campo-sync's background loop driven the way the app drives it, with a host that
//! records every event with its time: the tests and the window benchmark read when the
//! loop probed, synced, planned and failed.

use crate::Device;
use campo_store::Vault;
use campo_sync::{
    Backoff, ClientOptions, FailureClass, LinkState, LoopEvent, NetworkSignal, OnChange, Plan,
    SchedulePolicy, SyncClient, SyncError, SyncHost, SyncTarget,
};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// What the loop reported, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Started,
    Done,
    Failed(Option<FailureClass>),
    Planned(Plan),
}

struct Host {
    vault: Arc<Mutex<Vault>>,
    url: String,
    token: Option<String>,
    options: ClientOptions,
    policy: SchedulePolicy,
    seen: Arc<Mutex<Vec<(Instant, Seen)>>>,
}

impl SyncHost for Host {
    fn policy(&self) -> SchedulePolicy {
        self.policy.clone()
    }

    fn target(&self) -> Result<Option<SyncTarget>, SyncError> {
        let client = SyncClient::with_options(&self.url, self.token.clone(), self.options.clone())?;
        Ok(Some(SyncTarget {
            vault: self.vault.clone(),
            client,
        }))
    }

    fn on_event(&self, event: LoopEvent<'_>) {
        let seen = match event {
            LoopEvent::Started => Seen::Started,
            LoopEvent::Progress(_) => return,
            LoopEvent::Done(_) => Seen::Done,
            LoopEvent::Failed(e) => Seen::Failed(e.class()),
            LoopEvent::Planned { plan, .. } => Seen::Planned(plan),
        };
        self.seen.lock().unwrap().push((Instant::now(), seen));
    }
}

/// A running loop over a device's vault. Stops when dropped.
pub struct Looping {
    seen: Arc<Mutex<Vec<(Instant, Seen)>>>,
    /// "A record was saved" / "Sync now".
    pub wake: Arc<Notify>,
    /// The network-change wake-up a `NetworkSignal` drives (see [`FakeSignal`]).
    pub network: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Looping {
    pub fn start(
        device: &Device,
        options: ClientOptions,
        policy: SchedulePolicy,
        backoff: Backoff,
    ) -> Looping {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let host = Host {
            vault: device.vault.clone(),
            url: device.client.base_url().to_string(),
            token: device.client.token().map(str::to_string),
            options,
            policy,
            seen: seen.clone(),
        };
        let wake = Arc::new(Notify::new());
        let network = Arc::new(Notify::new());
        let (w, n) = (wake.clone(), network.clone());
        let task = tokio::spawn(async move {
            campo_sync::sync_loop::run(&host, &w, &n, backoff).await;
        });
        Looping {
            seen,
            wake,
            network,
            task,
        }
    }

    /// Everything seen since `since`.
    pub fn seen_since(&self, since: Instant) -> Vec<(Instant, Seen)> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(at, _)| *at >= since)
            .cloned()
            .collect()
    }

    /// The plans made since `since`.
    pub fn plans_since(&self, since: Instant) -> Vec<Plan> {
        self.seen_since(since)
            .into_iter()
            .filter_map(|(_, s)| match s {
                Seen::Planned(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    /// The link state of the last plan.
    pub fn link(&self) -> Option<LinkState> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find_map(|(_, s)| match s {
                Seen::Planned(p) => Some(p.state),
                _ => None,
            })
    }

    /// Waits until the last plan has `state` (or `limit` passes): true if it came.
    pub async fn wait_for_link(&self, state: LinkState, limit: std::time::Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.link() == Some(state) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        false
    }
}

impl Drop for Looping {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A network-change source the test fires by hand, through campo-sync's trait.
#[derive(Clone, Default)]
pub struct FakeSignal {
    slot: Arc<Mutex<Option<OnChange>>>,
}

impl FakeSignal {
    /// The system says the network changed.
    pub fn fire(&self) {
        let on_change = self.slot.lock().unwrap().clone();
        on_change.expect("the signal is being watched")();
    }
}

impl NetworkSignal for FakeSignal {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn watch(self: Box<Self>, on_change: OnChange) -> Result<(), String> {
        *self.slot.lock().unwrap() = Some(on_change);
        Ok(())
    }
}
