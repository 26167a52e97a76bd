//! Random secrets (device tokens, enrollment codes) and the hashes the server keeps of them.
//! The server never stores a token or a code in clear: a stolen database file cannot be
//! used to impersonate a tablet.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;

// A carer's rights: the one SHA-256 function, shared with the storage engines, so that a
// body rewritten when a carer is forgotten hashes exactly as a push hashes it.
/// Lowercase hex of SHA-256.
pub use campo_server_store::canonical::sha256_hex;

/// A device token: 32 random bytes, base64url without padding (43 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Letters and digits that cannot be misread when typed from a screen (no 0/O, 1/I/L, U).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";

/// An enrollment code: 12 symbols (about 59 bits) shown as `XXXX-XXXX-XXXX`. One-time,
/// valid 15 minutes and rate-limited, so guessing one is hopeless.
pub fn new_enroll_code() -> String {
    let mut rng = rand::rng();
    let symbols: Vec<u8> = (0..12)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())])
        .collect();
    format!(
        "{}-{}-{}",
        std::str::from_utf8(&symbols[0..4]).unwrap_or_default(),
        std::str::from_utf8(&symbols[4..8]).unwrap_or_default(),
        std::str::from_utf8(&symbols[8..12]).unwrap_or_default()
    )
}

/// What a typed or scanned code is compared as: case and separators do not matter.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Constant-time comparison, for secrets.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    // Length is not secret here (tokens and digests have fixed lengths).
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_chars_and_differ() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a, b);
    }

    #[test]
    fn codes_normalize_regardless_of_case_and_dashes() {
        let code = new_enroll_code();
        assert_eq!(code.len(), 14);
        assert_eq!(normalize_code(&code.to_lowercase()), normalize_code(&code));
        assert_eq!(normalize_code(&code).len(), 12);
    }

    #[test]
    fn sha256_of_abc_is_the_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
