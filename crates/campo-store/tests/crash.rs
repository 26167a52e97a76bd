//! Kill tests. A child process (this test binary, re-invoked with an environment
//! variable) writes to a vault and prints each record's id after its commit; the parent
//! SIGKILLs it at random moments, reopens the vault and checks that SQLite's integrity
//! check passes and that every printed record is there. A second test kills a child that
//! has just typed wrong passphrases and checks the lockout is still in force.

mod common;

use campo_core::Attendance;
use campo_store::{StoreError, Vault, FILE_NAME};
use common::*;
use rand::Rng;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const CRASH_DIR: &str = "CAMPO_STORE_CRASH_DIR";
const LOCKOUT_DIR: &str = "CAMPO_STORE_LOCKOUT_DIR";
const KILLS: usize = 200;

/// Re-runs this test binary, running only `test`, with `var` set to `dir`.
fn spawn_child(test: &str, var: &str, dir: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(var, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // The test harness prints its own text (even on the same line as the child's
        // first one); the child's lines are marked with "@@ ".
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let Some(at) = line.find("@@ ") else { continue };
            if tx.send(line[at + 3..].to_string()).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// The child: writes meetings, attendance and final submissions until killed.
#[test]
fn crash_child_writer() {
    let Some(dir) = std::env::var_os(CRASH_DIR) else {
        return;
    };
    let v = Vault::open(Path::new(&dir)).unwrap().unlock(PASS).unwrap();
    let mut out = std::io::stdout().lock();
    writeln!(out, "@@ READY").unwrap();
    out.flush().unwrap();
    for i in 0u32.. {
        let m = v
            .create_meeting(new_meeting("Sala civica", "Kill test", 1 + i % 28))
            .unwrap();
        writeln!(out, "@@ meeting {} 1", m.id).unwrap();
        out.flush().unwrap();
        let s = submission(m.id, &[("q1", "an answer that must survive")]);
        v.save_final(&s).unwrap();
        writeln!(out, "@@ submission {} 1", s.id).unwrap();
        out.flush().unwrap();
        let m = v
            .set_attendance(
                m.id,
                Attendance {
                    participants: vec![],
                    anonymous: i,
                    roles: None,
                },
            )
            .unwrap();
        writeln!(out, "@@ meeting {} {}", m.id, m.revision).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn killed_writer_loses_nothing_it_reported() {
    if std::env::var_os(CRASH_DIR).is_some() || std::env::var_os(LOCKOUT_DIR).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    drop(create(dir.path()));
    let mut rng = rand::rng();
    let mut saved: Vec<(String, String, u32)> = Vec::new();
    let mut writes_seen = 0usize;
    let mut waited = 0usize;
    for round in 0..KILLS {
        let (mut child, lines) = spawn_child("crash_child_writer", CRASH_DIR, dir.path());
        // Mostly kill while records are being written (after a random number of them,
        // at a random moment within the next ones); sometimes during start-up (opening,
        // checking the pragmas, unlocking).
        let mut early = Vec::new();
        if rng.random_bool(0.15) {
            std::thread::sleep(Duration::from_micros(rng.random_range(0..20_000)));
        } else {
            let ready = lines
                .recv_timeout(Duration::from_secs(20))
                .expect("child did not start");
            assert_eq!(ready, "READY");
            for _ in 0..rng.random_range(0..4) {
                early.push(
                    lines
                        .recv_timeout(Duration::from_secs(20))
                        .expect("child stopped writing"),
                );
            }
            waited += early.len();
            std::thread::sleep(Duration::from_micros(rng.random_range(0..8_000)));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for line in early.into_iter().chain(lines.iter()) {
            let parts: Vec<&str> = line.split(' ').collect();
            if let [kind, id, rev] = parts[..] {
                saved.push((kind.to_string(), id.to_string(), rev.parse().unwrap()));
            }
        }

        let db = rusqlite::Connection::open(dir.path().join(FILE_NAME)).unwrap();
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        drop(db);
        let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
        for (kind, id, rev) in &saved[writes_seen..] {
            let id = id.parse().unwrap();
            match kind.as_str() {
                "meeting" => {
                    let m = v
                        .meeting(id)
                        .unwrap()
                        .unwrap_or_else(|| panic!("meeting {id} lost in round {round}"));
                    assert!(
                        m.meeting.revision >= *rev,
                        "meeting {id} revision {rev} lost in round {round}"
                    );
                }
                "submission" => {
                    assert!(
                        v.submission(id).unwrap().is_some(),
                        "submission {id} lost in round {round}"
                    );
                }
                other => panic!("unexpected line kind {other}"),
            }
        }
        writes_seen = saved.len();
    }
    eprintln!("{} writes reported over {KILLS} kills", saved.len());
    // Everything reported, checked once more at the end, and every write still queued.
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    let input = v.report_input().unwrap();
    let submissions = saved.iter().filter(|(k, _, _)| k == "submission").count();
    assert!(input.submissions.len() >= submissions);
    assert!(v.pending_count().unwrap() as usize >= saved.len());
    assert!(
        saved.len() >= waited && waited > KILLS / 2,
        "{} writes, {waited} waited for",
        saved.len()
    );
}

/// The child: types wrong passphrases, reporting each after it is refused, then waits.
#[test]
fn lockout_child() {
    let Some(dir) = std::env::var_os(LOCKOUT_DIR) else {
        return;
    };
    let mut out = std::io::stdout().lock();
    for i in 1..=campo_store::FREE_ATTEMPTS {
        let r = Vault::open(Path::new(&dir))
            .unwrap()
            .unlock("not the passphrase");
        assert!(matches!(r, Err(StoreError::WrongPassphrase)));
        writeln!(out, "@@ FAILED {i}").unwrap();
        out.flush().unwrap();
    }
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn lockout_survives_a_kill_and_a_reopen() {
    if std::env::var_os(CRASH_DIR).is_some() || std::env::var_os(LOCKOUT_DIR).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    drop(create(dir.path()));
    let (mut child, lines) = spawn_child("lockout_child", LOCKOUT_DIR, dir.path());
    for i in 1..=campo_store::FREE_ATTEMPTS {
        assert_eq!(
            lines.recv_timeout(Duration::from_secs(30)).unwrap(),
            format!("FAILED {i}")
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let locked = Vault::open(dir.path()).unwrap();
    assert_eq!(
        locked.failed_attempts().unwrap(),
        campo_store::FREE_ATTEMPTS
    );
    match locked.unlock(PASS) {
        Err(StoreError::LockedOut { retry_after }) => {
            assert!(
                retry_after > Duration::from_secs(25) && retry_after <= campo_store::FIRST_DELAY,
                "{retry_after:?}"
            )
        }
        other => panic!("expected LockedOut after the kill, got {:?}", other.err()),
    }
}
