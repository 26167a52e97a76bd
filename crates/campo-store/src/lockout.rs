//! Delays after wrong passphrases, counted in the app's running time.
//!
//! `meta` holds, per counter, the number of failures and the REMAINING delay in
//! milliseconds: a duration, never a point in time, so that neither a restart nor a wall
//! clock moved forward shortens or resets a delay. Each open handle measures elapsed time
//! with `Instant` from when it read that value; the app writes the remaining time back
//! every second while a delay runs (`save_progress`), so a restart costs at most the
//! second since the last write.
//!
//! Two counters: unlocking (and `verify_passphrase`), and the gentler "leave questionnaire"
//! check, so that a carer holding the tablet cannot lock the facilitator out.

use crate::error::StoreError;
use crate::records::immediate;
use rusqlite::{params, Connection, OptionalExtension};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Wrong passphrases allowed before the first delay.
pub const FREE_ATTEMPTS: u32 = 5;
/// The first delay; each further wrong passphrase doubles it.
pub const FIRST_DELAY: Duration = Duration::from_secs(30);
/// The leave check's longest delay: a facilitator waits at most this long to take the
/// tablet back from a carer who guessed.
pub const LEAVE_MAX_DELAY: Duration = Duration::from_secs(5 * 60);

/// One counter's rule and where it is kept.
pub(crate) struct Policy {
    failures_key: &'static str,
    remaining_key: &'static str,
    free: u32,
    first: Duration,
    max: Duration,
}

// 30 s << 20 is about a year: past that, doubling only risks overflow.
const UNLOCK_MAX_DELAY: Duration = Duration::from_secs(30 << 20);

pub(crate) const UNLOCK: Policy = Policy {
    failures_key: "failed_attempts",
    remaining_key: "lockout_remaining_ms",
    free: FREE_ATTEMPTS,
    first: FIRST_DELAY,
    max: UNLOCK_MAX_DELAY,
};

pub(crate) const LEAVE: Policy = Policy {
    failures_key: "leave_failed_attempts",
    remaining_key: "leave_remaining_ms",
    free: FREE_ATTEMPTS,
    first: FIRST_DELAY,
    max: LEAVE_MAX_DELAY,
};

impl Policy {
    /// The delay that starts with the `failures`-th wrong passphrase.
    pub(crate) fn delay_after(&self, failures: u32) -> Duration {
        if failures < self.free {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free).min(24);
        self.first
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
    }
}

/// What this handle last read: the stored values and when it read them.
#[derive(Clone, Copy)]
struct Reading {
    failures: i64,
    remaining_ms: i64,
    at: Instant,
}

/// One counter as seen by one open handle.
pub(crate) struct Countdown {
    policy: &'static Policy,
    last: Cell<Option<Reading>>,
}

fn meta_i64(conn: &Connection, key: &str) -> Result<i64, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
        .unwrap_or(0))
}

fn set_meta(conn: &Connection, key: &str, value: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )?;
    Ok(())
}

/// Milliseconds, rounded up: a saved delay is never shorter than the one running.
fn ceil_ms(d: Duration) -> i64 {
    i64::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(i64::MAX)
}

impl Countdown {
    /// Reads the counter now: the running time of a stored delay counts from here.
    pub(crate) fn load(
        policy: &'static Policy,
        conn: &Connection,
    ) -> Result<Countdown, StoreError> {
        let countdown = Countdown {
            policy,
            last: Cell::new(None),
        };
        countdown.read(conn)?;
        Ok(countdown)
    }

    /// The stored values, anchored to now if they changed since this handle last read them
    /// (a first read, or a write by this or another handle).
    fn read(&self, conn: &Connection) -> Result<Reading, StoreError> {
        let failures = meta_i64(conn, self.policy.failures_key)?;
        let remaining_ms = meta_i64(conn, self.policy.remaining_key)?.max(0);
        match self.last.get() {
            Some(r) if r.failures == failures && r.remaining_ms == remaining_ms => Ok(r),
            _ => {
                let r = Reading {
                    failures,
                    remaining_ms,
                    at: Instant::now(),
                };
                self.last.set(Some(r));
                Ok(r)
            }
        }
    }

    fn remaining_of(r: Reading) -> Duration {
        Duration::from_millis(u64::try_from(r.remaining_ms).unwrap_or(0))
            .saturating_sub(r.at.elapsed())
    }

    /// How long until another attempt is allowed (zero when no delay runs).
    pub(crate) fn remaining(&self, conn: &Connection) -> Result<Duration, StoreError> {
        Ok(Self::remaining_of(self.read(conn)?))
    }

    /// Refuses while a delay runs; the caller then does not even try the passphrase.
    pub(crate) fn check(&self, conn: &Connection) -> Result<(), StoreError> {
        let retry_after = self.remaining(conn)?;
        if retry_after.is_zero() {
            Ok(())
        } else {
            Err(StoreError::LockedOut { retry_after })
        }
    }

    pub(crate) fn failures(&self, conn: &Connection) -> Result<u32, StoreError> {
        Ok(u32::try_from(meta_i64(conn, self.policy.failures_key)?).unwrap_or(u32::MAX))
    }

    /// Counts a wrong passphrase, durably, before the caller hears about it: killing the
    /// app right after a wrong guess must not undo the count.
    pub(crate) fn record_failure(&self, conn: &Connection) -> Result<(), StoreError> {
        let tx = immediate(conn)?;
        let failures = u32::try_from(meta_i64(&tx, self.policy.failures_key)?)
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let delay = ceil_ms(self.policy.delay_after(failures));
        set_meta(&tx, self.policy.failures_key, i64::from(failures))?;
        set_meta(&tx, self.policy.remaining_key, delay)?;
        tx.commit()?;
        self.last.set(Some(Reading {
            failures: i64::from(failures),
            remaining_ms: delay,
            at: Instant::now(),
        }));
        Ok(())
    }

    /// A right passphrase: the count and any delay start over.
    pub(crate) fn record_success(&self, conn: &Connection) -> Result<(), StoreError> {
        let r = self.read(conn)?;
        if r.failures != 0 || r.remaining_ms != 0 {
            let tx = immediate(conn)?;
            set_meta(&tx, self.policy.failures_key, 0)?;
            set_meta(&tx, self.policy.remaining_key, 0)?;
            tx.commit()?;
            self.last.set(Some(Reading {
                failures: 0,
                remaining_ms: 0,
                at: Instant::now(),
            }));
        }
        Ok(())
    }

    /// Writes the time still to wait, so that a restart resumes from here. Does nothing
    /// when no delay runs, or when another handle wrote meanwhile (its value is as good).
    pub(crate) fn save_progress(&self, conn: &Connection) -> Result<(), StoreError> {
        let r = self.read(conn)?;
        if r.remaining_ms == 0 {
            return Ok(());
        }
        let tx = immediate(conn)?;
        let still = meta_i64(&tx, self.policy.failures_key)? == r.failures
            && meta_i64(&tx, self.policy.remaining_key)? == r.remaining_ms;
        if !still {
            return Ok(());
        }
        let now = Instant::now();
        let left = ceil_ms(
            Duration::from_millis(u64::try_from(r.remaining_ms).unwrap_or(0))
                .saturating_sub(now.duration_since(r.at)),
        );
        set_meta(&tx, self.policy.remaining_key, left)?;
        tx.commit()?;
        self.last.set(Some(Reading {
            failures: r.failures,
            remaining_ms: left,
            at: now,
        }));
        Ok(())
    }
}

/// Migration of a first-release vault: its wall-clock retry time becomes the remaining
/// delay, once, capped at the delay its failure count allows (a clock that was wrong then
/// must not lock the facilitator out for longer).
pub(crate) fn convert_wall_clock_retry(conn: &Connection) -> Result<(), StoreError> {
    let retry_at_ms: Option<i64> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'retry_at_ms'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let Some(retry_at_ms) = retry_at_ms else {
        return Ok(());
    };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let failures = u32::try_from(meta_i64(conn, UNLOCK.failures_key)?).unwrap_or(u32::MAX);
    let cap = ceil_ms(UNLOCK.delay_after(failures));
    let remaining = retry_at_ms.saturating_sub(now_ms).clamp(0, cap);
    set_meta(conn, UNLOCK.remaining_key, remaining)?;
    conn.execute("DELETE FROM meta WHERE key = 'retry_at_ms'", [])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_each_cap() {
        let secs = |p: &Policy, n| p.delay_after(n).as_secs();
        assert_eq!(
            (1..=5).map(|n| secs(&UNLOCK, n)).collect::<Vec<_>>(),
            [0, 0, 0, 0, 30]
        );
        assert_eq!(
            (5..=11).map(|n| secs(&LEAVE, n)).collect::<Vec<_>>(),
            [30, 60, 120, 240, 300, 300, 300]
        );
        assert_eq!(secs(&UNLOCK, 6), 60);
        assert_eq!(UNLOCK.delay_after(25), UNLOCK_MAX_DELAY);
        assert_eq!(UNLOCK.delay_after(u32::MAX), UNLOCK_MAX_DELAY);
        assert_eq!(LEAVE.delay_after(u32::MAX), LEAVE_MAX_DELAY);
    }

    #[test]
    fn saved_milliseconds_round_up() {
        assert_eq!(ceil_ms(Duration::from_nanos(1)), 1);
        assert_eq!(ceil_ms(Duration::from_millis(30_000)), 30_000);
        assert_eq!(ceil_ms(Duration::ZERO), 0);
    }
}
