//! Writes the seed corpora of the fuzz targets (`fuzz/corpus/<target>/`) from the project's
//! own fixtures and from messages made with the real types:
//! `cargo run -p campo-fuzz --example make_seeds`. The files are committed; running this
//! again rewrites the same names (the push bodies and sealed bodies differ where they hold
//! a gzip stream or a random nonce).

use campo_core::catalog::Catalog;
use campo_core::report::{compute, ReportInput, Targets};
use campo_core::validate::{validate_answers, AnswerError};
use campo_core::{
    Activity, AnswerValue, Answers, Attendance, Instrument, ItemType, Meeting, MeetingStatus,
    Outreach, Participant, Phase, Scoring, Submission,
};
use campo_fuzz::{builtin_instruments, TEST_KEY, TEST_RECORD_ID, TEST_REVISION};
use campo_store::fuzzing as vault;
use campo_wire::{
    ApiError, ProjectReport, PullResponse, PushRequest, PushResponse, PushResult, PushStatus,
    Record, RecordBody, RosterCode,
};
use chrono::{DateTime, NaiveDate, Utc};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::{Path, PathBuf};
use uuid::Uuid;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = root().join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn prefixed(prefix: &[u8], body: &[u8]) -> Vec<u8> {
    [prefix, body].concat()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

fn time(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Answers to every item a respondent is asked: the first option, a number in range, a
/// date, a short text; then any answer the instrument does not ask for is taken out.
fn answers_for(instrument: &Instrument) -> Answers {
    let mut answers = Answers::new();
    for item in &instrument.items {
        let value = match item.item_type {
            ItemType::SingleChoice | ItemType::Scale => {
                AnswerValue::Text(item.options[0].value.clone())
            }
            ItemType::MultipleChoice => AnswerValue::Many(vec![item.options[0].value.clone()]),
            ItemType::Text => AnswerValue::Text("ok".into()),
            ItemType::Number => AnswerValue::Number(item.min.unwrap_or(1.0)),
            ItemType::Date => AnswerValue::Text("2026-03-10".into()),
            _ => continue,
        };
        answers.insert(item.id.clone(), value);
    }
    loop {
        let Err(errors) = validate_answers(instrument, &answers) else {
            return answers;
        };
        let before = answers.len();
        for e in errors {
            if let AnswerError::NotRelevant { item } | AnswerError::WrongShape { item, .. } = e {
                answers.remove(&item);
            }
        }
        if answers.len() == before {
            return answers;
        }
    }
}

fn meeting(n: u128, activity: Activity, status: MeetingStatus) -> Meeting {
    Meeting {
        id: id(n),
        revision: 1,
        activity,
        date: date("2026-03-10"),
        place: "Sala civica".into(),
        topic: "Mobilizzazione".into(),
        facilitator: "F-1".into(),
        status,
        attendance: Attendance {
            roles: None,
            participants: vec!["P-001".into(), "P-002".into()],
            anonymous: 2,
        },
        updated_at: time("2026-03-10T17:05:00Z"),
    }
}

fn submission(n: u128, instrument: &Instrument, meeting: Uuid) -> Submission {
    Submission {
        follows_up: None,
        id: id(n),
        instrument_id: instrument.id.clone(),
        instrument_version: instrument.version,
        meeting_id: meeting,
        respondent: (!instrument.anonymous).then(|| "P-001".into()),
        phase: (instrument.scoring == Scoring::PercentCorrect).then_some(Phase::Post),
        answers: answers_for(instrument),
        created_at: time("2026-03-10T17:10:00.123+01:00"),
        replaces: None,
    }
}

fn instrument(id: &str) -> &'static Instrument {
    builtin_instruments().iter().find(|i| i.id == id).unwrap()
}

fn records() -> Vec<Record> {
    let course = meeting(1, Activity::TrainingCourse, MeetingStatus::Held);
    let peer = meeting(
        2,
        Activity::PeerGroup,
        MeetingStatus::Cancelled {
            reason: "neve".into(),
        },
    );
    let quiz = submission(3, instrument("quiz_moving_transfers"), course.id);
    let scale = submission(4, instrument("training_satisfaction"), course.id);
    let committee = submission(5, instrument("committee_goals"), id(6));
    let record = |body: RecordBody, rid: Uuid, revision: u32| Record {
        id: rid,
        revision,
        body,
    };
    vec![
        record(RecordBody::Meeting(course.clone()), course.id, 1),
        record(RecordBody::Meeting(peer.clone()), peer.id, 1),
        record(RecordBody::Submission(quiz.clone()), quiz.id, 1),
        record(RecordBody::Submission(scale.clone()), scale.id, 1),
        record(RecordBody::Submission(committee.clone()), committee.id, 1),
        record(
            RecordBody::RosterCode(RosterCode {
                code: "P-001".into(),
                consent: Vec::new(),
            }),
            id(7),
            1,
        ),
        record(
            RecordBody::Outreach(Outreach {
                period: "2026-03".into(),
                page_likes: 12,
                site_visits: 40,
                downloads: 3,
                new_patients_informed: 5,
            }),
            id(8),
            1,
        ),
    ]
}

fn instrument_seeds() {
    let dir = root().join("schemas/instruments");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        write("instrument", name, &std::fs::read(file).unwrap());
    }
    // Every item type, bounds, a condition: small, so the fuzzer mutates it cheaply.
    let every_type = r#"{"id":"every_type","version":1,"title":{"it":"Tutti","en":"All"},
"activities":["peer_group"],"anonymous":true,"scoring":"none","items":[
{"id":"a","type":"single_choice","label":{"it":"A","en":"A"},"required":true,
 "options":[{"value":"yes","label":{"it":"Sì","en":"Yes"}},{"value":"no","label":{"it":"No","en":"No"}}]},
{"id":"b","type":"multiple_choice","label":{"it":"B","en":"B"},
 "options":[{"value":"x","label":{"it":"X","en":"X"}}],"relevant":{"item":"a","any_of":["yes"]}},
{"id":"c","type":"scale","label":{"it":"C","en":"C"},"faces":true,
 "options":[{"value":"lo","label":{"it":"Poco","en":"Low"},"score":0},{"value":"hi","label":{"it":"Molto","en":"High"},"score":100}]},
{"id":"d","type":"text","label":{"it":"D","en":"D"},"max_length":20},
{"id":"e","type":"number","label":{"it":"E","en":"E"},"min":0,"max":10.5},
{"id":"f","type":"date","label":{"it":"F","en":"F"},"help":{"it":"G","en":"H"}}]}"#;
    write("instrument", "every_type.json", every_type.as_bytes());
    let quiz = r#"{"id":"q","version":2,"title":{"it":"Q","en":"Q"},"topic":{"it":"T","en":"T"},
"activities":["training_course"],"anonymous":false,"scoring":"percent_correct","items":[
{"id":"q1","type":"single_choice","label":{"it":"1","en":"1"},"required":true,
 "options":[{"value":"a","label":{"it":"a","en":"a"},"correct":true},{"value":"b","label":{"it":"b","en":"b"}}]}]}"#;
    write("instrument", "small_quiz.json", quiz.as_bytes());
    // Refused ones, each by a different rule.
    let broken = [
        (
            "duplicate_item.json",
            every_type.replace(r#""id":"b""#, r#""id":"a""#),
        ),
        (
            "relevant_later.json",
            every_type.replace(r#""item":"a""#, r#""item":"f""#),
        ),
        ("min_above_max.json", every_type.replace("10.5", "-1")),
        (
            "two_correct.json",
            quiz.replace(
                r#""label":{"it":"b","en":"b"}"#,
                r#""label":{"it":"b","en":"b"},"correct":true"#,
            ),
        ),
        ("not_json.json", every_type[..200].to_string()),
    ];
    for (name, text) in broken {
        write("instrument", name, text.as_bytes());
    }
}

fn answers_seeds() {
    for (i, instrument) in builtin_instruments().iter().enumerate() {
        let pick = [i as u8];
        let good = answers_for(instrument);
        write(
            "answers",
            &format!("{}_valid.json", instrument.id),
            &prefixed(&pick, &json(&good)),
        );
    }
    // A few refused ones: an unknown item, a wrong shape, a repeated option.
    let (i, quiz) = builtin_instruments()
        .iter()
        .enumerate()
        .find(|(_, i)| i.scoring == Scoring::PercentCorrect)
        .unwrap();
    let mut bad = answers_for(quiz);
    bad.insert("nope".into(), AnswerValue::Number(1.5));
    if let Some((_, first)) = bad.iter_mut().next() {
        *first = AnswerValue::Many(vec!["a".into(), "a".into()]);
    }
    write(
        "answers",
        "refused.json",
        &prefixed(&[i as u8], &json(&bad)),
    );
    write("answers", "empty.json", &prefixed(&[0], b"{}"));
    write(
        "answers",
        "shapes.json",
        &prefixed(
            &[3],
            br#"{"x":-0.0,"y":1e300,"z":[],"w":"  ","v":"2026-02-30"}"#,
        ),
    );
}

fn push_seeds() {
    // The first release's real pushes, from the server's migration fixture.
    let fixture: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("crates/campo-server/tests/fixtures/first-release.json"))
            .unwrap(),
    )
    .unwrap();
    for (n, push) in fixture["pushes"].as_array().unwrap().iter().enumerate() {
        let body = serde_json::to_vec(&push["request"]).unwrap();
        write(
            "push_body",
            &format!("first_release_{n}.json"),
            &prefixed(&[0], &body),
        );
        write(
            "push_body",
            &format!("first_release_{n}.gz"),
            &prefixed(&[1], &gzip(&body)),
        );
    }
    let push = PushRequest {
        batch_id: id(100),
        records: records(),
    };
    let body = json(&push);
    write("push_body", "every_kind.json", &prefixed(&[0], &body));
    write("push_body", "every_kind.gz", &prefixed(&[1], &gzip(&body)));
    write(
        "push_body",
        "every_kind_identity.json",
        &prefixed(&[2], &body),
    );
    write(
        "push_body",
        "every_kind_odd_gzip.gz",
        &prefixed(&[3], &gzip(&body)),
    );
    write(
        "push_body",
        "every_kind_small_cap.gz",
        &prefixed(&[5], &gzip(&body)),
    );
    for (n, record) in records().into_iter().enumerate() {
        let one = PushRequest {
            batch_id: id(200 + n as u128),
            records: vec![record],
        };
        write(
            "push_body",
            &format!("record_{n}.json"),
            &prefixed(&[0], &json(&one)),
        );
    }
    // Refused by the parser: revision 0, a loose date-time, an unknown encoding.
    let mut text = String::from_utf8(body.clone()).unwrap();
    text = text.replacen(r#""revision":1"#, r#""revision":0"#, 1);
    write(
        "push_body",
        "revision_zero.json",
        &prefixed(&[0], text.as_bytes()),
    );
    let loose = String::from_utf8(body.clone()).unwrap().replacen(
        "2026-03-10T17:05:00Z",
        "2026-03-10 17:05:00+0100",
        1,
    );
    write(
        "push_body",
        "loose_time.json",
        &prefixed(&[0], loose.as_bytes()),
    );
    write(
        "push_body",
        "floats.json",
        &prefixed(
            &[0],
            String::from_utf8(body)
                .unwrap()
                .replace(r#""revision":1"#, r#""revision":1.0"#)
                .as_bytes(),
        ),
    );
    write(
        "push_body",
        "gzip_of_junk.gz",
        &prefixed(&[1], &gzip(b"{\"batch_id\":")),
    );
    write(
        "push_body",
        "gzip_bomb.gz",
        &prefixed(&[5], &gzip(&vec![b' '; 64 * 1024])),
    );
}

fn report() -> ProjectReport {
    let Record { body, .. } = &records()[0];
    let RecordBody::Meeting(course) = body else {
        unreachable!()
    };
    let submissions: Vec<Submission> = records()
        .into_iter()
        .filter_map(|r| match r.body {
            RecordBody::Submission(s) => Some(s),
            _ => None,
        })
        .collect();
    let input = ReportInput {
        meetings: vec![course.clone()],
        submissions,
        outreach: vec![Outreach {
            period: "2026-03".into(),
            page_likes: 1,
            ..Outreach::default()
        }],
    };
    let report = compute(&input, &Catalog::builtin(), &Targets::default());
    ProjectReport::new(time("2026-03-11T08:00:00Z"), report)
}

fn pull_seeds() {
    // Byte 0: status index (0 = 200, 9 = 401, 15 = 503, 8 = 400); byte 1: chunk size / cap.
    let small = PullResponse {
        notes: vec![],
        barriers: vec![],
        retired: vec![campo_wire::RetiredInstrument {
            id: "peer_satisfaction".into(),
            version: 1,
        }],
        erasures: vec![campo_wire::Erasure {
            records: vec![uuid::Uuid::nil()],
        }],
        information_sheet: Some(campo_core::consent::InformationSheet {
            version: "2026-01".into(),
            text: campo_core::Text::new("Scheda", "Sheet"),
        }),
        cursor: 42,
        more: true,
        instruments: vec![instrument("peer_satisfaction").clone()],
        roster: Vec::new(),
        meetings: records()
            .into_iter()
            .filter_map(|r| match r.body {
                RecordBody::Meeting(m) => Some(m),
                _ => None,
            })
            .collect(),
        targets: Some(Targets {
            pilot_months: Some(12),
            pilot_start: Some(date("2026-01-01")),
            ..Targets::default()
        }),
        project_report: None,
    };
    write(
        "pull_answer",
        "page.json",
        &prefixed(&[0, 0], &json(&small)),
    );
    write(
        "pull_answer",
        "page_chunked.json",
        &prefixed(&[0, 7], &json(&small)),
    );
    let last = PullResponse {
        more: false,
        instruments: Vec::new(),
        project_report: Some(report()),
        ..small.clone()
    };
    write(
        "pull_answer",
        "last_page.json",
        &prefixed(&[0, 0], &json(&last)),
    );
    write(
        "pull_answer",
        "last_page_capped.json",
        &prefixed(&[0, 0x80 | 13], &json(&last)),
    );
    write(
        "pull_answer",
        "first_release.json",
        &prefixed(
            &[0, 0],
            br#"{"cursor": 7, "instruments": [], "roster": [], "meetings": []}"#,
        ),
    );
    let pushed = PushResponse {
        results: vec![
            PushResult {
                id: id(1),
                revision: 1,
                status: PushStatus::Stored,
                reason: None,
                reason_code: None,
            },
            PushResult {
                id: id(3),
                revision: 1,
                status: PushStatus::Rejected,
                reason: Some("instrument not known".into()),
                reason_code: Some("unknown_instrument".into()),
            },
        ],
    };
    write(
        "pull_answer",
        "push_answer.json",
        &prefixed(&[0, 0], &json(&pushed)),
    );
    let refusal = ApiError {
        code: "unauthorized".into(),
        message: "a valid device token is required".into(),
    };
    write(
        "pull_answer",
        "unauthorized.json",
        &prefixed(&[9, 0], &json(&refusal)),
    );
    write(
        "pull_answer",
        "bad_cursor.json",
        &prefixed(
            &[8, 3],
            br#"{"code":"bad_cursor","message":"since=\"x\" is not a cursor"}"#,
        ),
    );
    write(
        "pull_answer",
        "proxy_503.html",
        &prefixed(
            &[15, 0],
            b"<html><body>503 Service Unavailable</body></html>\n",
        ),
    );
}

fn seal(table: &str, plain: &[u8]) -> Vec<u8> {
    let aad = vault::record_aad(table, TEST_RECORD_ID, TEST_REVISION);
    vault::seal(&TEST_KEY, aad.as_bytes(), plain).unwrap()
}

fn vault_seeds() {
    let participant = Participant {
        code: "P-001".into(),
        name: "Nome Cognome".into(),
        contact: Some("333 0000000".into()),
    };
    write("vault_record", "participant.json", &json(&participant));
    write(
        "vault_record",
        "participant_removed.json",
        br#"{"code":"P-002","name":"","removed":true}"#,
    );
    for (n, record) in records().into_iter().enumerate() {
        let body = match record.body {
            RecordBody::Meeting(m) => json(&m),
            RecordBody::Submission(s) => json(&s),
            RecordBody::Outreach(o) => json(&o),
            RecordBody::RosterCode(r) => json(&r),
        };
        write("vault_record", &format!("record_{n}.json"), &body);
    }
    write(
        "vault_record",
        "instrument.json",
        &json(instrument("training_satisfaction")),
    );
    let setting = |value: &str| json(&value.to_string());
    write("vault_record", "setting_cursor.json", &setting("42"));
    write(
        "vault_record",
        "setting_targets.json",
        &setting(&String::from_utf8(json(&Targets::default())).unwrap()),
    );
    write(
        "vault_record",
        "setting_report.json",
        &setting(&String::from_utf8(json(&report())).unwrap()),
    );

    // Raw bytes: empty, shorter than a nonce and a tag, exactly that long, random-looking,
    // and bodies really sealed, but under another row's AAD or another key.
    write("vault_raw", "empty.bin", b"");
    write("vault_raw", "short.bin", &[0u8; 27]);
    write("vault_raw", "nonce_and_tag.bin", &[0u8; 28]);
    let noise: Vec<u8> = (0u32..120)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    write("vault_raw", "noise.bin", &noise);
    let moved = vault::seal(
        &TEST_KEY,
        vault::record_aad("meeting", TEST_RECORD_ID, TEST_REVISION + 1).as_bytes(),
        &json(&participant),
    )
    .unwrap();
    write("vault_raw", "other_row.bin", &moved);
    let mut other_key = seal("meeting", b"{}");
    let aad = vault::record_aad("meeting", TEST_RECORD_ID, TEST_REVISION);
    other_key = vault::seal(&[7u8; vault::KEY_LEN], aad.as_bytes(), &other_key[12..]).unwrap();
    write("vault_raw", "other_key.bin", &other_key);
    let mut one_bit = vec![0u8; 40];
    one_bit[20] = 1;
    write("vault_raw", "one_bit_flip.bin", &one_bit);
}

fn main() {
    instrument_seeds();
    answers_seeds();
    push_seeds();
    pull_seeds();
    vault_seeds();
    for (name, _) in campo_fuzz::TARGETS {
        let dir = root().join("fuzz/corpus").join(name);
        let n = std::fs::read_dir(&dir).map_or(0, |d| d.count());
        println!("{name}: {n} seeds");
    }
}
