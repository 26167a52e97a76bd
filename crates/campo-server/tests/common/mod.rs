//! Shared test harness: the real `campo-server` binary on 127.0.0.1:0 with a temp SQLite file.
#![allow(dead_code)]

use campo_core::catalog::Catalog;
use campo_core::{Activity, AnswerValue, Answers, Attendance, Meeting, MeetingStatus, Submission};
use campo_sync::wire::{EnrollResponse, PushRequest, PushResponse, Record, RecordBody};
use chrono::{NaiveDate, Utc};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use uuid::Uuid;

pub const BIN: &str = env!("CARGO_BIN_EXE_campo-server");

pub struct Server {
    child: Child,
    // Kept open: a closed pipe would make any later print by the server fail.
    _stdout: BufReader<std::process::ChildStdout>,
    pub base: String,
    pub db: PathBuf,
}

impl Server {
    pub fn start(db: &Path) -> Server {
        Server::start_with(db, &[])
    }

    pub fn start_with(db: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--db",
                db.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start campo-server");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server {
            child,
            _stdout: stdout,
            base,
            db: db.to_path_buf(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a CLI subcommand against the database and returns stdout (panics on failure).
pub fn cli(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "campo-server {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn enroll_code(db: &Path, name: &str) -> String {
    let out = cli(&[
        "enroll",
        "--db",
        db.to_str().unwrap(),
        "--name",
        name,
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    v["code"].as_str().unwrap().to_string()
}

pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().build().unwrap()
}

/// Enrolls a device over HTTP and returns (device id, token).
pub fn enroll_device(server: &Server, name: &str) -> EnrollResponse {
    let code = enroll_code(&server.db, name);
    let resp = http()
        .post(server.url("/api/v1/devices/enroll"))
        .json(&serde_json::json!({"code": code, "device_name": name}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().unwrap()
}

pub fn push(server: &Server, token: &str, req: &PushRequest) -> PushResponse {
    let resp = http()
        .post(server.url("/api/v1/sync/push"))
        .bearer_auth(token)
        .json(req)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200, "push failed: {:?}", resp.text());
    resp.json().unwrap()
}

pub fn meeting(revision: u32, id: Uuid) -> Meeting {
    Meeting {
        id,
        revision,
        activity: Activity::TrainingCourse,
        date: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
        place: "Sala civica".into(),
        topic: "Mobilizzazione".into(),
        facilitator: "Anna".into(),
        status: MeetingStatus::Held,
        attendance: Attendance {
            participants: vec!["P001".into()],
            anonymous: 2,
        },
        updated_at: Utc::now(),
    }
}

/// A valid training-satisfaction submission (13 scale items), answers picked by `seed`.
pub fn satisfaction(meeting_id: Uuid, seed: usize) -> Submission {
    let instrument = Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .clone();
    let mut answers = Answers::new();
    for (i, item) in instrument.items.iter().enumerate() {
        let option = &item.options[(seed + i) % item.options.len()];
        answers.insert(item.id.clone(), AnswerValue::Text(option.value.clone()));
    }
    Submission {
        id: Uuid::now_v7(),
        instrument_id: instrument.id.clone(),
        instrument_version: instrument.version,
        meeting_id,
        respondent: None,
        phase: None,
        answers,
        created_at: Utc::now(),
        replaces: None,
    }
}

pub fn record(body: RecordBody) -> Record {
    let (id, revision) = match &body {
        RecordBody::Meeting(m) => (m.id, m.revision),
        RecordBody::Submission(s) => (s.id, 1),
        _ => (Uuid::now_v7(), 1),
    };
    Record { id, revision, body }
}

pub fn batch(records: Vec<Record>) -> PushRequest {
    PushRequest {
        batch_id: Uuid::now_v7(),
        records,
    }
}

/// Row counts read straight from the SQLite file (read-only).
pub fn counts(db: &Path) -> (i64, i64, i64) {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let count = |t: &str| {
        conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
    };
    (count("records"), count("batches"), count("devices"))
}
