//! A carer's rights through the sync: consent travels with the code, the project's
//! information sheet and retired versions come with the pull, and a carer the office
//! forgot is forgotten here too, review notes and refusals included.

use crate::rejected::{lock, set_aside, StoredRejection};
use crate::sync::sync_once;
use crate::test_server::{Response, TestServer};
use crate::wire::{
    Erasure, PullResponse, PushRequest, PushResponse, PushResult, PushStatus, RecordBody,
    RetiredInstrument, ReviewNote, ReviewState,
};
use crate::{carer_data, rejected, review_notes, SyncClient};
use campo_core::consent::{ConsentEvent, ConsentScope, InformationSheet};
use campo_core::{Activity, AnswerValue, Attendance, Participant, Phase, Submission, Text};
use campo_store::{NewMeeting, RecordData, Vault};
use std::sync::Mutex;
use uuid::Uuid;

const CODE: &str = "ZQ-4417-CARER";
const NAME: &str = "Ottavia Quintilia";

fn vault() -> (tempfile::TempDir, Mutex<Vault>) {
    let dir = tempfile::tempdir().unwrap();
    let (v, _) = Vault::create_with_iterations(
        dir.path(),
        "Facilitatrice",
        "a test passphrase only",
        campo_store::MIN_ITERATIONS,
    )
    .unwrap();
    (dir, Mutex::new(v))
}

fn sheet(version: &str) -> InformationSheet {
    InformationSheet {
        version: version.into(),
        text: Text::new("Scheda informativa", "Information sheet"),
    }
}

fn empty_page(cursor: u64) -> PullResponse {
    PullResponse {
        cursor,
        more: false,
        instruments: vec![],
        roster: vec![],
        meetings: vec![],
        barriers: vec![],
        notes: vec![],
        retired: vec![],
        erasures: vec![],
        information_sheet: None,
        targets: None,
        project_report: None,
    }
}

fn stored(req: &crate::test_server::Request) -> Response {
    let push: PushRequest = req.json();
    Response::gzip_json(&PushResponse {
        results: push
            .records
            .iter()
            .map(|r| PushResult {
                id: r.id,
                revision: r.revision,
                status: PushStatus::Stored,
                reason: None,
                reason_code: None,
            })
            .collect(),
    })
}

fn note(s: &Submission, comment: &str) -> ReviewNote {
    ReviewNote {
        submission_id: s.id,
        meeting_id: s.meeting_id,
        instrument_id: s.instrument_id.clone(),
        state: ReviewState::HasIssues,
        comment: comment.into(),
        reviewed_at: "2026-04-02T09:30:00Z".parse().unwrap(),
    }
}

/// A carer with consent, at a course, with a quiz: returns the roster entry's id and the
/// quiz.
fn a_carer_with_a_quiz(v: &Vault) -> (Uuid, Submission, ConsentEvent) {
    v.set_information_sheet(Some(&sheet("2026-01"))).unwrap();
    v.add_participant(&Participant {
        code: CODE.into(),
        name: NAME.into(),
        contact: Some("347 5550199".into()),
    })
    .unwrap();
    let given = v
        .record_consent(CODE, &[ConsentScope::Questionnaires], None)
        .unwrap();
    let m = v
        .create_meeting(NewMeeting {
            activity: Activity::TrainingCourse,
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            place: "Sala civica".into(),
            topic: "Memoria".into(),
            facilitator: "Facilitatrice".into(),
        })
        .unwrap();
    v.set_attendance(
        m.id,
        Attendance {
            participants: vec![CODE.into()],
            anonymous: 1,
            roles: None,
        },
    )
    .unwrap();
    let quiz = Submission {
        id: campo_store::new_record_id(),
        instrument_id: "quiz_carer_wellbeing".into(),
        instrument_version: 1,
        meeting_id: m.id,
        respondent: Some(CODE.into()),
        phase: Some(Phase::Pre),
        answers: [("q1".to_string(), AnswerValue::Text("b".into()))]
            .into_iter()
            .collect(),
        created_at: chrono::Utc::now(),
        replaces: None,
        follows_up: None,
    };
    v.save_final(&quiz).unwrap();
    let roster_id = v
        .pending(100)
        .unwrap()
        .into_iter()
        .find(|p| matches!(p.data, RecordData::Participant { .. }))
        .unwrap()
        .id;
    (roster_id, quiz, given)
}

#[tokio::test]
async fn consent_goes_up_with_the_code_and_a_pulled_erasure_forgets_the_carer() {
    let (_dir, v) = vault();
    let (roster_id, quiz, given) = a_carer_with_a_quiz(&lock(&v));
    // A refusal whose reason names the code, and a note pulled before.
    set_aside(
        &lock(&v),
        vec![(
            format!("{}:1", Uuid::new_v4()),
            StoredRejection::new(format!("{CODE} is unknown"), Some("other".into())),
        )],
    )
    .unwrap();
    let (q, erasing) = (
        quiz.clone(),
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    let e = erasing.clone();
    let server = TestServer::start(move |req| {
        if req.path() == "/api/v1/sync/push" {
            return stored(req);
        }
        let mut page = empty_page(req.query_u64("since") + 1);
        if e.load(std::sync::atomic::Ordering::SeqCst) {
            // The project has no sheet any more; the erasure comes (again, the second time).
            page.erasures = vec![Erasure {
                records: vec![roster_id, Uuid::new_v4()],
            }];
        } else {
            page.information_sheet = Some(sheet("2026-02"));
            page.retired = vec![RetiredInstrument {
                id: "peer_satisfaction".into(),
                version: 1,
            }];
            page.notes = vec![note(&q, &format!("Rifare con {CODE}."))];
        }
        Response::gzip_json(&page)
    })
    .await;
    let client = SyncClient::new(server.url(), Some("token".into())).unwrap();

    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    // The roster code went up with its history, never the name.
    let pushed: Vec<PushRequest> = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/api/v1/sync/push")
        .map(|r| r.json())
        .collect();
    let codes: Vec<_> = pushed
        .iter()
        .flat_map(|p| &p.records)
        .filter_map(|r| match &r.body {
            RecordBody::RosterCode(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(codes.last().unwrap().consent, vec![given]);
    assert_eq!(codes[0].consent, vec![], "the revision before the consent");
    assert!(server
        .requests()
        .iter()
        .all(|r| !String::from_utf8_lossy(&r.body).contains(NAME)));
    // The sheet and the retired version are kept.
    assert_eq!(
        lock(&v).information_sheet().unwrap(),
        Some(sheet("2026-02"))
    );
    assert_eq!(s.retired_pulled, 1);
    assert!(lock(&v)
        .retired_instruments()
        .unwrap()
        .contains(&("peer_satisfaction".to_string(), 1)));
    assert_eq!(s.erasures_applied, 0);
    assert!(lock(&v)
        .decrypted_cells()
        .unwrap()
        .iter()
        .any(|c| c.text.contains(CODE)));

    erasing.store(true, std::sync::atomic::Ordering::SeqCst);
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(s.erasures_applied, 1);
    assert_eq!(lock(&v).information_sheet().unwrap(), None, "cleared");
    {
        let v = lock(&v);
        for c in v.decrypted_cells().unwrap() {
            assert!(
                !c.text.contains(CODE) && !c.text.contains(NAME),
                "in {}.{}",
                c.table,
                c.column
            );
        }
        assert!(v.participants().unwrap().is_empty());
        let m = v.meetings().unwrap().remove(0);
        assert_eq!(
            m.attendance.total(),
            2,
            "the carer still counts, anonymously"
        );
        assert_eq!(v.submission(quiz.id).unwrap().unwrap().respondent, None);
        assert_eq!(review_notes(&v).unwrap()[0].comment, "Rifare con […].");
    }
    assert_eq!(rejected(&v).unwrap()[0].reason, "[…] is unknown");

    // The same erasure pulled again names nothing held: nothing changes.
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(s.erasures_applied, 0);
}

#[test]
fn what_the_tablet_holds_under_a_code_with_the_offices_notes() {
    let (_dir, v) = vault();
    let v = lock(&v);
    let (_, quiz, given) = a_carer_with_a_quiz(&v);
    let other = Submission {
        id: Uuid::new_v4(),
        respondent: None,
        ..quiz.clone()
    };
    crate::review_notes::store_review_notes(
        &v,
        &[note(&quiz, "Manca una risposta"), note(&other, "Altro")],
    )
    .unwrap();
    let data = carer_data(&v, CODE).unwrap();
    assert_eq!(data.records.participant.unwrap().name, NAME);
    assert_eq!(data.records.consent, vec![given]);
    assert_eq!(data.records.attendances.len(), 1);
    assert_eq!(data.records.submissions, vec![quiz.clone()]);
    assert_eq!(data.notes, vec![note(&quiz, "Manca una risposta")]);
    assert!(matches!(
        carer_data(&v, "C-NONE").unwrap_err(),
        crate::SyncError::Store(e) if e.code() == "participant_not_found"
    ));
}
