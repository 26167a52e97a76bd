//! Everything the vault can refuse, each with its own variant so the app can tell a wrong
//! passphrase from a tampered file from a full disk.

use crate::passphrase::PassphraseProblem;
use crate::records::CorrectionProblem;
use campo_core::consent::ConsentError;
use std::path::PathBuf;
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no vault in {0}")]
    NotFound(PathBuf),
    #[error("a vault already exists in {0}")]
    AlreadyExists(PathBuf),
    /// A new passphrase breaks the rule of [`crate::check_passphrase`]; its code is the
    /// problem's (`too_short`, `one_character`, `is_name`, `common`).
    #[error("{0}")]
    WeakPassphrase(PassphraseProblem),
    #[error("the key slot name must not be empty")]
    EmptySlotName,
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("wrong recovery code")]
    WrongRecoveryCode,
    #[error("too many wrong passphrases: try again in {} s", retry_after.as_secs().max(1))]
    LockedOut { retry_after: Duration },
    /// `slot` is the slot's id (its name is sealed).
    #[error("key slot {slot} uses {iterations} PBKDF2 iterations, fewer than the required {minimum}: refused")]
    WeakSlot {
        slot: String,
        iterations: u32,
        minimum: u32,
    },
    #[error("the key slot opened but its data key does not match this vault's data")]
    WrongDataKey,
    /// Carries the name; the message leaves it out, since messages reach logs.
    #[error("a key slot of that name already exists")]
    SlotExists(String),
    /// Carries the name; the message leaves it out, since messages reach logs.
    #[error("no key slot of that name")]
    SlotNotFound(String),
    #[error("the last passphrase slot cannot be removed: the vault would have no passphrase")]
    LastSlot,
    #[error("the recovery slot is replaced with a new recovery code, not removed")]
    RecoverySlot,
    #[error(
        "{kind} {id} revision {revision} holds a body sealed for {belongs_to}: rows were moved"
    )]
    Misplaced {
        kind: String,
        id: String,
        revision: u32,
        belongs_to: String,
    },
    #[error(
        "{kind} {id} revision {revision} failed authentication: the file is damaged or was altered"
    )]
    Corrupt {
        kind: String,
        id: String,
        revision: u32,
    },
    #[error("meeting {0} not found")]
    MeetingNotFound(Uuid),
    #[error("meeting {0} belongs to another tablet and is read-only here")]
    RemoteMeeting(Uuid),
    #[error("no participant with code {0:?} on the roster")]
    ParticipantNotFound(String),
    #[error("the code {0:?} is already on the roster")]
    ParticipantExists(String),
    #[error("correction {id} refused: {problem}")]
    Correction {
        id: Uuid,
        problem: CorrectionProblem,
    },
    #[error("the roster file is over {max} {what}: it is not a roster this app made")]
    RosterFileTooLarge { max: usize, what: &'static str },
    #[error("not a readable roster file: {0}")]
    RosterFileInvalid(&'static str),
    #[error("the roster file has format version {0}, which this app does not know")]
    RosterFileVersion(u8),
    #[error("wrong passphrase for this roster file")]
    WrongRosterPassphrase,
    #[error("the roster file was altered or damaged after it was made")]
    RosterFileAltered,
    /// A coded questionnaire for a carer whose consent in force does not cover
    /// questionnaires, while the project has an information sheet. Carries the code; the
    /// message leaves it out.
    #[error("the carer's consent in force does not cover questionnaires: nothing was saved")]
    ConsentMissing(String),
    /// Consent recorded while the project has no information sheet (a consent names the
    /// version of the sheet the carer was shown).
    #[error("the project has no information sheet yet: consent cannot be recorded")]
    NoInformationSheet,
    /// A consent step that would break the rules of a history (campo-core's
    /// `check_history`), or an information sheet that breaks its own.
    #[error("{0}")]
    Consent(ConsentError),
    #[error("a consent cannot be dated after today")]
    ConsentInFuture,
    #[error("submission {0} not found")]
    SubmissionNotFound(Uuid),
    #[error("submission {0} is final and cannot be changed; save a correction that replaces it")]
    SubmissionFinal(Uuid),
    #[error(
        "meeting {id} was changed meanwhile: edited revision {given}, current revision {current}"
    )]
    StaleRevision { id: Uuid, given: u32, current: u32 },
    #[error("invalid instrument: {0}")]
    InvalidInstrument(String),
    #[error("PRAGMA {name} is {actual:?}, expected {expected:?}")]
    Pragma {
        name: &'static str,
        expected: String,
        actual: String,
    },
    #[error(
        "the vault file has schema version {found}, newer than this app understands ({supported})"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("the vault file is damaged: {0}")]
    Damaged(String),
    #[error("could not encode or decode a record: {0}")]
    Encoding(#[from] serde_json::Error),
    #[error("cryptographic failure: {0}")]
    Crypto(&'static str),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// A stable code for the app and logs; the message may be reworded, the code not.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound(_) => "no_vault",
            StoreError::AlreadyExists(_) => "vault_exists",
            StoreError::WeakPassphrase(problem) => problem.code(),
            StoreError::EmptySlotName => "empty_slot_name",
            StoreError::WrongPassphrase => "wrong_passphrase",
            StoreError::WrongRecoveryCode => "wrong_recovery_code",
            StoreError::LockedOut { .. } => "locked_out",
            StoreError::WeakSlot { .. } => "weak_slot",
            StoreError::WrongDataKey => "wrong_data_key",
            StoreError::SlotExists(_) => "slot_exists",
            StoreError::SlotNotFound(_) => "slot_not_found",
            StoreError::LastSlot => "last_slot",
            StoreError::RecoverySlot => "recovery_slot",
            StoreError::Misplaced { .. } => "record_misplaced",
            StoreError::Corrupt { .. } => "record_corrupt",
            StoreError::MeetingNotFound(_) => "meeting_not_found",
            StoreError::RemoteMeeting(_) => "remote_meeting",
            StoreError::ParticipantNotFound(_) => "participant_not_found",
            StoreError::ParticipantExists(_) => "participant_exists",
            StoreError::Correction { problem, .. } => problem.code(),
            StoreError::RosterFileTooLarge { .. } => "roster_file_too_large",
            StoreError::RosterFileInvalid(_) => "roster_file_invalid",
            StoreError::RosterFileVersion(_) => "roster_file_version",
            StoreError::WrongRosterPassphrase => "wrong_roster_passphrase",
            StoreError::RosterFileAltered => "roster_file_altered",
            StoreError::ConsentMissing(_) => "consent_missing",
            StoreError::NoInformationSheet => "no_information_sheet",
            StoreError::Consent(e) => consent_code(e),
            StoreError::ConsentInFuture => "consent_in_future",
            StoreError::SubmissionNotFound(_) => "submission_not_found",
            StoreError::SubmissionFinal(_) => "submission_final",
            StoreError::StaleRevision { .. } => "stale_revision",
            StoreError::InvalidInstrument(_) => "invalid_instrument",
            StoreError::Pragma { .. } => "pragma_not_applied",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
            StoreError::Damaged(_) => "vault_damaged",
            StoreError::Encoding(_) => "encoding",
            StoreError::Crypto(_) => "crypto",
            StoreError::Sqlite(_) => "database",
            StoreError::Io(_) => "io",
        }
    }
}

/// Finer codes than campo-core's own `consent_invalid`, so the app can say what is wrong.
fn consent_code(e: &ConsentError) -> &'static str {
    match e {
        ConsentError::TooLong => "consent_history_full",
        ConsentError::NothingToWithdraw(_) => "no_consent_to_withdraw",
        ConsentError::Covers(_) => "consent_covers_nothing",
        ConsentError::OutOfOrder(_) => "consent_date_order",
        ConsentError::SheetVersion | ConsentError::SheetText => e.code(),
    }
}

impl From<rusqlite::types::FromSqlError> for StoreError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StoreError::Sqlite(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Blob,
            Box::new(e),
        ))
    }
}

impl From<ring::error::Unspecified> for StoreError {
    fn from(_: ring::error::Unspecified) -> Self {
        StoreError::Crypto("the system random generator or cipher failed")
    }
}
