//! Co-assessment: the records stay compatible with what is already stored, the report's
//! co-assessment section over a data set modelled on the pilot (every figure worked out by
//! hand in the comments), and each signal raised by data on one side of its threshold and
//! not by data just on the other side.

use campo_core::barrier::BARRIER_LOG;
use campo_core::catalog::Catalog;
use campo_core::report::{
    compute, compute_as_of, render_csv, render_text, signal_table, PlanState, Report, ReportInput,
    Signal, Stage, Targets,
};
use campo_core::{
    Activity, AnswerValue, Answers, Attendance, Choice, Instrument, Item, ItemType, Lang, Meeting,
    MeetingStatus, Outreach, Phase, RoleCounts, Scoring, Submission, Text,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

// ---- helpers -----------------------------------------------------------------------

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap()
}

fn meeting(n: u128, activity: Activity, date: NaiveDate, status: MeetingStatus) -> Meeting {
    Meeting {
        id: id(n),
        revision: 1,
        activity,
        date,
        place: "Sala civica".into(),
        topic: "topic".into(),
        facilitator: "Anna".into(),
        status,
        attendance: Attendance::default(),
        updated_at: at(1, 1, 0),
    }
}

fn held(n: u128, activity: Activity, date: NaiveDate, anonymous: u32) -> Meeting {
    let mut m = meeting(n, activity, date, MeetingStatus::Held);
    m.attendance.anonymous = anonymous;
    m
}

fn cancelled(n: u128, activity: Activity, date: NaiveDate) -> Meeting {
    meeting(
        n,
        activity,
        date,
        MeetingStatus::Cancelled {
            reason: "maltempo".into(),
        },
    )
}

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), AnswerValue::Text(v.to_string())))
        .collect()
}

fn submission(
    n: u128,
    instrument: &str,
    meeting: u128,
    a: &[(&str, &str)],
    created: DateTime<Utc>,
) -> Submission {
    Submission {
        id: id(n),
        instrument_id: instrument.into(),
        instrument_version: 1,
        meeting_id: id(meeting),
        respondent: None,
        phase: None,
        answers: answers(a),
        created_at: created,
        replaces: None,
        follows_up: None,
    }
}

/// A barrier log form: cause, stage, raised by, effect and (when given) status.
#[allow(clippy::too_many_arguments)]
fn barrier(
    n: u128,
    meeting: u128,
    cause: &str,
    stage: &str,
    raised_by: &str,
    effect: &str,
    status: Option<&str>,
    created: DateTime<Utc>,
) -> Submission {
    let mut a = vec![
        ("cause", cause),
        ("stage", stage),
        ("raised_by", raised_by),
        ("effect", effect),
        ("what_happened", "testo libero"),
    ];
    if cause == "other" {
        a.push(("cause_other", "descrizione"));
    }
    if let Some(status) = status {
        a.push(("status", status));
    }
    submission(n, BARRIER_LOG, meeting, &a, created)
}

fn follow_up(
    first: &Submission,
    n: u128,
    meeting: u128,
    effect: &str,
    status: Option<&str>,
    created: DateTime<Utc>,
) -> Submission {
    let get = |k: &str| match first.answers.get(k) {
        Some(AnswerValue::Text(v)) => v.clone(),
        _ => String::new(),
    };
    let mut s = barrier(
        n,
        meeting,
        &get("cause"),
        &get("stage"),
        &get("raised_by"),
        effect,
        status,
        created,
    );
    s.follows_up = Some(first.id);
    s
}

fn find<'a>(report: &'a Report, code: &str) -> Vec<&'a Signal> {
    report
        .co_assessment
        .signals
        .iter()
        .filter(|s| s.code == code)
        .collect()
}

fn evidence(signal: &Signal) -> Vec<(&str, f64)> {
    signal
        .evidence
        .iter()
        .map(|f| (f.name.as_str(), f.value))
        .collect()
}

fn input(meetings: Vec<Meeting>, submissions: Vec<Submission>) -> ReportInput {
    ReportInput {
        meetings,
        submissions,
        outreach: Vec::new(),
    }
}

// ---- serde compatibility -------------------------------------------------------------

#[test]
fn attendance_stored_before_roles_parses_and_serializes_as_before() {
    let old = r#"{"participants":["A01","A02"],"anonymous":3}"#;
    let parsed: Attendance = serde_json::from_str(old).unwrap();
    assert_eq!(parsed.roles, None);
    assert_eq!(serde_json::to_string(&parsed).unwrap(), old);
    // An empty attendance ({} on the wire) still parses.
    assert_eq!(
        serde_json::from_str::<Attendance>("{}").unwrap(),
        Attendance::default()
    );

    let with_roles = Attendance {
        participants: vec![],
        anonymous: 2,
        roles: Some(RoleCounts {
            carers: 5,
            provider_staff: 2,
            researchers: 1,
        }),
    };
    let json = serde_json::to_string(&with_roles).unwrap();
    assert_eq!(
        json,
        r#"{"participants":[],"anonymous":2,"roles":{"carers":5,"provider_staff":2,"researchers":1}}"#
    );
    assert_eq!(
        serde_json::from_str::<Attendance>(&json).unwrap(),
        with_roles
    );
}

#[test]
fn a_meeting_stored_before_co_assessments_parses_and_keeps_its_bytes() {
    let old = r#"{"id":"00000000-0000-0000-0000-000000000001","revision":2,"activity":"peer_group","date":"2026-03-01","place":"Sala","topic":"t","facilitator":"f","status":"held","attendance":{"participants":["A01"],"anonymous":1},"updated_at":"2026-03-01T10:00:00Z"}"#;
    let parsed: Meeting = serde_json::from_str(old).unwrap();
    assert_eq!(serde_json::to_string(&parsed).unwrap(), old);
    let co = r#"{"activity":"co_assessment"}"#;
    let value: serde_json::Value = serde_json::from_str(co).unwrap();
    assert_eq!(
        serde_json::from_value::<Activity>(value["activity"].clone()).unwrap(),
        Activity::CoAssessment
    );
    assert_eq!(Activity::CoAssessment.code(), "co_assessment");
}

#[test]
fn submissions_stored_before_follow_ups_parse_and_keep_their_bytes() {
    // The server's duplicate check and the content hash are over these bytes.
    let old = r#"{"id":"00000000-0000-0000-0000-000000000005","instrument_id":"peer_satisfaction","instrument_version":1,"meeting_id":"00000000-0000-0000-0000-000000000001","answers":{"q1":"3"},"created_at":"2026-03-01T10:00:00Z","replaces":"00000000-0000-0000-0000-000000000004"}"#;
    let parsed: Submission = serde_json::from_str(old).unwrap();
    assert_eq!(parsed.follows_up, None);
    assert_eq!(serde_json::to_string(&parsed).unwrap(), old);

    let mut follow = parsed.clone();
    follow.replaces = None;
    follow.follows_up = Some(id(9));
    let json = serde_json::to_string(&follow).unwrap();
    assert!(
        json.ends_with(r#""follows_up":"00000000-0000-0000-0000-000000000009"}"#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Submission>(&json).unwrap(), follow);
}

#[test]
fn targets_stored_before_the_plan_parse_with_its_default() {
    let old = r#"{"eligible_carers":300,"pilot_start":"2026-02-01","pilot_end":"2026-09-30"}"#;
    let parsed: Targets = serde_json::from_str(old).unwrap();
    assert_eq!(parsed.co_assessment_every_months, 4);
    assert_eq!(parsed.eligible_carers, 300);
    assert!(parsed.problems().is_empty());
    let silly = Targets {
        co_assessment_every_months: 121,
        ..Targets::default()
    };
    assert_eq!(silly.problems().len(), 1);
    // The default is not written, so the previous release's tablets (which refuse
    // unknown fields) still read the targets; any other value is written and read back.
    let json = serde_json::to_string(&parsed).unwrap();
    assert!(!json.contains("co_assessment_every_months"), "{json}");
    let every_six = Targets {
        co_assessment_every_months: 6,
        ..parsed
    };
    let json = serde_json::to_string(&every_six).unwrap();
    assert!(json.contains(r#""co_assessment_every_months":6"#), "{json}");
    assert_eq!(serde_json::from_str::<Targets>(&json).unwrap(), every_six);
}

#[test]
fn a_report_made_before_the_section_still_parses() {
    let report = compute(
        &ReportInput::default(),
        &Catalog::builtin(),
        &Targets::default(),
    );
    let mut value = serde_json::to_value(&report).unwrap();
    value.as_object_mut().unwrap().remove("co_assessment");
    value["ignored"]
        .as_object_mut()
        .unwrap()
        .remove("follow_up_without_barrier");
    let parsed: Report = serde_json::from_value(value).unwrap();
    assert_eq!(parsed.co_assessment.total, 0);
}

// ---- the pilot -----------------------------------------------------------------------

const W1: u128 = 1; // first workshop, 2026-05-20
const W2: u128 = 2; // second workshop, 2026-09-15
const INTERVIEWS: u128 = 3; // a round of interviews, planned for 2026-10-20

fn pilot_targets() -> Targets {
    Targets {
        pilot_start: Some(day(2026, 2, 1)),
        pilot_end: Some(day(2026, 9, 30)),
        ..Targets::default()
    }
}

fn pilot() -> ReportInput {
    let mut w1 = held(W1, Activity::CoAssessment, day(2026, 5, 20), 3);
    w1.attendance.participants = vec!["A01".into(), "A02".into(), "A03".into()];
    w1.attendance.roles = Some(RoleCounts {
        carers: 6,
        provider_staff: 2,
        researchers: 2,
    });
    let mut w2 = held(W2, Activity::CoAssessment, day(2026, 9, 15), 4);
    w2.attendance.roles = Some(RoleCounts {
        carers: 4,
        provider_staff: 3,
        researchers: 2,
    });
    let interviews = meeting(
        INTERVIEWS,
        Activity::CoAssessment,
        day(2026, 10, 20),
        MeetingStatus::Planned,
    );

    // At the first workshop.
    // B1: carers distrusted a new initiative run by strangers.
    let b1 = barrier(
        101,
        W1,
        "insufficient_trust",
        "before",
        "carer",
        "value_diminished",
        None,
        at(5, 20, 10),
    );
    // B2: social workers and doctors were not told of the project; the provider is to
    // present it at their conferences.
    let b2 = barrier(
        102,
        W1,
        "absence_of_information",
        "during",
        "provider",
        "value_diminished",
        Some("planned"),
        at(5, 20, 11),
    );
    // B3: events postponed for low expected attendance without asking the carers.
    let b3 = barrier(
        103,
        W1,
        "mistakes",
        "during",
        "carer",
        "value_diminished",
        Some("planned"),
        at(5, 20, 12),
    );
    // B4: carers could not leave the person they care for; no extra home-care hours.
    let b4 = barrier(
        104,
        W1,
        "inability_to_change",
        "during",
        "carer",
        "irreparable_loss",
        Some("not_possible"),
        at(5, 20, 13),
    );
    // B5: the partners' roles and coordination were unclear to the provider.
    let b5 = barrier(
        105,
        W1,
        "unclear_expectations",
        "during",
        "provider",
        "value_diminished",
        Some("planned"),
        at(5, 20, 14),
    );
    // B8: something the list of causes does not name, raised by a researcher.
    let b8 = barrier(
        108,
        W1,
        "other",
        "before",
        "researcher",
        "none_yet",
        None,
        at(5, 20, 15),
    );

    // At the second workshop.
    // B6: doctors still not informed, reported again (a new barrier, still open).
    let b6 = barrier(
        106,
        W2,
        "absence_of_information",
        "during",
        "carer",
        "value_diminished",
        None,
        at(9, 15, 10),
    );
    // B7: unclear roles again, looking ahead to after the pilot.
    let b7 = barrier(
        107,
        W2,
        "unclear_expectations",
        "after",
        "provider",
        "none_yet",
        None,
        at(9, 15, 11),
    );
    // Follow-ups of B3: planned at 09:00, done at 10:00. Listed done first: the latest by
    // time wins, not the last in the input.
    let f1 = follow_up(
        &b3,
        202,
        W2,
        "value_diminished",
        Some("done"),
        at(9, 15, 10),
    );
    let f0 = follow_up(
        &b3,
        201,
        W2,
        "value_diminished",
        Some("planned"),
        at(9, 15, 9),
    );
    // A follow-up naming a follow-up, not a barrier's first form: it has no chain.
    let orphan = follow_up(&f1, 203, W2, "none_yet", Some("done"), at(9, 15, 12));

    input(
        vec![w1, w2, interviews],
        vec![b1, b2, b3, b4, b5, b8, b6, b7, f1, f0, orphan],
    )
}

fn pilot_report() -> Report {
    compute_as_of(
        &pilot(),
        &Catalog::builtin(),
        &pilot_targets(),
        day(2026, 9, 30),
    )
}

#[test]
fn pilot_meetings_and_who_took_part() {
    let r = pilot_report();
    let c = &r.co_assessment;
    assert_eq!(c.as_of, day(2026, 9, 30));
    // W1 and W2 held, the interviews planned.
    assert_eq!((c.meetings.planned, c.meetings.held), (1, 2));
    assert!(c.meetings.cancelled.is_empty());
    // Attendances: W1 3 codes + 3 anonymous = 6, W2 4 anonymous: 10, 5 per workshop.
    assert_eq!(c.meetings.attendances, 10);
    assert_eq!(c.meetings.average_participants, Some(5.0));
    // Roles: carers 6 + 4, provider staff 2 + 3, researchers 2 + 2.
    assert_eq!(
        (c.roles.carers, c.roles.provider_staff, c.roles.researchers),
        (10, 5, 4)
    );
    // Co-assessments are not service meetings: the totals, the period and the months
    // (fixed by the pilot's dates: February to September = 8) do not count them.
    assert_eq!(r.totals.meetings_held, 0);
    assert_eq!(r.totals.carers_involved, 0);
    assert_eq!(r.period, None);
    assert_eq!(r.months, 8);
}

#[test]
fn pilot_barriers_by_cause_stage_status_raiser_and_effect() {
    let r = pilot_report();
    let c = &r.co_assessment;
    // Chains: B1..B8 = 8; follow-ups in a chain: F0 and F1 = 2; the orphan is left out.
    assert_eq!(c.total, 8);
    assert_eq!(c.follow_ups, 2);
    assert_eq!(r.ignored.follow_up_without_barrier, 1);
    assert_eq!(r.ignored.total(), 1);

    let rows: Vec<(&str, u64, [u64; 3], [u64; 4])> = c
        .barriers
        .iter()
        .map(|b| {
            (
                b.cause.as_str(),
                b.total,
                [b.by_stage.before, b.by_stage.during, b.by_stage.after],
                [
                    b.by_status.open,
                    b.by_status.planned,
                    b.by_status.done,
                    b.by_status.not_possible,
                ],
            )
        })
        .collect();
    // In the barrier log's order of causes; causes without a barrier are absent.
    //                            total  before/during/after  open/planned/done/not_possible
    assert_eq!(
        rows,
        [
            // B2 (planned), B6 (open): both during.
            ("absence_of_information", 2, [0, 2, 0], [1, 1, 0, 0]),
            // B1: before, open.
            ("insufficient_trust", 1, [1, 0, 0], [1, 0, 0, 0]),
            // B5 during (planned), B7 after (open).
            ("unclear_expectations", 2, [0, 1, 1], [1, 1, 0, 0]),
            // B4: during, not possible.
            ("inability_to_change", 1, [0, 1, 0], [0, 0, 0, 1]),
            // B3: during; planned at the first workshop, done after F1 (F0 is earlier).
            ("mistakes", 1, [0, 1, 0], [0, 0, 1, 0]),
            // B8: before, open.
            ("other", 1, [1, 0, 0], [1, 0, 0, 0]),
        ]
    );
    // Raised by: carers B1 B3 B4 B6 = 4, provider B2 B5 B7 = 3, researcher B8 = 1.
    let by = &c.by_raised_by;
    assert_eq!((by.carer, by.provider, by.researcher), (4, 3, 1));
    // Effect, from the latest of each chain: none yet B7 B8 = 2; value diminished B1 B2
    // B3 (F1) B5 B6 = 5; irreparable loss B4 = 1.
    let e = &c.by_effect;
    assert_eq!(
        (e.none_yet, e.value_diminished, e.irreparable_loss),
        (2, 5, 1)
    );
}

#[test]
fn pilot_plan_and_signals_as_of_the_end_of_the_pilot() {
    let r = pilot_report();
    let c = &r.co_assessment;
    let plan: Vec<(Stage, NaiveDate, NaiveDate, PlanState, Option<NaiveDate>)> = c
        .plan
        .iter()
        .map(|p| (p.stage, p.from, p.to, p.state, p.held_on))
        .collect();
    assert_eq!(
        plan,
        [
            // The month before 1 February: none held, ended before 30 September.
            (
                Stage::Before,
                day(2026, 1, 1),
                day(2026, 1, 31),
                PlanState::Missing,
                None
            ),
            // February to May: W1 on 20 May.
            (
                Stage::During,
                day(2026, 2, 1),
                day(2026, 5, 31),
                PlanState::Done,
                Some(day(2026, 5, 20))
            ),
            // June to September (1 June + 4 months - 1 day = 30 September = the end): W2.
            (
                Stage::During,
                day(2026, 6, 1),
                day(2026, 9, 30),
                PlanState::Done,
                Some(day(2026, 9, 15))
            ),
            // The month after (30 September + 1 month = 30 October): the interviews are only
            // planned, and it has not begun.
            (
                Stage::After,
                day(2026, 10, 1),
                day(2026, 10, 30),
                PlanState::NotYetDue,
                None
            ),
        ]
    );

    let codes: Vec<&str> = c.signals.iter().map(|s| s.code.as_str()).collect();
    // No service meeting, no outreach, no quiz: only these two, in the table's order.
    assert_eq!(codes, ["reach_behind", "co_assessment_missing"]);
    // Reach: 30 September is the last of the pilot's 242 days (Feb 28 + Mar 31 + Apr 30 +
    // May 31 + Jun 30 + Jul 31 + Aug 31 + Sep 30), so all of the target of 107 (a third of
    // 320, rounded up) is expected, and no carer was reached at a service meeting.
    assert_eq!(
        evidence(&c.signals[0]),
        [
            ("carers_reached", 0.0),
            ("reach_target", 107.0),
            ("elapsed_percent", 100.0),
            ("expected", 107.0)
        ]
    );
    // Plan: 1 missing (before) of 3 already due (before, and the two done).
    assert_eq!(evidence(&c.signals[1]), [("missing", 1.0), ("due", 3.0)]);
    let missing = signal_table().get("co_assessment_missing").unwrap();
    assert_eq!(c.signals[1].causes, missing.causes);
}

#[test]
fn pilot_section_in_text_and_csv_in_both_languages() {
    let r = pilot_report();
    let en = render_text(&r, Lang::En);
    assert!(en.contains("\nCo-assessment\n=============\n"), "{en}");
    assert!(en.contains("\nBarriers to co-production\n"), "{en}");
    assert!(en.contains("\nCo-assessment plan\n"), "{en}");
    assert!(
        en.contains("\nSignals for the next co-assessment\n"),
        "{en}"
    );
    // A signal is a prompt, never a verdict: said where the signals are.
    assert!(en.contains("never a verdict"), "{en}");
    let line = |text: &str, start: &str| {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?} in\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line(&en, "Barriers logged"), "Barriers logged 8");
    assert_eq!(
        line(&en, "Mistakes: adjustment done"),
        "Mistakes: adjustment done 1"
    );
    assert_eq!(
        line(&en, "Before the pilot (2026-01-01"),
        "Before the pilot (2026-01-01 – 2026-01-31) missing no"
    );
    assert_eq!(line(&en, "Raised by: carers"), "Raised by: carers 4");
    assert_eq!(
        line(&en, "Participants: provider staff"),
        "Participants: provider staff 5"
    );

    let it = render_text(&r, Lang::It);
    assert!(it.contains("\nCo-valutazione\n"), "{it}");
    assert!(it.contains("mai un giudizio"), "{it}");
    assert_eq!(line(&it, "Barriere registrate"), "Barriere registrate 8");
    assert_eq!(
        line(&it, "Errori: correttivo attuato"),
        "Errori: correttivo attuato 1"
    );
    assert_eq!(
        line(&it, "Familiari raggiunti sotto il previsto:"),
        "Familiari raggiunti sotto il previsto: cause da discutere Mancanza di informazione, Fiducia insufficiente, Mancanza di trasparenza"
    );

    // Line ends are CRLF (the CSV writer's); compared here line by line.
    let csv = render_csv(&r, Lang::En).replace("\r\n", "\n");
    assert!(
        csv.contains("\nBarriers to co-production,,Absence of information: open (no adjustment decided yet),1,,,\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nCo-assessment plan,,During the pilot (2026-02-01 – 2026-05-31),done 2026-05-20,,,yes\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nSignals for the next co-assessment,,Planned co-assessment missing,co-assessments missing 1; co-assessments already due 3 (thresholds: missing at least 1),,,\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nSubmissions left out,,Follow-ups without their barrier,1,,,\n"),
        "{csv}"
    );
    let csv_it = render_csv(&r, Lang::It).replace("\r\n", "\n");
    assert!(
        csv_it.contains("\nCo-valutazione,co_assessment,Incontri svolti,2,,,\n"),
        "{csv_it}"
    );
}

#[test]
fn the_report_s_labels_of_causes_are_the_barrier_log_s() {
    // The facilitator picks a cause by the instrument's label and reads it back in the
    // report: the two must say the same.
    let report = compute_as_of(
        &pilot(),
        &Catalog::builtin(),
        &pilot_targets(),
        day(2026, 9, 30),
    );
    let log = Catalog::builtin().latest(BARRIER_LOG).unwrap().clone();
    let cause = log.item("cause").unwrap();
    for lang in Lang::ALL {
        let text = render_text(&report, lang);
        for b in &report.co_assessment.barriers {
            let label = cause.option(&b.cause).unwrap().label.get(lang);
            assert!(text.contains(&format!("\n{label}: ")), "{label} in\n{text}");
        }
    }
}

#[test]
fn a_follow_up_finds_its_barrier_after_the_first_form_was_corrected() {
    let mut data = pilot();
    // B4's first form is corrected (the correction names it); the follow-up still names
    // the original id and moves the barrier's effect.
    let mut correction = data.submissions[3].clone();
    correction.id = id(304);
    correction.replaces = Some(id(104));
    let first = data.submissions[3].clone();
    let later = follow_up(
        &first,
        305,
        W2,
        "value_diminished",
        Some("not_possible"),
        at(9, 15, 16),
    );
    data.submissions.push(correction);
    data.submissions.push(later);
    let r = compute_as_of(
        &data,
        &Catalog::builtin(),
        &pilot_targets(),
        day(2026, 9, 30),
    );
    // Still 8 chains (the corrected form is left out, its correction takes its place),
    // 3 follow-ups, and B4's effect is now value diminished: 6 of them, no loss.
    assert_eq!(r.co_assessment.total, 8);
    assert_eq!(r.co_assessment.follow_ups, 3);
    assert_eq!(r.ignored.replaced, 1);
    let e = &r.co_assessment.by_effect;
    assert_eq!((e.value_diminished, e.irreparable_loss), (6, 0));
}

#[test]
fn without_a_date_the_report_is_as_of_its_latest_meeting() {
    let r = compute(&pilot(), &Catalog::builtin(), &pilot_targets());
    // The planned interviews on 20 October are the latest meeting.
    assert_eq!(r.co_assessment.as_of, day(2026, 10, 20));
    // 20 October is inside the month after the pilot: still not due.
    assert_eq!(r.co_assessment.plan[3].state, PlanState::NotYetDue);
    // Without the pilot's dates nothing is due, and the text says why.
    let r = compute(&pilot(), &Catalog::builtin(), &Targets::default());
    assert!(r.co_assessment.plan.is_empty());
    assert!(render_text(&r, Lang::En).contains("the pilot's dates are not set"));
}

#[test]
fn answers_at_a_co_assessment_stay_out_of_the_service_figures() {
    // A co-assessment's cancelled reason is typed text: the shareable report drops it.
    let mut data = pilot();
    data.meetings
        .push(cancelled(4, Activity::CoAssessment, day(2026, 6, 2)));
    let r = compute_as_of(
        &data,
        &Catalog::builtin(),
        &pilot_targets(),
        day(2026, 9, 30),
    )
    .without_free_text();
    assert_eq!(r.co_assessment.meetings.cancelled.len(), 1);
    assert_eq!(r.co_assessment.meetings.cancelled[0].reason, "");
    assert_eq!(r.totals.meetings_cancelled, 0);
    // A barrier form at a service meeting is not one of its activity's instruments.
    let mut data = pilot();
    data.meetings
        .push(held(5, Activity::PeerGroup, day(2026, 6, 3), 4));
    data.submissions.push(barrier(
        400,
        5,
        "mistakes",
        "during",
        "carer",
        "none_yet",
        None,
        at(6, 3, 10),
    ));
    let r = compute_as_of(
        &data,
        &Catalog::builtin(),
        &pilot_targets(),
        day(2026, 9, 30),
    );
    assert_eq!(r.ignored.wrong_activity, 1);
    assert_eq!(r.co_assessment.total, 8);
}

// ---- signals -------------------------------------------------------------------------

fn as_of(data: &ReportInput, targets: &Targets, date: NaiveDate) -> Report {
    compute_as_of(data, &catalog(), targets, date)
}

/// The built-ins plus a 4-item quiz and a satisfaction scale used at courses and peer
/// groups, whose single item scores 75 or 100.
fn catalog() -> Catalog {
    let choice = |value: &str, score: Option<u8>, correct: bool| Choice {
        value: value.into(),
        label: Text::new(value, value),
        score,
        correct,
    };
    let item = |id: &str, item_type: ItemType, options: Vec<Choice>| Item {
        id: id.into(),
        item_type,
        label: Text::new(id, id),
        help: None,
        required: false,
        options,
        faces: false,
        min: None,
        max: None,
        max_length: None,
        relevant: None,
    };
    let quiz = Instrument {
        id: "qz".into(),
        version: 1,
        title: Text::new("Quiz", "Quiz"),
        description: None,
        activities: vec![Activity::TrainingCourse],
        topic: None,
        anonymous: false,
        items: (1..=4)
            .map(|i| {
                item(
                    &format!("q{i}"),
                    ItemType::SingleChoice,
                    vec![choice("a", None, true), choice("b", None, false)],
                )
            })
            .collect(),
        scoring: Scoring::PercentCorrect,
    };
    let sat = Instrument {
        id: "sat".into(),
        version: 1,
        title: Text::new("Soddisfazione", "Satisfaction"),
        description: None,
        activities: vec![Activity::TrainingCourse, Activity::PeerGroup],
        topic: None,
        anonymous: true,
        items: vec![item(
            "s",
            ItemType::Scale,
            vec![
                choice("75", Some(75), false),
                choice("100", Some(100), false),
            ],
        )],
        scoring: Scoring::MeanScore,
    };
    let mut catalog = Catalog::builtin();
    catalog.insert(quiz);
    catalog.insert(sat);
    catalog
}

fn april_30() -> NaiveDate {
    day(2026, 4, 30)
}

#[test]
fn cancellations_above_30_percent_of_at_least_3_meetings() {
    let t = Targets::default();
    // Courses: 2 held, 1 cancelled: 1 of 3 = 33.3% > 30%, and 3 meetings.
    let data = input(
        vec![
            held(1, Activity::TrainingCourse, day(2026, 1, 10), 5),
            held(2, Activity::TrainingCourse, day(2026, 2, 10), 5),
            cancelled(3, Activity::TrainingCourse, day(2026, 3, 10)),
        ],
        vec![],
    );
    let r = as_of(&data, &t, april_30());
    let found = find(&r, "cancellations_high");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].activity, Some(Activity::TrainingCourse));
    let ev = evidence(found[0]);
    assert_eq!(ev[..2], [("meetings", 3.0), ("cancelled", 1.0)]);
    assert!((ev[2].1 - 100.0 / 3.0).abs() < 1e-9);

    // 3 of 10 is exactly 30%: not above. A cancellation after the report's date does not
    // count yet.
    let mut meetings: Vec<Meeting> = (0..7)
        .map(|i| held(10 + i, Activity::PeerGroup, day(2026, 1, 1 + i as u32), 5))
        .collect();
    meetings
        .extend((0..3).map(|i| cancelled(20 + i, Activity::PeerGroup, day(2026, 2, 1 + i as u32))));
    meetings.push(cancelled(30, Activity::PeerGroup, day(2026, 5, 2)));
    let r = as_of(&input(meetings, vec![]), &t, april_30());
    assert!(find(&r, "cancellations_high").is_empty());
    // ... and as of a date after it, 4 of 11 = 36.4% is.
    let mut meetings: Vec<Meeting> = (0..7)
        .map(|i| held(10 + i, Activity::PeerGroup, day(2026, 1, 1 + i as u32), 5))
        .collect();
    meetings
        .extend((0..3).map(|i| cancelled(20 + i, Activity::PeerGroup, day(2026, 2, 1 + i as u32))));
    meetings.push(cancelled(30, Activity::PeerGroup, day(2026, 5, 2)));
    let r = as_of(&input(meetings, vec![]), &t, day(2026, 5, 2));
    assert_eq!(find(&r, "cancellations_high").len(), 1);

    // 1 of 2 is 50%, but 2 meetings are too few to say anything.
    let data = input(
        vec![
            held(1, Activity::Committee, day(2026, 1, 10), 5),
            cancelled(2, Activity::Committee, day(2026, 2, 10)),
        ],
        vec![],
    );
    assert!(find(&as_of(&data, &t, april_30()), "cancellations_high").is_empty());
}

#[test]
fn attendance_lower_at_each_of_the_last_three_held_meetings() {
    let t = Targets::default();
    let peer = |attendance: &[u32]| {
        let meetings = attendance
            .iter()
            .enumerate()
            .map(|(i, &a)| {
                held(
                    i as u128 + 1,
                    Activity::PeerGroup,
                    day(2026, 1, 1 + i as u32 * 7),
                    a,
                )
            })
            .collect();
        as_of(&input(meetings, vec![]), &t, april_30())
    };
    // 12 (ignored), 10, 9, 8, 7: lower at each of the last three than at the one before.
    let r = peer(&[12, 10, 9, 8, 7]);
    let found = find(&r, "attendance_falling");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].activity, Some(Activity::PeerGroup));
    // Four falls in a row (12 > 10 > 9 > 8 > 7): from 12 to 7.
    assert_eq!(
        evidence(found[0]),
        [
            ("falls", 4.0),
            ("attendance_before", 12.0),
            ("attendance_latest", 7.0)
        ]
    );
    assert_eq!(
        evidence(find(&peer(&[10, 9, 8, 7]), "attendance_falling")[0]),
        [
            ("falls", 3.0),
            ("attendance_before", 10.0),
            ("attendance_latest", 7.0)
        ]
    );
    // Just short: equal once (9, 9) leaves one fall; three meetings give two falls.
    assert!(find(&peer(&[10, 9, 9, 8]), "attendance_falling").is_empty());
    assert!(find(&peer(&[9, 8, 7]), "attendance_falling").is_empty());
    // A cancelled meeting in between is not a held one: the falls run over held meetings.
    let mut meetings: Vec<Meeting> = [10, 9, 8, 7]
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            held(
                i as u128 + 1,
                Activity::TrainingCourse,
                day(2026, 1, 1 + i as u32 * 7),
                a,
            )
        })
        .collect();
    meetings.push(cancelled(9, Activity::TrainingCourse, day(2026, 1, 10)));
    let r = as_of(&input(meetings, vec![]), &t, april_30());
    assert_eq!(find(&r, "attendance_falling").len(), 1);
}

#[test]
fn carers_reached_below_the_target_times_the_elapsed_share() {
    // 1 January to 10 April 2026 = 31 + 28 + 31 + 10 = 100 days; as of 19 February = day
    // 31 + 19 = 50, half the pilot. Half of the target of 107 is 53.5.
    let t = Targets {
        pilot_start: Some(day(2026, 1, 1)),
        pilot_end: Some(day(2026, 4, 10)),
        ..Targets::default()
    };
    let reached = |n: u32| {
        let data = input(
            vec![held(1, Activity::TrainingCourse, day(2026, 1, 20), n)],
            vec![],
        );
        as_of(&data, &t, day(2026, 2, 19))
    };
    let r = reached(53);
    let found = find(&r, "reach_behind");
    assert_eq!(found.len(), 1);
    assert_eq!(
        evidence(found[0]),
        [
            ("carers_reached", 53.0),
            ("reach_target", 107.0),
            ("elapsed_percent", 50.0),
            ("expected", 53.5)
        ]
    );
    assert!(find(&reached(54), "reach_behind").is_empty());
    // Carers reached after the report's date do not count yet.
    let mut data = input(
        vec![held(1, Activity::TrainingCourse, day(2026, 1, 20), 53)],
        vec![],
    );
    data.meetings
        .push(held(2, Activity::PeerGroup, day(2026, 3, 1), 60));
    assert_eq!(
        find(&as_of(&data, &t, day(2026, 2, 19)), "reach_behind").len(),
        1
    );
    // Before the pilot starts nothing is expected yet.
    let data = input(vec![], vec![]);
    assert!(find(&as_of(&data, &t, day(2025, 12, 20)), "reach_behind").is_empty());
}

fn quiz_post(n: u128, meeting: u128, correct: usize) -> Submission {
    let a: Vec<(String, &str)> = (1..=4)
        .map(|i| (format!("q{i}"), if i <= correct { "a" } else { "b" }))
        .collect();
    let pairs: Vec<(&str, &str)> = a.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let mut s = submission(n, "qz", meeting, &pairs, at(1, 10, 12));
    s.respondent = Some(format!("A{n}"));
    s.phase = Some(Phase::Post);
    s
}

#[test]
fn understanding_under_its_target() {
    // One post quiz, 3 of 4 correct: 75%, which is not above the target of 75.
    let data = input(
        vec![held(1, Activity::TrainingCourse, day(2026, 1, 10), 1)],
        vec![quiz_post(100, 1, 3)],
    );
    let r = as_of(&data, &Targets::default(), april_30());
    let found = find(&r, "understanding_below_target");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].activity, Some(Activity::TrainingCourse));
    assert_eq!(evidence(found[0]), [("mean", 75.0), ("n", 1.0)]);
    assert_eq!(found[0].thresholds[0].name, "target");
    assert_eq!(found[0].thresholds[0].value, 75.0);
    // Just under 75 as the target, the same 75% is above it.
    let t = Targets {
        understanding_min: 74.99,
        ..Targets::default()
    };
    assert!(find(&as_of(&data, &t, april_30()), "understanding_below_target").is_empty());
    // No quiz answered is no data, not a low figure.
    let empty = input(
        vec![held(1, Activity::TrainingCourse, day(2026, 1, 10), 1)],
        vec![],
    );
    assert!(find(
        &as_of(&empty, &Targets::default(), april_30()),
        "understanding_below_target"
    )
    .is_empty());
}

#[test]
fn satisfaction_under_its_target_per_activity() {
    let scale = |n: u128, meeting: u128, value: &str| {
        submission(n, "sat", meeting, &[("s", value)], at(1, 10, 12))
    };
    // Courses: one scale at 75 (not above 75). Peer groups: 75 and 100, mean 87.5.
    let data = input(
        vec![
            held(1, Activity::TrainingCourse, day(2026, 1, 10), 1),
            held(2, Activity::PeerGroup, day(2026, 1, 12), 2),
        ],
        vec![
            scale(100, 1, "75"),
            scale(101, 2, "75"),
            scale(102, 2, "100"),
        ],
    );
    let r = as_of(&data, &Targets::default(), april_30());
    let found = find(&r, "satisfaction_below_target");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].activity, Some(Activity::TrainingCourse));
    assert_eq!(evidence(found[0]), [("mean", 75.0), ("n", 1.0)]);
    let t = Targets {
        satisfaction_min: 74.99,
        ..Targets::default()
    };
    assert!(find(&as_of(&data, &t, april_30()), "satisfaction_below_target").is_empty());
    // Peer groups at 75 only: raised for them too.
    let data = input(
        vec![held(2, Activity::PeerGroup, day(2026, 1, 12), 2)],
        vec![scale(101, 2, "75")],
    );
    let found: Vec<_> = find(
        &as_of(&data, &Targets::default(), april_30()),
        "satisfaction_below_target",
    )
    .iter()
    .map(|s| s.activity)
    .collect();
    assert_eq!(found, [Some(Activity::PeerGroup)]);
}

fn outreach(period: &str, site_visits: u32, new_patients_informed: u32) -> Outreach {
    Outreach {
        period: period.into(),
        page_likes: 0,
        site_visits,
        downloads: 0,
        new_patients_informed,
    }
}

#[test]
fn outreach_with_site_visits_and_no_new_patients_informed() {
    let with = |entries: Vec<Outreach>| {
        let mut data = input(vec![], vec![]);
        data.outreach = entries;
        as_of(&data, &Targets::default(), april_30())
    };
    // 20 + 30 = 50 visits over two months, no patient informed.
    let r = with(vec![outreach("2026-03", 20, 0), outreach("2026-04", 30, 0)]);
    let found = find(&r, "outreach_without_patients");
    assert_eq!(found.len(), 1);
    assert_eq!(
        evidence(found[0]),
        [("site_visits", 50.0), ("new_patients_informed", 0.0)]
    );
    // 49 visits: too few to say. 50 visits and one patient informed: the word got out.
    assert!(find(
        &with(vec![outreach("2026-04", 49, 0)]),
        "outreach_without_patients"
    )
    .is_empty());
    assert!(find(
        &with(vec![outreach("2026-04", 50, 1)]),
        "outreach_without_patients"
    )
    .is_empty());
    // Visits counted for May are after the report's date (30 April).
    assert!(find(
        &with(vec![
            outreach("2026-04", 49, 0),
            outreach("2026-05", 100, 0)
        ]),
        "outreach_without_patients"
    )
    .is_empty());
}

#[test]
fn half_the_committee_goals_unfulfilled_at_the_latest_evaluation() {
    let goals = [
        "spokesperson",
        "service_dialogue",
        "structure",
        "representatives",
        "activities",
        "communication",
    ];
    let evaluation = |n: u128, meeting: u128, unfulfilled: usize| {
        let a: Vec<(&str, &str)> = goals
            .iter()
            .enumerate()
            .map(|(i, g)| {
                (
                    *g,
                    if i < unfulfilled {
                        "unfulfilled"
                    } else {
                        "partial"
                    },
                )
            })
            .collect();
        let mut s = submission(n, "committee_goals", meeting, &a, at(1, 10, 12));
        s.respondent = Some("C01".into());
        s
    };
    let meetings = || {
        vec![
            held(1, Activity::Committee, day(2026, 1, 10), 6),
            held(2, Activity::Committee, day(2026, 3, 10), 6),
        ]
    };
    // Latest evaluation (10 March): 3 of the 6 goals unfulfilled, half of them.
    let data = input(
        meetings(),
        vec![evaluation(100, 1, 0), evaluation(101, 2, 3)],
    );
    let r = as_of(&data, &Targets::default(), april_30());
    let found = find(&r, "committee_goals_unfulfilled");
    assert_eq!(found.len(), 1);
    assert_eq!(
        evidence(found[0]),
        [
            ("goals", 6.0),
            ("unfulfilled", 3.0),
            ("unfulfilled_percent", 50.0)
        ]
    );
    // 2 of 6 at the latest: under half, whatever the earlier evaluation said.
    let data = input(
        meetings(),
        vec![evaluation(100, 1, 6), evaluation(101, 2, 2)],
    );
    assert!(find(
        &as_of(&data, &Targets::default(), april_30()),
        "committee_goals_unfulfilled"
    )
    .is_empty());
    // As of February the March evaluation has not happened: the January one (6 of 6) is
    // the latest.
    assert_eq!(
        find(
            &as_of(&data, &Targets::default(), day(2026, 2, 1)),
            "committee_goals_unfulfilled"
        )
        .len(),
        1
    );
}

#[test]
fn a_planned_co_assessment_missing() {
    let t = pilot_targets();
    let none = input(vec![], vec![]);
    // 1 February: the month before the pilot (January) ended without a co-assessment.
    let r = as_of(&none, &t, day(2026, 2, 1));
    let found = find(&r, "co_assessment_missing");
    assert_eq!(found.len(), 1);
    assert_eq!(evidence(found[0]), [("missing", 1.0), ("due", 1.0)]);
    // 31 January: its last day, still time.
    assert!(find(&as_of(&none, &t, day(2026, 1, 31)), "co_assessment_missing").is_empty());
    // One held on 20 January: done.
    let held_one = input(
        vec![held(1, Activity::CoAssessment, day(2026, 1, 20), 5)],
        vec![],
    );
    assert!(find(
        &as_of(&held_one, &t, day(2026, 2, 1)),
        "co_assessment_missing"
    )
    .is_empty());
    // A cancelled one does not count.
    let cancelled_one = input(
        vec![cancelled(1, Activity::CoAssessment, day(2026, 1, 20))],
        vec![],
    );
    assert_eq!(
        find(
            &as_of(&cancelled_one, &t, day(2026, 2, 1)),
            "co_assessment_missing"
        )
        .len(),
        1
    );
    // Every 0 months: only before and after are due.
    let t0 = Targets {
        co_assessment_every_months: 0,
        ..t
    };
    let stages: Vec<Stage> = as_of(&none, &t0, day(2026, 2, 1))
        .co_assessment
        .plan
        .iter()
        .map(|p| p.stage)
        .collect();
    assert_eq!(stages, [Stage::Before, Stage::After]);
}

#[test]
fn every_signal_of_the_table_has_a_test_above() {
    // The codes tested in this file, in the table's order.
    let codes: Vec<&str> = signal_table()
        .signals
        .iter()
        .map(|s| s.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "cancellations_high",
            "attendance_falling",
            "reach_behind",
            "understanding_below_target",
            "satisfaction_below_target",
            "outreach_without_patients",
            "committee_goals_unfulfilled",
            "co_assessment_missing"
        ]
    );
}

#[test]
fn a_tablet_lists_the_unsettled_barriers_for_follow_ups() {
    let mut data = pilot();
    // Not a barrier: left out of the chains.
    data.submissions.push(quiz_post(900, W1, 3));
    // B2's first form corrected to say its adjustment is done: the correction takes its
    // place and settles it.
    let mut correction = data.submissions[1].clone();
    correction.id = id(302);
    correction.replaces = Some(id(102));
    correction
        .answers
        .insert("status".into(), AnswerValue::Text("done".into()));
    data.submissions.push(correction);
    let all = campo_core::barrier::chains_of(&data.submissions);
    // 8 barriers (B2 by its correction), the orphan follow-up outside every chain.
    assert_eq!(all.chains.len(), 8);
    assert_eq!(all.orphans, 1);
    // Settled: B2 (done, corrected), B3 (done by its latest follow-up), B4 (not possible).
    // Unsettled, by when first raised: B1 (open), B5 (planned), B8, B6, B7 (open).
    let unsettled: Vec<Uuid> = all
        .chains
        .iter()
        .filter(|c| c.unsettled())
        .map(|c| c.first.id)
        .collect();
    assert_eq!(unsettled, vec![id(101), id(105), id(108), id(106), id(107)]);
}
