//! Campo's device vault: one SQLite file in a folder, with every name, place, reason,
//! answer, note, counter, instrument choice and key slot name sealed with AES-256-GCM
//! under a random data key. The data key is stored only wrapped by key slots (a
//! facilitator's passphrase, or the recovery code).
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

mod codes;
mod crypto;
mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod keys;
mod lockout;
mod outbox;
mod passphrase;
mod records;
mod schema;
mod secret;
mod slots;
#[cfg(any(test, feature = "insecure-test-kdf"))]
pub mod testing;
mod vault;

pub use error::StoreError;
pub use keys::{RecoveryCode, SlotInfo, SlotKind, DEFAULT_ITERATIONS, MIN_ITERATIONS};
pub use lockout::{FIRST_DELAY, FREE_ATTEMPTS, LEAVE_MAX_DELAY};
pub use outbox::{PendingRecord, RecordData};
pub use passphrase::{check_passphrase, PassphraseProblem, MIN_PASSPHRASE_CHARS};
pub use records::{
    new_record_id, offered, CarerRecords, CorrectionProblem, ErasureApplied, MeetingDetail,
    MeetingSubmission, NewMeeting, Retired, RosterCarer, RosterImport, RosterPassphrase,
    TextSetting, MAX_ROSTER_ENTRIES, MAX_ROSTER_FILE_BYTES, SETTING_INFORMATION_SHEET,
    SETTING_RETIRED,
};
pub use vault::{LockedVault, Vault, FILE_NAME};

#[cfg(test)]
mod send_check {
    fn is_send<T: Send>() {}
    #[test]
    fn vault_is_send() {
        is_send::<super::Vault>();
        is_send::<super::LockedVault>();
    }
}
