//! Realistic sample data written through the vault's own API: meetings with attendance,
//! pre/post course quizzes, satisfaction scales and committee checklists, all valid per
//! the built-in instruments.

use campo_core::catalog::Catalog;
use campo_core::{
    Activity, AnswerValue, Answers, Attendance, Instrument, ItemType, Meeting, Participant, Phase,
    Submission,
};
use campo_store::{NewMeeting, Vault};
use chrono::{Duration as Days, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

pub const QUIZZES: [&str; 5] = [
    "quiz_carer_wellbeing",
    "quiz_dementia_behaviour",
    "quiz_eating_swallowing",
    "quiz_medicines_home",
    "quiz_moving_transfers",
];

/// Valid answers to every item a respondent would see (random choices, notes left out).
pub fn answers_for(instrument: &Instrument, rng: &mut impl Rng) -> Answers {
    let mut answers = Answers::new();
    for item in &instrument.items {
        if item.relevant.is_some() {
            continue; // asked only after a matching answer; leaving it out is always valid
        }
        let value = match item.item_type {
            ItemType::SingleChoice | ItemType::Scale => {
                let o = &item.options[rng.random_range(0..item.options.len())];
                AnswerValue::Text(o.value.clone())
            }
            ItemType::MultipleChoice => AnswerValue::Many(vec![item.options[0].value.clone()]),
            ItemType::Text if item.required => AnswerValue::Text("ok".into()),
            ItemType::Number if item.required => AnswerValue::Number(item.min.unwrap_or(1.0)),
            ItemType::Date if item.required => AnswerValue::Text("2026-03-01".into()),
            _ => continue,
        };
        answers.insert(item.id.clone(), value);
    }
    answers
}

pub fn submission(
    instrument: &Instrument,
    meeting: Uuid,
    respondent: Option<String>,
    phase: Option<Phase>,
    rng: &mut impl Rng,
) -> Submission {
    Submission {
        id: Uuid::now_v7(),
        instrument_id: instrument.id.clone(),
        instrument_version: instrument.version,
        meeting_id: meeting,
        respondent,
        phase,
        answers: answers_for(instrument, rng),
        created_at: Utc::now(),
        replaces: None,
        follows_up: None,
    }
}

fn meeting(vault: &Vault, activity: Activity, date: NaiveDate, topic: &str, who: &str) -> Meeting {
    vault
        .create_meeting(NewMeeting {
            activity,
            date,
            place: "Comunità montana, sala civica".into(),
            topic: topic.into(),
            facilitator: who.into(),
        })
        .expect("create meeting")
}

/// Writes held meetings and exactly `n` final submissions into `vault`, cycling through
/// training courses (pre + post quiz and satisfaction per carer), peer groups and
/// committee meetings. `tag` keeps participant codes distinct between devices.
pub fn fill(vault: &Vault, catalog: &Catalog, n: usize, tag: &str, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let sat = catalog
        .latest("training_satisfaction")
        .expect("training_satisfaction");
    let peer = catalog
        .latest("peer_satisfaction")
        .expect("peer_satisfaction");
    let goals = catalog.latest("committee_goals").expect("committee_goals");
    let codes: Vec<String> = (0..12).map(|i| format!("{tag}-{i:03}")).collect();
    add_carers(vault, &codes);
    let day0 = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let mut written = 0usize;
    let mut k = 0usize;
    while written < n {
        let date = day0 + Days::days(k as i64);
        let (activity, topic) = match k % 3 {
            0 => (Activity::TrainingCourse, QUIZZES[k / 3 % QUIZZES.len()]),
            1 => (Activity::PeerGroup, "Gruppo di mutuo aiuto"),
            _ => (Activity::Committee, "Comitato dei familiari"),
        };
        let m = meeting(vault, activity, date, topic, "Facilitatrice di prova");
        let attendees: Vec<String> = codes.iter().take(4 + k % 8).cloned().collect();
        vault
            .set_attendance(
                m.id,
                Attendance {
                    participants: attendees.clone(),
                    anonymous: (k % 3) as u32,
                    roles: None,
                },
            )
            .expect("attendance");
        vault.mark_held(m.id).expect("held");
        let mut subs = Vec::new();
        match activity {
            Activity::TrainingCourse => {
                let quiz = catalog.latest(topic).expect("quiz");
                subs = course_submissions(quiz, sat, m.id, &attendees, &mut rng);
            }
            Activity::PeerGroup => {
                for _ in 0..attendees.len() * 3 {
                    subs.push(submission(peer, m.id, None, None, &mut rng));
                }
            }
            Activity::Committee => {
                for _ in 0..attendees.len() {
                    subs.push(submission(goals, m.id, None, None, &mut rng));
                }
            }
            // The fill draws the three service activities only.
            Activity::CoAssessment => unreachable!(),
        }
        for s in subs.into_iter().take(n - written) {
            vault.save_final(&s).expect("save final");
            written += 1;
        }
        k += 1;
    }
}

/// A course's submissions: each attendee's pre and post quiz and an anonymous
/// satisfaction scale.
fn course_submissions(
    quiz: &Instrument,
    sat: &Instrument,
    meeting: Uuid,
    attendees: &[String],
    rng: &mut impl Rng,
) -> Vec<Submission> {
    let mut subs = Vec::new();
    for code in attendees {
        for phase in [Phase::Pre, Phase::Post] {
            subs.push(submission(
                quiz,
                meeting,
                Some(code.clone()),
                Some(phase),
                rng,
            ));
        }
        subs.push(submission(sat, meeting, None, None, rng));
    }
    subs
}

/// One day's training course as a facilitator brings it back from the valley: a held
/// meeting with `carers` on the roster and in attendance, and each carer's pre and post
/// quiz and satisfaction scale, all final. Returns the meeting's id.
pub fn training_day(vault: &Vault, catalog: &Catalog, carers: usize, tag: &str, seed: u64) -> Uuid {
    let mut rng = StdRng::seed_from_u64(seed);
    let quiz = catalog.latest(QUIZZES[0]).expect("quiz");
    let sat = catalog
        .latest("training_satisfaction")
        .expect("training_satisfaction");
    let codes: Vec<String> = (0..carers).map(|i| format!("{tag}-{i:03}")).collect();
    add_carers(vault, &codes);
    let date = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let m = meeting(
        vault,
        Activity::TrainingCourse,
        date,
        QUIZZES[0],
        "Facilitatrice di prova",
    );
    vault
        .set_attendance(
            m.id,
            Attendance {
                participants: codes.clone(),
                anonymous: 0,
                roles: None,
            },
        )
        .expect("attendance");
    vault.mark_held(m.id).expect("held");
    for s in course_submissions(quiz, sat, m.id, &codes, &mut rng) {
        vault.save_final(&s).expect("save final");
    }
    m.id
}

fn add_carers(vault: &Vault, codes: &[String]) {
    for (i, code) in codes.iter().enumerate() {
        vault
            .add_participant(&Participant {
                code: code.clone(),
                name: format!("Carer {i}"),
                contact: None,
            })
            .expect("add participant");
    }
}
