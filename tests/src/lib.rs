//! Shared harness of Campo's cross-crate tests: the real `campo-server` binary on a free
//! loopback port, on a temporary database of either engine (a SQLite file, or a fresh
//! PostgreSQL database that several server processes may share), real device vaults
//! enrolled through the server's own CLI, and the fault-injecting proxy.
//!
//! PostgreSQL tests take a fresh database on the server named by `CAMPO_TEST_PG_URL`
//! (`eval "$(scripts/pg-test.sh start)"` starts a throwaway one). Without it they fail
//! saying so, unless `CAMPO_TEST_SKIP_PG=1`: then they print a skip line and pass.

pub mod check;
pub mod data;
pub mod looping;
pub mod proxy;

use campo_server_postgres::testdb;
use campo_store::Vault;
use campo_sync::{ClientOptions, SyncClient};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Test-only passphrase of every vault the tests create.
pub const PASSPHRASE: &str = "test passphrase, never used on a real tablet";

/// The `campo-server` binary of the same build: next to a binary in `target/debug`, or one
/// level up from a test in `target/debug/deps`. `CAMPO_SERVER_BIN` names another one.
pub fn server_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("CAMPO_SERVER_BIN").filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("current exe");
    let name = format!("campo-server{}", std::env::consts::EXE_SUFFIX);
    let dir = exe.parent().expect("exe dir");
    let candidates = [
        dir.join(&name),
        dir.parent().map(|p| p.join(&name)).unwrap_or_default(),
    ];
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "campo-server is missing next to {}: build it first with \
             `cargo build -p campo-server --bin campo-server` (same CARGO_TARGET_DIR as the tests)",
                exe.display()
            )
        })
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A free loopback port not in `taken`, which it joins.
fn distinct_free_port(taken: &mut Vec<u16>) -> u16 {
    loop {
        let p = free_port();
        if !taken.contains(&p) {
            taken.push(p);
            return p;
        }
    }
}

/// Runs `campo-server ARGS` to completion; panics with its stderr if it fails. Arguments
/// are shown in the message with any database password hidden.
pub fn cli(args: &[&str]) -> Output {
    cli_with_env(args, &[])
}

/// [`cli`] with extra environment variables (such as `CAMPO_DB`).
pub fn cli_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(server_bin());
    cmd.args(args).env_remove("CAMPO_DB");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run campo-server");
    assert!(
        out.status.success(),
        "campo-server {} failed ({}):\n{}",
        redact(&args.join(" ")),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `text` with the password of any `scheme://user:password@` URL in it replaced by `***`.
pub fn redact(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (before, after) = rest.split_at(i + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(after.len());
        let authority = &after[..end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon]);
                out.push_str(":***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Which database engine a server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The admin URL of the PostgreSQL server the tests may create databases on, from
/// `CAMPO_TEST_PG_URL`. Unset: panics saying how to start one, unless
/// `CAMPO_TEST_SKIP_PG=1`, in which case it prints that `test` is skipped and returns
/// `None` (the test then returns, passing without having run).
pub fn pg_admin_url(test: &str) -> Option<String> {
    match std::env::var(testdb::URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var(testdb::SKIP_VAR).as_deref() == Ok("1") => {
            eprintln!(
                "SKIPPED {test}: {} is not set and {}=1 (no PostgreSQL test ran)",
                testdb::URL_VAR,
                testdb::SKIP_VAR
            );
            None
        }
        _ => panic!(
            "{test} runs on PostgreSQL and {} is not set. Start a throwaway PostgreSQL \
             server with `eval \"$(scripts/pg-test.sh start)\"` (stop it afterwards with \
             `scripts/pg-test.sh stop`), or set {}=1 to skip the PostgreSQL tests",
            testdb::URL_VAR,
            testdb::SKIP_VAR
        ),
    }
}

/// The database of one test, removed when the last holder drops it: a SQLite file in a
/// temporary folder, or a fresh PostgreSQL database (dropped, connections and all).
pub struct Database {
    pub engine: Engine,
    /// What `--db` gets: the file's path or the database's URL.
    arg: String,
    _dir: Option<TempDir>,
    _guard: Option<testdb::Guard>,
}

impl Database {
    /// A SQLite file (not created yet) in a new temporary folder.
    pub fn sqlite() -> Arc<Database> {
        let dir = tempfile::tempdir().unwrap();
        let arg = dir.path().join("campo.db").to_str().unwrap().to_string();
        Arc::new(Database {
            engine: Engine::Sqlite,
            arg,
            _dir: Some(dir),
            _guard: None,
        })
    }

    /// A new, empty PostgreSQL database; `None` when PostgreSQL tests are skipped (see
    /// [`pg_admin_url`]; `test` names the test in the skip line or the failure).
    pub async fn postgres(test: &str) -> Option<Arc<Database>> {
        let admin = pg_admin_url(test)?;
        let (url, guard) = testdb::fresh_database(&admin).await;
        Some(Arc::new(Database {
            engine: Engine::Postgres,
            arg: url,
            _dir: None,
            _guard: Some(guard),
        }))
    }

    /// The `--db` value: a SQLite path or a `postgres://` URL.
    pub fn arg(&self) -> &str {
        &self.arg
    }

    /// Runs one read-only query straight on the database (not through the server) and
    /// returns every row, each column as text (`None` for NULL). Blocks; callable from
    /// inside an async runtime.
    pub fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match self.engine {
            Engine::Sqlite => sqlite_rows(&self.arg, sql),
            Engine::Postgres => pg_rows(&self.arg, sql),
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({:?}, {})", self.engine, redact(&self.arg))
    }
}

fn sqlite_rows(path: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    use rusqlite::types::ValueRef;
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the server's database read-only");
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        ValueRef::Null => None,
                        ValueRef::Integer(v) => Some(v.to_string()),
                        ValueRef::Real(v) => Some(v.to_string()),
                        ValueRef::Text(t) | ValueRef::Blob(t) => {
                            Some(String::from_utf8_lossy(t).into_owned())
                        }
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows
}

/// On a thread of its own with a runtime of its own: the caller may be a test's async
/// runtime, which must not be blocked on from inside.
fn pg_rows(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("connect to the test database: {e}"));
            let task = tokio::spawn(connection);
            let messages = client
                .simple_query(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            drop(client);
            let _ = task.await;
            messages
                .into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => {
                        Some((0..r.len()).map(|i| r.get(i).map(String::from)).collect())
                    }
                    _ => None,
                })
                .collect()
        })
    })
    .join()
    .expect("query thread")
}

/// One real server process on a fixed port, so that a restart comes back at the same
/// address. Several may run on one [`Database`] (PostgreSQL; or SQLite, one file).
pub struct Server {
    child: Option<Child>,
    pub db: Arc<Database>,
    pub port: u16,
    log: PathBuf,
    _dir: TempDir,
}

impl Server {
    /// A new server on an empty SQLite database in a temporary directory.
    pub fn start_fresh() -> Server {
        Server::start(&Database::sqlite())
    }

    /// A server on `db` (migrated at its start if new), on a free port.
    pub fn start(db: &Arc<Database>) -> Server {
        Server::start_many(db, 1).pop().unwrap()
    }

    /// `n` server processes on `db`, started at the same moment (so that they race for the
    /// database's first migration, as processes deployed together do), each on its own
    /// port. Returns once every one answers its health check.
    pub fn start_many(db: &Arc<Database>, n: usize) -> Vec<Server> {
        let mut ports = Vec::new();
        let mut servers: Vec<Server> = (0..n)
            .map(|_| {
                let dir = tempfile::tempdir().unwrap();
                Server {
                    child: None,
                    db: db.clone(),
                    port: distinct_free_port(&mut ports),
                    log: dir.path().join("server.log"),
                    _dir: dir,
                }
            })
            .collect();
        for s in &mut servers {
            s.spawn();
        }
        for s in &mut servers {
            // A port found free may be taken before the server binds it (tests run in
            // parallel): then start again on another.
            let mut attempts = 0;
            loop {
                match s.healthy_or_exited() {
                    Ok(()) => break,
                    Err(log) if attempts < 3 && log.contains("Address already in use") => {
                        attempts += 1;
                        s.port = distinct_free_port(&mut ports);
                        s.spawn();
                    }
                    Err(log) => panic!("campo-server exited during start:\n{log}"),
                }
            }
        }
        servers
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    pub fn engine(&self) -> Engine {
        self.db.engine
    }

    /// `serve --db X --listen ADDR`: the global `--db` after the subcommand.
    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(server_bin())
            .args(["serve", "--db", self.db.arg()])
            .args(["--listen", &self.addr().to_string()])
            .env_remove("CAMPO_DB")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn campo-server");
        self.child = Some(child);
    }

    fn wait_healthy(&mut self) {
        if let Err(log) = self.healthy_or_exited() {
            panic!("campo-server exited during start:\n{log}");
        }
    }

    /// Waits until the server answers its health check (`Ok`), or its process exits
    /// (`Err` with its log). Panics after 30 s.
    fn healthy_or_exited(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                self.child = None;
                return Err(format!("({status})\n{}", self.log_text()));
            }
            if health_ok(self.addr()) {
                return Ok(());
            }
            assert!(
                Instant::now() < deadline,
                "campo-server not healthy after 30 s:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Everything the process wrote, over all its restarts.
    pub fn log_text(&self) -> String {
        redact(&std::fs::read_to_string(&self.log).unwrap_or_default())
    }

    /// Whether the process runs (it may have exited on its own).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// SIGKILL: no shutdown hook runs, whatever was in flight is cut.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // std's kill is SIGKILL on Unix
            let _ = c.wait();
        }
    }

    /// Starts again on the same database and port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
        self.wait_healthy();
    }

    /// A fresh one-time enrollment code from `campo-server --db X enroll --json` (the
    /// global `--db` before the subcommand), checking what the command prints.
    pub fn enroll_code(&self, name: &str) -> String {
        let out = cli(&["--db", self.db.arg(), "enroll", "--name", name, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "enroll --json printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        assert_eq!(v["project"], "default", "enroll --json: {v}");
        let expires: chrono::DateTime<chrono::Utc> = v["expires_at"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("enroll --json: no expires_at time: {v}"));
        let left = expires - chrono::Utc::now();
        assert!(
            left > chrono::Duration::minutes(14) && left <= chrono::Duration::minutes(15),
            "an enrollment code lasts 15 minutes: {v}"
        );
        v["code"].as_str().expect("code").to_string()
    }

    /// `campo-server report --format json --as-of DAY`, the database named by `CAMPO_DB`.
    /// The day is the one the plan and signals are judged on (today, unless named).
    pub fn report_json(&self, as_of: chrono::NaiveDate) -> serde_json::Value {
        let day = as_of.to_string();
        let out = cli_with_env(
            &["report", "--format", "json", "--as-of", &day],
            &[("CAMPO_DB", self.db.arg())],
        );
        serde_json::from_slice(&out.stdout).expect("report json")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A bare `GET /api/v1/health` over a plain socket (no async runtime needed).
pub fn health_ok(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    resp.starts_with("HTTP/1.1 200")
}

/// One simulated tablet: a real vault in a temporary folder and its client.
pub struct Device {
    pub name: String,
    /// Shared, as the app shares it with its background sync.
    pub vault: Arc<Mutex<Vault>>,
    pub client: SyncClient,
    pub dir: TempDir,
}

impl Device {
    /// Creates a vault and enrolls it with `server` (code from the CLI), talking to the
    /// server through `url` (the proxy's, or the server's own).
    pub async fn enrolled(
        server: &Server,
        url: &str,
        name: &str,
        options: ClientOptions,
    ) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _recovery) =
            Vault::create(dir.path(), "Facilitatrice di prova", PASSPHRASE).expect("create vault");
        let code = server.enroll_code(name);
        // Enrollment goes straight to the server: the code works once, and a fault on
        // the way would burn it. Faults are for the sync.
        let direct = SyncClient::new(&server.url(), None).unwrap();
        let vault = Arc::new(Mutex::new(vault));
        let enrolled = direct.enroll(&code, name, &vault).await.expect("enroll");
        {
            let v = vault.lock().unwrap();
            v.set_setting("server_url", url).unwrap();
            v.set_setting("device_token", &enrolled.token).unwrap();
        }
        let client = SyncClient::with_options(url, Some(enrolled.token), options).unwrap();
        Device {
            name: name.into(),
            vault,
            client,
            dir,
        }
    }

    pub fn pending(&self) -> u64 {
        self.vault.lock().unwrap().pending_count().unwrap()
    }
}

/// A device token for a client that speaks the protocol without a vault (the tests that
/// push hand-made records): enrolls with a fresh vault id and a random vault secret, as a
/// new tablet would, over plain HTTP.
pub async fn enroll_without_vault(server: &Server, name: &str) -> String {
    use rand::Rng;
    let code = tokio::task::block_in_place(|| server.enroll_code(name));
    let secret: String = (0..32)
        .map(|_| format!("{:02x}", rand::rng().random::<u8>()))
        .collect();
    let request = campo_wire::EnrollRequest {
        code,
        device_name: name.to_string(),
        vault_id: uuid::Uuid::now_v7(),
        vault_secret: secret,
    };
    let answer = reqwest::Client::new()
        .post(format!("{}/api/v1/devices/enroll", server.url()))
        .json(&request)
        .send()
        .await
        .unwrap_or_else(|e| panic!("enroll {name}: {e}"));
    let status = answer.status();
    let body = answer.bytes().await.expect("enroll answer");
    assert!(
        status.is_success(),
        "enroll {name}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice::<campo_wire::EnrollResponse>(&body)
        .expect("enroll answer")
        .token
}

/// Adds instruments to a project's catalog straight in the server's database, through the
/// server's own storage layer (as an administrator's tool would), while the server runs:
/// the server sees them at its next push or pull.
pub async fn teach_server(db: &Database, project: &str, instruments: &[campo_core::Instrument]) {
    let target = campo_server::DbTarget::parse(db.arg()).expect("the database's --db");
    let store = campo_server::store::open(&target)
        .await
        .expect("open the server's database");
    store
        .add_instruments(project, instruments)
        .await
        .expect("add the instruments");
}

/// Marks a submission "has issues" with `comment`, straight in the server's database
/// through its storage layer (as the console does), while the server runs: the tablet that
/// sent it gets the note at its next pull.
pub async fn review(db: &Database, project: &str, submission: uuid::Uuid, comment: &str) {
    let target = campo_server::DbTarget::parse(db.arg()).expect("the database's --db");
    let store = campo_server::store::open(&target)
        .await
        .expect("open the server's database");
    let review = campo_server::store::NewReview {
        state: campo_wire::ReviewState::HasIssues,
        comment: comment.into(),
        reviewer: "coordinatrice".into(),
    };
    let found = store
        .set_reviews(project, &[submission], &review, chrono::Utc::now())
        .await
        .expect("set the review");
    assert_eq!(found, 1, "the submission is on the server");
}

/// One stored record revision, as read straight from the server's database.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoredRow {
    pub kind: String,
    pub id: uuid::Uuid,
    pub revision: u32,
}

/// Every record revision the database holds, one entry per stored row (so a record held
/// twice shows twice), read straight from the database, not through the server.
pub fn db_records(db: &Database) -> Vec<StoredRow> {
    db.query("SELECT kind, id, revision FROM records")
        .into_iter()
        .map(|r| {
            let col = |i: usize| r[i].clone().expect("records columns are NOT NULL");
            StoredRow {
                kind: col(0),
                id: col(1).parse().expect("record id is a uuid"),
                revision: col(2).parse().expect("revision is a number"),
            }
        })
        .collect()
}

/// Every submission id the server holds, one entry per stored row (so a submission held
/// twice shows as a repeated id), read straight from the server's database.
pub fn server_submission_ids(server: &Server) -> Vec<uuid::Uuid> {
    db_records(&server.db)
        .into_iter()
        .filter(|r| r.kind == "submission")
        .map(|r| r.id)
        .collect()
}
