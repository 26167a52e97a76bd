//! Vault figures (a benchmark, not a test: it reports, it does not assert).
//!
//! - saving a 13-item final submission (criterion, plus p50/p99 over 2,000 saves, since
//!   criterion reports means and the goal is a p99),
//! - unlocking at 600,000 PBKDF2 iterations,
//! - building the report input from 100,000 stored submissions.
//!
//! `CARGO_TARGET_DIR=/work/targets/store cargo bench -p campo-store`

use campo_core::catalog::Catalog;
use campo_core::{Activity, AnswerValue, Answers, Submission};
use campo_store::{NewMeeting, Vault, DEFAULT_ITERATIONS};
use chrono::{NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

const PASS: &str = "benchmark passphrase";

fn satisfaction(meeting: Uuid, answers: &Answers) -> Submission {
    Submission {
        id: Uuid::now_v7(),
        instrument_id: "training_satisfaction".into(),
        instrument_version: 1,
        meeting_id: meeting,
        respondent: None,
        phase: None,
        answers: answers.clone(),
        created_at: Utc::now(),
        replaces: None,
    }
}

/// The 13 answers of the training satisfaction scale.
fn answers() -> Answers {
    let catalog = Catalog::builtin();
    let inst = catalog.latest("training_satisfaction").expect("instrument");
    assert_eq!(inst.items.len(), 13);
    inst.items
        .iter()
        .map(|i| (i.id.clone(), AnswerValue::Text(i.options[2].value.clone())))
        .collect()
}

fn vault_with_meeting(dir: &Path) -> (Vault, Uuid) {
    let (v, _) = Vault::create(dir, "Bench", PASS).unwrap();
    let m = v
        .create_meeting(NewMeeting {
            activity: Activity::TrainingCourse,
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            place: "Sala".into(),
            topic: "Bench".into(),
            facilitator: "Bench".into(),
        })
        .unwrap();
    (v, m.id)
}

fn save(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (v, meeting) = vault_with_meeting(dir.path());
    let a = answers();
    c.bench_function("save_final 13 items", |b| {
        b.iter(|| v.save_final(&satisfaction(meeting, &a)).unwrap())
    });

    let mut times: Vec<Duration> = (0..2_000)
        .map(|_| {
            let s = satisfaction(meeting, &a);
            let t = Instant::now();
            v.save_final(&s).unwrap();
            t.elapsed()
        })
        .collect();
    times.sort();
    let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    println!(
        "save_final 13 items over {} saves: p50 {:?}, p99 {:?}, max {:?}",
        times.len(),
        pct(50),
        pct(99),
        times[times.len() - 1]
    );

    // For scale: a save is one commit, and with synchronous=FULL a commit is one fsync of
    // the WAL. The same number of bare 4 KiB write + fsync on the same disk:
    use std::io::Write;
    let mut f = std::fs::File::create(dir.path().join("fsync-probe")).unwrap();
    let mut times: Vec<Duration> = (0..2_000)
        .map(|_| {
            let t = Instant::now();
            f.write_all(&[0u8; 4096]).unwrap();
            f.sync_data().unwrap();
            t.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "bare 4 KiB write + fsync on the same disk: p50 {:?}, p99 {:?}",
        times[1_000], times[1_980]
    );
}

fn unlock(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    drop(vault_with_meeting(dir.path()));
    let mut g = c.benchmark_group("unlock");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function(
        format!("open + unlock at {DEFAULT_ITERATIONS} iterations"),
        |b| b.iter(|| black_box(Vault::open(dir.path()).unwrap().unlock(PASS).unwrap())),
    );
    g.finish();
}

fn report_input(c: &mut Criterion) {
    const N: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let (v, meeting) = vault_with_meeting(dir.path());
    let a = answers();
    let t = Instant::now();
    // Built once, outside the timing, in batches (one transaction per batch).
    for chunk in (0..N).collect::<Vec<_>>().chunks(5_000) {
        let batch: Vec<Submission> = chunk.iter().map(|_| satisfaction(meeting, &a)).collect();
        v.save_finals(&batch).unwrap();
    }
    println!("stored {N} submissions in {:?}", t.elapsed());
    let mut g = c.benchmark_group("report_input");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.bench_function(format!("report_input over {N} submissions"), |b| {
        b.iter(|| {
            let input = v.report_input().unwrap();
            assert_eq!(input.submissions.len(), N);
            black_box(input)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = save, unlock, report_input
}
criterion_main!(benches);
