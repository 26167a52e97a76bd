//! Push and pull against the real binary, on both engines: what is stored, what is refused
//! (with its reason code), that refusals change nothing, paging, and gzip both ways.

mod common;

use campo_wire::{PullResponse, PushResponse, PushStatus, Record, RecordBody, RosterCode};
use common::*;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::StatusCode;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use uuid::Uuid;

on_both_engines!(
    bad_bodies_are_refused_and_change_nothing,
    resends_are_safe_and_a_restart_keeps_everything,
    answers_are_gzipped_for_clients_that_accept_it,
    pull_pages_over_http_and_refuses_bad_queries,
);

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

fn bad_bodies_are_refused_and_change_nothing(db: TestDb) {
    let server = Server::start(&db);
    let device = enroll_device(&server, &db, "Tablet");
    let m = meeting(1, Uuid::now_v7());
    push(
        &server,
        &device.token,
        &batch(vec![record(RecordBody::Meeting(m.clone()))]),
    );
    let before = db.counts();
    assert_eq!(before.record_revisions, 1);
    assert_eq!(before.batches, 1);
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
    // A consent step named by a number is no step: the whole push is refused.
    let numbered = format!(
        r#"{{"batch_id":"{}","records":[{{"id":"{}","revision":1,"kind":"roster_code","body":{{"code":"C-9","consent":[{{"event":0,"date":"2026-01-01","sheet_version":"v1","covers":["contact"]}}]}}}}]}}"#,
        Uuid::now_v7(),
        Uuid::now_v7()
    );
    assert_eq!(
        error_of(post(numbered.into_bytes(), false)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request".into())
    );
    assert_eq!(
        error_of(post(b"not gzip at all".to_vec(), true)),
        (StatusCode::BAD_REQUEST, "bad_gzip".into())
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
                consent: Vec::new(),
            }))
        })
        .collect();
    let body = serde_json::to_vec(&batch(many)).unwrap();
    assert_eq!(
        error_of(post(gzip(&body), true)),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_many_records".into())
    );
    assert_eq!(db.counts(), before, "a refused request changes nothing");
    // Records refused one by one, in a batch that is otherwise fine.
    let mut unknown = satisfaction(m.id, 0);
    unknown.instrument_id = "no_such_instrument".into();
    let mut future = satisfaction(m.id, 0);
    future.instrument_version = 99;
    let mut invalid = satisfaction(m.id, 0);
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
    // A roster code under the meeting's id: a record keeps its kind.
    let kind = campo_wire::Record {
        id: m.id,
        revision: 2,
        body: RecordBody::RosterCode(RosterCode {
            code: "P001".into(),
            consent: Vec::new(),
        }),
    };
    // The envelope and the body disagree.
    let inner = meeting(1, Uuid::now_v7());
    let mismatch = campo_wire::Record {
        id: Uuid::now_v7(),
        revision: 1,
        body: RecordBody::Meeting(inner),
    };
    // A consent history whose steps break the rules (a withdrawal of nothing).
    let history = record(RecordBody::RosterCode(RosterCode {
        code: "C-9".into(),
        consent: vec![campo_core::consent::ConsentEvent::Withdrawn {
            date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        }],
    }));
    let req = batch(vec![
        record(RecordBody::Submission(unknown)),
        record(RecordBody::Submission(future)),
        record(RecordBody::Submission(invalid)),
        record(RecordBody::Meeting(conflict)),
        kind,
        mismatch,
        history,
    ]);
    let resp = push(&server, &device.token, &req);
    assert_eq!(resp.results.len(), 7);
    let answers: Vec<(String, String)> = resp
        .results
        .iter()
        .zip(&req.records)
        .map(|(r, sent)| {
            assert_eq!(r.status, PushStatus::Rejected, "{r:?}");
            assert_eq!(
                (r.id, r.revision),
                (sent.id, sent.revision),
                "answers in order"
            );
            (r.reason_code.clone().unwrap(), r.reason.clone().unwrap())
        })
        .collect();
    assert_eq!(answers[0].0, "unknown_instrument");
    assert!(answers[0].1.contains("unknown instrument"), "{answers:?}");
    assert_eq!(answers[1].0, "unknown_instrument_version");
    assert!(answers[1].1.contains("99"), "{answers:?}");
    assert_eq!(answers[2].0, "invalid_answers");
    assert!(answers[2].1.contains("not-an-option"), "{answers:?}");
    assert_eq!(answers[3].0, "revision_conflict");
    assert!(answers[3].1.contains("revision conflict"), "{answers:?}");
    assert_eq!(answers[4].0, "kind_mismatch");
    assert_eq!(answers[5].0, "record_mismatch");
    assert_eq!(answers[6].0, "consent_invalid");
    assert!(
        answers[6].1.contains("withdrawn when no consent"),
        "{answers:?}"
    );
    let after = db.counts();
    assert_eq!(
        after.record_revisions, before.record_revisions,
        "no record stored by refused input"
    );
    assert_eq!(
        after.batches,
        before.batches + 1,
        "only the answered batch is remembered"
    );

    // Another device cannot write a record it does not own.
    let other = enroll_device(&server, &db, "Other");
    let mut m2 = m.clone();
    m2.revision = 2;
    let resp = push(
        &server,
        &other.token,
        &batch(vec![record(RecordBody::Meeting(m2))]),
    );
    assert_eq!(resp.results[0].status, PushStatus::Rejected);
    assert_eq!(
        resp.results[0].reason_code.as_deref(),
        Some("owned_by_another_device")
    );
    assert!(resp.results[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("belongs to another tablet"));
    assert_eq!(db.counts().record_revisions, before.record_revisions);
    // The owner's meeting is still the one it sent.
    let current = db.with_store(|s| async move { s.report_input("default").await.unwrap() });
    assert_eq!(current.meetings, vec![m]);
}

fn resends_are_safe_and_a_restart_keeps_everything(db: TestDb) {
    let server = Server::start(&db);
    let device = enroll_device(&server, &db, "Tablet");
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
    let first: PushResponse = resp.json().unwrap();
    assert_eq!(first.results.len(), 21);
    assert!(first
        .results
        .iter()
        .all(|r| r.status == PushStatus::Stored && r.reason.is_none() && r.reason_code.is_none()));

    // The same batch again: the very same answer, nothing new stored.
    assert_eq!(push(&server, &device.token, &req), first);
    // The same batch id with other content still gets the first answer.
    let mut altered = req.clone();
    altered.records.truncate(1);
    assert_eq!(push(&server, &device.token, &altered), first);
    // The same records in a new batch: duplicates.
    let again = push(&server, &device.token, &batch(subs.clone()));
    assert!(again
        .results
        .iter()
        .all(|r| r.status == PushStatus::Duplicate));
    // The same submission with other whitespace and key order is the same content.
    let sub = serde_json::to_value(&subs[0]).unwrap();
    let reordered = format!(
        "{{ \"records\" : [ {{\"body\": {}, \"kind\": \"submission\", \"revision\": 1, \"id\": \"{}\"}} ],\n \"batch_id\": \"{}\" }}",
        serde_json::to_string_pretty(&sub["body"]).unwrap(),
        subs[0].id,
        Uuid::now_v7()
    );
    let resp: PushResponse = http()
        .post(server.url("/api/v1/sync/push"))
        .bearer_auth(&device.token)
        .header("content-type", "application/json")
        .body(reordered)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(resp.results[0].status, PushStatus::Duplicate, "{resp:?}");
    assert_eq!(db.counts().record_revisions, 21);

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
    assert_eq!(db.counts().record_revisions, 22);

    let report_before = cli(&db, &["report", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&report_before).unwrap();
    assert_eq!(report["training"]["satisfaction"]["n"], 20, "{report:#}");
    server.stop();
    let server = Server::start(&db);
    assert_eq!(db.counts().record_revisions, 22);
    assert_eq!(cli(&db, &["report", "--format", "json"]), report_before);
    // The token still works, the batch is still remembered.
    assert_eq!(push(&server, &device.token, &req), first);

    // Another device pulls the current revision of the meeting, and not its own records.
    let other = enroll_device(&server, &db, "Other");
    push(
        &server,
        &other.token,
        &batch(vec![record(RecordBody::RosterCode(RosterCode {
            code: "P042".into(),
            consent: Vec::new(),
        }))]),
    );
    let theirs = pull(&server, &other.token, 0, None);
    assert_eq!(theirs.meetings, vec![m2]);
    assert!(theirs.roster.is_empty(), "roster codes are never sent");
    assert!(!theirs.more);
    assert!(theirs
        .instruments
        .iter()
        .any(|i| i.id == "training_satisfaction"));
    assert!(theirs.targets.is_some(), "the project's targets come along");
    let mine = pull(&server, &device.token, 0, None);
    assert!(
        mine.meetings.is_empty(),
        "its own meetings are not sent back"
    );
    assert!(
        mine.roster.is_empty(),
        "other devices' roster codes are not sent"
    );
    let later = pull(&server, &other.token, theirs.cursor, None);
    assert!(later.meetings.is_empty() && later.instruments.is_empty() && !later.more);
    assert_eq!(later.cursor, theirs.cursor);
}

fn answers_are_gzipped_for_clients_that_accept_it(db: TestDb) {
    let server = Server::start(&db);
    let device = enroll_device(&server, &db, "Tablet");
    // A client that does not decompress by itself, to see the bytes on the wire.
    let raw = reqwest::blocking::Client::builder()
        .no_gzip()
        .build()
        .unwrap();
    let get = |accept: Option<&str>| {
        let mut rb = raw
            .get(server.url("/api/v1/sync/pull"))
            .bearer_auth(&device.token);
        if let Some(a) = accept {
            rb = rb.header("accept-encoding", a);
        }
        let resp = rb.send().unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let encoding = resp
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        (encoding, resp.bytes().unwrap().to_vec())
    };
    let (encoding, plain) = get(None);
    assert_eq!(encoding, None);
    let plain: PullResponse = serde_json::from_slice(&plain).unwrap();
    assert!(!plain.instruments.is_empty());

    let (encoding, zipped) = get(Some("gzip"));
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert_eq!(&zipped[..2], &[0x1f, 0x8b], "a gzip stream");
    let mut inflated = Vec::new();
    GzDecoder::new(&zipped[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert!(
        zipped.len() * 3 < inflated.len(),
        "instruments compress well"
    );
    let unzipped: PullResponse = serde_json::from_slice(&inflated).unwrap();
    assert_eq!(unzipped.instruments, plain.instruments);

    // A push answer too, once it is worth compressing: ten results are well over the
    // 256-byte threshold, one result is under it and goes plain (gzip's own header and
    // trailer would cost more than they save).
    let push_raw = |records: Vec<Record>| {
        raw.post(server.url("/api/v1/sync/push"))
            .bearer_auth(&device.token)
            .header("accept-encoding", "gzip")
            .json(&batch(records))
            .send()
            .unwrap()
    };
    let ten: Vec<Record> = (0..10)
        .map(|_| record(RecordBody::Meeting(meeting(1, Uuid::now_v7()))))
        .collect();
    let resp = push_raw(ten);
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers().get("content-encoding").unwrap(),
        "gzip",
        "push answers are compressed"
    );
    let mut inflated = Vec::new();
    GzDecoder::new(&resp.bytes().unwrap()[..])
        .read_to_end(&mut inflated)
        .unwrap();
    let answer: PushResponse = serde_json::from_slice(&inflated).unwrap();
    assert_eq!(answer.results.len(), 10);
    assert!(answer
        .results
        .iter()
        .all(|r| r.status == PushStatus::Stored));

    let one = push_raw(vec![record(RecordBody::Meeting(meeting(
        1,
        Uuid::now_v7(),
    )))]);
    assert_eq!(one.status(), StatusCode::OK);
    assert!(one.headers().get("content-encoding").is_none());
    let answer: PushResponse = serde_json::from_slice(&one.bytes().unwrap()).unwrap();
    assert_eq!(answer.results[0].status, PushStatus::Stored);

    // A codec the server does not speak gets plain JSON.
    let (encoding, body) = get(Some("br"));
    assert_eq!(encoding, None);
    serde_json::from_slice::<PullResponse>(&body).unwrap();
}

fn pull_pages_over_http_and_refuses_bad_queries(db: TestDb) {
    let server = Server::start(&db);
    let reader = enroll_device(&server, &db, "Reader");
    let writer = enroll_device(&server, &db, "Writer");
    let meetings: Vec<_> = (0..7).map(|_| meeting(1, Uuid::now_v7())).collect();
    push(
        &server,
        &writer.token,
        &batch(
            meetings
                .iter()
                .map(|m| record(RecordBody::Meeting(m.clone())))
                .collect(),
        ),
    );
    let everything = pull_all(&server, &reader.token, None);
    assert_eq!(everything.len(), 1, "the default limit holds it all");
    let instruments = everything[0].instruments.len();
    assert!(instruments > 0);
    assert_eq!(everything[0].meetings.len(), 7);
    let total = instruments + 7;
    for limit in [1u32, 2, 3, 5, total as u32, total as u32 + 1] {
        let pages = pull_all(&server, &reader.token, Some(limit));
        let mut seen_meetings = BTreeSet::new();
        let mut seen_instruments = BTreeSet::new();
        let mut cursor = 0;
        for (i, page) in pages.iter().enumerate() {
            let n = page.meetings.len() + page.instruments.len();
            assert!(n <= limit as usize, "limit {limit}: page {i} has {n}");
            if page.more {
                assert_eq!(
                    n, limit as usize,
                    "limit {limit}: a page before the last is full"
                );
            }
            assert!(page.cursor >= cursor, "limit {limit}: the cursor went back");
            if n > 0 {
                assert!(
                    page.cursor > cursor,
                    "limit {limit}: items without progress"
                );
            }
            cursor = page.cursor;
            for m in &page.meetings {
                assert!(seen_meetings.insert(m.id), "limit {limit}: meeting twice");
            }
            for ins in &page.instruments {
                assert!(
                    seen_instruments.insert((ins.id.clone(), ins.version)),
                    "limit {limit}: instrument twice"
                );
            }
        }
        assert_eq!(seen_meetings.len(), 7, "limit {limit}");
        assert_eq!(seen_instruments.len(), instruments, "limit {limit}");
        assert_eq!(cursor, everything[0].cursor, "limit {limit}: the same end");
        assert_eq!(
            pages.len(),
            total.div_ceil(limit as usize).max(1),
            "limit {limit}: as many pages as needed, no more"
        );
    }

    let status_and_code = |query: &str| {
        let resp = http()
            .get(server.url(&format!("/api/v1/sync/pull?{query}")))
            .bearer_auth(&reader.token)
            .send()
            .unwrap();
        error_of(resp)
    };
    for (query, code) in [
        ("since=-1", "bad_cursor"),
        ("since=abc", "bad_cursor"),
        ("since=9223372036854775808", "bad_cursor"),
        ("since=1&since=2", "bad_cursor"),
        ("limit=0", "bad_limit"),
        ("limit=5001", "bad_limit"),
        ("limit=x", "bad_limit"),
    ] {
        assert_eq!(
            status_and_code(query),
            (StatusCode::BAD_REQUEST, code.to_string()),
            "{query}"
        );
    }
    // A cursor from the future is not an error: nothing is newer.
    let far = pull(
        &server,
        &reader.token,
        9_223_372_036_854_775_807,
        Some(5000),
    );
    assert!(far.meetings.is_empty() && far.instruments.is_empty() && !far.more);
}
