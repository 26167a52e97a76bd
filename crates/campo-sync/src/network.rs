//! The system's own "the network changed" signal, behind a small trait.
//!
//! A tablet that joins a network learns it from its system (NetworkManager on a Linux
//! desktop, ConnectivityManager on Android, NWPathMonitor on iOS) before any probe could.
//! Each platform's source implements [`NetworkSignal`]; [`listen`] connects one to the sync
//! loop, which probes at once when it fires. Where a platform has no source, or it cannot
//! start (no system bus, as in CI), the loop runs on its probes alone.

use std::sync::Arc;
use tokio::sync::Notify;

/// Called at each change the system reports. Cheap and non-blocking: it only wakes the
/// loop.
pub type OnChange = Arc<dyn Fn() + Send + Sync>;

/// A source of the system's network-change signal.
pub trait NetworkSignal: Send {
    /// A name for the log line that says whether the source runs ("NetworkManager").
    fn name(&self) -> &'static str;

    /// Starts watching in the background for as long as the process runs, calling
    /// `on_change` at each change. An error says why this system offers no signal here.
    fn watch(self: Box<Self>, on_change: OnChange) -> Result<(), String>;
}

/// Starts `signal` so that each change notifies `network` (the sync loop's network
/// wake-up). A change while the loop is busy is kept until it next waits.
pub fn listen(signal: Box<dyn NetworkSignal>, network: Arc<Notify>) -> Result<(), String> {
    signal.watch(Arc::new(move || network.notify_one()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    /// A source that hands its callback back to the test.
    struct Manual(Arc<Mutex<Option<OnChange>>>);

    impl NetworkSignal for Manual {
        fn name(&self) -> &'static str {
            "manual"
        }
        fn watch(self: Box<Self>, on_change: OnChange) -> Result<(), String> {
            *self.0.lock().unwrap() = Some(on_change);
            Ok(())
        }
    }

    struct Absent;

    impl NetworkSignal for Absent {
        fn name(&self) -> &'static str {
            "absent"
        }
        fn watch(self: Box<Self>, _: OnChange) -> Result<(), String> {
            Err("no system bus".into())
        }
    }

    #[tokio::test]
    async fn a_change_wakes_the_loop_even_if_it_was_busy_when_it_came() {
        let slot = Arc::new(Mutex::new(None));
        let network = Arc::new(Notify::new());
        listen(Box::new(Manual(slot.clone())), network.clone()).unwrap();
        let fire = slot.lock().unwrap().clone().expect("watching");
        fire(); // before anyone waits
        tokio::time::timeout(Duration::from_secs(1), network.notified())
            .await
            .expect("the change was kept for the next wait");
        // Without a change, no wake-up.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), network.notified())
                .await
                .is_err()
        );
    }

    #[test]
    fn a_system_without_the_signal_says_why() {
        let err = listen(Box::new(Absent), Arc::new(Notify::new())).unwrap_err();
        assert_eq!(err, "no system bus");
    }
}
