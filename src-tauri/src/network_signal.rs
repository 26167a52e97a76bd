//! The system's network-change signal for the sync loop (campo-sync's `NetworkSignal`):
//! NetworkManager over the system D-Bus on Linux desktops. Android's ConnectivityManager
//! and iOS's NWPathMonitor would each be one more implementation here; until then those
//! builds, and a Linux without a system bus (CI), sync on probes alone.

use std::sync::Arc;
use tokio::sync::Notify;

/// Starts the platform's source, if it has one; says which, or why none runs.
pub fn listen(network: Arc<Notify>) -> Result<&'static str, String> {
    #[cfg(all(target_os = "linux", not(target_os = "android")))]
    {
        let source = network_manager::NetworkManager::on_system_bus();
        let name = campo_sync::NetworkSignal::name(&source);
        campo_sync::listen(Box::new(source), network).map(|()| name)
    }
    #[cfg(not(all(target_os = "linux", not(target_os = "android"))))]
    {
        let _ = network;
        Err("this platform's signal is not wired yet".into())
    }
}

#[cfg(all(target_os = "linux", not(target_os = "android")))]
mod network_manager {
    use campo_sync::{NetworkSignal, OnChange};
    use dbus::arg::PropMap;
    use dbus::blocking::Connection;
    use dbus::channel::Channel;
    use dbus::message::MatchRule;
    use std::time::Duration;

    const BUS_NAME: &str = "org.freedesktop.NetworkManager";
    const PATH: &str = "/org/freedesktop/NetworkManager";

    /// NetworkManager's `StateChanged` (connected, disconnected, connecting...) and a
    /// change of its primary connection (Wi-Fi handed over to mobile data, both
    /// "connected") are the moments a window of signal may have opened.
    pub struct NetworkManager {
        /// The bus to listen on: `None` is the system bus (the tests give a private one).
        bus: Option<String>,
    }

    impl NetworkManager {
        pub fn on_system_bus() -> NetworkManager {
            NetworkManager { bus: None }
        }

        #[cfg(test)]
        pub fn on_bus(address: &str) -> NetworkManager {
            NetworkManager {
                bus: Some(address.to_string()),
            }
        }

        fn connect(&self) -> Result<Connection, String> {
            match &self.bus {
                None => Connection::new_system().map_err(|e| format!("no system bus: {e}")),
                Some(address) => {
                    let mut channel =
                        Channel::open_private(address).map_err(|e| format!("no bus: {e}"))?;
                    channel.register().map_err(|e| e.to_string())?;
                    Ok(Connection::from(channel))
                }
            }
        }
    }

    impl NetworkSignal for NetworkManager {
        fn name(&self) -> &'static str {
            "NetworkManager"
        }

        fn watch(self: Box<Self>, on_change: OnChange) -> Result<(), String> {
            // libdbus connections are not shared across threads: the watcher thread owns
            // its own and reports whether it could start.
            let (started, outcome) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .name("network-signal".into())
                .spawn(
                    move || match self.connect().and_then(|c| subscribe(c, on_change)) {
                        Ok(conn) => {
                            let _ = started.send(Ok(()));
                            // Each call dispatches the signals that arrived to the callbacks.
                            while conn.process(Duration::from_secs(3600)).is_ok() {}
                        }
                        Err(e) => {
                            let _ = started.send(Err(e));
                        }
                    },
                )
                .map_err(|e| e.to_string())?;
            outcome
                .recv_timeout(Duration::from_secs(5))
                .map_err(|_| "the system bus did not answer".to_string())?
        }
    }

    fn subscribe(conn: Connection, on_change: OnChange) -> Result<Connection, String> {
        let bus = conn.with_proxy(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            Duration::from_secs(2),
        );
        let (running,): (bool,) = bus
            .method_call("org.freedesktop.DBus", "NameHasOwner", (BUS_NAME,))
            .map_err(|e| e.to_string())?;
        if !running {
            return Err("NetworkManager is not running".into());
        }
        let state = MatchRule::new_signal(BUS_NAME, "StateChanged").with_path(PATH);
        let changed = on_change.clone();
        conn.add_match(state, move |_: (u32,), _, _| {
            changed();
            true
        })
        .map_err(|e| e.to_string())?;
        let properties =
            MatchRule::new_signal("org.freedesktop.DBus.Properties", "PropertiesChanged")
                .with_path(PATH);
        conn.add_match(
            properties,
            move |(_, changed, _): (String, PropMap, Vec<String>), _, _| {
                if changed.contains_key("PrimaryConnection") || changed.contains_key("Connectivity")
                {
                    on_change();
                }
                true
            },
        )
        .map_err(|e| e.to_string())?;
        Ok(conn)
    }
}

#[cfg(all(test, target_os = "linux", not(target_os = "android")))]
mod tests {
    use super::network_manager::NetworkManager;
    use campo_sync::NetworkSignal;
    use dbus::arg::{PropMap, Variant};
    use dbus::blocking::Connection;
    use dbus::channel::{Channel, Sender};
    use dbus::Message;
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// A private dbus-daemon standing for the system bus (setup.sh installs it).
    struct Bus {
        daemon: Child,
        address: String,
    }

    impl Bus {
        fn start() -> Bus {
            let mut daemon = Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--print-address=1"])
                .stdout(Stdio::piped())
                .spawn()
                .expect("dbus-daemon (scripts/setup.sh test installs it)");
            let mut address = String::new();
            BufReader::new(daemon.stdout.take().unwrap())
                .read_line(&mut address)
                .unwrap();
            Bus {
                daemon,
                address: address.trim().to_string(),
            }
        }

        fn connect(&self) -> Connection {
            let mut channel = Channel::open_private(&self.address).unwrap();
            channel.register().unwrap();
            Connection::from(channel)
        }
    }

    impl Drop for Bus {
        fn drop(&mut self) {
            let _ = self.daemon.kill();
            let _ = self.daemon.wait();
        }
    }

    fn emit(conn: &Connection, msg: Message) {
        conn.send(msg).unwrap();
        conn.channel().flush();
    }

    fn wait_for(count: &AtomicUsize, n: usize) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if count.load(Ordering::SeqCst) >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn network_managers_changes_reach_the_callback_and_other_changes_do_not() {
        let bus = Bus::start();
        let nm = bus.connect();
        nm.request_name("org.freedesktop.NetworkManager", false, true, false)
            .unwrap();
        let changes = Arc::new(AtomicUsize::new(0));
        let counted = changes.clone();
        Box::new(NetworkManager::on_bus(&bus.address))
            .watch(Arc::new(move || {
                counted.fetch_add(1, Ordering::SeqCst);
            }))
            .expect("watching NetworkManager");

        let path = "/org/freedesktop/NetworkManager";
        // NM_STATE_CONNECTED_GLOBAL
        emit(
            &nm,
            Message::new_signal(path, "org.freedesktop.NetworkManager", "StateChanged")
                .unwrap()
                .append1(70u32),
        );
        assert!(wait_for(&changes, 1), "StateChanged was not heard");

        let properties = |key: &str| {
            let mut changed = PropMap::new();
            changed.insert(
                key.to_string(),
                Variant(Box::new(1u32) as Box<dyn dbus::arg::RefArg>),
            );
            Message::new_signal(path, "org.freedesktop.DBus.Properties", "PropertiesChanged")
                .unwrap()
                .append3(
                    "org.freedesktop.NetworkManager",
                    changed,
                    Vec::<String>::new(),
                )
        };
        // A property that says nothing about the link, then the primary connection.
        emit(&nm, properties("WirelessEnabled"));
        emit(&nm, properties("PrimaryConnection"));
        assert!(wait_for(&changes, 2), "PrimaryConnection was not heard");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(changes.load(Ordering::SeqCst), 2, "WirelessEnabled counted");
    }

    #[test]
    fn a_bus_without_network_manager_is_reported_not_watched() {
        let bus = Bus::start();
        let err = Box::new(NetworkManager::on_bus(&bus.address))
            .watch(Arc::new(|| {}))
            .unwrap_err();
        assert_eq!(err, "NetworkManager is not running");
    }
}
