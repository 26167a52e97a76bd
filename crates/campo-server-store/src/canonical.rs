//! How a stored record's body is hashed: lowercase hex SHA-256 of its canonical JSON (serde's
//! serialization of the parsed body). A push hashes what it stores with this, and forgetting
//! a carer hashes the bodies it rewrites with this too, so a tablet that scrubbed its copy by
//! the same rules and sends it again is answered `duplicate`, not `revision_conflict`.
//!
//! It lives here, beside the store, because both the server (push, tokens, codes) and the
//! engines (forgetting) need the very same function; campo-server re-exports it.

use ring::digest;

/// Lowercase hex of SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = digest::digest(&digest::SHA256, bytes);
    let mut s = String::with_capacity(64);
    for b in d.as_ref() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A body's canonical JSON and its hash, as a push stores them.
pub fn canonical<T: serde::Serialize>(body: &T) -> Result<(String, String), serde_json::Error> {
    let json = serde_json::to_string(body)?;
    let hash = sha256_hex(json.as_bytes());
    Ok((json, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_in_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let (json, hash) = canonical(&("a", [2, 1])).unwrap();
        assert_eq!(json, r#"["a",[2,1]]"#);
        assert_eq!(hash, sha256_hex(json.as_bytes()));
    }
}
