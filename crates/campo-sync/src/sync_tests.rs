//! The whole sync against a local stand-in for the server: what goes up, what comes back,
//! and what the vault keeps.

use crate::rejected::{lock, SETTING_REJECTED};
use crate::sync::*;
use crate::test_server::{Response, TestServer};
use crate::wire::{PullResponse, PushRequest, PushResponse, PushResult};
use crate::wire::{PushStatus, RecordBody};
use crate::{rejected, retry_rejected, RejectedRecord, SyncClient, SyncError};
use campo_core::catalog::Catalog;
use campo_core::report::Targets;
use campo_core::{Activity, Attendance, Meeting, MeetingStatus, Outreach, Participant};
use campo_store::Vault;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use tempfile::TempDir;
use uuid::Uuid;

fn vault() -> (TempDir, Mutex<Vault>) {
    let dir = tempfile::tempdir().unwrap();
    let (v, _) = Vault::create(dir.path(), "Facilitatrice", "a test passphrase only").unwrap();
    (dir, Mutex::new(v))
}

fn client(server: &TestServer) -> SyncClient {
    SyncClient::new(server.url(), Some("token".into())).unwrap()
}

fn meeting(topic: &str) -> Meeting {
    Meeting {
        id: Uuid::now_v7(),
        revision: 1,
        activity: Activity::PeerGroup,
        date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        place: "Sala civica".into(),
        topic: topic.into(),
        facilitator: "Altra facilitatrice".into(),
        status: MeetingStatus::Held,
        attendance: Attendance::default(),
        updated_at: chrono::Utc::now(),
    }
}

fn page(cursor: u64, more: bool, meetings: Vec<Meeting>) -> PullResponse {
    PullResponse {
        notes: vec![],
        barriers: vec![],
        retired: vec![],
        erasures: vec![],
        information_sheet: None,
        cursor,
        more,
        instruments: vec![],
        roster: vec![],
        meetings,
        targets: None,
        project_report: None,
    }
}

fn cursor(v: &Mutex<Vault>) -> Option<String> {
    lock(v).setting(SETTING_CURSOR).unwrap()
}

fn sinces(server: &TestServer) -> Vec<u64> {
    server
        .requests()
        .iter()
        .filter(|r| r.path() == "/api/v1/sync/pull")
        .map(|r| r.query_u64("since"))
        .collect()
}

fn topics(v: &Mutex<Vault>) -> Vec<String> {
    let mut t: Vec<String> = lock(v)
        .meetings()
        .unwrap()
        .into_iter()
        .map(|m| m.topic)
        .collect();
    t.sort();
    t
}

/// Answers each push with `status` (and a reason and code when rejected).
fn push_answer(req: &crate::test_server::Request, status: PushStatus) -> Response {
    let push: PushRequest = req.json();
    let rejected = status == PushStatus::Rejected;
    Response::gzip_json(&PushResponse {
        results: push
            .records
            .iter()
            .map(|r| PushResult {
                id: r.id,
                revision: r.revision,
                status,
                reason: rejected.then(|| "instrument version 99 is unknown".into()),
                reason_code: rejected.then(|| "unknown_instrument_version".into()),
            })
            .collect(),
    })
}

#[tokio::test]
async fn pull_pages_until_no_more_and_stores_each_page_and_the_targets() {
    let targets = Targets {
        eligible_carers: 123,
        ..Targets::default()
    };
    let t = targets.clone();
    let server = TestServer::start(move |req| {
        let mut p = match req.query_u64("since") {
            0 => page(10, true, vec![meeting("one")]),
            10 => page(20, true, vec![meeting("two")]),
            _ => page(30, false, vec![meeting("three")]),
        };
        p.instruments = vec![Catalog::builtin()
            .latest("training_satisfaction")
            .unwrap()
            .clone()];
        p.targets = Some(t.clone());
        Response::gzip_json(&p)
    })
    .await;
    let (_dir, v) = vault();
    assert_eq!(project_targets(&v).unwrap(), None);
    let s = sync_once(&client(&server), &v, &|_| {}).await.unwrap();
    assert_eq!(sinces(&server), [0, 10, 20]);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.query_u64("limit") == 500));
    assert_eq!(
        (
            s.pull_pages,
            s.meetings_pulled,
            s.instruments_pulled,
            s.cursor
        ),
        (3, 3, 3, 30)
    );
    assert!(!s.more_to_pull);
    assert_eq!(topics(&v), ["one", "three", "two"]);
    assert_eq!(cursor(&v).as_deref(), Some("30"));
    assert_eq!(project_targets(&v).unwrap(), Some(targets.clone()));
    assert_eq!(
        project_targets_of(&lock(&v)).unwrap(),
        Some(targets.clone())
    );
    assert!(lock(&v)
        .instruments()
        .unwrap()
        .iter()
        .any(|i| i.id == "training_satisfaction"));
    assert_eq!(
        lock(&v).pending_count().unwrap(),
        0,
        "pulled, never pushed back"
    );
}

/// Another tablet's barrier log form at `meeting`.
fn barrier(meeting: Uuid, follows_up: Option<Uuid>) -> campo_core::Submission {
    let answers = [
        ("cause", "insufficient_trust"),
        ("stage", "before"),
        ("raised_by", "carer"),
        ("effect", "none_yet"),
        ("what_happened", "diffidenza verso un'iniziativa nuova"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), campo_core::AnswerValue::Text(v.into())))
    .collect();
    campo_core::Submission {
        id: Uuid::now_v7(),
        instrument_id: campo_core::barrier::BARRIER_LOG.into(),
        instrument_version: 1,
        meeting_id: meeting,
        respondent: None,
        phase: None,
        answers,
        created_at: chrono::Utc::now(),
        replaces: None,
        follows_up,
    }
}

#[tokio::test]
async fn other_tablets_barrier_forms_are_kept_for_follow_ups_and_never_sent_back() {
    let workshop = meeting("workshop");
    let first = barrier(workshop.id, None);
    let later = barrier(workshop.id, Some(first.id));
    let (w, f, l) = (workshop.clone(), first.clone(), later.clone());
    let server = TestServer::start(move |req| {
        let p = match req.query_u64("since") {
            0 => PullResponse {
                barriers: vec![f.clone()],
                ..page(10, true, vec![w.clone()])
            },
            // The next page sends the first form again with the follow-up: no harm.
            _ => PullResponse {
                barriers: vec![f.clone(), l.clone()],
                ..page(20, false, vec![])
            },
        };
        Response::gzip_json(&p)
    })
    .await;
    let (_dir, v) = vault();
    let s = sync_once(&client(&server), &v, &|_| {}).await.unwrap();
    assert_eq!(s.barriers_pulled, 3);
    let log = lock(&v).barrier_log().unwrap();
    assert_eq!(log, vec![first.clone(), later.clone()]);
    let chains = campo_core::barrier::chains_of(&log);
    assert_eq!(chains.chains.len(), 1);
    assert_eq!(chains.chains[0].latest.id, later.id);
    assert_eq!(lock(&v).pending_count().unwrap(), 0, "never pushed back");
}

#[tokio::test]
async fn a_pull_without_targets_keeps_the_ones_stored() {
    let server = TestServer::start(|req| {
        Response::gzip_json(&page(req.query_u64("since") + 1, false, vec![]))
    })
    .await;
    let (_dir, v) = vault();
    let targets = Targets {
        satisfaction_min: 80.0,
        ..Targets::default()
    };
    lock(&v)
        .set_setting(SETTING_TARGETS, &serde_json::to_string(&targets).unwrap())
        .unwrap();
    sync_once(&client(&server), &v, &|_| {}).await.unwrap();
    assert_eq!(project_targets(&v).unwrap(), Some(targets));
}

#[tokio::test]
async fn a_drop_between_pages_resumes_from_the_last_page_stored() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let server = TestServer::start(move |req| match req.query_u64("since") {
        0 => Response::gzip_json(&page(10, true, vec![meeting("first")])),
        // The link drops on the second page the first time it is asked for.
        10 if c.fetch_add(1, Ordering::SeqCst) == 0 => Response::Drop,
        10 => Response::gzip_json(&page(20, false, vec![meeting("second")])),
        since => panic!("asked from {since}"),
    })
    .await;
    let (_dir, v) = vault();
    let client = client(&server);
    let err = sync_once(&client, &v, &|_| {}).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(cursor(&v).as_deref(), Some("10"), "the first page is kept");
    assert_eq!(topics(&v), ["first"]);

    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(sinces(&server), [0, 10, 10], "resumed, never from 0 again");
    assert_eq!((s.pull_pages, s.cursor), (1, 20));
    assert_eq!(topics(&v), ["first", "second"]);
    assert_eq!(cursor(&v).as_deref(), Some("20"));
}

#[tokio::test]
async fn a_sync_pulls_at_most_its_bound_of_pages_and_the_next_goes_on() {
    let endless = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let e = endless.clone();
    let server = TestServer::start(move |req| {
        let since = req.query_u64("since");
        Response::json(&page(since + 1, e.load(Ordering::SeqCst), vec![]))
    })
    .await;
    let (_dir, v) = vault();
    let client = client(&server);
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(s.pull_pages, MAX_PULL_PAGES);
    assert!(s.more_to_pull);
    assert_eq!(s.cursor, MAX_PULL_PAGES as u64);
    assert_eq!(server.requests().len(), MAX_PULL_PAGES as usize);
    assert_eq!(cursor(&v), Some(MAX_PULL_PAGES.to_string()));

    endless.store(false, Ordering::SeqCst);
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!((s.pull_pages, s.more_to_pull), (1, false));
    assert_eq!(*sinces(&server).last().unwrap(), MAX_PULL_PAGES as u64);
}

#[tokio::test]
async fn a_cursor_that_does_not_move_is_a_bad_answer_not_a_loop() {
    let server =
        TestServer::start(|req| Response::gzip_json(&page(req.query_u64("since"), true, vec![])))
            .await;
    let (_dir, v) = vault();
    lock(&v).set_setting(SETTING_CURSOR, "7").unwrap();
    let err = sync_once(&client(&server), &v, &|_| {}).await.unwrap_err();
    assert!(matches!(err, SyncError::Decode(_)), "{err:?}");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(cursor(&v).as_deref(), Some("7"));
}

#[tokio::test]
async fn a_pull_page_too_large_to_read_is_asked_again_smaller() {
    let server = TestServer::start(|req| {
        let mut p = page(5, false, vec![meeting("small enough")]);
        if req.query_u64("limit") > 2 {
            p.meetings = (0..64).map(|i| meeting(&"x".repeat(100 + i))).collect();
        }
        Response::gzip_json(&p)
    })
    .await;
    let (_dir, v) = vault();
    let client = client(&server)
        .with_max_answer_bytes(4096)
        .with_pull_limit(8);
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    let limits: Vec<u64> = server
        .requests()
        .iter()
        .map(|r| r.query_u64("limit"))
        .collect();
    assert_eq!(limits, [8, 4, 2]);
    assert_eq!((s.pull_pages, s.cursor), (1, 5));
    assert_eq!(topics(&v), ["small enough"]);
}

#[tokio::test]
async fn records_that_break_the_rules_are_set_aside_before_sending_and_kept() {
    let server = TestServer::start(|req| match req.path() {
        "/api/v1/sync/push" => push_answer(req, PushStatus::Stored),
        _ => Response::gzip_json(&page(1, false, vec![])),
    })
    .await;
    let (_dir, v) = vault();
    {
        let v = lock(&v);
        v.save_outreach(&Outreach {
            period: "2026-03".into(),
            page_likes: 4,
            ..Outreach::default()
        })
        .unwrap();
        v.save_outreach(&Outreach {
            period: "marzo".into(),
            ..Outreach::default()
        })
        .unwrap();
        v.add_participant(&Participant {
            code: " C-017".into(),
            name: "Maria Rossi".into(),
            contact: None,
        })
        .unwrap();
    }
    let client = client(&server);
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(
        (s.stored, s.rejected, s.refused_locally),
        (1, 2, 2),
        "{s:?}"
    );
    let pushes: Vec<PushRequest> = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/api/v1/sync/push")
        .map(|r| r.json())
        .collect();
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].records.len(), 1, "only the valid record went up");
    assert!(matches!(&pushes[0].records[0].body, RecordBody::Outreach(o) if o.period == "2026-03"));
    assert_eq!(lock(&v).pending_count().unwrap(), 2, "set aside, not lost");
    let mut codes: Vec<Option<String>> = rejected(&v)
        .unwrap()
        .into_iter()
        .map(|r| r.reason_code)
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            Some("outreach_period_invalid".to_string()),
            Some("roster_code_invalid".to_string())
        ]
    );
    assert!(rejected(&v).unwrap().iter().all(|r| !r.reason.is_empty()));

    // Held back next time, like any refused record.
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!((s.held_back, s.batches, s.rejected), (2, 0, 0));
    // Put back in line, they are refused again on the tablet: still nothing sent.
    assert_eq!(retry_rejected(&v).unwrap(), 2);
    let before = server.requests().len();
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!((s.refused_locally, s.batches), (2, 0));
    assert_eq!(server.requests().len() - before, 1, "the pull alone");
    assert_eq!(lock(&v).pending_count().unwrap(), 2);
}

#[tokio::test]
async fn a_server_rejection_keeps_its_reason_code() {
    let server = TestServer::start(|req| match req.path() {
        "/api/v1/sync/push" => push_answer(req, PushStatus::Rejected),
        _ => Response::gzip_json(&page(1, false, vec![])),
    })
    .await;
    let (_dir, v) = vault();
    lock(&v)
        .save_outreach(&Outreach {
            period: "2026-04".into(),
            ..Outreach::default()
        })
        .unwrap();
    let s = sync_once(&client(&server), &v, &|_| {}).await.unwrap();
    assert_eq!((s.rejected, s.refused_locally), (1, 0));
    let r = rejected(&v).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].reason, "instrument version 99 is unknown");
    assert_eq!(
        r[0].reason_code.as_deref(),
        Some("unknown_instrument_version")
    );
    let stored = lock(&v).setting(SETTING_REJECTED).unwrap().unwrap();
    assert!(
        stored.contains(r#""reason_code":"unknown_instrument_version""#),
        "{stored}"
    );
}

#[tokio::test]
async fn rejections_stored_by_the_first_release_still_hold_records_back() {
    let server = TestServer::start(|req| match req.path() {
        "/api/v1/sync/push" => push_answer(req, PushStatus::Stored),
        _ => Response::gzip_json(&page(1, false, vec![])),
    })
    .await;
    let (_dir, v) = vault();
    let (id, rev) = {
        let v = lock(&v);
        v.save_outreach(&Outreach {
            period: "2026-05".into(),
            ..Outreach::default()
        })
        .unwrap();
        let p = v.pending(1).unwrap().remove(0);
        let old = format!(r#"{{"{}:{}":"instrument unknown"}}"#, p.id, p.revision);
        v.set_setting(SETTING_REJECTED, &old).unwrap();
        (p.id, p.revision)
    };
    assert_eq!(
        rejected(&v).unwrap(),
        [RejectedRecord {
            id,
            revision: rev,
            reason: "instrument unknown".into(),
            reason_code: None,
        }]
    );
    let s = sync_once(&client(&server), &v, &|_| {}).await.unwrap();
    assert_eq!((s.held_back, s.batches), (1, 0));
}

/// An instrument version the stand-in server can learn, and the tablet does not hold.
fn new_instrument() -> campo_core::Instrument {
    let mut i = Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .clone();
    i.version = 99;
    i
}

fn outreach(period: &str) -> Outreach {
    Outreach {
        period: period.into(),
        ..Outreach::default()
    }
}

/// A stand-in server that refuses outreach for `2026-01` as `unknown_instrument_version`
/// until it has `learned` (and then serves the new instrument in its pull, once), and
/// refuses outreach for `2026-02` as `invalid_answers` always.
fn learning_server(
    learned: Arc<std::sync::atomic::AtomicBool>,
) -> impl Fn(&crate::test_server::Request) -> Response {
    move |req| match req.path() {
        "/api/v1/sync/push" => {
            let push: PushRequest = req.json();
            let knows = learned.load(Ordering::SeqCst);
            Response::gzip_json(&PushResponse {
                results: push
                    .records
                    .iter()
                    .map(|r| {
                        let code = match &r.body {
                            RecordBody::Outreach(o) if o.period == "2026-01" && !knows => {
                                Some("unknown_instrument_version")
                            }
                            RecordBody::Outreach(o) if o.period == "2026-02" => {
                                Some("invalid_answers")
                            }
                            _ => None,
                        };
                        PushResult {
                            id: r.id,
                            revision: r.revision,
                            status: if code.is_some() {
                                PushStatus::Rejected
                            } else {
                                PushStatus::Stored
                            },
                            reason: code.map(|c| format!("refused: {c}")),
                            reason_code: code.map(String::from),
                        }
                    })
                    .collect(),
            })
        }
        _ => {
            let since = req.query_u64("since");
            let mut p = page(since + 1, false, vec![]);
            if learned.load(Ordering::SeqCst) && since < 100 {
                p.instruments = vec![new_instrument()];
                p.cursor = 100;
            }
            Response::gzip_json(&p)
        }
    }
}

fn pushed_periods(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.path() == "/api/v1/sync/push")
        .flat_map(|r| r.json::<PushRequest>().records)
        .map(|r| match r.body {
            RecordBody::Outreach(o) => o.period,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn a_record_refused_for_an_unknown_instrument_goes_out_once_the_pull_brings_one() {
    let learned = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let server = TestServer::start(learning_server(learned.clone())).await;
    let (_dir, v) = vault();
    {
        let v = lock(&v);
        v.save_outreach(&outreach("2026-01")).unwrap();
        v.save_outreach(&outreach("2026-02")).unwrap();
    }
    let client = client(&server);
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!((s.rejected, s.requeued), (2, 0), "{s:?}");
    assert_eq!(lock(&v).pending_count().unwrap(), 2);

    // Nothing learned yet: a pull with no new instrument puts nothing back.
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!((s.held_back, s.requeued, s.batches), (2, 0, 0), "{s:?}");

    learned.store(true, Ordering::SeqCst);
    let seen = Mutex::new(Vec::new());
    let s = sync_once(&client, &v, &|p| seen.lock().unwrap().push(p))
        .await
        .unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(s.requeued, 1, "{s:?}");
    assert_eq!((s.stored, s.rejected, s.batches), (1, 0, 1), "{s:?}");
    assert_eq!(s.held_back, 1, "the other refusal still waits");
    assert_eq!(s.instruments_pulled, 1);
    assert_eq!(
        pushed_periods(&server),
        ["2026-01", "2026-02", "2026-01"],
        "sent again in the same sync, and only it"
    );
    // The bar: nothing at first, then the record put back, then it sent.
    let last = *seen.last().unwrap();
    assert_eq!((last.records_sent, last.records_total), (1, 1));
    assert_eq!(seen[0].records_total, 0);
    assert_eq!(lock(&v).pending_count().unwrap(), 1);
    let left = rejected(&v).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].reason_code.as_deref(), Some("invalid_answers"));

    // The instrument is held now: later pulls bring nothing new and put nothing back.
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!((s.requeued, s.held_back, s.batches), (0, 1, 0), "{s:?}");
}

#[tokio::test]
async fn a_record_put_back_stays_in_line_when_the_pull_breaks_after_the_instrument() {
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let server = TestServer::start(move |req| match req.path() {
        "/api/v1/sync/push" => push_answer(req, PushStatus::Rejected),
        _ => match req.query_u64("since") {
            0 => Response::gzip_json(&page(1, false, vec![])),
            1 => {
                let mut p = page(2, true, vec![]);
                p.instruments = vec![new_instrument()];
                Response::gzip_json(&p)
            }
            _ => {
                d.fetch_add(1, Ordering::SeqCst);
                Response::Drop
            }
        },
    })
    .await;
    let (_dir, v) = vault();
    lock(&v).save_outreach(&outreach("2026-03")).unwrap();
    let client = client(&server);
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(s.rejected, 1);
    assert_eq!(
        rejected(&v).unwrap()[0].reason_code.as_deref(),
        Some("unknown_instrument_version")
    );
    // The page with the instrument is stored, the next one drops: the sync fails, and
    // the record is back in line all the same, with the instrument held.
    let err = sync_once(&client, &v, &|_| {}).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert!(rejected(&v).unwrap().is_empty());
    assert!(lock(&v)
        .instruments()
        .unwrap()
        .iter()
        .any(|i| i.version == 99));
    let pushes_before = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/api/v1/sync/push")
        .count();
    let _ = sync_once(&client, &v, &|_| {}).await;
    let pushes_after = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/api/v1/sync/push")
        .count();
    assert_eq!(
        pushes_after - pushes_before,
        1,
        "sent again by the next sync"
    );
}

#[tokio::test]
async fn the_project_report_of_the_last_page_is_kept_sealed_and_replaced_by_a_newer_one() {
    use crate::project_report::SETTING_PROJECT_REPORT;
    use crate::wire::ProjectReport;
    let reports = Arc::new(std::sync::Mutex::new(Vec::<ProjectReport>::new()));
    let r = reports.clone();
    let server = TestServer::start(move |req| {
        let since = req.query_u64("since");
        let more = since % 2 == 0;
        let mut p = page(since + 1, more, vec![]);
        if !more {
            p.project_report = r.lock().unwrap().pop();
        }
        Response::gzip_json(&p)
    })
    .await;
    let report = |carers: u32, topic: &str| {
        let targets = Targets {
            eligible_carers: carers,
            ..Targets::default()
        };
        let input = campo_core::report::ReportInput {
            meetings: vec![meeting(topic)],
            ..Default::default()
        };
        ProjectReport::new(
            chrono::Utc::now(),
            campo_core::report::compute(&input, &Catalog::builtin(), &targets),
        )
    };
    let (_dir, v) = vault();
    assert_eq!(crate::project_report(&lock(&v)).unwrap(), None);
    let first = report(40, "first");
    reports.lock().unwrap().push(first.clone());
    let client = client(&server);
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(s.pull_pages, 2);
    assert_eq!(
        crate::project_report(&lock(&v)).unwrap(),
        Some(first.clone())
    );
    let raw = lock(&v).setting(SETTING_PROJECT_REPORT).unwrap().unwrap();
    assert!(raw.contains("as_of"), "{raw}");

    // A pull without one keeps the stored report.
    sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(crate::project_report(&lock(&v)).unwrap(), Some(first));

    let second = report(50, "second");
    reports.lock().unwrap().push(second.clone());
    sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(crate::project_report(&lock(&v)).unwrap(), Some(second));
    let raw = lock(&v).setting(SETTING_PROJECT_REPORT).unwrap().unwrap();
    assert!(raw.contains(r#""eligible_carers":50"#), "{raw}");

    // The vault keeps it sealed: no file of the vault holds its figures in the clear.
    let needle = br#""eligible_carers":50"#;
    for entry in std::fs::read_dir(lock(&v).dir()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }
}

#[tokio::test]
async fn retry_one_sends_that_record_again_and_no_other() {
    let server = TestServer::start(|req| match req.path() {
        "/api/v1/sync/push" => push_answer(req, PushStatus::Rejected),
        _ => Response::gzip_json(&page(1, false, vec![])),
    })
    .await;
    let (_dir, v) = vault();
    {
        let v = lock(&v);
        v.save_outreach(&outreach("2026-04")).unwrap();
        v.save_outreach(&outreach("2026-05")).unwrap();
    }
    let client = client(&server);
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(s.rejected, 2);
    let first = rejected(&v).unwrap()[0].clone();
    assert!(crate::retry_rejected_one(&v, first.id, first.revision).unwrap());
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!((s.batches, s.held_back, s.rejected), (1, 1, 1), "{s:?}");
    let last_push: PushRequest = server
        .requests()
        .iter()
        .rfind(|r| r.path() == "/api/v1/sync/push")
        .unwrap()
        .json();
    assert_eq!(
        last_push
            .records
            .iter()
            .map(|r| (r.id, r.revision))
            .collect::<Vec<_>>(),
        [(first.id, first.revision)]
    );
    assert_eq!(rejected(&v).unwrap().len(), 2, "refused again, kept again");
}

/// The office's note on one of this tablet's submissions.
fn note(
    submission: Uuid,
    state: crate::wire::ReviewState,
    comment: &str,
) -> crate::wire::ReviewNote {
    crate::wire::ReviewNote {
        submission_id: submission,
        meeting_id: Uuid::now_v7(),
        instrument_id: "training_satisfaction".into(),
        state,
        comment: comment.into(),
        reviewed_at: "2026-04-02T09:30:00Z".parse().unwrap(),
    }
}

#[tokio::test]
async fn review_notes_are_kept_sealed_the_latest_per_submission() {
    use crate::review_notes::{review_notes, SETTING_REVIEW_NOTES};
    use crate::wire::ReviewState;
    let (s1, s2) = (Uuid::now_v7(), Uuid::now_v7());
    let first = note(s1, ReviewState::HasIssues, "Manca la firma del consenso");
    let other = note(s2, ReviewState::HasIssues, "Rifare con la partecipante");
    let latest = note(s1, ReviewState::Approved, "Ora va bene");
    let (f, o, l) = (first.clone(), other.clone(), latest.clone());
    let server = TestServer::start(move |req| {
        let p = match req.query_u64("since") {
            0 => PullResponse {
                notes: vec![f.clone(), o.clone()],
                ..page(10, true, vec![])
            },
            // The last page has s1's new word; asked again from its own cursor, the
            // server sends the same page twice.
            _ => PullResponse {
                notes: vec![l.clone()],
                ..page(20, false, vec![])
            },
        };
        Response::gzip_json(&p)
    })
    .await;
    let (_dir, v) = vault();
    assert!(review_notes(&lock(&v)).unwrap().is_empty());
    let client = client(&server);
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(sinces(&server), [0, 10]);
    assert_eq!((s.pull_pages, s.notes_pulled), (2, 3));
    // The latest word per submission, in submission order.
    assert_eq!(
        review_notes(&lock(&v)).unwrap(),
        vec![latest.clone(), other.clone()]
    );

    // The last page pulled again (the server sends it once more from its own cursor):
    // nothing changes, nothing is held twice.
    let raw_before = lock(&v).setting(SETTING_REVIEW_NOTES).unwrap();
    let s = sync_once(&client, &v, &|_| {}).await.unwrap();
    assert_eq!(sinces(&server), [0, 10, 20]);
    assert_eq!(s.notes_pulled, 1);
    assert_eq!(
        review_notes(&lock(&v)).unwrap(),
        vec![latest.clone(), other.clone()]
    );
    assert_eq!(lock(&v).setting(SETTING_REVIEW_NOTES).unwrap(), raw_before);

    // Sealed like every setting: no file of the vault holds a comment in the clear.
    let needle = other.comment.as_bytes();
    for entry in std::fs::read_dir(lock(&v).dir()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }
    // A summary written before notes existed still reads.
    let mut old = serde_json::to_value(SyncSummary::default()).unwrap();
    old.as_object_mut().unwrap().remove("notes_pulled");
    assert_eq!(
        serde_json::from_value::<SyncSummary>(old).unwrap(),
        SyncSummary::default()
    );
}
