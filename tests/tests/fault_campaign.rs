//! The fault campaign: five tablets with 2,000 final submissions each sync through a link
//! that breaks in every way the proxy knows (more than a thousand times) while the server
//! is SIGKILLed and restarted mid-sync. At the end the server must hold every submission
//! exactly once, every tablet's outbox must be empty, and the server's report must be
//! what the tablets' own records say.

use campo_core::catalog::Catalog;
use campo_sync::{sync_once, Backoff, ClientOptions, SyncError};
use campo_tests::check::{assert_report_matches, merged_report, own_input};
use campo_tests::proxy::{Fault, Proxy};
use campo_tests::{data, server_submission_ids, Device, Server};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEVICES: usize = 5;
const PER_DEVICE: usize = 2_000;
const MIN_FAULTS: u64 = 1_000;
const KILLS: usize = 3;

/// Each connection: 30% pass, 70% one of the faults. Stalls are rare because each one
/// costs a full client timeout.
fn plan(seed: u64) -> impl Fn(u64) -> Fault + Send + Sync {
    let rng = Mutex::new(StdRng::seed_from_u64(seed));
    move |_| {
        let mut r = rng.lock().unwrap();
        match r.random_range(0..1000) {
            0..300 => Fault::Pass,
            300..440 => Fault::DropRequest {
                after: r.random_range(1..1500),
            },
            440..560 => Fault::Reset,
            560..570 => Fault::Stall {
                hold: Duration::from_millis(1500),
            },
            570..700 => Fault::TruncateResponse {
                keep: r.random_range(0..60),
            },
            700..840 => Fault::Canned503,
            _ => Fault::DropResponse,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_submissions_survive_a_thousand_faults_and_three_kills() {
    let started = Instant::now();
    let mut server = Server::start_fresh();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let options = ClientOptions {
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        batch_records: 25,
        batch_bytes: 256 * 1024,
        reuse_connections: false,
    };
    let catalog = Catalog::builtin();

    let mut devices = Vec::new();
    for i in 0..DEVICES {
        devices.push(Arc::new(
            Device::enrolled(
                &server,
                &proxy.url(),
                &format!("tablet-{i}"),
                options.clone(),
            )
            .await,
        ));
    }
    // Fill the vaults in parallel: this is setup, not what is under test.
    std::thread::scope(|s| {
        for (i, d) in devices.iter().enumerate() {
            let catalog = &catalog;
            s.spawn(move || {
                data::fill(
                    &d.vault.lock().unwrap(),
                    catalog,
                    PER_DEVICE,
                    &format!("T{i}"),
                    i as u64,
                )
            });
        }
    });
    let outbox: u64 = devices.iter().map(|d| d.pending()).sum();
    let own: Vec<_> = devices.iter().map(|d| own_input(&d.vault)).collect();
    eprintln!(
        "setup: {outbox} records pending on {DEVICES} tablets in {:?}",
        started.elapsed()
    );

    proxy.set_plan(plan(42));
    let rounds = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for d in &devices {
        let d = d.clone();
        let rounds = rounds.clone();
        tasks.push(tokio::spawn(async move {
            // Test-sized backoff; the real one starts at 5 s.
            let mut backoff = Backoff::new(Duration::from_millis(5), Duration::from_millis(200));
            loop {
                rounds.fetch_add(1, Ordering::Relaxed);
                match sync_once(&d.client, &d.vault, &|_| {}).await {
                    Ok(s) => {
                        assert_eq!(
                            s.rejected + s.held_back,
                            0,
                            "{}: records rejected: {s:?}",
                            d.name
                        );
                        backoff.reset();
                        if d.pending() == 0 {
                            return;
                        }
                    }
                    Err(e) if e.is_retryable() => tokio::time::sleep(backoff.next_delay()).await,
                    Err(e @ SyncError::Refused { .. }) | Err(e @ SyncError::Unauthorized(_)) => {
                        panic!(
                            "{}: the server refused a sync a retry cannot fix: {e}",
                            d.name
                        )
                    }
                    Err(e) => panic!("{}: {e}", d.name),
                }
            }
        }));
    }

    // Kill the server three times while the tablets are busy: at a quarter, half and
    // three quarters of the outbox.
    let mut kills = 0;
    while kills < KILLS {
        let left: u64 = devices.iter().map(|d| d.pending()).sum();
        let done = 1.0 - left as f64 / outbox as f64;
        if done >= 0.25 * (kills + 1) as f64 {
            tokio::task::block_in_place(|| server.restart());
            kills += 1;
            eprintln!(
                "kill {kills}: SIGKILL at {:.0}% acknowledged, restarted",
                done * 100.0
            );
        }
        assert!(
            !tasks.iter().all(|t| t.is_finished()),
            "tablets finished before {KILLS} kills"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    for t in tasks {
        t.await.expect("tablet task");
    }
    // The outbox emptied; keep syncing (pulls, mostly) until the link has failed at least
    // MIN_FAULTS times, so the count below is a floor that was really reached.
    let mut backoff = Backoff::new(Duration::from_millis(5), Duration::from_millis(100));
    while proxy.stats().faults_fired() < MIN_FAULTS {
        let d = &devices[proxy.stats().connections.load(Ordering::Relaxed) as usize % DEVICES];
        if sync_once(&d.client, &d.vault, &|_| {}).await.is_err() {
            tokio::time::sleep(backoff.next_delay()).await;
        }
    }
    let faults = proxy.stats().faults_fired();
    eprintln!(
        "faults fired: {faults} {:?}; connections {}; server down for {} connections; sync rounds {}; {:?}",
        proxy.stats().fired_by_kind(),
        proxy.stats().connections.load(Ordering::Relaxed),
        proxy.stats().upstream_down.load(Ordering::Relaxed),
        rounds.load(Ordering::Relaxed),
        started.elapsed()
    );
    assert!(faults >= MIN_FAULTS, "only {faults} faults fired");
    assert!(
        proxy.stats().fired_by_kind().iter().all(|(_, n)| *n > 0),
        "every kind of fault fired"
    );
    assert_eq!(kills, KILLS);

    for d in &devices {
        assert_eq!(d.pending(), 0, "{} still has records pending", d.name);
    }
    let ids = server_submission_ids(&server);
    let distinct: HashSet<_> = ids.iter().collect();
    assert_eq!(
        ids.len(),
        DEVICES * PER_DEVICE,
        "the server holds {} submissions",
        ids.len()
    );
    assert_eq!(distinct.len(), ids.len(), "a submission is held twice");
    let device_ids: HashSet<_> = own
        .iter()
        .flat_map(|i| i.submissions.iter().map(|s| s.id))
        .collect();
    assert_eq!(
        distinct,
        device_ids.iter().collect(),
        "the server holds other submissions than the tablets"
    );

    let (merged, each) = merged_report(&own, &catalog);
    assert_report_matches(&server.report_json(), &merged, &each);
    eprintln!("campaign done in {:?}", started.elapsed());
}
