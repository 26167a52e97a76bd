//! Windows of signal, measured: how soon after the link comes up the first batch of
//! waiting records is on the wire, and what a probe costs.
//!
//! 1. 20 windows with the probe interval at its default (15 s) and no network-change
//!    signal: each time the link goes down, a few records are saved (the loop is woken,
//!    as saving a final record does, finds no network and plans its probes), and the link
//!    comes back at a random moment of the probe cycle. From the link coming up to the first
//!    byte of the first push reaching the server: p50 and max (goal: at most the probe
//!    interval + 1 s). The link is the valley's: 256 kbit/s each way, 300 ms round trip.
//! 2. The same 20 windows with the system's network-change signal firing when the link
//!    comes up (as NetworkManager does when a connection is made).
//! 3. A probe's bytes on the wire: the health request and answer, over plain HTTP and over
//!    TLS, on a kept connection and on a new one (TLS handshake included, with this
//!    bench's one-certificate chain).
//!
//! Run: `cargo build -p campo-server --bin campo-server &&
//!       cargo run -p campo-tests --bin campo-window-bench`
//! (`CAMPO_BENCH_WINDOWS` sets the number of windows per run.)

use campo_core::catalog::Catalog;
use campo_sync::{Backoff, ClientOptions, SchedulePolicy};
use campo_tests::looping::{FakeSignal, Looping};
use campo_tests::proxy::{Proxy, Shaping};
use campo_tests::{data, server_bin, Device, Server};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROBE: Duration = Duration::from_secs(15);
const VALLEY: Shaping = Shaping {
    bits_per_second: Some(256_000),
    one_way_delay: Duration::from_millis(150),
};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let windows: usize = std::env::var("CAMPO_BENCH_WINDOWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let server = Server::start_fresh();
    let catalog = Catalog::builtin();

    for with_signal in [false, true] {
        let proxy = Proxy::start(server.addr()).await.unwrap();
        proxy.set_shaping(VALLEY);
        let name = if with_signal { "signal" } else { "probes" };
        let d = Device::enrolled(&server, &proxy.url(), name, ClientOptions::default()).await;
        let policy = SchedulePolicy {
            probe_interval: PROBE,
            ..SchedulePolicy::default()
        };
        let looping = Looping::start(&d, ClientOptions::default(), policy, Backoff::default());
        let signal = FakeSignal::default();
        campo_sync::listen(Box::new(signal.clone()), looping.network.clone()).unwrap();
        let mut rng = StdRng::seed_from_u64(2026);
        let mut delays = Vec::new();
        for w in 0..windows {
            proxy.set_link(false).await.unwrap();
            data::fill(
                &d.vault.lock().unwrap(),
                &catalog,
                5,
                &format!("{name}{w}"),
                w as u64,
            );
            looping.wake.notify_one(); // a final record saved
            let down_for = Duration::from_millis(rng.random_range(1_000..16_000));
            tokio::time::sleep(down_for).await;
            let opened = Instant::now();
            proxy.set_link(true).await.unwrap();
            if with_signal {
                signal.fire();
            }
            let first = loop {
                if let Some(at) = proxy
                    .stats()
                    .first_request_since("POST /api/v1/sync/push", opened)
                {
                    break at;
                }
                assert!(
                    opened.elapsed() < Duration::from_secs(60),
                    "window {w}: no push"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            };
            delays.push(first - opened);
            while d.pending() > 0 {
                assert!(
                    opened.elapsed() < Duration::from_secs(120),
                    "window {w}: not sent"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        delays.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{} windows, probe every {} s, network signal {}: link up -> first push byte p50 {:.0} ms, max {:.0} ms (goal <= {} ms)",
            windows,
            PROBE.as_secs(),
            if with_signal { "on" } else { "off" },
            ms(delays[delays.len() / 2]),
            ms(*delays.last().unwrap()),
            PROBE.as_millis() + 1000,
        );
    }

    probe_bytes(&server).await;
}

/// Bytes up and down for one health request, per kind of connection.
async fn probe_bytes(server: &Server) {
    let plain = Proxy::start(server.addr()).await.unwrap();
    let tls = TlsServer::start();
    let tls_proxy = Proxy::start(tls.addr).await.unwrap();
    for (label, proxy, scheme, cert) in [
        ("plain HTTP", &plain, "http", None),
        ("TLS", &tls_proxy, "https", Some(tls.cert_pem.as_str())),
    ] {
        let url = format!("{scheme}://localhost:{}/api/v1/health", proxy.addr().port());
        for (kind, reuse) in [("new connection", false), ("kept connection", true)] {
            let client = client(cert, reuse);
            // The first request of a kept connection pays its set-up; count the rest.
            if reuse {
                get(&client, &url).await;
            }
            let (up0, down0) = proxy.stats().bytes();
            let n = 20u64;
            for _ in 0..n {
                get(&client, &url).await;
            }
            let (up1, down1) = proxy.stats().bytes();
            let (up, down) = ((up1 - up0) / n, (down1 - down0) / n);
            println!(
                "probe over {label}, {kind}: {up} B up + {down} B down = {} B; every 15 s for an hour: {:.1} KB",
                up + down,
                (up + down) as f64 * 240.0 / 1000.0
            );
        }
    }
}

async fn get(client: &reqwest::Client, url: &str) {
    let answer = client.get(url).send().await.expect("health");
    assert!(answer.status().is_success());
    answer.bytes().await.expect("health body");
}

/// A client for localhost (always 127.0.0.1, where the proxies listen) trusting `cert`,
/// keeping its connection open or opening one per request.
fn client(cert_pem: Option<&str>, reuse: bool) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .resolve("localhost", std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    if !reuse {
        b = b.pool_max_idle_per_host(0);
    }
    if let Some(pem) = cert_pem {
        b = b.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap());
    }
    b.build().unwrap()
}

/// A campo-server serving HTTPS with a fresh self-signed certificate for localhost.
struct TlsServer {
    child: std::process::Child,
    addr: std::net::SocketAddr,
    cert_pem: String,
    _dir: tempfile::TempDir,
}

impl TlsServer {
    fn start() -> TlsServer {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert_path, cert.cert.pem()).unwrap();
        std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], campo_tests::free_port()));
        let child = Command::new(server_bin())
            .args(["--db", dir.path().join("tls.db").to_str().unwrap(), "serve"])
            .args(["--listen", &addr.to_string()])
            .arg("--tls-cert")
            .arg(&cert_path)
            .arg("--tls-key")
            .arg(&key_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn campo-server");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "the TLS server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        TlsServer {
            child,
            addr,
            cert_pem: cert.cert.pem(),
            _dir: dir,
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
