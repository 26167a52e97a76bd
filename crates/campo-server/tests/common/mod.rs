//! Shared test harness: the real `campo-server` binary on 127.0.0.1:0, on a database of
//! either engine (`TestDb`), and `on_both_engines!` to run one test body on each.
//!
//! PostgreSQL tests take a fresh database from the server named by `CAMPO_TEST_PG_URL`
//! (start a throwaway one with `eval "$(scripts/pg-test.sh start)"`). Without it they fail
//! saying so, unless `CAMPO_TEST_SKIP_PG=1`, which makes them print a skip line and pass.
#![allow(dead_code)]

pub mod browser;

use campo_core::catalog::Catalog;
use campo_core::{Activity, AnswerValue, Answers, Attendance, Meeting, MeetingStatus, Submission};
use campo_server::store::{self, Counts, DbTarget, Store};
use campo_server_postgres::testdb;
use campo_wire::{EnrollResponse, PushRequest, PushResponse, Record, RecordBody};
use chrono::{NaiveDate, Utc};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use uuid::Uuid;

pub const BIN: &str = env!("CARGO_BIN_EXE_campo-server");

/// Instantiates each named test once per engine: `sqlite::NAME` and `postgres::NAME`, each
/// calling `NAME(db: TestDb)` of the file with a fresh database.
#[allow(unused_macros)]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(crate::common::TestDb::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(db) = crate::common::TestDb::postgres() {
                        super::$name(db);
                    }
                }
            )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_engines;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A database for one test, removed when dropped: a SQLite file in a temp folder, or a
/// fresh PostgreSQL database (dropped with its guard). `dir` is a scratch folder either way.
pub struct TestDb {
    pub engine: Engine,
    /// What `--db` gets.
    target: String,
    dir: tempfile::TempDir,
    _guard: Option<testdb::Guard>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("campo.db").to_str().unwrap().to_string();
        TestDb {
            engine: Engine::Sqlite,
            target,
            dir,
            _guard: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` (after a skip line) with
    /// `CAMPO_TEST_SKIP_PG=1`. Panics without `CAMPO_TEST_PG_URL` otherwise.
    pub fn postgres() -> Option<TestDb> {
        let admin = pg_admin_url()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (url, guard) = runtime.block_on(testdb::fresh_database(&admin));
        Some(TestDb::from_pg(url, guard))
    }

    /// The same from inside an async test.
    pub async fn postgres_async() -> Option<TestDb> {
        let admin = pg_admin_url()?;
        let (url, guard) = testdb::fresh_database(&admin).await;
        Some(TestDb::from_pg(url, guard))
    }

    fn from_pg(url: String, guard: testdb::Guard) -> TestDb {
        TestDb {
            engine: Engine::Postgres,
            target: url,
            dir: tempfile::tempdir().unwrap(),
            _guard: Some(guard),
        }
    }

    /// A database on the same engine as `self`, fresh.
    pub fn another(&self) -> TestDb {
        match self.engine {
            Engine::Sqlite => TestDb::sqlite(),
            Engine::Postgres => TestDb::postgres().expect("PostgreSQL is available"),
        }
    }

    /// The value for `--db` (or `CAMPO_DB`).
    pub fn arg(&self) -> &str {
        &self.target
    }

    pub fn target(&self) -> DbTarget {
        DbTarget::parse(&self.target).unwrap()
    }

    /// A scratch folder that lives as long as the database.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn sqlite_path(&self) -> Option<PathBuf> {
        (self.engine == Engine::Sqlite).then(|| PathBuf::from(&self.target))
    }

    pub fn is_postgres(&self) -> bool {
        self.engine == Engine::Postgres
    }

    /// Opens the store in this process (running migrations, as the server does).
    pub async fn open(&self) -> Arc<dyn Store> {
        store::open(&self.target())
            .await
            .unwrap_or_else(|e| panic!("open {}: {e}", self.target()))
    }

    /// Runs `f` on the store from a runtime of its own (for the synchronous tests).
    pub fn with_store<T, F, Fut>(&self, f: F) -> T
    where
        F: FnOnce(Arc<dyn Store>) -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let store = self.open().await;
            f(store).await
        })
    }

    /// Row counts, read through the store (the server may be running).
    pub fn counts(&self) -> Counts {
        self.with_store(|s| async move { s.counts().await.unwrap() })
    }

    /// Runs one SQL statement straight on the database, bypassing the server (to age a
    /// code, or forge a newer schema). Each engine has its own dialect.
    pub fn execute(&self, sqlite: &str, postgres: &str) {
        if let Err(e) = self.try_execute(sqlite, postgres) {
            let sql = match self.engine {
                Engine::Sqlite => sqlite,
                Engine::Postgres => postgres,
            };
            panic!("{sql}: {e}");
        }
    }

    /// The same, with the database's refusal as text rather than a panic: to see that the
    /// database itself refuses a statement.
    pub fn try_execute(&self, sqlite: &str, postgres: &str) -> Result<(), String> {
        match self.engine {
            Engine::Sqlite => rusqlite::Connection::open(&self.target)
                .unwrap()
                .execute_batch(sqlite)
                .map_err(|e| e.to_string()),
            Engine::Postgres => pg_run(&self.target, |c| async move {
                c.batch_execute(postgres)
                    .await
                    .map_err(|e| match e.as_db_error() {
                        // The server's own words (its Display says only "db error").
                        Some(db) => format!("{}: {}", db.code().code(), db.message()),
                        None => e.to_string(),
                    })
            }),
        }
    }

    /// Runs one SQL statement written alike for both engines.
    pub fn execute_both(&self, sql: &str) {
        self.execute(sql, sql);
    }

    /// The same, with the database's refusal as text.
    pub fn try_execute_both(&self, sql: &str) -> Result<(), String> {
        self.try_execute(sql, sql)
    }

    /// The first column of every row of a query, as text.
    pub fn query_text(&self, sqlite: &str, postgres: &str) -> Vec<String> {
        match self.engine {
            Engine::Sqlite => sqlite_rows(Path::new(&self.target), sqlite)
                .into_iter()
                .map(|mut row| row.swap_remove(0))
                .collect(),
            Engine::Postgres => pg_run(&self.target, |c| async move {
                c.query(postgres, &[])
                    .await
                    .unwrap_or_else(|e| panic!("{postgres}: {e}"))
                    .iter()
                    .map(|r| r.get::<_, Option<String>>(0).unwrap_or_default())
                    .collect()
            }),
        }
    }

    /// Every row of every table, as text, in a stable order: to see that something
    /// changed nothing, or to look for a value that must never be stored.
    pub fn dump(&self) -> String {
        let tables = self.query_text(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY table_name",
        );
        let mut out = String::new();
        for t in tables {
            out.push_str(&format!("== {t}\n"));
            let mut rows = match self.engine {
                Engine::Sqlite => {
                    sqlite_rows(Path::new(&self.target), &format!("SELECT * FROM \"{t}\""))
                        .into_iter()
                        .map(|r| r.join(" | "))
                        .collect()
                }
                Engine::Postgres => {
                    self.query_text("", &format!("SELECT row_to_json(x)::text FROM \"{t}\" x"))
                }
            };
            rows.sort();
            for r in rows {
                out.push_str(&r);
                out.push('\n');
            }
        }
        out
    }
}

/// Every row of a query on a SQLite file (opened read-only), each column as text.
pub fn sqlite_rows(path: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    use rusqlite::types::Value;
                    Ok(match r.get::<_, Value>(i)? {
                        Value::Null => "NULL".to_string(),
                        Value::Integer(v) => v.to_string(),
                        Value::Real(v) => v.to_string(),
                        Value::Text(v) => v,
                        Value::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
                    })
                })
                .collect::<Result<Vec<String>, _>>()
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// `CAMPO_TEST_PG_URL`, or `None` after a skip line when `CAMPO_TEST_SKIP_PG=1`; panics
/// with how to start a server otherwise.
pub fn pg_admin_url() -> Option<String> {
    match std::env::var("CAMPO_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CAMPO_TEST_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!(
                "skipped: CAMPO_TEST_PG_URL is not set and CAMPO_TEST_SKIP_PG=1: this PostgreSQL test did not run"
            );
            None
        }
        _ => panic!(
            "CAMPO_TEST_PG_URL is not set: the PostgreSQL variants of these tests need a server. \
             Run `eval \"$(scripts/pg-test.sh start)\"` first (and `scripts/pg-test.sh stop` \
             after), or set CAMPO_TEST_SKIP_PG=1 to skip them"
        ),
    }
}

/// Runs `f` with a plain connection to `url` on a runtime of its own.
pub fn pg_run<T, F, Fut>(url: &str, f: F) -> T
where
    F: FnOnce(tokio_postgres::Client) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("connect to the test database: {e}"));
        let task = tokio::spawn(connection);
        let out = f(client).await;
        let _ = task.await;
        out
    })
}

pub struct Server {
    child: Child,
    // Kept open: a closed pipe would make any later print by the server fail.
    _stdout: BufReader<std::process::ChildStdout>,
    pub base: String,
}

impl Server {
    pub fn start(db: &TestDb) -> Server {
        Server::start_with(db, &[])
    }

    pub fn start_with(db: &TestDb, extra: &[&str]) -> Server {
        Server::start_bin(BIN, &["serve", "--db", db.arg()], extra)
    }

    /// Any `campo-server` binary (the first release's for the migration fixture) with
    /// its serve arguments; waits for `listening on ...`.
    pub fn start_bin(bin: &str, serve: &[&str], extra: &[&str]) -> Server {
        let mut child = Command::new(bin)
            .args(serve)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("CAMPO_DB")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
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
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("the server did not start: first line {line:?}")
            })
            .to_string();
        Server {
            child,
            _stdout: stdout,
            base,
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

/// Runs `campo-server --db DB ARGS...` and returns its output, whatever the exit status.
pub fn run(db: &TestDb, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db.arg())
        .args(args)
        .env_remove("CAMPO_DB")
        .output()
        .unwrap()
}

/// Runs a CLI subcommand against the database and returns stdout (panics on failure).
pub fn cli(db: &TestDb, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "campo-server {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a CLI subcommand that must fail; returns its stderr.
pub fn cli_fails(db: &TestDb, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        !out.status.success(),
        "campo-server {args:?} should have failed; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

/// A fresh one-time code for a device of the default project.
pub fn enroll_code(db: &TestDb, name: &str) -> String {
    enroll_code_in(db, "default", name)
}

pub fn enroll_code_in(db: &TestDb, project: &str, name: &str) -> String {
    let out = cli(
        db,
        &["enroll", "--project", project, "--name", name, "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["project"], project, "{v}");
    v["code"].as_str().unwrap().to_string()
}

pub fn add_project(db: &TestDb, id: &str) {
    cli(
        db,
        &["projects", "add", id, "--name", &format!("Project {id}")],
    );
}

pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().build().unwrap()
}

/// Enrolls a device of the default project over HTTP and returns (device id, token).
pub fn enroll_device(server: &Server, db: &TestDb, name: &str) -> EnrollResponse {
    enroll_device_in(server, db, "default", name)
}

pub fn enroll_device_in(server: &Server, db: &TestDb, project: &str, name: &str) -> EnrollResponse {
    let code = enroll_code_in(db, project, name);
    enroll_with_code(server, &code, name)
}

/// A tablet's vault as an enrollment names it: an id and a secret of 256 random bits.
#[derive(Clone, Debug)]
pub struct Vault {
    pub id: Uuid,
    pub secret: String,
}

impl Vault {
    pub fn new() -> Vault {
        let bytes: [u8; 32] = rand::random();
        Vault {
            id: Uuid::now_v7(),
            secret: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// The body of `POST /devices/enroll` for this vault.
    pub fn enrollment(&self, code: &str, name: &str) -> serde_json::Value {
        serde_json::json!({
            "code": code,
            "device_name": name,
            "vault_id": self.id,
            "vault_secret": self.secret,
        })
    }
}

/// The body of `POST /devices/enroll` for a new vault.
pub fn enroll_body(code: &str, name: &str) -> serde_json::Value {
    Vault::new().enrollment(code, name)
}

/// Enrolls a new vault with `code`; panics unless it is enrolled.
pub fn enroll_with_code(server: &Server, code: &str, name: &str) -> EnrollResponse {
    enroll_vault(server, &Vault::new(), code, name)
}

/// Enrolls `vault` with `code` (a first or a later enrollment); panics unless enrolled.
pub fn enroll_vault(server: &Server, vault: &Vault, code: &str, name: &str) -> EnrollResponse {
    let resp = try_enroll(server, vault, code, name);
    assert_eq!(resp.status(), 200, "enroll: {:?}", resp.text());
    resp.json().unwrap()
}

/// `POST /devices/enroll` for `vault`, whatever it answers.
pub fn try_enroll(
    server: &Server,
    vault: &Vault,
    code: &str,
    name: &str,
) -> reqwest::blocking::Response {
    http()
        .post(server.url("/api/v1/devices/enroll"))
        .json(&vault.enrollment(code, name))
        .send()
        .unwrap()
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

pub fn pull(
    server: &Server,
    token: &str,
    since: u64,
    limit: Option<u32>,
) -> campo_wire::PullResponse {
    let mut url = format!("/api/v1/sync/pull?since={since}");
    if let Some(l) = limit {
        url.push_str(&format!("&limit={l}"));
    }
    let resp = http()
        .get(server.url(&url))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200, "pull failed: {:?}", resp.text());
    resp.json().unwrap()
}

/// Pulls from 0 until `more` is false; returns the pages.
pub fn pull_all(server: &Server, token: &str, limit: Option<u32>) -> Vec<campo_wire::PullResponse> {
    let mut pages = Vec::new();
    let mut since = 0;
    loop {
        let page = pull(server, token, since, limit);
        since = page.cursor;
        let more = page.more;
        pages.push(page);
        if !more {
            return pages;
        }
        assert!(pages.len() < 10_000, "pull never ends");
    }
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
            roles: None,
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
        follows_up: None,
    }
}

/// A held co-assessment workshop.
pub fn workshop(id: Uuid) -> Meeting {
    Meeting {
        activity: Activity::CoAssessment,
        attendance: Attendance {
            participants: vec![],
            anonymous: 0,
            roles: Some(campo_core::RoleCounts {
                carers: 6,
                provider_staff: 2,
                researchers: 2,
            }),
        },
        ..meeting(1, id)
    }
}

/// A barrier log form at `meeting_id`: `cause` raised by a carer during the pilot, with
/// `status` when given; `follows_up` names the barrier's first form.
pub fn barrier_form(
    meeting_id: Uuid,
    cause: &str,
    status: Option<&str>,
    follows_up: Option<Uuid>,
) -> Submission {
    let mut answers = Answers::new();
    for (item, value) in [
        ("cause", cause),
        ("stage", "during"),
        ("raised_by", "carer"),
        ("effect", "value_diminished"),
        ("what_happened", "eventi rinviati senza chiedere"),
    ]
    .into_iter()
    .chain(status.map(|s| ("status", s)))
    {
        answers.insert(item.into(), AnswerValue::Text(value.into()));
    }
    Submission {
        id: Uuid::now_v7(),
        instrument_id: campo_core::barrier::BARRIER_LOG.into(),
        instrument_version: 1,
        meeting_id,
        respondent: None,
        phase: None,
        answers,
        created_at: Utc::now(),
        replaces: None,
        follows_up,
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

/// Sets the admin password through the CLI (read from standard input).
pub fn set_admin_password(bin: &str, db_args: &[&str], password: &str) {
    use std::io::Write;
    let mut child = Command::new(bin)
        .args(db_args)
        .env_remove("CAMPO_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "admin-password failed");
}
