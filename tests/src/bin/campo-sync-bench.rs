//! Sync over the valley's link, measured: 10,000 thirteen-item satisfaction submissions
//! through a proxy shaped to 256 kbit/s each way and 300 ms round trip, sent batched
//! (Campo's way: `sync_once` with the default options, 1,000 records a gzipped request,
//! gzipped answers, then the pull) and one uncompressed POST per submission (the way
//! OpenRosa clients send forms), in the same run against the same server.
//!
//! For the batched sync it prints the time, the bytes on the wire per submission (TCP
//! payload as the proxy forwards it, HTTP headers included), the round trips (one per
//! HTTP request: the proxy delays data, not connection set-up) and the link's own limit
//! for that traffic: every byte at 256 kbit/s plus 300 ms per round trip, as if nothing
//! overlapped, with the ratio of the measured time to it.
//!
//! The one-per-request run sends fewer submissions (`CAMPO_BENCH_SINGLE`, default 200; 0
//! skips it) and its time per submission is scaled to 10,000: at 300 ms a round trip it would
//! otherwise take most of an hour. Connections are kept alive in both modes, which favours
//! the one-per-request mode (no handshake per form).
//!
//! Run: `cargo build -p campo-server --bin campo-server &&
//!       cargo run -p campo-tests --bin campo-sync-bench`

use campo_core::catalog::Catalog;
use campo_core::Activity;
use campo_store::NewMeeting;
use campo_sync::wire::{PushRequest, Record, RecordBody};
use campo_sync::{sync_once, ClientOptions, SyncClient};
use campo_tests::proxy::{Proxy, Shaping};
use campo_tests::{data, Device, Server};
use rand::SeedableRng;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const LINK_BITS_PER_SECOND: f64 = 256_000.0;
const ROUND_TRIP_SECONDS: f64 = 0.3;
const GOAL_SECONDS: f64 = 25.0;
const GOAL_BYTES_PER_SUBMISSION: f64 = 60.0;

/// What the link needs at least for `bytes` and `round_trips`, in seconds.
fn link_limit(bytes: u64, round_trips: u64) -> f64 {
    bytes as f64 * 8.0 / LINK_BITS_PER_SECOND + round_trips as f64 * ROUND_TRIP_SECONDS
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n_batched = env_usize("CAMPO_BENCH_N", 10_000);
    let n_single = env_usize("CAMPO_BENCH_SINGLE", 200);
    let link = Shaping {
        bits_per_second: Some(LINK_BITS_PER_SECOND as u64),
        one_way_delay: Duration::from_millis(150),
    };

    let server = Server::start_fresh();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let catalog = Catalog::builtin();
    let sat = catalog
        .latest("training_satisfaction")
        .expect("training_satisfaction")
        .clone();
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);

    // Batched: a real vault holding one held course and its submissions.
    let d = Device::enrolled(
        &server,
        &proxy.url(),
        "bench-tablet",
        ClientOptions::default(),
    )
    .await;
    let meeting_id = {
        let v = d.vault.lock().unwrap();
        let m = v
            .create_meeting(NewMeeting {
                activity: Activity::TrainingCourse,
                date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
                place: "Sala civica".into(),
                topic: "quiz_carer_wellbeing".into(),
                facilitator: "Facilitatrice".into(),
            })
            .unwrap();
        v.mark_held(m.id).unwrap();
        for _ in 0..n_batched {
            v.save_final(&data::submission(&sat, m.id, None, None, &mut rng))
                .unwrap();
        }
        m.id
    };
    let pending = d.pending();
    proxy.set_shaping(link);
    eprintln!("link: 256 kbit/s each way, 300 ms round trip; batched run: {pending} records ({n_batched} submissions)");

    let (up0, down0) = proxy.stats().bytes();
    let conn0 = proxy.stats().connections.load(Ordering::Relaxed);
    let t = Instant::now();
    let last = std::sync::Mutex::new(Instant::now());
    // When the batches were ready (the first progress call) and when the last one was
    // answered, with the bytes on the wire then: splits the time and bytes into
    // preparation, push and pull.
    let ready = std::sync::Mutex::new(None::<Duration>);
    let pushed = std::sync::Mutex::new(None::<(Duration, (u64, u64))>);
    let summary = sync_once(&d.client, &d.vault, &|p| {
        ready.lock().unwrap().get_or_insert(t.elapsed());
        if p.records_sent == p.records_total {
            *pushed.lock().unwrap() = Some((t.elapsed(), proxy.stats().bytes()));
        }
        let mut l = last.lock().unwrap();
        if l.elapsed() > Duration::from_secs(5) || p.records_sent == p.records_total {
            eprintln!(
                "  batched: {}/{} records, {}/{} bytes",
                p.records_sent, p.records_total, p.bytes_sent, p.bytes_total
            );
            *l = Instant::now();
        }
    })
    .await
    .expect("batched sync");
    let batched_time = t.elapsed();
    let (up1, down1) = proxy.stats().bytes();
    let connections = proxy.stats().connections.load(Ordering::Relaxed) - conn0;
    assert_eq!(summary.stored, pending, "{summary:?}");
    assert_eq!(d.pending(), 0);
    let ready = ready.into_inner().unwrap().unwrap_or_default();
    let (pushed_at, (up_push, down_push)) = pushed.into_inner().unwrap().expect("pushed");

    // One plain POST per submission, over a kept-alive connection.
    let single = SyncClient::with_options(
        &proxy.url(),
        d.client.token().map(String::from),
        ClientOptions::default(),
    )
    .unwrap();
    let t = Instant::now();
    for _ in 0..n_single {
        let s = data::submission(&sat, meeting_id, None, None, &mut rng);
        let record = Record {
            id: s.id,
            revision: 1,
            body: RecordBody::Submission(s),
        };
        let resp = single
            .push_plain(&PushRequest {
                batch_id: uuid::Uuid::now_v7(),
                records: vec![record],
            })
            .await
            .unwrap();
        assert_eq!(resp.results.len(), 1);
    }
    let single_time = t.elapsed();
    let (up2, down2) = proxy.stats().bytes();

    let n = n_batched as f64;
    let per_batched = batched_time.as_secs_f64() / n;
    let per_single = single_time.as_secs_f64() / n_single as f64;
    let (up, down) = (up1 - up0, down1 - down0);
    let (bu, bd) = (up as f64 / n, down as f64 / n);
    let (su, sd) = (
        (up2 - up1) as f64 / n_single as f64,
        (down2 - down1) as f64 / n_single as f64,
    );
    let round_trips = u64::from(summary.batches) + u64::from(summary.pull_pages);
    let limit = link_limit(up + down, round_trips);
    let secs = batched_time.as_secs_f64();
    println!("sync of 13-item satisfaction submissions over 256 kbit/s, 300 ms RTT (proxy-shaped, loopback)");
    println!(
        "batched sync ({pending} records: {n_batched} submissions and {} revisions of their meeting; \
         {} pushes + {} pull pages):",
        pending - n_batched as u64,
        summary.batches,
        summary.pull_pages
    );
    println!(
        "  total time {secs:.1} s (goal <= {GOAL_SECONDS:.0} s) = {:.2} ms per submission",
        per_batched * 1e3
    );
    println!(
        "  wire bytes per submission: {bu:.1} up + {bd:.1} down = {:.1} (goal <= {GOAL_BYTES_PER_SUBMISSION:.0}); \
         in all {up} up + {down} down",
        bu + bd
    );
    println!(
        "    up: {} B of gzipped push bodies, {} B of HTTP headers and the pull's request; \
         down: {} B of push answers, {} B of pull answers",
        summary.bytes_sent,
        up - summary.bytes_sent,
        down_push - down0,
        down1 - down_push,
    );
    println!("  round trips: {round_trips} (one per request; {connections} connection(s) opened)");
    println!(
        "  link's limit for these bytes: {:.1} s bytes + {:.1} s round trips = {limit:.1} s; \
         measured / limit = {:.2}",
        (up + down) as f64 * 8.0 / LINK_BITS_PER_SECOND,
        round_trips as f64 * ROUND_TRIP_SECONDS,
        secs / limit
    );
    println!(
        "  where the time went: {:.1} s reading and gzipping the outbox, {:.1} s pushing \
         ({:.1} s link limit for its {} B), {:.1} s pulling",
        ready.as_secs_f64(),
        (pushed_at - ready).as_secs_f64(),
        link_limit(
            (up_push - up0) + (down_push - down0),
            u64::from(summary.batches)
        ),
        (up_push - up0) + (down_push - down0),
        (batched_time - pushed_at).as_secs_f64(),
    );
    println!(
        "  goals: time {}, bytes {}",
        if secs <= GOAL_SECONDS {
            "met"
        } else {
            "NOT met"
        },
        if bu + bd <= GOAL_BYTES_PER_SUBMISSION {
            "met"
        } else {
            "NOT met"
        }
    );
    if n_single == 0 {
        return;
    }
    println!(
        "one POST per submission (plain JSON): {n_single} in {:.1} s = {:.1} ms per submission \
         (10,000 would take {:.0} s); wire bytes per submission: {su:.0} up + {sd:.0} down = {:.0}",
        single_time.as_secs_f64(),
        per_single * 1e3,
        per_single * 10_000.0,
        su + sd
    );
    println!(
        "speed-up batched vs one per request: {:.1}x (goal >= 20x)",
        per_single / per_batched
    );
}
