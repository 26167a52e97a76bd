//! Console passwords: Argon2id (OWASP's minimum: 19 MiB, 2 passes, 1 lane), computed off
//! the request threads and at most `PERMITS` at a time, so a burst of logins (or of
//! guesses) waits its turn instead of taking the cores sync needs.
//!
//! The admin password of the releases before the console (PBKDF2, `admin_password.rs`) is
//! accepted once for the account `admin` and replaced by an Argon2id hash at that login.

use crate::admin_password;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordVerifier, Version};
use ring::rand::{SecureRandom, SystemRandom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Hashes computed at once; the rest wait.
const PERMITS: usize = 2;
/// Shortest password accepted when one is set.
pub const MIN_PASSWORD: usize = 12;
/// Longest: Argon2 takes any length, the form does not need to.
pub const MAX_PASSWORD: usize = 256;

/// Why a new password is refused, for the form.
pub fn password_problem(password: &str) -> Option<&'static str> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        Some("password_too_short")
    } else if n > MAX_PASSWORD {
        Some("password_too_long")
    } else {
        None
    }
}

/// What checking a password found.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    Wrong,
    Right,
    /// Right, and stored in an old scheme: store this Argon2id hash instead.
    RightRehashed(String),
}

pub struct Passwords {
    permits: Semaphore,
    /// Hashes computed since start, for the tests that show a refused login computed none.
    computed: AtomicU64,
    /// What an unknown account's password is checked against, so that it takes as long as
    /// a known one's and the timing does not say which names exist.
    decoy: String,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &str) -> String {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system's random source works");
    let salt = SaltString::encode_b64(&bytes).expect("16 bytes make a valid salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2id hashes any password")
        .to_string()
}

fn check_now(stored: &str, candidate: &str) -> Checked {
    if stored.starts_with("pbkdf2-sha256$") {
        return if admin_password::verify_password(stored, candidate) {
            Checked::RightRehashed(hash_now(candidate))
        } else {
            Checked::Wrong
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Checked::Wrong;
    };
    match argon2().verify_password(candidate.as_bytes(), &parsed) {
        Ok(()) => Checked::Right,
        Err(_) => Checked::Wrong,
    }
}

impl Default for Passwords {
    fn default() -> Self {
        Passwords {
            permits: Semaphore::new(PERMITS),
            computed: AtomicU64::new(0),
            decoy: hash_now("not a password anyone has"),
        }
    }
}

impl Passwords {
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        self.computed.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(f)
            .await
            .expect("password hashing does not panic")
    }

    pub async fn hash(self: &Arc<Self>, password: &str) -> String {
        let password = password.to_string();
        self.run(move || hash_now(&password)).await
    }

    /// Checks `candidate` against `stored`, or against the decoy when there is no stored
    /// hash (an unknown account, or one without a password yet): always one computation.
    pub async fn check(self: &Arc<Self>, stored: Option<&str>, candidate: &str) -> Checked {
        let known = stored.is_some();
        let stored = stored.unwrap_or(&self.decoy).to_string();
        let candidate = candidate.to_string();
        let checked = self.run(move || check_now(&stored, &candidate)).await;
        if known {
            checked
        } else {
            Checked::Wrong
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2id_right_and_wrong_and_the_old_admin_password_once() {
        let p = Arc::new(Passwords::default());
        let h = p.hash("una password lunga").await;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(
            p.check(Some(&h), "una password lunga").await,
            Checked::Right
        );
        assert_eq!(
            p.check(Some(&h), "una password lungA").await,
            Checked::Wrong
        );
        assert_eq!(p.check(None, "una password lunga").await, Checked::Wrong);
        assert_eq!(p.check(Some("garbage"), "x").await, Checked::Wrong);

        let old = admin_password::hash_password("ufficio-valle-2026");
        let Checked::RightRehashed(new) = p.check(Some(&old), "ufficio-valle-2026").await else {
            panic!("the old admin password is accepted and rehashed")
        };
        assert!(new.starts_with("$argon2id$"));
        assert_eq!(
            p.check(Some(&new), "ufficio-valle-2026").await,
            Checked::Right
        );
        assert_eq!(p.check(Some(&old), "wrong").await, Checked::Wrong);
        assert_eq!(p.computed(), 8, "one hash, and one computation per check");
    }

    #[test]
    fn new_passwords_have_a_length_range() {
        assert_eq!(password_problem("short"), Some("password_too_short"));
        assert_eq!(password_problem(&"x".repeat(12)), None);
        assert_eq!(
            password_problem(&"x".repeat(257)),
            Some("password_too_long")
        );
    }
}
