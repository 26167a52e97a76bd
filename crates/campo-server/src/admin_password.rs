//! The admin password, stored as PBKDF2-HMAC-SHA256 with 600,000 iterations (OWASP's 2023
//! figure) and a random salt: `pbkdf2-sha256$600000$SALT$HASH` (base64url).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;
use ring::pbkdf2;
use std::num::NonZeroU32;

pub const ITERATIONS: u32 = 600_000;
const ALG: pbkdf2::Algorithm = pbkdf2::PBKDF2_HMAC_SHA256;

pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    let mut out = [0u8; 32];
    let iterations = NonZeroU32::new(ITERATIONS).expect("non-zero");
    pbkdf2::derive(ALG, iterations, &salt, password.as_bytes(), &mut out);
    format!(
        "pbkdf2-sha256${ITERATIONS}${}${}",
        URL_SAFE_NO_PAD.encode(salt),
        URL_SAFE_NO_PAD.encode(out)
    )
}

/// False for a wrong password and for a stored string that does not parse.
pub fn verify_password(stored: &str, candidate: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [scheme, iterations, salt, hash] = parts.as_slice() else {
        return false;
    };
    if *scheme != "pbkdf2-sha256" {
        return false;
    }
    let (Some(iterations), Ok(salt), Ok(hash)) = (
        iterations.parse::<u32>().ok().and_then(NonZeroU32::new),
        URL_SAFE_NO_PAD.decode(salt),
        URL_SAFE_NO_PAD.decode(hash),
    ) else {
        return false;
    };
    pbkdf2::verify(ALG, iterations, &salt, candidate.as_bytes(), &hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_password_verifies_and_wrong_one_does_not() {
        let stored = hash_password("correct horse");
        assert!(stored.starts_with("pbkdf2-sha256$600000$"));
        assert!(verify_password(&stored, "correct horse"));
        assert!(!verify_password(&stored, "correct horsE"));
        assert!(!verify_password("garbage", "correct horse"));
    }
}
