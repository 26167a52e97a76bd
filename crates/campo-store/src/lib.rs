//! Campo's device vault: one SQLite file in a folder, with every name, place, reason,
//! answer, note and counter sealed with AES-256-GCM under a random data key. The data key
//! is stored only wrapped by key slots (a facilitator's passphrase, or the recovery code).
//!
//! ```no_run
//! # fn main() -> Result<(), campo_store::StoreError> {
//! use campo_store::Vault;
//! let dir = std::path::Path::new("/tmp/campo");
//! let vault = if Vault::exists(dir) {
//!     Vault::open(dir)?.unlock("a long passphrase")?
//! } else {
//!     let (vault, recovery) = Vault::create(dir, "Anna", "a long passphrase")?;
//!     println!("write down the recovery code: {}", recovery.as_str());
//!     vault
//! };
//! println!("{} records waiting to sync", vault.pending_count()?);
//! # Ok(()) }
//! ```

mod crypto;
mod error;
mod keys;
mod outbox;
mod records;
mod schema;
mod vault;

pub use error::StoreError;
pub use keys::{
    RecoveryCode, SlotInfo, SlotKind, DEFAULT_ITERATIONS, MIN_ITERATIONS, MIN_PASSPHRASE_CHARS,
};
pub use outbox::{PendingRecord, RecordData};
pub use records::{MeetingDetail, NewMeeting};
pub use vault::{LockedVault, Vault, FILE_NAME, FIRST_DELAY, FREE_ATTEMPTS};

#[cfg(test)]
mod send_check {
    fn is_send<T: Send>() {}
    #[test]
    fn vault_is_send() {
        is_send::<super::Vault>();
        is_send::<super::LockedVault>();
    }
}
