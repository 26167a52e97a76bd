//! The assessment report over a small data set whose every figure was worked out by hand
//! (the working is in the comments next to each expected number).

use campo_core::catalog::Catalog;
use campo_core::report::{compute, render_csv, render_text, Report, ReportInput, Targets};
use campo_core::{
    Activity, AnswerValue, Answers, Attendance, Choice, Instrument, Item, ItemType, Lang, Meeting,
    MeetingStatus, Outreach, Phase, Scoring, Submission, Text,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

const EPS: f64 = 1e-9;

fn close(actual: Option<f64>, expected: f64) {
    let a = actual.unwrap_or_else(|| panic!("expected {expected}, got no value"));
    assert!((a - expected).abs() < EPS, "expected {expected}, got {a}");
}

// ---- instruments -------------------------------------------------------------------

fn option(value: &str, it: &str, en: &str, score: Option<u8>, correct: bool) -> Choice {
    Choice {
        value: value.into(),
        label: Text::new(it, en),
        score,
        correct,
    }
}

fn item(id: &str, item_type: ItemType, options: Vec<Choice>) -> Item {
    Item {
        id: id.into(),
        item_type,
        label: Text::new(format!("{id} it"), format!("{id} en")),
        help: None,
        required: false,
        options,
        faces: false,
        min: None,
        max: None,
        max_length: None,
        relevant: None,
    }
}

fn instrument(
    id: &str,
    activity: Activity,
    anonymous: bool,
    scoring: Scoring,
    items: Vec<Item>,
) -> Instrument {
    Instrument {
        id: id.into(),
        version: 1,
        title: Text::new(format!("Titolo {id}"), format!("Title {id}")),
        description: None,
        activities: vec![activity],
        topic: None,
        anonymous,
        items,
        scoring,
    }
}

/// A quiz whose items each have the correct option "a" and a wrong one "b".
fn quiz(id: &str, items: usize) -> Instrument {
    let items = (1..=items)
        .map(|i| {
            item(
                &format!("q{i}"),
                ItemType::SingleChoice,
                vec![
                    option("a", "a", "a", None, true),
                    option("b", "b", "b", None, false),
                ],
            )
        })
        .collect();
    instrument(
        id,
        Activity::TrainingCourse,
        false,
        Scoring::PercentCorrect,
        items,
    )
}

fn catalog() -> Catalog {
    let three_points = || {
        vec![
            option("0", "per nulla", "not", Some(0), false),
            option("50", "in parte", "partly", Some(50), false),
            option("100", "del tutto", "fully", Some(100), false),
        ]
    };
    let tsat = instrument(
        "tsat",
        Activity::TrainingCourse,
        true,
        Scoring::MeanScore,
        vec![
            item("s1", ItemType::Scale, three_points()),
            item("s2", ItemType::Scale, three_points()),
            item("s3", ItemType::Scale, three_points()),
        ],
    );
    let psat = instrument(
        "psat",
        Activity::PeerGroup,
        true,
        Scoring::MeanScore,
        vec![item(
            "sat",
            ItemType::Scale,
            vec![
                option("1", "Per niente", "Not at all", Some(25), false),
                option("2", "Poco", "A little", Some(50), false),
                option("3", "Soddisfatto", "Satisfied", Some(75), false),
                option("4", "Del tutto", "Completely", Some(100), false),
            ],
        )],
    );
    let states = || {
        vec![
            option("achieved", "Raggiunto", "Achieved", None, false),
            option("partial", "Parziale", "Partially", None, false),
            option("unfulfilled", "Non raggiunto", "Unfulfilled", None, false),
        ]
    };
    let goals = instrument(
        "goals",
        Activity::Committee,
        false,
        Scoring::CountPerState,
        vec![
            item("g1", ItemType::SingleChoice, states()),
            item("g2", ItemType::SingleChoice, states()),
            item("g3", ItemType::SingleChoice, states()),
            item("n1", ItemType::Text, vec![]),
        ],
    );
    Catalog::new(vec![quiz("qz", 3), quiz("qy", 2), tsat, psat, goals])
}

// ---- records -----------------------------------------------------------------------

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap()
}

fn meeting(
    n: u128,
    activity: Activity,
    day: NaiveDate,
    status: MeetingStatus,
    codes: &[&str],
    anonymous: u32,
) -> Meeting {
    Meeting {
        id: id(n),
        revision: 1,
        activity,
        date: day,
        place: "Sala civica".into(),
        topic: "topic".into(),
        facilitator: "Anna".into(),
        status,
        attendance: Attendance {
            participants: codes.iter().map(|c| c.to_string()).collect(),
            anonymous,
            roles: None,
        },
        updated_at: at(1, 1, 0),
    }
}

fn cancelled(reason: &str) -> MeetingStatus {
    MeetingStatus::Cancelled {
        reason: reason.into(),
    }
}

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), AnswerValue::Text(v.to_string())))
        .collect()
}

struct S {
    next: u128,
    all: Vec<Submission>,
}

impl S {
    fn add(
        &mut self,
        instrument: &str,
        meeting: u128,
        respondent: Option<&str>,
        phase: Option<Phase>,
        a: &[(&str, &str)],
        created: DateTime<Utc>,
    ) -> Uuid {
        self.next += 1;
        let sid = id(1000 + self.next);
        self.all.push(Submission {
            id: sid,
            instrument_id: instrument.into(),
            instrument_version: 1,
            meeting_id: id(meeting),
            respondent: respondent.map(String::from),
            phase,
            answers: answers(a),
            created_at: created,
            replaces: None,
            follows_up: None,
        });
        sid
    }
}

const T1: u128 = 1;
const T2: u128 = 2;
const T3: u128 = 3;
const P1: u128 = 11;
const P2: u128 = 12;
const C1: u128 = 21;
const C2: u128 = 22;
const C3: u128 = 23;

fn data() -> ReportInput {
    use Activity::*;
    let meetings = vec![
        // T1: A, B, C + 1 anonymous = 4 attendances.
        meeting(
            T1,
            TrainingCourse,
            date(1, 15),
            MeetingStatus::Held,
            &["A", "B", "C"],
            1,
        ),
        // T2: A, D (D entered twice, counted once) + 2 anonymous = 4.
        meeting(
            T2,
            TrainingCourse,
            date(2, 12),
            MeetingStatus::Held,
            &["A", "D", "D"],
            2,
        ),
        meeting(
            T3,
            TrainingCourse,
            date(3, 10),
            cancelled("Neve, strade chiuse"),
            &[],
            0,
        ),
        // P1: B, E + 3 anonymous = 5.
        meeting(
            P1,
            PeerGroup,
            date(1, 20),
            MeetingStatus::Held,
            &["B", "E"],
            3,
        ),
        meeting(
            P2,
            PeerGroup,
            date(2, 20),
            cancelled("Facilitator ill"),
            &[],
            0,
        ),
        // C1: A, F = 2; C2: A, F, G = 3; C3 still planned (the period's last date).
        meeting(
            C1,
            Committee,
            date(1, 25),
            MeetingStatus::Held,
            &["A", "F"],
            0,
        ),
        meeting(
            C2,
            Committee,
            date(3, 5),
            MeetingStatus::Held,
            &["A", "F", "G"],
            0,
        ),
        meeting(C3, Committee, date(4, 2), MeetingStatus::Planned, &[], 0),
    ];

    let mut s = S {
        next: 0,
        all: Vec::new(),
    };
    let (pre, post) = (Some(Phase::Pre), Some(Phase::Post));
    // T1, quiz qz (3 items, "a" is right).
    s.add(
        "qz",
        T1,
        Some("A"),
        pre,
        &[("q1", "a"), ("q2", "b"), ("q3", "b")],
        at(1, 15, 9),
    ); // 1/3 = 33.33
    s.add(
        "qz",
        T1,
        Some("A"),
        post,
        &[("q1", "b"), ("q2", "b"), ("q3", "b")],
        at(1, 15, 11),
    ); // 0, superseded by A's later post
    s.add(
        "qz",
        T1,
        Some("A"),
        post,
        &[("q1", "a"), ("q2", "a"), ("q3", "a")],
        at(1, 15, 12),
    ); // 100
    s.add(
        "qz",
        T1,
        Some("B"),
        pre,
        &[("q1", "a"), ("q2", "a"), ("q3", "b")],
        at(1, 15, 9),
    ); // 66.67
    let wrong = s.add(
        "qz",
        T1,
        Some("B"),
        post,
        &[("q1", "a"), ("q2", "a"), ("q3", "b")],
        at(1, 15, 12),
    ); // replaced
    let fix = s.add(
        "qz",
        T1,
        Some("B"),
        post,
        &[("q1", "a"), ("q2", "a"), ("q3", "a")],
        at(1, 16, 8),
    ); // 100
    s.all.iter_mut().find(|x| x.id == fix).unwrap().replaces = Some(wrong);
    s.add(
        "qz",
        T1,
        Some("C"),
        pre,
        &[("q1", "b"), ("q2", "b")],
        at(1, 15, 9),
    ); // 0, C left before the post quiz
       // T2, quiz qy (2 items).
    s.add(
        "qy",
        T2,
        Some("A"),
        pre,
        &[("q1", "a"), ("q2", "b")],
        at(2, 12, 9),
    ); // 50
    s.add(
        "qy",
        T2,
        Some("A"),
        post,
        &[("q1", "a"), ("q2", "a")],
        at(2, 12, 12),
    ); // 100
    s.add(
        "qy",
        T2,
        Some("D"),
        post,
        &[("q1", "a"), ("q2", "b")],
        at(2, 12, 12),
    ); // 50, D missed the pre quiz
    s.add(
        "qy",
        T2,
        Some("D"),
        None,
        &[("q1", "a"), ("q2", "a")],
        at(2, 12, 12),
    ); // no phase: left out
       // Training satisfaction (anonymous, mean of the answered items).
    s.add(
        "tsat",
        T1,
        None,
        None,
        &[("s1", "100"), ("s2", "100"), ("s3", "50")],
        at(1, 15, 13),
    ); // 250/3 = 83.33
    s.add(
        "tsat",
        T1,
        None,
        None,
        &[("s1", "50"), ("s2", "50"), ("s3", "50")],
        at(1, 15, 13),
    ); // 50
    s.add(
        "tsat",
        T2,
        None,
        None,
        &[("s1", "100"), ("s2", "100"), ("s3", "100")],
        at(2, 12, 13),
    ); // 100
    s.add(
        "tsat",
        T2,
        None,
        None,
        &[("s1", "0"), ("s3", "100")],
        at(2, 12, 13),
    ); // s2 skipped: 50
    s.add("tsat", T3, None, None, &[("s1", "100")], at(3, 10, 13)); // cancelled course: left out
    s.add("tsat", 999, None, None, &[("s1", "100")], at(3, 10, 13)); // unknown meeting: left out
    s.add("nope", T1, None, None, &[("x", "1")], at(1, 15, 13)); // unknown instrument: left out
    s.add("psat", T1, None, None, &[("sat", "4")], at(1, 15, 13)); // peer scale at a course: left out
                                                                   // Peer satisfaction at P1: 75, 100, 100, 50, 75.
    for v in ["3", "4", "4", "2", "3"] {
        s.add("psat", P1, None, None, &[("sat", v)], at(1, 20, 18));
    }
    // Committee goals: C1's re-evaluation is typed in after C2's, but C2 is the later
    // meeting, so C2's evaluation is the latest.
    s.add(
        "goals",
        C1,
        Some("F"),
        None,
        &[("g1", "achieved"), ("g2", "partial"), ("g3", "unfulfilled")],
        at(1, 25, 20),
    );
    s.add(
        "goals",
        C2,
        Some("F"),
        None,
        &[
            ("g1", "achieved"),
            ("g2", "achieved"),
            ("g3", "partial"),
            ("n1", "ok"),
        ],
        at(3, 5, 20),
    );
    s.add(
        "goals",
        C1,
        Some("F"),
        None,
        &[
            ("g1", "unfulfilled"),
            ("g2", "unfulfilled"),
            ("g3", "unfulfilled"),
        ],
        at(3, 9, 20),
    );

    let outreach = vec![
        Outreach {
            period: "2026-01".into(),
            page_likes: 10,
            site_visits: 100,
            downloads: 5,
            new_patients_informed: 2,
        },
        Outreach {
            period: "2026-02".into(),
            page_likes: 20,
            site_visits: 50,
            downloads: 0,
            new_patients_informed: 1,
        },
        Outreach {
            period: "2026-01".into(),
            page_likes: 1,
            site_visits: 0,
            downloads: 0,
            new_patients_informed: 0,
        },
    ];
    ReportInput {
        meetings,
        submissions: s.all,
        outreach,
    }
}

fn report() -> Report {
    compute(&data(), &catalog(), &Targets::default())
}

#[test]
fn meetings_and_attendance_per_activity() {
    let r = report();
    // Period 2026-01-15 .. 2026-04-02: January to April = 4 months.
    let p = r.period.as_ref().unwrap();
    assert_eq!((p.first, p.last), (date(1, 15), date(4, 2)));
    assert_eq!(r.months, 4);

    let t = &r.training.meetings;
    assert_eq!((t.planned, t.held, t.cancelled.len()), (0, 2, 1));
    assert_eq!(
        (t.cancelled[0].meeting_id, t.cancelled[0].date),
        (id(T3), date(3, 10))
    );
    assert_eq!(t.cancelled[0].reason, "Neve, strade chiuse");
    assert_eq!(t.attendances, 8); // 4 + 4
    close(t.average_participants, 4.0); // 8 / 2
                                        // Cadence: 1 course a month * 4 months = 4; 2 held.
    assert_eq!(r.training.cadence.target, 4.0);
    assert_eq!(r.training.cadence.met, Some(false));

    let pg = &r.peer.meetings;
    assert_eq!((pg.planned, pg.held, pg.cancelled.len()), (0, 1, 1));
    assert_eq!(pg.cancelled[0].reason, "Facilitator ill");
    assert_eq!(pg.attendances, 5);
    close(pg.average_participants, 5.0);
    assert_eq!(
        (r.peer.cadence.target, r.peer.cadence.met),
        (4.0, Some(false))
    );

    let c = &r.committee.meetings;
    assert_eq!((c.planned, c.held, c.cancelled.len()), (1, 2, 0));
    assert_eq!(c.attendances, 5); // 2 + 3
    close(c.average_participants, 2.5); // 5 / 2
}

#[test]
fn training_understanding_gain_and_satisfaction() {
    let t = report().training;
    // Post quizzes, one per carer, course and quiz (latest wins): A@T1 100, B@T1 100
    // (the correction), A@T2 100, D@T2 50 -> 350 / 4 = 87.5, out of 8 attendances.
    close(t.understanding.mean, 87.5);
    assert_eq!(t.understanding.n, 4);
    assert_eq!(t.understanding_out_of, 8);
    assert_eq!(
        (t.understanding_check.target, t.understanding_check.met),
        (75.0, Some(true))
    );
    // Pre: A@T1 33.33, B@T1 66.67, C@T1 0, A@T2 50 -> 150 / 4 = 37.5.
    close(t.pre.mean, 37.5);
    assert_eq!(t.pre.n, 4);
    // Pairs: A@T1 100-33.33 = 66.67, B@T1 100-66.67 = 33.33, A@T2 100-50 = 50 -> 150 / 3 = 50.
    // C (pre only) and D (post only) have no pair.
    close(t.gain.mean, 50.0);
    assert_eq!(t.gain.n, 3);
    // Satisfaction: 83.33 + 50 + 100 + 50 = 283.33 / 4 = 70.83, not above 75.
    close(t.satisfaction.mean, 850.0 / 12.0);
    assert_eq!(t.satisfaction.n, 4);
    assert_eq!(t.satisfaction_check.met, Some(false));

    // Per quiz, by id: qy then qz.
    let ids: Vec<&str> = t.quizzes.iter().map(|q| q.instrument_id.as_str()).collect();
    assert_eq!(ids, ["qy", "qz"]);
    let qy = &t.quizzes[0];
    assert_eq!(qy.title.en, "Title qy");
    close(qy.pre.mean, 50.0); // A 50
    close(qy.post.mean, 75.0); // (100 + 50) / 2
    close(qy.gain.mean, 50.0); // A only
    assert_eq!((qy.pre.n, qy.post.n, qy.gain.n), (1, 2, 1));
    let qz = &t.quizzes[1];
    close(qz.pre.mean, 100.0 / 3.0); // (33.33 + 66.67 + 0) / 3
    close(qz.post.mean, 100.0); // A 100, B 100
    close(qz.gain.mean, 50.0); // (66.67 + 33.33) / 2
    assert_eq!((qz.pre.n, qz.post.n, qz.gain.n), (3, 2, 2));
}

#[test]
fn peer_satisfaction_distribution() {
    let p = report().peer;
    // 75 + 100 + 100 + 50 + 75 = 400 / 5 = 80, above 75.
    assert_eq!(p.satisfaction.n, 5);
    close(p.satisfaction.mean, 80.0);
    assert_eq!(p.satisfaction_check.met, Some(true));
    let levels: Vec<(&str, &str, Option<u8>, u64)> = p
        .satisfaction
        .levels
        .iter()
        .map(|l| (l.value.as_str(), l.label.en.as_str(), l.score, l.count))
        .collect();
    assert_eq!(
        levels,
        [
            ("1", "Not at all", Some(25), 0),
            ("2", "A little", Some(50), 1),
            ("3", "Satisfied", Some(75), 2),
            ("4", "Completely", Some(100), 2)
        ]
    );
}

#[test]
fn committee_latest_evaluation_wins() {
    let c = report().committee;
    assert_eq!(c.evaluations, 3);
    let latest = c.latest.unwrap();
    // C2 (5 March) beats C1 (25 January) although C1's re-evaluation was typed later.
    assert_eq!((latest.meeting_id, latest.date), (id(C2), date(3, 5)));
    let states: Vec<(&str, u64)> = latest
        .states
        .iter()
        .map(|s| (s.value.as_str(), s.count))
        .collect();
    assert_eq!(
        states,
        [("achieved", 2), ("partial", 1), ("unfulfilled", 0)]
    );
    let goals: Vec<(&str, Option<&str>)> = latest
        .goals
        .iter()
        .map(|g| (g.item_id.as_str(), g.state.as_deref()))
        .collect();
    assert_eq!(
        goals,
        [
            ("g1", Some("achieved")),
            ("g2", Some("achieved")),
            ("g3", Some("partial"))
        ]
    );
    assert_eq!(latest.goals[2].state_label.as_ref().unwrap().it, "Parziale");
}

#[test]
fn totals_reach_outreach_and_left_out() {
    let r = report();
    let t = &r.totals;
    assert_eq!((t.meetings_held, t.meetings_cancelled), (5, 2)); // T1 T2 P1 C1 C2; T3 P2
    assert_eq!(t.carers_involved, 18); // 4 + 4 + 5 + 2 + 3
    assert_eq!(t.distinct_participants, 7); // A B C D E F G
    assert_eq!(t.anonymous_attendances, 6); // 1 + 2 + 3
    assert_eq!(t.carers_reached, 13); // 7 + 6
                                      // A third of 320 is 106.67: the target is 107.
    assert_eq!((t.reach.target, t.reach.met), (107.0, Some(false)));
    // Every scale alike: (283.33 + 400) / 9 = 75.93, above 75.
    close(t.satisfaction.mean, (850.0 / 3.0 + 400.0) / 9.0);
    assert_eq!(t.satisfaction.n, 9);
    assert_eq!(t.satisfaction_check.met, Some(true));

    let o = &r.outreach;
    assert_eq!(
        (
            o.total.page_likes,
            o.total.site_visits,
            o.total.downloads,
            o.total.new_patients_informed
        ),
        (31, 150, 5, 3)
    );
    assert_eq!(o.periods.len(), 2);
    assert_eq!(o.periods[0].period, "2026-01");
    assert_eq!(
        (
            o.periods[0].counters.page_likes,
            o.periods[0].counters.site_visits
        ),
        (11, 100)
    );
    assert_eq!(
        (
            o.periods[1].period.as_str(),
            o.periods[1].counters.new_patients_informed
        ),
        ("2026-02", 1)
    );

    let i = &r.ignored;
    assert_eq!(
        (
            i.replaced,
            i.unknown_meeting,
            i.meeting_not_held,
            i.unknown_instrument,
            i.wrong_activity,
            i.quiz_without_phase
        ),
        (1, 1, 1, 1, 1, 1)
    );
    assert_eq!(i.total(), 6);
}

#[test]
fn configured_targets_change_only_the_checks() {
    let targets = Targets {
        eligible_carers: 30,
        reach_fraction: 0.4, // 12 carers: 13 reached
        pilot_months: Some(2),
        courses_per_month: 1,
        peer_meetings_per_month: 1,
        satisfaction_min: 70.0,
        understanding_min: 90.0,
        ..Targets::default()
    };
    let r = compute(&data(), &catalog(), &targets);
    assert_eq!(r.months, 2);
    assert_eq!(
        (r.totals.reach.target, r.totals.reach.met),
        (12.0, Some(true))
    );
    assert_eq!(
        (r.training.cadence.target, r.training.cadence.met),
        (2.0, Some(true))
    ); // 2 held
    assert_eq!(
        (r.peer.cadence.target, r.peer.cadence.met),
        (2.0, Some(false))
    ); // 1 held
    assert_eq!(r.training.satisfaction_check.met, Some(true)); // 70.83 > 70
    assert_eq!(r.training.understanding_check.met, Some(false)); // 87.5 < 90
                                                                 // The figures themselves do not move.
    assert_eq!(r.training, compute(&data(), &catalog(), &targets).training);
    close(r.training.understanding.mean, 87.5);
}

#[test]
fn targets_default_and_partial_config() {
    let t = Targets::default();
    assert_eq!(t.reach_target(), 107);
    let half: Targets = serde_json::from_str(r#"{"reach_fraction": 0.5}"#).unwrap();
    assert_eq!(half.reach_target(), 160);
    assert_eq!(half.eligible_carers, 320);
    assert!(
        serde_json::from_str::<Targets>(r#"{"reach": 1}"#).is_err(),
        "a misspelt target must not pass unnoticed"
    );
}

#[test]
fn exactly_75_is_not_above_75() {
    let mut input = data();
    // Keep only P1's peer scales, all "Satisfied" (75).
    input
        .submissions
        .retain(|s| s.instrument_id == "psat" && s.meeting_id == id(P1));
    for s in &mut input.submissions {
        s.answers = answers(&[("sat", "3")]);
    }
    let r = compute(&input, &catalog(), &Targets::default());
    close(r.peer.satisfaction.mean, 75.0);
    assert_eq!(r.peer.satisfaction_check.met, Some(false));
    // No quiz at all: understanding has no value, and "no data" is not "not met".
    assert_eq!(r.training.understanding.mean, None);
    assert_eq!(r.training.understanding_check.met, None);
}

#[test]
fn an_older_meeting_revision_is_not_counted_twice() {
    let mut input = data();
    let mut old = input
        .meetings
        .iter()
        .find(|m| m.id == id(T3))
        .unwrap()
        .clone();
    old.revision = 0;
    old.status = MeetingStatus::Held; // before it was cancelled it was... say, wrongly held
    input.meetings.insert(0, old);
    let r = compute(&input, &catalog(), &Targets::default());
    assert_eq!(r.training.meetings.held, 2);
    assert_eq!(r.training.meetings.cancelled.len(), 1);
}

#[test]
fn empty_input_gives_an_empty_report() {
    let r = compute(&ReportInput::default(), &catalog(), &Targets::default());
    assert_eq!(r.period, None);
    assert_eq!(r.months, 0);
    assert_eq!(r.totals.carers_involved, 0);
    assert_eq!(r.training.meetings.average_participants, None);
    assert!(r.committee.latest.is_none());
    assert!(render_text(&r, Lang::En).contains("no meetings"));
    assert!(render_csv(&r, Lang::It).lines().count() > 10);
}

#[test]
fn without_free_text_leaves_out_reasons_and_keeps_every_figure() {
    let full = report();
    let bare = full.clone().without_free_text();
    let json = serde_json::to_string(&bare).unwrap();
    for typed in ["Neve, strade chiuse", "Facilitator ill"] {
        assert!(!json.contains(typed), "{typed} is still in {json}");
        assert!(serde_json::to_string(&full).unwrap().contains(typed));
    }
    // A meeting's place and facilitator never reach a report at all.
    for typed in ["Sala civica", "Anna"] {
        assert!(serde_json::to_string(&data()).unwrap().contains(typed));
        assert!(!json.contains(typed), "{typed} reached the report");
    }
    // The cancellations are kept (their dates and ids), so every count is the same.
    let mut restored = bare.clone();
    for (kept, original) in [
        (&mut restored.training.meetings, &full.training.meetings),
        (&mut restored.peer.meetings, &full.peer.meetings),
        (&mut restored.committee.meetings, &full.committee.meetings),
    ] {
        assert_eq!(kept.cancelled.len(), original.cancelled.len());
        for (k, o) in kept.cancelled.iter_mut().zip(&original.cancelled) {
            assert!(k.reason.is_empty());
            assert_eq!((k.meeting_id, k.date), (o.meeting_id, o.date));
            k.reason = o.reason.clone();
        }
    }
    assert_eq!(restored, full, "nothing but the reasons changed");
}

#[test]
fn json_round_trips() {
    let r = report();
    let json = serde_json::to_string(&r).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}

#[test]
fn text_table_in_both_languages() {
    let r = report();
    let en = render_text(&r, Lang::En);
    let it = render_text(&r, Lang::It);
    for needle in [
        "Assessment report",
        "Training courses",
        "Understanding (post quiz, % correct)",
        "87.5",
        "4/8",
        "+50.0",
        "70.8",
        "Answers: Satisfied",
        "Goal: g3 en",
        "Partially",
        "Carers involved (sum of attendances)",
        "18",
        "107",
        "Neve, strade chiuse",
    ] {
        assert!(en.contains(needle), "English text lacks {needle:?}:\n{en}");
    }
    for needle in [
        "Rapporto di valutazione",
        "Corsi di formazione",
        "Comprensione (quiz finale, % corrette)",
        "87,5",
        "+50,0",
        "70,8",
        "Risposte: Soddisfatto",
        "Obiettivo: g3 it",
        "Parziale",
        "Familiari coinvolti (somma delle presenze)",
        "Comunicazione — 2026-02",
        "sì",
    ] {
        assert!(it.contains(needle), "Italian text lacks {needle:?}:\n{it}");
    }
    // The understanding row carries value, n, target and verdict on one line.
    let row = en.lines().find(|l| l.starts_with("Understanding")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().rev().take(4).collect();
    assert_eq!(cells, ["yes", "75", "4", "87.5"]);
}

#[test]
fn csv_rows() {
    let r = report();
    let csv = render_csv(&r, Lang::En);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "section,activity,figure,value,n,target,met");
    for row in [
        "Training courses,training_course,Meetings held,2,,4,no",
        "Training courses,training_course,\"Understanding (post quiz, % correct)\",87.50,4,75,yes",
        "Training courses,training_course,Post quizzes answered out of attendances,4/8,,,",
        "Training courses,training_course,Cancelled on 2026-03-10,\"Neve, strade chiuse\",,,",
        "Training courses,training_course,Pre to post gain (points),50.00,3,,",
        "Training courses,training_course,Satisfaction (%),70.83,4,75,no",
        "Training courses,training_course,Title qz: pre quiz (% correct),33.33,3,,",
        "Peer groups,peer_group,Answers: Completely,2,,,",
        "Carers' committee,committee,Goals: Achieved,2,,,",
        "Carers' committee,committee,Goal: g1 en,Achieved,,,",
        "Totals,,Carers reached (distinct codes + anonymous attendances),13,,107,no",
        "Totals,,Mean satisfaction (%),75.93,9,75,yes",
        "Outreach,all periods,Page likes,31,,,",
        "Outreach,2026-01,Site visits,100,,,",
        "Submissions left out,,Total left out,6,,,",
    ] {
        assert!(lines.contains(&row), "CSV lacks row {row:?}:\n{csv}");
    }
    // Every row has exactly seven fields once quoting is taken into account.
    for line in &lines {
        let mut fields = 1;
        let mut quoted = false;
        for ch in line.chars() {
            match ch {
                '"' => quoted = !quoted,
                ',' if !quoted => fields += 1,
                _ => {}
            }
        }
        assert_eq!(fields, 7, "{line}");
    }
    let it = render_csv(&r, Lang::It);
    assert!(it.starts_with("sezione,attività,indicatore,valore,n,obiettivo,raggiunto\r\n"));
    assert!(it.contains("Totali,,Soddisfazione media (%),75.93,9,75,sì\r\n"));
}

#[test]
fn report_over_the_builtin_instruments() {
    let catalog = Catalog::builtin();
    let quiz = catalog
        .latest("quiz_moving_transfers")
        .expect("built-in quiz");
    let right: Answers = quiz
        .items
        .iter()
        .map(|i| {
            (
                i.id.clone(),
                AnswerValue::Text(i.correct_option().unwrap().value.clone()),
            )
        })
        .collect();
    let sat = catalog.latest("training_satisfaction").unwrap();
    // Every item "fully satisfied" (the highest option).
    let full: Answers = sat
        .items
        .iter()
        .filter(|i| i.item_type == ItemType::Scale)
        .map(|i| {
            (
                i.id.clone(),
                AnswerValue::Text(i.options.last().unwrap().value.clone()),
            )
        })
        .collect();
    let goals = catalog.latest("committee_goals").unwrap();
    let achieved: Answers = goals
        .items
        .iter()
        .filter(|i| i.item_type == ItemType::SingleChoice)
        .map(|i| (i.id.clone(), AnswerValue::Text(i.options[0].value.clone())))
        .collect();

    let sub = |n: u128,
               instrument: &Instrument,
               meeting: u128,
               respondent: Option<&str>,
               phase,
               answers: Answers| Submission {
        id: id(n),
        instrument_id: instrument.id.clone(),
        instrument_version: instrument.version,
        meeting_id: id(meeting),
        respondent: respondent.map(String::from),
        phase,
        answers,
        created_at: at(1, 15, 12),
        replaces: None,
        follows_up: None,
    };
    let input = ReportInput {
        meetings: vec![
            meeting(
                T1,
                Activity::TrainingCourse,
                date(1, 15),
                MeetingStatus::Held,
                &["A"],
                0,
            ),
            meeting(
                C1,
                Activity::Committee,
                date(1, 16),
                MeetingStatus::Held,
                &["A"],
                0,
            ),
        ],
        submissions: vec![
            sub(1, quiz, T1, Some("A"), Some(Phase::Pre), Answers::new()),
            sub(2, quiz, T1, Some("A"), Some(Phase::Post), right),
            sub(3, sat, T1, None, None, full),
            sub(4, goals, C1, Some("A"), None, achieved),
        ],
        outreach: vec![],
    };
    let r = compute(&input, &catalog, &Targets::default());
    assert_eq!(r.ignored.total(), 0);
    close(r.training.understanding.mean, 100.0);
    close(r.training.pre.mean, 0.0);
    close(r.training.gain.mean, 100.0);
    close(r.training.satisfaction.mean, 100.0);
    assert_eq!(r.training.quizzes[0].title, quiz.title);
    let latest = r.committee.latest.as_ref().unwrap();
    assert_eq!(latest.goals.len(), 6, "the committee's six goals");
    assert_eq!(latest.states[0].count, 6);
    assert!(latest.goals.iter().all(|g| g.state.is_some()));
    // Both languages render without a missing label.
    for lang in Lang::ALL {
        assert!(render_text(&r, lang).contains(quiz.title.get(lang)));
    }
}

#[test]
fn peer_levels_merge_across_instrument_versions() {
    // Version 2 of the peer scale renames level "4" and adds no new one; one answer was
    // given on each version.
    let mut catalog = catalog();
    let mut v2 = catalog.get("psat", 1).unwrap().clone();
    v2.version = 2;
    v2.items[0].options[3].label = Text::new("Pienamente", "Fully");
    catalog.insert(v2);
    let mut input = data();
    input
        .submissions
        .retain(|s| s.instrument_id == "psat" && s.meeting_id == id(P1));
    input.submissions.truncate(2); // "3" (75) and "4" (100), both on version 1
    input.submissions[1].instrument_version = 2;
    let r = compute(&input, &catalog, &Targets::default());
    let d = &r.peer.satisfaction;
    assert_eq!(d.n, 2);
    close(d.mean, 87.5); // (75 + 100) / 2
    let levels: Vec<(&str, &str, u64)> = d
        .levels
        .iter()
        .map(|l| (l.value.as_str(), l.label.en.as_str(), l.count))
        .collect();
    // Labels come from the highest version answered.
    assert_eq!(
        levels,
        [
            ("1", "Not at all", 0),
            ("2", "A little", 0),
            ("3", "Satisfied", 1),
            ("4", "Fully", 1)
        ]
    );
}

#[test]
fn pilot_dates_fix_the_cadence_months_and_bad_targets_are_named() {
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let dated = Targets {
        pilot_start: Some(d("2026-01-15")),
        pilot_end: Some(d("2026-12-01")),
        ..Targets::default()
    };
    assert_eq!(dated.fixed_months(), Some(12));
    assert!(dated.problems().is_empty());
    let r = compute(&data(), &catalog(), &dated);
    assert_eq!(r.months, 12);
    // pilot_months wins over the dates; neither leaves it to the meetings.
    assert_eq!(
        Targets {
            pilot_months: Some(3),
            ..dated.clone()
        }
        .fixed_months(),
        Some(3)
    );
    assert_eq!(Targets::default().fixed_months(), None);

    let backwards = Targets {
        pilot_start: Some(d("2026-05-01")),
        pilot_end: Some(d("2026-04-30")),
        ..Targets::default()
    };
    assert_eq!(backwards.problems().len(), 1, "{:?}", backwards.problems());
    let half = Targets {
        pilot_start: Some(d("2026-05-01")),
        ..Targets::default()
    };
    assert_eq!(half.problems().len(), 1);
    let silly = Targets {
        reach_fraction: 0.0,
        satisfaction_min: 120.0,
        ..Targets::default()
    };
    assert_eq!(silly.problems().len(), 2, "{:?}", silly.problems());
}
