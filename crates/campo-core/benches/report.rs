//! The assessment report over 1,000,000 synthetic submissions (the goal: under 1 s).
//!
//! The data set is generated deterministically before timing: 2,000 meetings (courses,
//! peer groups, committee; some cancelled) and a mix of pre/post course quizzes by coded
//! carers, 13-item training satisfaction scales, peer scales and committee evaluations,
//! all answering the built-in instruments.

use campo_core::catalog::Catalog;
use campo_core::report::{compute, ReportInput, Targets};
use campo_core::{
    Activity, AnswerValue, Answers, Attendance, Instrument, ItemType, Meeting, MeetingStatus,
    Phase, Submission,
};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use std::hint::black_box;
use uuid::Uuid;

const MEETINGS: u32 = 2_000;
const SUBMISSIONS: u32 = 1_000_000;

/// A small deterministic generator (64-bit LCG): the same data on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % u64::from(bound)) as u32
    }
}

/// Answers picking a random option of every choice/scale item.
fn random_answers(instrument: &Instrument, rng: &mut Lcg) -> Answers {
    instrument
        .items
        .iter()
        .filter(|i| matches!(i.item_type, ItemType::SingleChoice | ItemType::Scale))
        .map(|i| {
            let o = &i.options[rng.next(i.options.len() as u32) as usize];
            (i.id.clone(), AnswerValue::Text(o.value.clone()))
        })
        .collect()
}

fn data(catalog: &Catalog) -> ReportInput {
    let mut rng = Lcg(2026);
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let meetings: Vec<Meeting> = (0..MEETINGS)
        .map(|n| {
            // 60% courses, 30% peer groups, 10% committee; 1 in 20 cancelled.
            let activity = match n % 10 {
                0..=5 => Activity::TrainingCourse,
                6..=8 => Activity::PeerGroup,
                _ => Activity::Committee,
            };
            let status = if n % 20 == 19 {
                MeetingStatus::Cancelled {
                    reason: "maltempo".into(),
                }
            } else {
                MeetingStatus::Held
            };
            let codes = (0..rng.next(15))
                .map(|_| format!("C{:04}", rng.next(3_000)))
                .collect();
            Meeting {
                id: Uuid::from_u128(u128::from(n) + 1),
                revision: 1,
                activity,
                date: start + Duration::days(i64::from(n % 365)),
                place: "Sala".into(),
                topic: "Topic".into(),
                facilitator: "F".into(),
                status,
                attendance: Attendance {
                    participants: codes,
                    anonymous: rng.next(5),
                    roles: None,
                },
                updated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            }
        })
        .collect();

    let quizzes: Vec<&Instrument> = catalog
        .for_activity(Activity::TrainingCourse)
        .into_iter()
        .filter(|i| i.id.starts_with("quiz_"))
        .collect();
    let training_satisfaction = catalog.latest("training_satisfaction").unwrap();
    let peer = catalog.latest("peer_satisfaction").unwrap();
    let goals = catalog.latest("committee_goals").unwrap();

    let created = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
    let submissions = (0..SUBMISSIONS)
        .map(|n| {
            let meeting = &meetings[rng.next(MEETINGS) as usize];
            let (instrument, respondent, phase) = match meeting.activity {
                Activity::TrainingCourse => match rng.next(10) {
                    // Quizzes: 70% of course submissions, pre and post by coded carers.
                    0..=6 => {
                        let quiz = quizzes[(meeting.id.as_u128() % quizzes.len() as u128) as usize];
                        let phase = if rng.next(2) == 0 {
                            Phase::Pre
                        } else {
                            Phase::Post
                        };
                        (quiz, Some(format!("C{:04}", rng.next(3_000))), Some(phase))
                    }
                    _ => (training_satisfaction, None, None),
                },
                Activity::PeerGroup => (peer, None, None),
                Activity::Committee => (goals, Some("C0001".to_string()), None),
                // Meetings are drawn among the service activities only.
                Activity::CoAssessment => unreachable!(),
            };
            Submission {
                id: Uuid::from_u128(u128::from(n) + 1_000_000),
                instrument_id: instrument.id.clone(),
                instrument_version: instrument.version,
                meeting_id: meeting.id,
                respondent,
                phase,
                answers: random_answers(instrument, &mut rng),
                created_at: created + Duration::seconds(i64::from(n)),
                // Some corrections, so the replaced-set path is exercised too.
                replaces: (n % 1_000 == 999).then(|| Uuid::from_u128(u128::from(n) + 999_999)),
                follows_up: None,
            }
        })
        .collect();
    ReportInput {
        meetings,
        submissions,
        outreach: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let input = data(&catalog);
    let targets = Targets::default();
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(std::time::Duration::from_secs(2));
    group.measurement_time(std::time::Duration::from_secs(10));
    group.bench_function("compute_1m_submissions", |b| {
        b.iter(|| black_box(compute(black_box(&input), &catalog, &targets)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
