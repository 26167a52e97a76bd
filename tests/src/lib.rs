//! Shared harness of Campo's cross-crate tests: the real `campo-server` binary on a free
//! loopback port with a temporary database, real device vaults enrolled through the
//! server's own CLI, and the fault-injecting proxy.

pub mod check;
pub mod data;
pub mod proxy;

use campo_store::Vault;
use campo_sync::{ClientOptions, SyncClient};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Test-only passphrase of every vault the tests create.
pub const PASSPHRASE: &str = "test passphrase, never used on a real tablet";

/// The `campo-server` binary of the same build: next to a binary in `target/debug`, or one
/// level up from a test in `target/debug/deps`.
pub fn server_bin() -> PathBuf {
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

/// Runs `campo-server ARGS` to completion; panics with its stderr if it fails.
pub fn cli(args: &[&str]) -> Output {
    let out = Command::new(server_bin())
        .args(args)
        .output()
        .expect("run campo-server");
    assert!(
        out.status.success(),
        "campo-server {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The real server process, on a fixed port so that a restart comes back at the same
/// address.
pub struct Server {
    child: Option<Child>,
    pub db: PathBuf,
    pub port: u16,
    log: PathBuf,
    _dir: Option<TempDir>,
}

impl Server {
    /// A new server with an empty database in a temporary directory.
    pub fn start_fresh() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("campo.db");
        let mut s = Server {
            child: None,
            db,
            port: free_port(),
            log: dir.path().join("server.log"),
            _dir: Some(dir),
        };
        s.spawn();
        s
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(server_bin())
            .args(["serve", "--db"])
            .arg(&self.db)
            .args(["--listen", &self.addr().to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn campo-server");
        self.child = Some(child);
        self.wait_healthy();
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "campo-server exited ({status}) during start:\n{}",
                    self.log_text()
                );
            }
            if health_ok(self.addr()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "campo-server not healthy after 30 s:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
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
    }

    /// A fresh one-time enrollment code from `campo-server enroll --json`.
    pub fn enroll_code(&self, name: &str) -> String {
        let db = self.db.to_str().unwrap();
        let out = cli(&["enroll", "--db", db, "--name", name, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "enroll --json printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        v["code"].as_str().expect("code").to_string()
    }

    /// `campo-server report --format json`.
    pub fn report_json(&self) -> serde_json::Value {
        let out = cli(&[
            "report",
            "--db",
            self.db.to_str().unwrap(),
            "--format",
            "json",
        ]);
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
    pub vault: Mutex<Vault>,
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
        let enrolled = direct.enroll(&code, name).await.expect("enroll");
        vault.set_setting("server_url", url).unwrap();
        vault.set_setting("device_token", &enrolled.token).unwrap();
        let client = SyncClient::with_options(url, Some(enrolled.token), options).unwrap();
        Device {
            name: name.into(),
            vault: Mutex::new(vault),
            client,
            dir,
        }
    }

    pub fn pending(&self) -> u64 {
        self.vault.lock().unwrap().pending_count().unwrap()
    }
}

/// Every submission id the server holds, one entry per stored row (so a submission held
/// twice shows as a repeated id), read straight from the server's SQLite file, read-only.
pub fn server_submission_ids(server: &Server) -> Vec<uuid::Uuid> {
    let conn = rusqlite::Connection::open_with_flags(
        &server.db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the server's database read-only");
    let mut stmt = conn
        .prepare("SELECT id FROM records WHERE kind = 'submission'")
        .expect("server schema: records");
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|id| id.unwrap().parse().expect("uuid"))
        .collect();
    ids
}
