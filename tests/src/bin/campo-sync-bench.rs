//! Sync over the valley's link, measured: 10,000 thirteen-item satisfaction submissions
//! through a proxy shaped to 256 kbit/s each way and 300 ms round trip, sent batched
//! (Campo's way: 200 records a gzipped request) and one uncompressed POST per submission
//! (the way OpenRosa clients send forms), in the same run against the same server.
//!
//! The one-per-request run sends fewer submissions (`CAMPO_BENCH_SINGLE`, default 200) and
//! its time per submission is scaled to 10,000: at 300 ms a round trip it would
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
use std::time::{Duration, Instant};

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
        bits_per_second: Some(256_000),
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
    let t = Instant::now();
    let last = std::sync::Mutex::new(Instant::now());
    let summary = sync_once(&d.client, &d.vault, &|p| {
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
    assert_eq!(summary.stored, pending, "{summary:?}");
    assert_eq!(d.pending(), 0);

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

    let per_batched = batched_time.as_secs_f64() / pending as f64;
    let per_single = single_time.as_secs_f64() / n_single as f64;
    let (bu, bd) = (
        (up1 - up0) as f64 / pending as f64,
        (down1 - down0) as f64 / pending as f64,
    );
    let (su, sd) = (
        (up2 - up1) as f64 / n_single as f64,
        (down2 - down1) as f64 / n_single as f64,
    );
    println!("sync of 13-item satisfaction submissions over 256 kbit/s, 300 ms RTT (proxy-shaped, loopback)");
    println!(
        "batched (gzip, {} batches): {pending} records in {:.1} s = {:.2} ms per submission; \
         wire bytes per submission: {bu:.0} up + {bd:.0} down = {:.0}",
        summary.batches,
        batched_time.as_secs_f64(),
        per_batched * 1e3,
        bu + bd
    );
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
    println!("bytes per submission batched: {:.0} (goal <= 150)", bu + bd);
}
