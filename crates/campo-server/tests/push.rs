//! Push and pull against the real binary: what is stored, what is refused, and that
//! refusals change nothing.

mod common;

use campo_sync::wire::{PullResponse, PushStatus, RecordBody, RosterCode};
use common::*;
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::StatusCode;
use std::io::Write;
use uuid::Uuid;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn error_of(resp: reqwest::blocking::Response) -> (StatusCode, String) {
    let status = resp.status();
    let body: serde_json::Value = resp.json().expect("ApiError body");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    (status, body["code"].as_str().unwrap().to_string())
}

#[test]
fn bad_bodies_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("campo.db");
    let server = Server::start(&db);
    let device = enroll_device(&server, "Tablet");
    let m = meeting(1, Uuid::now_v7());
    push(
        &server,
        &device.token,
        &batch(vec![record(RecordBody::Meeting(m.clone()))]),
    );
    let before = counts(&db);
    let client = http();
    let post = |body: Vec<u8>, gz: bool| {
        let mut rb = client
            .post(server.url("/api/v1/sync/push"))
            .bearer_auth(&device.token)
            .header("content-type", "application/json")
            .body(body);
        if gz {
            rb = rb.header("content-encoding", "gzip");
        }
        rb.send().unwrap()
    };

    assert_eq!(
        error_of(post(b"{\"batch_id\": ".to_vec(), false)),
        (StatusCode::BAD_REQUEST, "malformed_json".into())
    );
    assert_eq!(
        error_of(post(b"{\"batch_id\": 5, \"records\": []}".to_vec(), false)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request".into())
    );
    // 9 MiB of plain body.
    let (status, _) = error_of(post(vec![b' '; 9 * 1024 * 1024], false));
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // A gzip bomb: 64 KiB on the wire, 64 MiB inflated.
    let bomb = gzip(&vec![b' '; 64 * 1024 * 1024]);
    assert!(bomb.len() < 128 * 1024);
    assert_eq!(
        error_of(post(bomb, true)),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".into())
    );
    // Over the record cap.
    let many: Vec<_> = (0..2001)
        .map(|i| {
            record(RecordBody::RosterCode(RosterCode {
                code: format!("P{i}"),
            }))
        })
        .collect();
    let body = serde_json::to_vec(&batch(many)).unwrap();
    assert_eq!(
        error_of(post(gzip(&body), true)),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_many_records".into())
    );

    // Records refused one by one, in a batch that is otherwise fine.
    let mut unknown = satisfaction(m.id, 0);
    unknown.instrument_id = "no_such_instrument".into();
    let mut future = satisfaction(m.id, 0);
    future.instrument_version = 99;
    let mut invalid = satisfaction(m.id, 0);
    invalid.answers.insert(
        "s1".into(),
        campo_core::AnswerValue::Text("not-an-option".into()),
    );
    let first_item = campo_core::catalog::Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .items[0]
        .id
        .clone();
    invalid.answers.insert(
        first_item,
        campo_core::AnswerValue::Text("not-an-option".into()),
    );
    let mut conflict = m.clone();
    conflict.place = "Somewhere else".into();
    let req = batch(vec![
        record(RecordBody::Submission(unknown)),
        record(RecordBody::Submission(future)),
        record(RecordBody::Submission(invalid)),
        record(RecordBody::Meeting(conflict)),
    ]);
    let resp = push(&server, &device.token, &req);
    let reasons: Vec<String> = resp
        .results
        .iter()
        .map(|r| {
            assert_eq!(r.status, PushStatus::Rejected, "{r:?}");
            r.reason.clone().unwrap()
        })
        .collect();
    assert!(reasons[0].contains("unknown instrument"), "{}", reasons[0]);
    assert!(
        reasons[1].contains("version") || reasons[1].contains("99"),
        "{}",
        reasons[1]
    );
    assert!(reasons[2].contains("not-an-option"), "{}", reasons[2]);
    assert!(reasons[3].contains("revision conflict"), "{}", reasons[3]);
    let after = counts(&db);
    assert_eq!(after.0, before.0, "no record stored by refused input");
    assert_eq!(
        after.1,
        before.1 + 1,
        "only the answered batch is remembered"
    );

    // Another device cannot write a record it does not own.
    let other = enroll_device(&server, "Other");
    let mut m2 = m.clone();
    m2.revision = 2;
    let resp = push(
        &server,
        &other.token,
        &batch(vec![record(RecordBody::Meeting(m2))]),
    );
    assert_eq!(resp.results[0].status, PushStatus::Rejected);
    assert!(resp.results[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("another device"));
    assert_eq!(counts(&db).0, before.0);
}

#[test]
fn resends_are_safe_and_a_restart_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("campo.db");
    let server = Server::start(&db);
    let device = enroll_device(&server, "Tablet");
    let m = meeting(1, Uuid::now_v7());
    let subs: Vec<_> = (0..20)
        .map(|i| record(RecordBody::Submission(satisfaction(m.id, i))))
        .collect();
    let mut records = vec![record(RecordBody::Meeting(m.clone()))];
    records.extend(subs.clone());
    let req = batch(records);
    // Sent gzip, as the client does.
    let resp = http()
        .post(server.url("/api/v1/sync/push"))
        .bearer_auth(&device.token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip(&serde_json::to_vec(&req).unwrap()))
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let first: campo_sync::wire::PushResponse = resp.json().unwrap();
    assert!(first.results.iter().all(|r| r.status == PushStatus::Stored));

    // The same batch again: the very same answer, nothing new stored.
    assert_eq!(push(&server, &device.token, &req), first);
    // The same records in a new batch: duplicates.
    let again = push(&server, &device.token, &batch(subs.clone()));
    assert!(again
        .results
        .iter()
        .all(|r| r.status == PushStatus::Duplicate));
    assert_eq!(counts(&db).0, 21);

    // A new meeting revision is stored beside the first.
    let mut m2 = m.clone();
    m2.revision = 2;
    m2.attendance.anonymous = 5;
    assert_eq!(
        push(
            &server,
            &device.token,
            &batch(vec![record(RecordBody::Meeting(m2.clone()))])
        )
        .results[0]
            .status,
        PushStatus::Stored
    );
    assert_eq!(counts(&db).0, 22);

    let report_before = cli(&["report", "--db", db.to_str().unwrap(), "--format", "json"]);
    server.stop();
    let server = Server::start(&db);
    assert_eq!(counts(&db).0, 22);
    assert_eq!(
        cli(&["report", "--db", db.to_str().unwrap(), "--format", "json"]),
        report_before
    );
    // The token still works, the batch is still remembered.
    assert_eq!(push(&server, &device.token, &req), first);

    // Another device pulls the current revision of the meeting, and not its own records.
    let other = enroll_device(&server, "Other");
    push(
        &server,
        &other.token,
        &batch(vec![record(RecordBody::RosterCode(RosterCode {
            code: "P042".into(),
        }))]),
    );
    let pull = |token: &str, since: u64| -> PullResponse {
        http()
            .get(server.url(&format!("/api/v1/sync/pull?since={since}")))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let theirs = pull(&other.token, 0);
    assert_eq!(theirs.meetings, vec![m2]);
    assert!(
        theirs.roster.is_empty(),
        "its own roster code is not sent back"
    );
    assert!(theirs
        .instruments
        .iter()
        .any(|i| i.id == "training_satisfaction"));
    let mine = pull(&device.token, 0);
    assert!(mine.meetings.is_empty());
    assert_eq!(
        mine.roster,
        vec![RosterCode {
            code: "P042".into()
        }]
    );
    let later = pull(&other.token, theirs.cursor);
    assert!(later.meetings.is_empty() && later.instruments.is_empty());
    assert_eq!(later.cursor, theirs.cursor);
}
