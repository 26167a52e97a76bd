//! What the carers' rights tests share: the real server with its log in a file, tablets that
//! enroll, push and pull over HTTP, the records they send, one carer's data as two tablets
//! hold it, and the ways to read back what the database holds.
#![allow(dead_code)]

use crate::common::*;
use campo_core::catalog::Catalog;
use campo_core::consent::{ConsentEvent, ConsentScope};
use campo_core::{AnswerValue, Answers, Attendance, Meeting, MeetingStatus, Phase, Submission};
use campo_server::store::NewReview;
use campo_wire::{
    EnrollResponse, PullResponse, PushRequest, PushResponse, PushStatus, Record, RecordBody,
    ReviewState, RosterCode,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use uuid::Uuid;

pub const CODE: &str = "ZQ-4417-CARER";

// The server with its log in a file (RUST_LOG=debug), to look for the code in it.

pub struct LoggedServer {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    base: String,
    log: PathBuf,
}

impl LoggedServer {
    pub fn start(db: &TestDb) -> LoggedServer {
        let log = db.dir().join(format!("server-{}.log", Uuid::now_v7()));
        let mut child = Command::new(BIN)
            .args(["serve", "--db", db.arg(), "--listen", "127.0.0.1:0"])
            .env_remove("CAMPO_DB")
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server did not start: {line:?}"))
            .to_string();
        LoggedServer {
            child,
            _stdout: stdout,
            base,
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An enrolled tablet: its vault and its device's token.
pub struct Tablet {
    pub vault: Uuid,
    pub token: String,
}

pub fn tablet(srv: &LoggedServer, db: &TestDb, project: &str, name: &str) -> Tablet {
    let code = enroll_code_in(db, project, name);
    let vault = Vault::new();
    let resp = http()
        .post(srv.url("/api/v1/devices/enroll"))
        .json(&vault.enrollment(&code, name))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let enrolled: EnrollResponse = resp.json().unwrap();
    Tablet {
        vault: vault.id,
        token: enrolled.token,
    }
}

pub fn push_records(srv: &LoggedServer, t: &Tablet, records: Vec<Record>) -> PushResponse {
    let resp = http()
        .post(srv.url("/api/v1/sync/push"))
        .bearer_auth(&t.token)
        .json(&PushRequest {
            batch_id: Uuid::now_v7(),
            records,
        })
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200, "{:?}", resp.text());
    resp.json().unwrap()
}

/// Pushes and expects every record stored.
pub fn store_records(srv: &LoggedServer, t: &Tablet, records: Vec<Record>) {
    let answer = push_records(srv, t, records);
    for r in &answer.results {
        assert_eq!(r.status, PushStatus::Stored, "{r:?}");
    }
}

pub fn pull_from(srv: &LoggedServer, t: &Tablet, since: u64) -> PullResponse {
    let resp = http()
        .get(srv.url(&format!("/api/v1/sync/pull?since={since}&limit=5000")))
        .bearer_auth(&t.token)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().unwrap()
}

// Records.

pub fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub fn given(d: NaiveDate, version: &str, covers: &[ConsentScope]) -> ConsentEvent {
    ConsentEvent::Given {
        date: d,
        sheet_version: version.into(),
        covers: covers.to_vec(),
    }
}

pub fn roster(id: Uuid, revision: u32, code: &str, consent: Vec<ConsentEvent>) -> Record {
    Record {
        id,
        revision,
        body: RecordBody::RosterCode(RosterCode {
            code: code.into(),
            consent,
        }),
    }
}

pub fn held_meeting(
    id: Uuid,
    revision: u32,
    activity: campo_core::Activity,
    date: NaiveDate,
    participants: &[&str],
    topic: &str,
) -> Meeting {
    Meeting {
        id,
        revision,
        activity,
        date,
        place: "Sala civica".into(),
        topic: topic.into(),
        facilitator: "Anna".into(),
        status: MeetingStatus::Held,
        attendance: Attendance {
            participants: participants.iter().map(|p| p.to_string()).collect(),
            anonymous: 1,
            roles: None,
        },
        updated_at: at("2026-03-10T18:00:00Z"),
    }
}

pub fn m_rec(m: &Meeting) -> Record {
    Record {
        id: m.id,
        revision: m.revision,
        body: RecordBody::Meeting(m.clone()),
    }
}

pub fn s_rec(s: &Submission) -> Record {
    Record {
        id: s.id,
        revision: 1,
        body: RecordBody::Submission(s.clone()),
    }
}

pub const QUIZ: &str = "quiz_carer_wellbeing";

pub fn quiz(
    meeting: Uuid,
    respondent: &str,
    phase: Phase,
    answers: [&str; 3],
    created: &str,
) -> Submission {
    Submission {
        id: Uuid::now_v7(),
        instrument_id: QUIZ.into(),
        instrument_version: 1,
        meeting_id: meeting,
        respondent: Some(respondent.into()),
        phase: Some(phase),
        answers: ["q1", "q2", "q3"]
            .iter()
            .zip(answers)
            .map(|(q, a)| (q.to_string(), AnswerValue::Text(a.into())))
            .collect::<Answers>(),
        created_at: at(created),
        replaces: None,
        follows_up: None,
    }
}

pub fn quiz_instrument() -> campo_core::Instrument {
    Catalog::builtin().get(QUIZ, 1).unwrap().clone()
}

/// What a project holds under one carer's code, pushed by two tablets: roster entries on
/// both (one revised, with a consent history), a course and a peer meeting (two revisions
/// each, the code in the attendance and, once, in a topic), a pre and a post quiz paired
/// with another carer's, satisfaction forms, a barrier form whose text names the code, a
/// refused quiz whose stored answer quotes it, and a review comment that mentions it.
pub struct CarerData {
    pub a: Tablet,
    pub b: Tablet,
    pub rosters: [Uuid; 2],
    pub course: Meeting,
    pub peer: Meeting,
    pub pre: Submission,
    pub post: Submission,
    pub barrier: Submission,
}

pub fn carer_data(srv: &LoggedServer, db: &TestDb, project: &str, code: &str) -> CarerData {
    use campo_core::Activity::{PeerGroup, TrainingCourse};
    use ConsentScope::{Contact, Questionnaires};
    let a = tablet(srv, db, project, "Tablet A");
    let b = tablet(srv, db, project, "Tablet B");
    let rosters = [Uuid::now_v7(), Uuid::now_v7()];
    let first = given(day(2, 1), "2026-01", &[Questionnaires, Contact]);
    store_records(
        srv,
        &a,
        vec![
            roster(rosters[0], 1, code, vec![first.clone()]),
            roster(
                rosters[0],
                2,
                code,
                vec![
                    first,
                    ConsentEvent::Withdrawn { date: day(4, 1) },
                    given(day(4, 10), "2026-02", &[Questionnaires]),
                ],
            ),
            roster(Uuid::now_v7(), 1, "C-002", vec![]),
        ],
    );
    store_records(
        srv,
        &b,
        vec![roster(
            rosters[1],
            1,
            code,
            vec![given(day(2, 3), "2026-01", &[Questionnaires])],
        )],
    );

    let course_id = Uuid::now_v7();
    let course1 = held_meeting(
        course_id,
        1,
        TrainingCourse,
        day(3, 10),
        &[code, "C-002"],
        "Memoria",
    );
    let course = held_meeting(
        course_id,
        2,
        TrainingCourse,
        day(3, 10),
        &[code, "C-002", "C-003"],
        &format!("Memoria; {code} porta la sorella"),
    );
    let pre = quiz(
        course_id,
        code,
        Phase::Pre,
        ["a", "c", "a"],
        "2026-03-10T09:00:00Z",
    );
    let post = quiz(
        course_id,
        code,
        Phase::Post,
        ["b", "c", "a"],
        "2026-03-10T12:00:00Z",
    );
    let other_pre = quiz(
        course_id,
        "C-002",
        Phase::Pre,
        ["a", "a", "a"],
        "2026-03-10T09:01:00Z",
    );
    let other_post = quiz(
        course_id,
        "C-002",
        Phase::Post,
        ["b", "a", "a"],
        "2026-03-10T12:01:00Z",
    );
    store_records(
        srv,
        &a,
        vec![
            m_rec(&course1),
            m_rec(&course),
            s_rec(&pre),
            s_rec(&post),
            s_rec(&other_pre),
            s_rec(&other_post),
            s_rec(&satisfaction(course_id, 1)),
            s_rec(&satisfaction(course_id, 4)),
        ],
    );
    // A refused quiz: its answer quotes the code, and the stored push answer with it.
    let mut bad = quiz(
        course_id,
        "C-002",
        Phase::Post,
        ["b", "c", "a"],
        "2026-03-10T12:02:00Z",
    );
    bad.answers
        .insert("q1".into(), AnswerValue::Text(code.into()));
    let refused = push_records(srv, &a, vec![s_rec(&bad)]);
    assert_eq!(refused.results[0].status, PushStatus::Rejected);
    assert!(refused.results[0].reason.as_deref().unwrap().contains(code));

    let peer_id = Uuid::now_v7();
    let peer1 = held_meeting(peer_id, 1, PeerGroup, day(3, 20), &[code], "Gruppo");
    let peer = held_meeting(
        peer_id,
        2,
        PeerGroup,
        day(3, 20),
        &[code, "C-003"],
        "Gruppo",
    );
    let w = workshop(Uuid::now_v7());
    let mut barrier = barrier_form(w.id, "mistakes", None, None);
    barrier.answers.insert(
        "what_happened".into(),
        AnswerValue::Text(format!("{code} non trova il trasporto")),
    );
    store_records(
        srv,
        &b,
        vec![m_rec(&peer1), m_rec(&peer), m_rec(&w), s_rec(&barrier)],
    );

    db.with_store(|store| {
        let (project, post) = (project.to_string(), post.id);
        let comment = format!("{code} ha risposto a caso");
        async move {
            let n = store
                .set_reviews(
                    &project,
                    &[post],
                    &NewReview {
                        state: ReviewState::HasIssues,
                        comment,
                        reviewer: "paola".into(),
                    },
                    at("2026-04-02T09:30:00Z"),
                )
                .await
                .unwrap();
            assert_eq!(n, 1);
        }
    });
    CarerData {
        a,
        b,
        rosters,
        course,
        peer,
        pre,
        post,
        barrier,
    }
}

/// `campo-server --db DB ARGS` with RUST_LOG=debug, whatever it answers.
pub fn run_logged(db: &TestDb, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db.arg())
        .args(args)
        .env_remove("CAMPO_DB")
        .env("RUST_LOG", "debug")
        .output()
        .unwrap()
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn report(db: &TestDb, project: &str) -> Value {
    serde_json::from_str(&cli(
        db,
        &[
            "report",
            "--project",
            project,
            "--format",
            "json",
            "--as-of",
            "2026-12-31",
        ],
    ))
    .unwrap()
}

/// Every occurrence of `needle` in the file (missing file: none).
pub fn occurrences(path: &Path, needle: &str) -> usize {
    let Ok(bytes) = std::fs::read(path) else {
        return 0;
    };
    bytes
        .windows(needle.len())
        .filter(|w| *w == needle.as_bytes())
        .count()
}

pub fn sqlite_files(db: &TestDb) -> Vec<PathBuf> {
    let main = db.sqlite_path().unwrap();
    let with = |suffix: &str| PathBuf::from(format!("{}{suffix}", main.display()));
    vec![main.clone(), with("-wal"), with("-shm")]
}

/// The ids an erasure row lists, as JSON text on either engine.
pub fn erasures(db: &TestDb, project: &str) -> Vec<Vec<Uuid>> {
    db.query_text(
        &format!("SELECT records FROM erasures WHERE project_id = '{project}' ORDER BY seq"),
        &format!(
            "SELECT array_to_json(records)::text FROM erasures WHERE project_id = '{project}' \
             ORDER BY seq"
        ),
    )
    .iter()
    .map(|r| serde_json::from_str(r).unwrap())
    .collect()
}

pub fn audit_lines(db: &TestDb, action: &str) -> Vec<String> {
    db.query_text(
        &format!(
            "SELECT actor || '|' || project_id || '|' || coalesce(target, '') || '|' || detail \
             FROM audit WHERE action = '{action}' ORDER BY seq"
        ),
        &format!(
            "SELECT actor || '|' || project_id || '|' || coalesce(target, '') || '|' || detail \
             FROM audit WHERE action = '{action}' ORDER BY seq"
        ),
    )
}
