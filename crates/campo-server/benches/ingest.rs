//! Server ingest: pushes 13-item satisfaction submissions in gzip batches of 500 through the
//! real `campo-server` binary on loopback and prints records per second (goal: 20,000/s).
//! `CAMPO_BENCH_RECORDS` sets how many (default 100,000).

use campo_core::catalog::Catalog;
use campo_core::{Activity, AnswerValue, Answers, Attendance, Meeting, MeetingStatus, Submission};
use campo_sync::wire::{PushRequest, PushResponse, PushStatus, Record, RecordBody};
use chrono::{NaiveDate, Utc};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;
use uuid::Uuid;

const BATCH: usize = 500;
const PUSHERS: usize = 2;

fn main() {
    let total: usize = std::env::var("CAMPO_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    let bin = env!("CARGO_BIN_EXE_campo-server");
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();

    let out = Command::new(bin)
        .args([
            "enroll",
            "--db",
            db.to_str().unwrap(),
            "--name",
            "bench",
            "--json",
        ])
        .output()
        .unwrap();
    let code: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let client = reqwest::blocking::Client::new();
    let enrolled: serde_json::Value = client
        .post(format!("{base}/api/v1/devices/enroll"))
        .json(&serde_json::json!({"code": code["code"], "device_name": "bench"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = enrolled["token"].as_str().unwrap().to_string();

    // Bodies are prepared first (as a tablet's queue would be): the clock measures the server.
    let instrument = Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .clone();
    let meeting_id = Uuid::now_v7();
    let meeting = Meeting {
        id: meeting_id,
        revision: 1,
        activity: Activity::TrainingCourse,
        date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        place: "Sala".into(),
        topic: "Bench".into(),
        facilitator: "Bench".into(),
        status: MeetingStatus::Held,
        attendance: Attendance::default(),
        updated_at: Utc::now(),
    };
    let mut records = vec![Record {
        id: meeting_id,
        revision: 1,
        body: RecordBody::Meeting(meeting),
    }];
    for n in 0..total.saturating_sub(1) {
        let mut answers = Answers::new();
        for (i, item) in instrument.items.iter().enumerate() {
            answers.insert(
                item.id.clone(),
                AnswerValue::Text(item.options[(n + i) % item.options.len()].value.clone()),
            );
        }
        let s = Submission {
            id: Uuid::now_v7(),
            instrument_id: instrument.id.clone(),
            instrument_version: instrument.version,
            meeting_id,
            respondent: None,
            phase: None,
            answers,
            created_at: Utc::now(),
            replaces: None,
        };
        records.push(Record {
            id: s.id,
            revision: 1,
            body: RecordBody::Submission(s),
        });
    }
    // The meeting goes first, alone, so every batch after it can run in parallel.
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    let first = records.remove(0);
    for chunk in std::iter::once(vec![first]).chain(records.chunks(BATCH).map(|c| c.to_vec())) {
        let json = serde_json::to_vec(&PushRequest {
            batch_id: Uuid::now_v7(),
            records: chunk,
        })
        .unwrap();
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&json).unwrap();
        bodies.push(gz.finish().unwrap());
    }
    let wire_bytes: usize = bodies.iter().map(Vec::len).sum();

    let push = |body: &Vec<u8>| -> usize {
        let resp: PushResponse = client
            .post(format!("{base}/api/v1/sync/push"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(body.clone())
            .send()
            .unwrap()
            .json()
            .unwrap();
        resp.results
            .iter()
            .filter(|r| r.status == PushStatus::Stored)
            .count()
    };
    let start = Instant::now();
    let mut stored = push(&bodies[0]);
    let rest = &bodies[1..];
    let per = rest.len().div_ceil(PUSHERS).max(1);
    stored += std::thread::scope(|s| {
        let handles: Vec<_> = rest
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(push).sum::<usize>()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum::<usize>()
    });
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(stored, total, "every record stored");
    println!(
        "ingest: {stored} records in {} batches of {BATCH} ({PUSHERS} concurrent pushers, gzip) in {secs:.2} s = {:.0} records/s; {:.0} B/record on the wire",
        bodies.len(),
        stored as f64 / secs,
        wire_bytes as f64 / stored as f64
    );
    let _ = child.kill();
    let _ = child.wait();
}
