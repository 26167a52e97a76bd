//! Entry points for fuzzing what the vault reads back (feature `fuzzing`): the sealing of
//! record bodies with a key the caller gives, so a fuzzer can seal its input under a fixed
//! test key and the right AAD and reach the parsers behind the GCM tag. The same functions
//! the vault runs, not copies; nothing here weakens a vault.

/// Bytes of a key.
pub const KEY_LEN: usize = crate::crypto::KEY_LEN;
use crate::error::StoreError;
pub use crate::records::RosterEntry;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

/// The AAD of a body: `<table>|<id>|<revision>`. Record kinds (`participant`, `meeting`,
/// `draft`, `submission`, `outreach`) use their kind as the table; instruments use
/// `instruments` with their version, settings `settings` with their key and revision 0.
pub fn record_aad(table: &str, id: &str, revision: u32) -> String {
    crate::crypto::record_aad(table, id, revision)
}

/// Seals `plaintext` as the vault seals a body (fresh random nonce).
pub fn seal(key: &[u8; KEY_LEN], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
    crate::crypto::seal(key, aad, plaintext)
}

/// Opens a sealed body: `None` when it does not authenticate.
pub fn open(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
    crate::crypto::open(key, aad, sealed)
}

/// Opens a sealed body and parses it as the vault reads a `T` back.
pub fn open_json<T: DeserializeOwned>(
    key: &[u8; KEY_LEN],
    aad: &str,
    sealed: &[u8],
) -> Result<Option<T>, StoreError> {
    crate::records::open_json(key, aad, sealed)
}

/// The key-stream opening of first-release key slots (no authentication).
pub fn open_unauthenticated(
    key: &[u8; KEY_LEN],
    sealed: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
    crate::crypto::open_unauthenticated(key, sealed)
}
