//! The two lockout counters: unlocking, and the gentler "leave questionnaire" check. Both
//! keep the REMAINING delay, counted in running time: closing the app does not shorten
//! it, and the wall clock is never read for it.

mod common;

use campo_store::{StoreError, Vault, FILE_NAME, LEAVE_MAX_DELAY};
use common::*;
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;
use std::time::Duration;

fn meta(dir: &Path, key: &str) -> Option<i64> {
    Connection::open(dir.join(FILE_NAME))
        .unwrap()
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .unwrap()
}

fn set_meta(dir: &Path, key: &str, value: i64) {
    Connection::open(dir.join(FILE_NAME))
        .unwrap()
        .execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            rusqlite::params![key, value],
        )
        .unwrap();
}

fn locked_out<T>(r: Result<T, StoreError>) -> Duration {
    match r {
        Err(StoreError::LockedOut { retry_after }) => retry_after,
        Err(e) => panic!("expected LockedOut, got {e}"),
        Ok(_) => panic!("expected LockedOut, it went through"),
    }
}

fn between(d: Duration, low_ms: u64, high_ms: u64) -> bool {
    d > Duration::from_millis(low_ms) && d <= Duration::from_millis(high_ms)
}

#[test]
fn the_leave_check_has_its_own_gentler_counter() {
    let (dir, v) = new_vault();
    const GUESS: &str = "a carer's guess";
    for _ in 0..4 {
        assert!(!v.verify_leave_passphrase(GUESS).unwrap());
    }
    assert!(
        v.verify_leave_passphrase(PASS).unwrap(),
        "a right answer resets"
    );
    assert_eq!(meta(dir.path(), "leave_failed_attempts"), Some(0));
    for _ in 0..5 {
        assert!(!v.verify_leave_passphrase(GUESS).unwrap());
    }
    // During the delay even the right passphrase is refused.
    let wait = locked_out(v.verify_leave_passphrase(PASS));
    assert!(between(wait, 29_000, 30_000), "{wait:?}");
    assert!(between(v.leave_retry_after().unwrap(), 29_000, 30_000));

    // The unlock counter was never touched: the facilitator is not locked out.
    assert_eq!(meta(dir.path(), "failed_attempts").unwrap_or(0), 0);
    assert_eq!(v.retry_after().unwrap(), Duration::ZERO);
    assert!(v.verify_passphrase(PASS).unwrap());
    let locked = v.lock();
    assert_eq!(locked.failed_attempts().unwrap(), 0);
    assert_eq!(locked.retry_after().unwrap(), Duration::ZERO);
    let v = locked.unlock(PASS).unwrap();
    // ...while the leave delay survives the lock and unlock.
    locked_out(v.verify_leave_passphrase(PASS));

    // Each further wrong answer doubles the delay, up to five minutes.
    set_meta(dir.path(), "leave_remaining_ms", 0);
    assert!(!v.verify_leave_passphrase(GUESS).unwrap());
    assert!(between(v.leave_retry_after().unwrap(), 59_000, 60_000));
    set_meta(dir.path(), "leave_failed_attempts", 20);
    set_meta(dir.path(), "leave_remaining_ms", 0);
    assert!(!v.verify_leave_passphrase(GUESS).unwrap());
    let wait = v.leave_retry_after().unwrap();
    assert!(
        between(wait, LEAVE_MAX_DELAY.as_millis() as u64 - 1_000, 300_000),
        "{wait:?}"
    );
    set_meta(dir.path(), "leave_remaining_ms", 0);
    assert!(v.verify_leave_passphrase(PASS).unwrap());
    assert_eq!(meta(dir.path(), "leave_failed_attempts"), Some(0));
    assert_eq!(meta(dir.path(), "failed_attempts").unwrap_or(0), 0);
}

#[test]
fn a_delay_survives_closing_the_app_without_being_shortened() {
    let (dir, v) = new_vault();
    drop(v);
    for _ in 0..5 {
        assert!(matches!(
            Vault::open(dir.path()).unwrap().unlock("wrong passphrase"),
            Err(StoreError::WrongPassphrase)
        ));
    }
    // What is stored is the delay itself, a duration: no point in time, so nothing that
    // a wall clock moved forward could skip.
    assert_eq!(meta(dir.path(), "lockout_remaining_ms"), Some(30_000));
    assert_eq!(meta(dir.path(), "retry_at_ms"), None);

    let locked = Vault::open(dir.path()).unwrap();
    std::thread::sleep(Duration::from_millis(1_200));
    let wait = locked.retry_after().unwrap();
    assert!(between(wait, 28_000, 28_800), "{wait:?}");
    locked.save_lockout_progress().unwrap();
    let saved = meta(dir.path(), "lockout_remaining_ms").unwrap();
    assert!((28_000..=28_800).contains(&saved), "{saved}");
    drop(locked);

    // The app is closed for a while: that time does not count.
    std::thread::sleep(Duration::from_millis(1_500));
    let locked = Vault::open(dir.path()).unwrap();
    let wait = locked.retry_after().unwrap();
    assert!(
        wait <= Duration::from_millis(saved as u64)
            && wait > Duration::from_millis(saved as u64 - 300),
        "{wait:?} after a restart, {saved} ms saved"
    );
    locked_out(locked.unlock(PASS));
    // Not reset either: the count is still there for the next doubling.
    assert_eq!(
        Vault::open(dir.path()).unwrap().failed_attempts().unwrap(),
        5
    );
}

#[test]
fn the_stored_remaining_delay_alone_decides() {
    let (dir, v) = new_vault();
    drop(v);
    set_meta(dir.path(), "failed_attempts", 5);
    set_meta(dir.path(), "lockout_remaining_ms", 20_000);
    let locked = Vault::open(dir.path()).unwrap();
    assert!(between(locked.retry_after().unwrap(), 19_500, 20_000));
    // Another process saving progress is taken up by this handle.
    set_meta(dir.path(), "lockout_remaining_ms", 5_000);
    assert!(between(locked.retry_after().unwrap(), 4_500, 5_000));
    set_meta(dir.path(), "lockout_remaining_ms", 0);
    assert_eq!(locked.retry_after().unwrap(), Duration::ZERO);
    let v = locked.unlock(PASS).unwrap();
    drop(v);
    assert_eq!(meta(dir.path(), "failed_attempts"), Some(0));
    assert_eq!(meta(dir.path(), "lockout_remaining_ms"), Some(0));
}

#[test]
fn the_leave_delay_progress_is_saved_too() {
    let (dir, v) = new_vault();
    for _ in 0..5 {
        assert!(!v.verify_leave_passphrase("a carer's guess").unwrap());
    }
    assert_eq!(meta(dir.path(), "leave_remaining_ms"), Some(30_000));
    std::thread::sleep(Duration::from_millis(1_100));
    v.save_leave_lockout_progress().unwrap();
    let saved = meta(dir.path(), "leave_remaining_ms").unwrap();
    assert!((27_500..=28_900).contains(&saved), "{saved}");
    drop(v);
    std::thread::sleep(Duration::from_millis(600));
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    let wait = locked_out(v.verify_leave_passphrase(PASS));
    assert!(wait <= Duration::from_millis(saved as u64), "{wait:?}");
    assert!(wait > Duration::from_millis(saved as u64 - 300), "{wait:?}");
}

#[test]
fn the_leave_delay_keeps_counting_while_the_vault_is_locked() {
    let (dir, v) = new_vault();
    for _ in 0..5 {
        assert!(!v.verify_leave_passphrase("a carer's guess").unwrap());
    }
    let locked = v.lock();
    assert!(
        locked.delay_running().unwrap(),
        "the leave delay runs while locked"
    );
    std::thread::sleep(Duration::from_millis(1_100));
    locked.save_lockout_progress().unwrap();
    let saved = meta(dir.path(), "leave_remaining_ms").unwrap();
    assert!((27_500..=28_950).contains(&saved), "{saved}");
    assert_eq!(
        meta(dir.path(), "lockout_remaining_ms").unwrap_or(0),
        0,
        "the facilitator's unlock is not delayed by a carer's guesses"
    );
    let v = locked.unlock(PASS).unwrap();
    let wait = locked_out(v.verify_leave_passphrase(PASS));
    assert!(wait <= Duration::from_millis(saved as u64), "{wait:?}");
}
