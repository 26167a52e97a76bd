//! The messages' OpenAPI schemas against the messages: real values validate, and for the
//! rules of a request's shape the schema and the parser agree on every input, so the
//! server refuses (422) exactly what its API document calls invalid.
//! `cargo test -p campo-wire --features openapi`.
#![cfg(feature = "openapi")]

use campo_core::catalog::Catalog;
use campo_core::report::Targets;
use campo_core::rules::check_roster_code;
use campo_core::{
    Activity, AnswerValue, Attendance, Meeting, MeetingStatus, Outreach, Phase, Submission,
};
use campo_wire::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;
use utoipa::OpenApi;
use uuid::Uuid;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Health,
    EnrollRequest,
    EnrollResponse,
    Record,
    RecordKind,
    RosterCode,
    PushRequest,
    PushStatus,
    PushResult,
    PushResponse,
    PullResponse,
    ProjectReport,
    ApiError
)))]
struct Doc;

fn components() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(Doc::openapi()).unwrap()["components"].clone())
}

/// A validator for one named schema of the document, formats checked.
fn validator(name: &str) -> jsonschema::Validator {
    let schema = json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": components(),
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_valid(name: &str, value: &Value) {
    let v = validator(name);
    let errors: Vec<String> = v
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name} {value}: {errors:?}");
}

fn meeting(status: MeetingStatus) -> Meeting {
    Meeting {
        id: Uuid::now_v7(),
        revision: 1,
        activity: Activity::TrainingCourse,
        date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        place: "Sala civica".into(),
        topic: "Mobilizzazione".into(),
        facilitator: "Anna".into(),
        status,
        attendance: Attendance::default(),
        updated_at: chrono::Utc::now(),
    }
}

fn submission() -> Submission {
    Submission {
        id: Uuid::now_v7(),
        instrument_id: "training_satisfaction".into(),
        instrument_version: 1,
        meeting_id: Uuid::now_v7(),
        respondent: None,
        phase: Some(Phase::Pre),
        answers: [
            ("n".to_string(), AnswerValue::Number(-2.5e300)),
            ("t".to_string(), AnswerValue::Text(String::new())),
            ("m".to_string(), AnswerValue::Many(vec![])),
        ]
        .into_iter()
        .collect(),
        created_at: chrono::Utc::now(),
        replaces: None,
        follows_up: None,
    }
}

/// A report with a figure in every part: a course with a quiz before and after and a
/// satisfaction scale, a cancelled peer group, a committee's goals, outreach.
fn full_report() -> campo_core::report::Report {
    let catalog = Catalog::builtin();
    let answered = |instrument: &str, meeting: Uuid, phase: Option<Phase>| {
        let i = catalog.latest(instrument).unwrap();
        Submission {
            id: Uuid::now_v7(),
            instrument_id: i.id.clone(),
            instrument_version: i.version,
            meeting_id: meeting,
            respondent: phase.map(|_| "C-017".to_string()),
            phase,
            answers: i
                .items
                .iter()
                .filter_map(|item| {
                    let first = item.options.first()?;
                    Some((item.id.clone(), AnswerValue::Text(first.value.clone())))
                })
                .collect(),
            created_at: chrono::Utc::now(),
            replaces: None,
            follows_up: None,
        }
    };
    let mut course = meeting(MeetingStatus::Held);
    course.attendance.participants = vec!["C-017".into()];
    let mut peer = meeting(MeetingStatus::Cancelled {
        reason: "neve".into(),
    });
    peer.activity = Activity::PeerGroup;
    let mut committee = meeting(MeetingStatus::Held);
    committee.activity = Activity::Committee;
    let input = campo_core::report::ReportInput {
        submissions: vec![
            answered("quiz_moving_transfers", course.id, Some(Phase::Pre)),
            answered("quiz_moving_transfers", course.id, Some(Phase::Post)),
            answered("training_satisfaction", course.id, None),
            answered("committee_goals", committee.id, None),
        ],
        meetings: vec![course, peer, committee],
        outreach: vec![Outreach {
            period: "2026-03".into(),
            page_likes: 4,
            ..Outreach::default()
        }],
    };
    campo_core::report::compute(&input, &catalog, &Targets::default())
}

fn record(body: RecordBody) -> Record {
    Record {
        id: Uuid::now_v7(),
        revision: 1,
        body,
    }
}

fn every_kind() -> Vec<Record> {
    let m = meeting(MeetingStatus::Cancelled {
        reason: "neve".into(),
    });
    vec![
        Record {
            id: m.id,
            revision: 1,
            body: RecordBody::Meeting(m),
        },
        record(RecordBody::Submission(submission())),
        record(RecordBody::RosterCode(RosterCode {
            code: "C-017".into(),
            consent: vec![
                campo_core::consent::ConsentEvent::Given {
                    date: chrono::NaiveDate::from_ymd_opt(2026, 1, 12).unwrap(),
                    sheet_version: "2026-01".into(),
                    covers: campo_core::consent::ConsentScope::ALL.to_vec(),
                },
                campo_core::consent::ConsentEvent::Withdrawn {
                    date: chrono::NaiveDate::from_ymd_opt(2026, 5, 2).unwrap(),
                },
            ],
        })),
        record(RecordBody::Outreach(Outreach {
            period: "2026-12".into(),
            page_likes: u32::MAX,
            ..Outreach::default()
        })),
    ]
}

#[test]
fn real_messages_validate() {
    let push = PushRequest {
        batch_id: Uuid::now_v7(),
        records: every_kind(),
    };
    assert_valid("PushRequest", &serde_json::to_value(&push).unwrap());
    let catalog = Catalog::builtin();
    let pull = PullResponse {
        notes: ReviewState::ALL
            .into_iter()
            .map(|state| campo_wire::ReviewNote {
                submission_id: Uuid::now_v7(),
                meeting_id: Uuid::now_v7(),
                instrument_id: "training_satisfaction".into(),
                state,
                comment: "è".repeat(campo_wire::REVIEW_COMMENT_MAX),
                reviewed_at: chrono::Utc::now(),
            })
            .collect(),
        barriers: vec![],
        retired: vec![campo_wire::RetiredInstrument {
            id: "training_quiz".into(),
            version: u32::MAX,
        }],
        erasures: vec![campo_wire::Erasure {
            records: vec![Uuid::now_v7(), Uuid::now_v7()],
        }],
        information_sheet: Some(campo_core::consent::InformationSheet {
            version: "v".repeat(campo_core::consent::SHEET_VERSION_MAX),
            text: campo_core::Text::new(
                "è".repeat(campo_core::consent::SHEET_TEXT_MAX),
                "Information sheet",
            ),
        }),
        cursor: MAX_CURSOR,
        more: false,
        instruments: catalog.all().cloned().collect(),
        roster: vec![],
        meetings: vec![
            meeting(MeetingStatus::Planned),
            meeting(MeetingStatus::Held),
        ],
        targets: Some(Targets::default()),
        project_report: Some(ProjectReport::new(chrono::Utc::now(), full_report())),
    };
    assert!(pull.instruments.len() >= 8);
    assert_valid("PullResponse", &serde_json::to_value(&pull).unwrap());
    let report = pull.project_report.as_ref().unwrap();
    assert!(report.report.training.quizzes.len() == 1 && report.report.committee.latest.is_some());
    assert_eq!(report.report.peer.meetings.cancelled.len(), 1);
    let answer = PushResponse {
        results: vec![PushResult {
            id: Uuid::now_v7(),
            revision: 1,
            status: PushStatus::Rejected,
            reason: Some("x".into()),
            reason_code: Some("invalid_answers".into()),
        }],
    };
    assert_valid("PushResponse", &serde_json::to_value(&answer).unwrap());
    let health = Health {
        status: "ok".into(),
        server_time: chrono::Utc::now(),
        version: "0.1.0".into(),
    };
    assert_valid("Health", &serde_json::to_value(&health).unwrap());
    let token = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN_-0";
    assert_valid(
        "EnrollResponse",
        &json!({"device_id": Uuid::now_v7(), "token": token}),
    );
    assert_valid("ApiError", &json!({"code": "c", "message": "m"}));
}

/// The schema and the parser both accept `value` as a `T`, or both refuse it.
fn agree<T: serde::de::DeserializeOwned>(name: &str, value: &Value) -> bool {
    let schema = validator(name).is_valid(value);
    let parsed = serde_json::from_value::<T>(value.clone()).is_ok();
    assert_eq!(
        schema, parsed,
        "{name}: schema says {schema}, parser says {parsed} for {value}"
    );
    schema
}

/// `value` with the member at `pointer` set (added if absent).
fn with(mut value: Value, pointer: &str, new: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let object = value.pointer_mut(parent).and_then(Value::as_object_mut);
    object
        .unwrap_or_else(|| panic!("{pointer}"))
        .insert(key.to_string(), new);
    value
}

#[test]
fn what_the_schema_refuses_the_parser_refuses() {
    for r in every_kind() {
        let v = serde_json::to_value(&r).unwrap();
        assert!(agree::<Record>("Record", &v), "{v}");
        assert!(!agree::<Record>(
            "Record",
            &with(v.clone(), "/kind", json!(""))
        ));
        assert!(!agree::<Record>(
            "Record",
            &with(v.clone(), "/revision", json!(0))
        ));
        assert!(!agree::<Record>(
            "Record",
            &with(v.clone(), "/revision", json!(u64::from(u32::MAX) + 1))
        ));
        assert!(!agree::<Record>(
            "Record",
            &with(v.clone(), "/id", json!("not-a-uuid"))
        ));
        assert!(!agree::<Record>(
            "Record",
            &with(v.clone(), "/body", json!(null))
        ));
        assert!(agree::<Record>(
            "Record",
            &with(v.clone(), "/revision", json!(u32::MAX))
        ));
        // JSON Schema counts 2.0 an integer, and so does the parser.
        assert!(agree::<Record>(
            "Record",
            &with(v.clone(), "/revision", json!(2.0))
        ));
        assert!(!agree::<Record>(
            "Record",
            &with(v.clone(), "/revision", json!(1.5))
        ));
    }
    let kinds = every_kind();
    let m = serde_json::to_value(&kinds[0]).unwrap();
    assert!(!agree::<Record>(
        "Record",
        &with(m.clone(), "/body/revision", json!(0))
    ));
    assert!(agree::<Record>(
        "Record",
        &with(m.clone(), "/body/attendance/anonymous", json!(4.0))
    ));
    assert!(!agree::<Record>(
        "Record",
        &with(m.clone(), "/body/status", json!("done"))
    ));
    assert!(!agree::<Record>(
        "Record",
        &with(m.clone(), "/body/date", json!("2026-02-30"))
    ));
    assert!(agree::<Record>(
        "Record",
        &with(m.clone(), "/body/status", json!("held"))
    ));
    // A meeting that is not the record's is refused per record, not by the schema.
    assert!(agree::<Record>(
        "Record",
        &with(m, "/body/revision", json!(2))
    ));
    let s = serde_json::to_value(&kinds[1]).unwrap();
    assert!(!agree::<Record>(
        "Record",
        &with(s.clone(), "/body/answers/n", json!({}))
    ));
    assert!(!agree::<Record>(
        "Record",
        &with(s.clone(), "/body/answers/m", json!([1]))
    ));
    assert!(agree::<Record>(
        "Record",
        &with(s.clone(), "/body/respondent", json!(null))
    ));
    assert!(!agree::<Record>(
        "Record",
        &with(s, "/body/phase", json!("during"))
    ));
    let o = serde_json::to_value(&kinds[3]).unwrap();
    assert!(!agree::<Record>(
        "Record",
        &with(o.clone(), "/body/downloads", json!(-1))
    ));
    assert!(!agree::<Record>(
        "Record",
        &with(o.clone(), "/body/downloads", json!(-1.0))
    ));
    assert!(agree::<Record>(
        "Record",
        &with(o.clone(), "/body/downloads", json!(3e9))
    ));
    assert!(!agree::<Record>(
        "Record",
        &with(o.clone(), "/body/downloads", json!(5e9))
    ));
    assert!(!agree::<Record>(
        "Record",
        &with(o, "/kind", json!("roster_code"))
    ));

    let push = |n: usize| json!({"batch_id": Uuid::now_v7(), "records": vec![serde_json::to_value(&kinds[2]).unwrap(); n]});
    assert!(validator("PushRequest").is_valid(&push(MAX_PUSH_RECORDS)));
    // Over the cap the server answers 413, after parsing.
    assert!(!validator("PushRequest").is_valid(&push(MAX_PUSH_RECORDS + 1)));
}

fn roster(code: &str) -> Value {
    json!({"id": Uuid::nil(), "revision": 1, "kind": "roster_code", "body": {"code": code}})
}

fn outreach(period: &str) -> Value {
    json!({"id": Uuid::nil(), "revision": 1, "kind": "outreach", "body": {
        "period": period, "page_likes": 0, "site_visits": 0, "downloads": 0, "new_patients_informed": 0}})
}

const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn enroll(code: &str, name: &str) -> Value {
    json!({"code": code, "device_name": name, "vault_id": Uuid::nil(), "vault_secret": SECRET})
}

fn enroll_with_secret(secret: &str) -> Value {
    json!({"code": "K7QM-2XHD-9PRW", "device_name": "t", "vault_id": Uuid::now_v7(), "vault_secret": secret})
}

/// Characters on both sides of every rule: white space Rust and ECMAScript disagree on
/// (U+FEFF, U+180E, U+001C), controls, and ordinary letters and digits.
const TRICKY: &str = "[ \\t\\n\\r\\x0B\\x0C\\x00-\\x1F\\x7F-\\x9F\\xA0\\u{1680}\\u{180E}\\u{2000}-\\u{200B}\\u{2028}\\u{2029}\\u{202F}\\u{205F}\\u{3000}\\u{FEFF}aZ09\\-+é😀]";

#[test]
fn known_codes_and_periods() {
    for good in ["C-017", "x", &"x".repeat(64), "a b", "😀", "\u{FEFF}"] {
        assert!(agree::<Record>("Record", &roster(good)), "{good:?}");
        assert!(check_roster_code(good).is_ok());
    }
    for bad in [
        "",
        " C",
        "C ",
        "a\nb",
        "\u{3000}x",
        "x\u{85}",
        &"x".repeat(65),
    ] {
        assert!(!agree::<Record>("Record", &roster(bad)), "{bad:?}");
    }
    for good in ["2026-03", "0000-01", "9999-12"] {
        assert!(agree::<Record>("Record", &outreach(good)), "{good:?}");
    }
    for bad in [
        "2026-13",
        "2026-00",
        "+202-03",
        " 202-03",
        "2026- 3",
        "-001-03",
        "2026-3",
        "2026-03\n",
    ] {
        assert!(!agree::<Record>("Record", &outreach(bad)), "{bad:?}");
    }
    assert!(agree::<EnrollRequest>(
        "EnrollRequest",
        &enroll("K7QM-2XHD-9PRW", "Tablet 1")
    ));
    assert!(agree::<EnrollRequest>(
        "EnrollRequest",
        &enroll("k7qm2xhd9prw", &"é".repeat(100))
    ));
    assert!(agree::<EnrollRequest>(
        "EnrollRequest",
        &enroll(" K7QM 2XHD 9PRW ", "\u{FEFF}")
    ));
    for (code, name) in [
        ("K7QM-2XHD-9PR", "t"),
        ("K7QM-2XHD-9PRW-1", "t"),
        (&format!("{}K7QM2XHD9PRW", "-".repeat(53)), "t"),
        ("K7QM-2XHD-9PRW", ""),
        ("K7QM-2XHD-9PRW", " \t\u{3000}"),
        ("K7QM-2XHD-9PRW", &"x".repeat(101)),
    ] {
        assert!(
            !agree::<EnrollRequest>("EnrollRequest", &enroll(code, name)),
            "{code:?} {name:?}"
        );
    }
    for bad in [
        SECRET.to_uppercase(),
        SECRET[1..].to_string(),
        format!("{SECRET}0"),
        format!("{SECRET}\n"),
        format!("{}\n", &SECRET[1..]),
        format!("{}g", &SECRET[1..]),
        String::new(),
    ] {
        assert!(
            !agree::<EnrollRequest>("EnrollRequest", &enroll_with_secret(&bad)),
            "{bad:?}"
        );
    }
    for missing in ["vault_id", "vault_secret"] {
        let mut v = enroll("K7QM-2XHD-9PRW", "t");
        v.as_object_mut().unwrap().remove(missing);
        assert!(!agree::<EnrollRequest>("EnrollRequest", &v), "{missing}");
    }
    assert!(!agree::<EnrollRequest>(
        "EnrollRequest",
        &with(enroll("K7QM-2XHD-9PRW", "t"), "/vault_id", json!("vault-1"))
    ));
}

#[test]
fn dates_and_times_agree() {
    let kinds = every_kind();
    let m = serde_json::to_value(&kinds[0]).unwrap();
    let s = serde_json::to_value(&kinds[1]).unwrap();
    for date in [
        "2026-03-02",
        "0001-01-01",
        "2024-02-29",
        "2026-02-29",
        "2026-3-2",
        " 2026-03-02",
        "+2026-03-02",
        "2026-03-02 ",
        "20260302",
        "2026-03-é",
    ] {
        agree::<Record>("Record", &with(m.clone(), "/body/date", json!(date)));
    }
    for time in [
        "2026-03-02T10:00:00Z",
        "2026-03-02t10:00:00z",
        "2026-03-02T10:00:00.123456789+05:30",
        "2026-03-02T10:00:00-23:59",
        "2026-03-02T23:59:60Z",
        "2026-03-02 10:00:00Z",
        " 2026-03-02T10:00:00Z",
        "2026-03-02T10:00:00+0530",
        "2026-03-02T10:00:00 +05:30",
        "2026-03-02T10:00:00UTC",
        "2026-3-2T10:00:00Z",
        "2026-03-02T1:00:00Z",
        "2026-03-02T10:00:00.Z",
        "2026-03-02T10:00Z",
        "2026-03-02T24:00:00Z",
        "2026-03-02T10:00:00+24:00",
        "2026-03-0é:00:00:00Z",
        "2026-03-02T10:00:00+05:3é",
    ] {
        agree::<Record>("Record", &with(m.clone(), "/body/updated_at", json!(time)));
        agree::<Record>("Record", &with(s.clone(), "/body/created_at", json!(time)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn roster_codes_agree(code in prop_oneof![
        proptest::string::string_regex(&format!("{TRICKY}{{0,66}}")).unwrap(),
        any::<String>(),
    ]) {
        let ok = agree::<Record>("Record", &roster(&code));
        prop_assert_eq!(ok, check_roster_code(&code).is_ok());
    }

    #[test]
    fn periods_agree(period in prop_oneof![
        "[0-9]{4}-[0-9]{2}",
        "[0-9 +\\-]{5,8}",
        proptest::string::string_regex(&format!("{TRICKY}{{0,8}}")).unwrap(),
    ]) {
        agree::<Record>("Record", &outreach(&period));
    }

    #[test]
    fn enrollments_agree(
        code in prop_oneof!["[A-Za-z0-9\\- ]{10,16}", "[A-Za-z0-9\\-]{60,70}", any::<String>()],
        name in prop_oneof![
            proptest::string::string_regex(&format!("{TRICKY}{{0,4}}")).unwrap(),
            proptest::string::string_regex(&format!("{TRICKY}{{95,105}}")).unwrap(),
            any::<String>(),
        ],
    ) {
        agree::<EnrollRequest>("EnrollRequest", &enroll(&code, &name));
    }

    #[test]
    fn vault_secrets_agree(secret in prop_oneof![
        "[0-9a-f]{62,66}",
        "[0-9a-fA-F]{64}",
        "[0-9a-f]{63}[\\s\\S]",
        any::<String>(),
    ]) {
        let ok = agree::<EnrollRequest>("EnrollRequest", &enroll_with_secret(&secret));
        prop_assert_eq!(ok, is_vault_secret(&secret));
    }

    #[test]
    fn revisions_agree(revision in prop_oneof![0u64..3, (u64::from(u32::MAX) - 1)..(u64::from(u32::MAX) + 2)]) {
        let mut v = roster("C-1");
        v["revision"] = json!(revision);
        prop_assert_eq!(agree::<Record>("Record", &v), revision >= 1 && revision <= u64::from(u32::MAX));
    }
}
