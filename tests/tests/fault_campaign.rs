//! The fault campaign: tablets with thousands of final submissions sync through a link that
//! breaks in every way the proxy knows (more than a thousand times) while the server is
//! SIGKILLed and restarted mid-sync. At the end the server must hold every record exactly
//! once, every tablet's outbox must be empty, every tablet must hold every meeting, and the
//! server's report must be what the tablets' own records say.
//!
//! Two variants:
//! - SQLite: one server process, killed three times;
//! - PostgreSQL: two server processes on one database behind a front that sends each
//!   connection (each batch, each pull) to one of them at random; each process is killed
//!   at moments drawn at random, once both together, and restarted.
//!
//! The two run one after the other (they share the machine's cores, and a campaign is
//! timing-sensitive: its client timeouts are one second). `CAMPO_FAULT_SEED` changes the
//! seed of the fault plan, the front's choices and the kill moments (printed at the start).

use campo_core::catalog::Catalog;
use campo_sync::{sync_once, Backoff, ClientOptions, SyncError};
use campo_tests::check::{assert_report_matches, merged_report, outbox_keys, own_input};
use campo_tests::proxy::{Fault, Proxy};
use campo_tests::{data, db_records, Database, Device, Engine, Server};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Campaigns run one at a time (see the module's note).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

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

fn seed() -> u64 {
    std::env::var("CAMPO_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(42)
}

/// One SIGKILL moment: when this share of the outbox is acknowledged (plus a random delay
/// of up to 100 ms), kill these server processes (by index), then start them again.
#[derive(Debug)]
struct Kill {
    at: f64,
    delay: Duration,
    servers: Vec<usize>,
}

struct Campaign {
    name: &'static str,
    devices: usize,
    per_device: usize,
    min_faults: u64,
    kills: Vec<Kill>,
}

async fn run(campaign: Campaign, mut servers: Vec<Server>, seed: u64) {
    let started = Instant::now();
    let name = campaign.name;
    let addrs: Vec<_> = servers.iter().map(|s| s.addr()).collect();
    let proxy = Proxy::start_balanced(&addrs, seed).await.unwrap();
    let options = ClientOptions {
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        batch_records: 25,
        batch_bytes: 256 * 1024,
        reuse_connections: false,
    };
    let catalog = Catalog::builtin();

    let mut devices = Vec::new();
    for i in 0..campaign.devices {
        // Enrolled straight at one of the processes: a code works once, and a fault on the
        // way would burn it. Faults are for the sync.
        devices.push(Arc::new(
            Device::enrolled(
                &servers[i % servers.len()],
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
            let per_device = campaign.per_device;
            s.spawn(move || {
                data::fill(
                    &d.vault.lock().unwrap(),
                    catalog,
                    per_device,
                    &format!("T{i}"),
                    i as u64,
                )
            });
        }
    });
    let outbox: u64 = devices.iter().map(|d| d.pending()).sum();
    let own: Vec<_> = devices.iter().map(|d| own_input(&d.vault)).collect();
    let mut sent: Vec<(uuid::Uuid, u32)> =
        devices.iter().flat_map(|d| outbox_keys(&d.vault)).collect();
    sent.sort();
    assert_eq!(sent.len() as u64, outbox);
    eprintln!(
        "{name}: {outbox} records pending on {} tablets, {} server process(es), seed {seed}; setup {:?}",
        campaign.devices,
        servers.len(),
        started.elapsed()
    );

    proxy.set_plan(plan(seed));
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

    // Kill server processes while the tablets are busy, at the campaign's moments.
    let mut kills_done = 0;
    let mut killed_per_server = vec![0usize; servers.len()];
    for kill in &campaign.kills {
        loop {
            let left: u64 = devices.iter().map(|d| d.pending()).sum();
            let done = 1.0 - left as f64 / outbox as f64;
            if done >= kill.at {
                tokio::time::sleep(kill.delay).await;
                tokio::task::block_in_place(|| {
                    for &i in &kill.servers {
                        servers[i].kill();
                    }
                    for &i in &kill.servers {
                        servers[i].restart();
                    }
                });
                for &i in &kill.servers {
                    killed_per_server[i] += 1;
                }
                kills_done += 1;
                eprintln!(
                    "{name}: kill {kills_done}: SIGKILL of process(es) {:?} at {:.0}% acknowledged (+{:?}), restarted",
                    kill.servers,
                    done * 100.0,
                    kill.delay
                );
                break;
            }
            assert!(
                !tasks.iter().all(|t| t.is_finished()),
                "{name}: tablets finished before kill {} of {}",
                kills_done + 1,
                campaign.kills.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    for t in tasks {
        t.await.expect("tablet task");
    }
    // The outbox emptied; keep syncing (pulls, mostly) until the link has failed at least
    // `min_faults` times, so the count below is a floor that was really reached.
    let mut backoff = Backoff::new(Duration::from_millis(5), Duration::from_millis(100));
    while proxy.stats().faults_fired() < campaign.min_faults {
        let n = proxy.stats().connections.load(Ordering::Relaxed) as usize;
        let d = &devices[n % devices.len()];
        if sync_once(&d.client, &d.vault, &|_| {}).await.is_err() {
            tokio::time::sleep(backoff.next_delay()).await;
        }
    }
    let faults = proxy.stats().faults_fired();
    let by_upstream = proxy.stats().by_upstream();
    eprintln!(
        "{name}: faults fired: {faults} {:?}; connections {} (forwarded per process {by_upstream:?}); \
         server down for {} connections; sync rounds {}; kills per process {killed_per_server:?}; {:?}",
        proxy.stats().fired_by_kind(),
        proxy.stats().connections.load(Ordering::Relaxed),
        proxy.stats().upstream_down.load(Ordering::Relaxed),
        rounds.load(Ordering::Relaxed),
        started.elapsed()
    );
    assert!(faults >= campaign.min_faults, "only {faults} faults fired");
    assert!(
        proxy.stats().fired_by_kind().iter().all(|(_, n)| *n > 0),
        "every kind of fault fired: {:?}",
        proxy.stats().fired_by_kind()
    );
    assert_eq!(kills_done, campaign.kills.len());
    // Each process took a fair share of the traffic, and was killed at least once.
    let forwarded: u64 = by_upstream.iter().sum();
    for (i, n) in by_upstream.iter().enumerate() {
        assert!(
            *n as f64 >= forwarded as f64 / by_upstream.len() as f64 / 2.0,
            "process {i} got {n} of {forwarded} connections"
        );
        assert!(killed_per_server[i] > 0, "process {i} was never killed");
    }
    for (i, s) in servers.iter_mut().enumerate() {
        assert!(
            s.is_running(),
            "process {i} died on its own:\n{}",
            s.log_text()
        );
    }

    // Every record revision the tablets held is stored exactly once, and nothing else.
    for d in &devices {
        assert_eq!(d.pending(), 0, "{} still has records pending", d.name);
    }
    let rows = db_records(&servers[0].db);
    let mut held: BTreeMap<(uuid::Uuid, u32), usize> = BTreeMap::new();
    for r in &rows {
        *held.entry((r.id, r.revision)).or_default() += 1;
    }
    let twice: Vec<_> = held.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(twice.is_empty(), "records held twice: {twice:?}");
    let held_keys: Vec<_> = held.keys().copied().collect();
    assert_eq!(
        held_keys.len(),
        sent.len(),
        "the server holds {} record revisions, the tablets sent {}",
        held_keys.len(),
        sent.len()
    );
    assert!(
        held_keys == sent,
        "the server holds other records than the tablets sent"
    );
    let submissions: HashSet<_> = rows
        .iter()
        .filter(|r| r.kind == "submission")
        .map(|r| r.id)
        .collect();
    assert_eq!(
        submissions.len(),
        campaign.devices * campaign.per_device,
        "submissions held"
    );
    let device_submissions: HashSet<_> = own
        .iter()
        .flat_map(|i| i.submissions.iter().map(|s| s.id))
        .collect();
    assert_eq!(
        submissions, device_submissions,
        "the server holds other submissions than the tablets"
    );

    let (merged, each) = merged_report(&own, &catalog);
    // Judged on the same day as the merged report (its latest meeting's).
    let server_report = servers[0].report_json(merged.co_assessment.as_of);
    assert_report_matches(&server_report, &merged, &each);

    // On a clean link, a few more syncs bring every tablet every other tablet's meetings.
    proxy.set_plan(|_| Fault::Pass);
    let mut all_meetings: Vec<_> = own.iter().flat_map(|i| i.meetings.clone()).collect();
    all_meetings.sort_by_key(|m| m.id);
    for d in &devices {
        for round in 0.. {
            let s = sync_once(&d.client, &d.vault, &|_| {})
                .await
                .unwrap_or_else(|e| panic!("{}: clean sync: {e}", d.name));
            if s.meetings_pulled == 0 {
                break;
            }
            assert!(round < 50, "{}: pulls never end", d.name);
        }
        let mut got = d.vault.lock().unwrap().meetings().unwrap();
        got.sort_by_key(|m| m.id);
        assert_eq!(got.len(), all_meetings.len(), "{}: meetings held", d.name);
        assert!(
            got == all_meetings,
            "{}: a meeting differs from its tablet's",
            d.name
        );
    }
    eprintln!("{name}: campaign done in {:?}", started.elapsed());
}

/// Runs a campaign's body once no other campaign runs, on a runtime of its own.
fn one_at_a_time(body: impl std::future::Future<Output = ()>) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
        .block_on(body);
}

#[test]
fn sqlite_ten_thousand_submissions_survive_a_thousand_faults_and_three_kills() {
    one_at_a_time(sqlite_campaign());
}

async fn sqlite_campaign() {
    let server = Server::start(&Database::sqlite());
    assert_eq!(server.engine(), Engine::Sqlite);
    let campaign = Campaign {
        name: "sqlite",
        devices: 5,
        per_device: 2_000,
        min_faults: 1_000,
        kills: [0.25, 0.5, 0.75]
            .into_iter()
            .map(|at| Kill {
                at,
                delay: Duration::ZERO,
                servers: vec![0],
            })
            .collect(),
    };
    run(campaign, vec![server], seed()).await;
}

/// Two processes on one PostgreSQL database. Scaled down from the SQLite campaign so that it
/// stays near a minute on two cores (the full 10,000 took 94 s on a busy 2-core machine):
/// 5 tablets x 1,500 submissions (7,500, plus their meetings and rosters: about 8,850
/// records), at least 800 faults, 5 kills (each process twice alone, and both at once).
#[test]
fn postgres_two_processes_survive_faults_and_random_kills_of_either() {
    one_at_a_time(postgres_campaign());
}

async fn postgres_campaign() {
    let Some(db) = Database::postgres("the PostgreSQL fault campaign").await else {
        return;
    };
    let servers = tokio::task::block_in_place(|| Server::start_many(&db, 2));
    assert!(servers.iter().all(|s| s.engine() == Engine::Postgres));
    let seed = seed();
    // Kill moments drawn at random between 8% and 92% acknowledged, at least 8% apart;
    // whom to kill at each, shuffled: A, B, A, B, and both.
    let mut rng = StdRng::seed_from_u64(seed ^ 0x6b11);
    let mut targets = vec![vec![0], vec![1], vec![0], vec![1], vec![0, 1]];
    for i in (1..targets.len()).rev() {
        targets.swap(i, rng.random_range(0..=i));
    }
    let moments: Vec<f64> = loop {
        let mut m: Vec<f64> = (0..targets.len())
            .map(|_| rng.random_range(0.08..0.92))
            .collect();
        m.sort_by(|a, b| a.total_cmp(b));
        if m.windows(2).all(|w| w[1] - w[0] >= 0.08) {
            break m;
        }
    };
    let kills = moments
        .into_iter()
        .zip(targets)
        .map(|(at, servers)| Kill {
            at,
            delay: Duration::from_millis(rng.random_range(0..100)),
            servers,
        })
        .collect();
    let campaign = Campaign {
        name: "postgres",
        devices: 5,
        per_device: 1_500,
        min_faults: 800,
        kills,
    };
    run(campaign, servers, seed).await;
}
