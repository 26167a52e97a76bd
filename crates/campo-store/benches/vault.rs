//! Vault figures (a benchmark, not a test: it reports, it does not assert).
//!
//! - saving one answer as a draft, as the app does before every next question (criterion,
//!   plus p50/p99 over 2,000 saves interleaved with as many bare 4 KiB write + fsync on the
//!   same disk, and their ratio),
//! - saving a 13-item final submission (criterion, plus p50/p99 over 2,000 saves, since
//!   criterion reports means and the goal is a p99),
//! - unlocking at 600,000 PBKDF2 iterations,
//! - building the report input from 100,000 stored submissions.
//!
//! `cargo bench -p campo-store --bench vault` runs all; a filter runs only the groups
//! whose name holds it, set-up included: `cargo bench -p campo-store --bench vault -- draft`.

use campo_core::catalog::Catalog;
use campo_core::{Activity, AnswerValue, Answers, Submission};
use campo_store::{new_record_id, NewMeeting, Vault, DEFAULT_ITERATIONS};
use chrono::{NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

const PASS: &str = "benchmark passphrase";

fn satisfaction(meeting: Uuid, answers: &Answers) -> Submission {
    Submission {
        id: new_record_id(),
        instrument_id: "training_satisfaction".into(),
        instrument_version: 1,
        meeting_id: meeting,
        respondent: None,
        phase: None,
        answers: answers.clone(),
        created_at: Utc::now(),
        replaces: None,
        follows_up: None,
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

/// Whether a group runs: no filter given, or its name holds one. Criterion filters its
/// own benchmarks, but the set-up of a group (thousands of saves, 100,000 submissions)
/// runs before them and is skipped here.
fn wanted(name: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
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

/// One draft of the 13-item scale, one more answer at each save (wrapping round).
struct Questionnaire {
    draft: Submission,
    items: Vec<(String, AnswerValue)>,
    next: usize,
}

impl Questionnaire {
    fn new(meeting: Uuid) -> Questionnaire {
        let mut draft = satisfaction(meeting, &Answers::new());
        draft.answers.clear();
        Questionnaire {
            draft,
            items: answers().into_iter().collect(),
            next: 0,
        }
    }

    fn answer_one(&mut self) -> &Submission {
        if self.next == self.items.len() {
            self.draft.answers.clear();
            self.next = 0;
        }
        let (item, value) = self.items[self.next].clone();
        self.draft.answers.insert(item, value);
        self.next += 1;
        &self.draft
    }
}

fn draft(c: &mut Criterion) {
    if !wanted("save_draft") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (v, meeting) = vault_with_meeting(dir.path());
    let mut q = Questionnaire::new(meeting);
    c.bench_function("save_draft one more answer", |b| {
        b.iter(|| v.save_draft(q.answer_one()).unwrap())
    });

    // The draft saves and the bare fsyncs take turns, so both meet the same disk and load.
    use std::io::Write;
    let mut f = std::fs::File::create(dir.path().join("fsync-probe")).unwrap();
    let mut saves = Vec::with_capacity(2_000);
    let mut fsyncs = Vec::with_capacity(2_000);
    for _ in 0..2_000 {
        let s = q.answer_one().clone();
        let t = Instant::now();
        v.save_draft(&s).unwrap();
        saves.push(t.elapsed());
        let t = Instant::now();
        f.write_all(&[0u8; 4096]).unwrap();
        f.sync_data().unwrap();
        fsyncs.push(t.elapsed());
    }
    saves.sort();
    fsyncs.sort();
    let (s50, s99) = (percentile(&saves, 50), percentile(&saves, 99));
    let (f50, f99) = (percentile(&fsyncs, 50), percentile(&fsyncs, 99));
    println!(
        "save_draft one more answer over {} saves: p50 {s50:?}, p99 {s99:?}, max {:?}",
        saves.len(),
        saves[saves.len() - 1]
    );
    println!("bare 4 KiB write + fsync, same disk, interleaved: p50 {f50:?}, p99 {f99:?}");
    println!(
        "ratio draft save / bare fsync: p50 {:.2}x, p99 {:.2}x",
        s50.as_secs_f64() / f50.as_secs_f64(),
        s99.as_secs_f64() / f99.as_secs_f64()
    );
}

fn save(c: &mut Criterion) {
    if !wanted("save_final") {
        return;
    }
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
    println!(
        "save_final 13 items over {} saves: p50 {:?}, p99 {:?}, max {:?}",
        times.len(),
        percentile(&times, 50),
        percentile(&times, 99),
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
    if !wanted("unlock") {
        return;
    }
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
    if !wanted("report_input") {
        return;
    }
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
    targets = draft, save, unlock, report_input
}
criterion_main!(benches);
