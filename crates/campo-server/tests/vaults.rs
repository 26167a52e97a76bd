//! A tablet's vault across enrollments, corrections, and the project's figures in a pull,
//! through the real binary on both engines.

mod common;

use campo_core::report::Report;
use campo_core::{Activity, AnswerValue, ItemType, Meeting, MeetingStatus, Phase, Submission};
use campo_wire::{PullResponse, PushResponse, PushStatus, RecordBody};
use common::*;
use reqwest::StatusCode;
use uuid::Uuid;

on_both_engines!(
    a_vault_enrolled_again_with_its_secret_keeps_what_it_sent,
    an_enrollment_that_cannot_claim_its_vault_changes_nothing,
    corrections_are_checked_and_counted_once,
    the_last_page_of_a_pull_carries_the_projects_figures_without_free_text,
);

fn codes(r: &PushResponse) -> Vec<(PushStatus, Option<&str>)> {
    r.results
        .iter()
        .map(|a| (a.status, a.reason_code.as_deref()))
        .collect()
}

fn error_code(resp: reqwest::blocking::Response) -> (StatusCode, String) {
    let status = resp.status();
    let err: campo_wire::ApiError = resp.json().unwrap();
    (status, err.code)
}

/// A correction of `of`: the same meeting and instrument, other answers.
fn fix(of: &Submission, seed: usize) -> Submission {
    let mut s = satisfaction(of.meeting_id, seed);
    s.replaces = Some(of.id);
    s
}

fn sub(s: &Submission) -> campo_wire::Record {
    record(RecordBody::Submission(s.clone()))
}

fn a_vault_enrolled_again_with_its_secret_keeps_what_it_sent(db: TestDb) {
    let server = Server::start(&db);
    let vault = Vault::new();
    let first = enroll_vault(&server, &vault, &enroll_code(&db, "Tablet 1"), "tab-1");
    let m = meeting(1, Uuid::now_v7());
    let s = satisfaction(m.id, 0);
    let sent = push(
        &server,
        &first.token,
        &batch(vec![record(RecordBody::Meeting(m.clone())), sub(&s)]),
    );
    assert_eq!(codes(&sent), [(PushStatus::Stored, None); 2]);

    // The tablet's token is lost: the office revokes the device, the tablet enrolls again
    // with a new code and its vault's secret.
    cli(&db, &["devices", "revoke", &first.device_id.to_string()]);
    let resp = http()
        .get(server.url("/api/v1/sync/pull"))
        .bearer_auth(&first.token)
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let second = enroll_vault(&server, &vault, &enroll_code(&db, "Tablet 1"), "tab-1");
    assert_ne!(second.device_id, first.device_id);
    assert_ne!(second.token, first.token);

    // The new device carries on: a new revision of the old device's meeting, a resend of
    // its submission and a correction of it.
    let mut m2 = m.clone();
    m2.revision = 2;
    let fixed = fix(&s, 1);
    let next = push(
        &server,
        &second.token,
        &batch(vec![
            record(RecordBody::Meeting(m2.clone())),
            sub(&s),
            sub(&fixed),
        ]),
    );
    assert_eq!(
        codes(&next),
        [
            (PushStatus::Stored, None),
            (PushStatus::Duplicate, None),
            (PushStatus::Stored, None)
        ]
    );
    // Another tablet may do none of it.
    let other = enroll_device(&server, &db, "Tablet 2");
    let mut m3 = m.clone();
    m3.revision = 3;
    let refused = push(
        &server,
        &other.token,
        &batch(vec![record(RecordBody::Meeting(m3)), sub(&fix(&fixed, 2))]),
    );
    assert_eq!(
        codes(&refused),
        [
            (PushStatus::Rejected, Some("owned_by_another_device")),
            (PushStatus::Rejected, Some("replaces_not_yours"))
        ]
    );
    assert!(refused.results[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("belongs to another"));
    // Pulls go by vault: the tablet is not sent its own meeting back, the other one is.
    assert!(pull(&server, &second.token, 0, None).meetings.is_empty());
    assert_eq!(pull(&server, &other.token, 0, None).meetings, vec![m2]);

    // The office sees both devices of the vault; the database holds the secret's hash,
    // never the secret.
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&cli(&db, &["devices", "list", "--json"])).unwrap();
    let of_vault: Vec<&serde_json::Value> = listed
        .iter()
        .filter(|d| d["vault_id"] == vault.id.to_string())
        .collect();
    assert_eq!(of_vault.len(), 2, "{listed:?}");
    assert!(cli(&db, &["devices", "list"]).contains(&vault.id.to_string()));
    let dump = db.dump();
    assert!(!dump.contains(&vault.secret), "the secret is stored");
    assert!(dump.contains(&campo_server::secret::sha256_hex(vault.secret.as_bytes())));
}

/// The dump without the enrollment rate limit's counters, which every attempt moves.
fn dump_but_rate_limits(db: &TestDb) -> String {
    let dump = db.dump();
    let start = dump
        .find("== rate_limits\n")
        .expect("the rate_limits table");
    let end = dump[start + 3..]
        .find("== ")
        .map_or(dump.len(), |i| start + 3 + i);
    format!("{}{}", &dump[..start], &dump[end..])
}

fn an_enrollment_that_cannot_claim_its_vault_changes_nothing(db: TestDb) {
    let server = Server::start(&db);
    add_project(&db, "valle-b");
    let vault = Vault::new();
    enroll_vault(&server, &vault, &enroll_code(&db, "Tablet 1"), "tab-1");
    let code = enroll_code(&db, "Tablet 1 again");
    let code_b = enroll_code_in(&db, "valle-b", "Tablet B");
    let before = dump_but_rate_limits(&db);

    // Not the vault's secret (one hex digit off): 403. (Every attempt counts toward the
    // enrollment rate limit of 10 a minute, so this test makes 9.)
    let first_digit = if vault.secret.starts_with('0') {
        '1'
    } else {
        '0'
    };
    let guess = Vault {
        id: vault.id,
        secret: format!("{first_digit}{}", &vault.secret[1..]),
    };
    assert_eq!(
        error_code(try_enroll(&server, &guess, &code, "thief")),
        (StatusCode::FORBIDDEN, "vault_secret_mismatch".into())
    );
    // The vault's own secret with another project's code: 409.
    assert_eq!(
        error_code(try_enroll(&server, &vault, &code_b, "tab-1")),
        (StatusCode::CONFLICT, "vault_in_other_project".into())
    );
    // A body without its vault, or with a secret that is not 64 lowercase hex digits: 422.
    let client = http();
    let mut bodies = Vec::new();
    for field in ["vault_id", "vault_secret"] {
        let mut body = vault.enrollment(&code, "tab-1");
        body.as_object_mut().unwrap().remove(field);
        bodies.push(body);
    }
    for secret in [vault.secret.to_uppercase(), vault.secret[1..].to_string()] {
        let mut body = vault.enrollment(&code, "tab-1");
        body["vault_secret"] = secret.into();
        bodies.push(body);
    }
    for body in bodies {
        let resp = client
            .post(server.url("/api/v1/devices/enroll"))
            .json(&body)
            .send()
            .unwrap();
        let (status, code) = error_code(resp);
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
            "{body}"
        );
    }
    assert_eq!(
        dump_but_rate_limits(&db),
        before,
        "nothing changed, no code was used"
    );

    // Both codes still work: the vault's own secret with its project's code, a new vault
    // with the other project's.
    let again = enroll_vault(&server, &vault, &code, "tab-1");
    let b = enroll_with_code(&server, &code_b, "tab-b");
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&cli(&db, &["devices", "list", "--json"])).unwrap();
    let project_of = |id: Uuid| {
        listed
            .iter()
            .find(|d| d["id"] == id.to_string())
            .map(|d| (d["project"].clone(), d["vault_id"].clone()))
            .unwrap()
    };
    assert_eq!(
        project_of(again.device_id),
        ("default".into(), vault.id.to_string().into())
    );
    assert_eq!(project_of(b.device_id).0, "valle-b");
}

fn corrections_are_checked_and_counted_once(db: TestDb) {
    let server = Server::start(&db);
    let a = enroll_device(&server, &db, "Tablet A");
    let b = enroll_device(&server, &db, "Tablet B");
    let m = meeting(1, Uuid::now_v7());
    let (s1, s2) = (satisfaction(m.id, 0), satisfaction(m.id, 1));
    let theirs = satisfaction(m.id, 2);
    push(
        &server,
        &a.token,
        &batch(vec![
            record(RecordBody::Meeting(m.clone())),
            sub(&s1),
            sub(&s2),
        ]),
    );
    push(&server, &b.token, &batch(vec![sub(&theirs)]));

    let c1 = fix(&s1, 3);
    let mut unknown = fix(&s1, 4);
    unknown.replaces = Some(Uuid::now_v7());
    let mut elsewhere = fix(&s2, 5);
    elsewhere.meeting_id = Uuid::now_v7();
    let answer = push(
        &server,
        &a.token,
        &batch(vec![
            sub(&c1),
            sub(&fix(&s1, 6)),
            sub(&fix(&theirs, 7)),
            sub(&unknown),
            sub(&elsewhere),
        ]),
    );
    assert_eq!(
        codes(&answer),
        [
            (PushStatus::Stored, None),
            (PushStatus::Rejected, Some("already_replaced")),
            (PushStatus::Rejected, Some("replaces_not_yours")),
            (PushStatus::Rejected, Some("replaces_unknown")),
            (PushStatus::Rejected, Some("replaces_mismatch")),
        ]
    );
    assert!(answer.results[1..].iter().all(|r| r.reason.is_some()));
    // The same correction again is a duplicate.
    let again = push(&server, &a.token, &batch(vec![sub(&c1)]));
    assert_eq!(codes(&again), [(PushStatus::Duplicate, None)]);

    // The report and the export count s1 once, as its correction.
    let report: Report = serde_json::from_str(&cli(&db, &["report", "--format", "json"])).unwrap();
    assert_eq!(report.ignored.replaced, 1);
    assert_eq!(report.training.satisfaction.n, 3, "s2, theirs and c1");
    let out = db.dir().join("export");
    cli(
        &db,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
            "--lang",
            "en",
        ],
    );
    let version = campo_core::catalog::Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .version;
    let csv =
        std::fs::read_to_string(out.join(format!("training_satisfaction_v{version}.csv"))).unwrap();
    let ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let mut expected = vec![s2.id.to_string(), theirs.id.to_string(), c1.id.to_string()];
    expected.sort();
    let mut ids: Vec<String> = ids.into_iter().map(String::from).collect();
    ids.sort();
    assert_eq!(ids, expected);
}

/// A submission of `instrument` answering every item: the first option of each choice,
/// `note` in each text item.
fn answered(
    instrument: &str,
    meeting: Uuid,
    respondent: Option<&str>,
    phase: Option<Phase>,
    note: &str,
) -> Submission {
    let catalog = campo_core::catalog::Catalog::builtin();
    let i = catalog.latest(instrument).unwrap();
    let answers = i
        .items
        .iter()
        .filter_map(|item| {
            let value = match item.item_type {
                ItemType::SingleChoice | ItemType::Scale => {
                    AnswerValue::Text(item.options.first()?.value.clone())
                }
                ItemType::MultipleChoice => {
                    AnswerValue::Many(vec![item.options.first()?.value.clone()])
                }
                ItemType::Text => AnswerValue::Text(note.into()),
                ItemType::Number | ItemType::Date | ItemType::Note => return None,
            };
            Some((item.id.clone(), value))
        })
        .collect();
    Submission {
        id: Uuid::now_v7(),
        instrument_id: i.id.clone(),
        instrument_version: i.version,
        meeting_id: meeting,
        respondent: respondent.map(String::from),
        phase,
        answers,
        created_at: chrono::Utc::now(),
        replaces: None,
        follows_up: None,
    }
}

fn pull_raw(server: &Server, token: &str, since: u64, limit: u32) -> serde_json::Value {
    let resp = http()
        .get(server.url(&format!("/api/v1/sync/pull?since={since}&limit={limit}")))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().unwrap()
}

fn the_last_page_of_a_pull_carries_the_projects_figures_without_free_text(db: TestDb) {
    let server = Server::start(&db);
    cli(
        &db,
        &[
            "projects",
            "set-targets",
            "default",
            "--courses-per-month",
            "2",
        ],
    );
    let a = enroll_device(&server, &db, "Tablet A");
    let b = enroll_device(&server, &db, "Tablet B");
    const CODE: &str = "RESP-ZX-42";
    const REASON: &str = "Motivo-Privato-77";
    const NOTE: &str = "Nota-Libera-Riservata";
    let typed = [
        "Facilitatrice Zeta",
        "Piazza Segreta 9",
        "Argomento Riservato",
    ];
    let held = |activity: Activity| {
        let mut m: Meeting = meeting(1, Uuid::now_v7());
        m.activity = activity;
        m.facilitator = typed[0].into();
        m.place = typed[1].into();
        m.topic = typed[2].into();
        m.attendance.participants = vec![CODE.into()];
        m
    };
    let course = held(Activity::TrainingCourse);
    let committee = held(Activity::Committee);
    let mut peer = held(Activity::PeerGroup);
    peer.status = MeetingStatus::Cancelled {
        reason: REASON.into(),
    };
    let subs = [
        answered(
            "quiz_moving_transfers",
            course.id,
            Some(CODE),
            Some(Phase::Pre),
            NOTE,
        ),
        answered(
            "quiz_moving_transfers",
            course.id,
            Some(CODE),
            Some(Phase::Post),
            NOTE,
        ),
        answered("training_satisfaction", course.id, None, None, NOTE),
        answered("committee_goals", committee.id, Some(CODE), None, NOTE),
    ];
    let mut records: Vec<_> = [&course, &committee, &peer]
        .iter()
        .map(|m| record(RecordBody::Meeting((*m).clone())))
        .collect();
    records.extend(subs.iter().map(sub));
    let stored = push(&server, &a.token, &batch(records));
    assert!(
        stored
            .results
            .iter()
            .all(|r| r.status == PushStatus::Stored),
        "{stored:?}"
    );

    // Page by page: only the page that ends the pull carries the figures.
    let before = chrono::Utc::now();
    let mut since = 0;
    let last = loop {
        let page = pull_raw(&server, &b.token, since, 2);
        let parsed: PullResponse = serde_json::from_value(page.clone()).unwrap();
        since = parsed.cursor;
        if !parsed.more {
            break page;
        }
        assert!(page.get("project_report").is_none(), "{page}");
    };
    let after = chrono::Utc::now();
    let figures = last["project_report"].to_string();
    for text in [CODE, REASON, NOTE].iter().chain(&typed) {
        assert!(
            !figures.contains(text),
            "{text} is in the figures: {figures}"
        );
    }
    let pulled: PullResponse = serde_json::from_value(last).unwrap();
    let pulled = pulled.project_report.expect("the last page's figures");
    assert!(before <= pulled.as_of && pulled.as_of <= after);

    // The figures are the report command's, the cancellation's reason left out.
    let printed = cli(&db, &["report", "--format", "json"]);
    assert!(printed.contains(REASON), "the report itself names it");
    let report: Report = serde_json::from_str(&printed).unwrap();
    assert_eq!(pulled.report, report.clone().without_free_text());
    let r = &pulled.report;
    assert_eq!(r.targets.courses_per_month, 2);
    assert_eq!(
        (r.training.meetings.held, r.committee.meetings.held),
        (1, 1)
    );
    assert_eq!(r.peer.meetings.cancelled.len(), 1);
    assert_eq!(r.peer.meetings.cancelled[0].reason, "");
    assert_eq!((r.training.gain.n, r.training.satisfaction.n), (1, 1));
    assert!(r.committee.latest.is_some());
    // A pull that is one page long carries them too, and they move with the records.
    let more = satisfaction(course.id, 3);
    push(&server, &b.token, &batch(vec![sub(&more)]));
    let page = pull(&server, &a.token, 0, None);
    assert!(!page.more);
    let figures = page.project_report.expect("figures on a single page");
    assert_eq!(figures.report.training.satisfaction.n, 2);
    // Nothing changed: the same figures, computed once.
    let again = pull(&server, &b.token, 0, None).project_report.unwrap();
    assert_eq!(again, figures);
    // New targets change the figures though no record moved.
    cli(
        &db,
        &[
            "projects",
            "set-targets",
            "default",
            "--courses-per-month",
            "3",
        ],
    );
    let retargeted = pull(&server, &a.token, 0, None).project_report.unwrap();
    assert_eq!(retargeted.report.targets.courses_per_month, 3);
    assert_eq!(
        retargeted.report.training.cadence.target,
        3.0 * f64::from(retargeted.report.months)
    );
    assert!(retargeted.as_of > figures.as_of);
}
