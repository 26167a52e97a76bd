//! The boundary between campo-server and its database. The server names no driver: it holds
//! an `Arc<dyn Store>` opened once from `--db`, and the SQLite (`campo-server-sqlite`) and
//! PostgreSQL (`campo-server-postgres`) backends keep the same promises behind it:
//!
//! - every revision of every record is kept; the current one is the highest revision, then
//!   the latest received;
//! - a batch is stored in one transaction, and the same `batch_id` from the same device is
//!   answered with its first answer, whatever is sent again;
//! - a record is a duplicate only with the same id, revision and content hash;
//! - a record belongs to the vault (the tablet) whose device first sent it, across
//!   enrollments of that vault; a correction names a submission of the same vault, meeting
//!   and instrument that no other correction replaces yet;
//! - everything belongs to a project, and a device reads and writes only its own project's;
//! - a pull's cursor never skips a row, however commits interleave;
//! - nothing that must hold across server processes (rate limits, settings, the catalog)
//!   lives in one process's memory.
//!
//! Time is passed in (`now`) rather than read, so tests can move it.

pub mod accounts;
// A carer's rights: the hash a push and a forgetting share, the rules of forgetting and
// retention (carers.rs), and the export's shape (carer_export.rs).
pub mod canonical;
pub mod carer_export;
pub mod carers;
pub mod decide;
pub mod error;
pub mod migrate;
pub mod reviews;

pub use accounts::{
    AuditEntry, AuditQuery, NewAudit, NewUser, Role, SessionLimits, SessionRow, User,
};
// A carer's rights.
pub use carer_export::CarerExport;
pub use carers::{CarerSettings, ErasureSummary};
pub use error::StorageError;
pub use reviews::{NewReview, Review};

use async_trait::async_trait;
use campo_core::consent::InformationSheet;
use campo_core::report::{ReportInput, Targets};
use campo_core::{Instrument, Meeting, Submission};
use campo_wire::{PushResponse, RecordKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

/// The project every server starts with, so that a single pilot never has to name one.
pub const DEFAULT_PROJECT: &str = "default";

/// A project id: 1 to 40 of `a-z`, `0-9` and `-`, starting with a letter or digit (it
/// appears in URLs and file names).
pub fn check_project_id(id: &str) -> Result<(), StorageError> {
    let ok = (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-');
    ok.then_some(()).ok_or_else(|| {
        StorageError::Invalid(format!(
            "project id {id:?} must be 1 to 40 of a-z, 0-9 and '-', not starting with '-'"
        ))
    })
}

/// Targets a coordinator may store: `Invalid` with every problem named otherwise.
pub fn check_targets(targets: &Targets) -> Result<(), StorageError> {
    let problems = targets.problems();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StorageError::Invalid(problems.join("; ")))
    }
}

/// What `add_project` checks before writing: the id, the name and the targets.
pub fn check_project(project: &Project) -> Result<(), StorageError> {
    check_project_id(&project.id)?;
    if project.name.trim().is_empty() || project.name.chars().count() > 200 {
        return Err(StorageError::Invalid(
            "a project's name must be 1 to 200 characters".into(),
        ));
    }
    check_targets(&project.targets)
}

/// The answer for a project id that is not there.
pub fn project_not_found(project: &str) -> StorageError {
    StorageError::NotFound(format!("project {project:?}"))
}

/// A project (a pilot) with its targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub targets: Targets,
    pub created_at: DateTime<Utc>,
}

/// Who is calling, once a token is checked: the device, the vault (tablet) it is an
/// enrollment of, and the project it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceIdentity {
    pub device_id: Uuid,
    /// Owns every record its devices sent. A device enrolled before vaults existed is its
    /// own vault (the same id).
    pub vault_id: Uuid,
    pub project: String,
}

/// The vault an enrollment claims: its id and the SHA-256 (lowercase hex) of its secret.
/// The secret itself never reaches the store.
#[derive(Clone, PartialEq, Eq)]
pub struct VaultClaim {
    pub id: Uuid,
    pub secret_hash: String,
}

impl std::fmt::Debug for VaultClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultClaim")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What an enrollment came to. Anything but `Enrolled` changed nothing: the code is still
/// unused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enrollment {
    /// A new device of the vault (registered now if it was new), with a fresh token.
    Enrolled(DeviceIdentity),
    /// The code is unknown, already used or expired.
    CodeRefused,
    /// The vault is known and the secret is not its secret; a vault registered before
    /// vaults had secrets (a device of an older server) has none, and is never claimed
    /// again.
    VaultSecretMismatch,
    /// The vault (with its secret) belongs to another project than the code's.
    VaultInOtherProject,
}

impl Enrollment {
    /// The new device, if one was made.
    pub fn device(self) -> Option<DeviceIdentity> {
        match self {
            Enrollment::Enrolled(d) => Some(d),
            _ => None,
        }
    }
}

/// What `enroll` checks of a claim before writing: its secret hash is a SHA-256 in
/// lowercase hex (`Invalid` otherwise).
pub fn check_vault_claim(claim: &VaultClaim) -> Result<(), StorageError> {
    let h = &claim.secret_hash;
    let ok = h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    ok.then_some(()).ok_or_else(|| {
        StorageError::Invalid("a vault's secret hash is 64 lowercase hex digits".into())
    })
}

/// Whether two secret hashes (lowercase hex) are the same, in time that does not depend on
/// where they differ.
pub fn same_secret_hash(stored: &str, claimed: &str) -> bool {
    // The length is not secret: every hash is 64 characters.
    stored.len() == claimed.len()
        && stored
            .bytes()
            .zip(claimed.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Whether a vault row (its project and secret hash, `None` for a vault of an older server)
/// lets `claim` enroll a device in `project`: the secret first, so that a wrong secret
/// learns nothing about the vault's project.
pub fn check_vault(
    stored_project: &str,
    stored_hash: Option<&str>,
    claim: &VaultClaim,
    project: &str,
) -> Result<(), Enrollment> {
    match stored_hash {
        Some(h) if same_secret_hash(h, &claim.secret_hash) => {}
        _ => return Err(Enrollment::VaultSecretMismatch),
    }
    if stored_project != project {
        return Err(Enrollment::VaultInOtherProject);
    }
    Ok(())
}

/// What the correction rule needs of a submission: its meeting and instrument, and the
/// submission it corrects, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionKeys {
    pub meeting_id: Uuid,
    pub instrument_id: String,
    #[serde(default)]
    pub replaces: Option<Uuid>,
    #[serde(default)]
    pub follows_up: Option<Uuid>,
}

impl SubmissionKeys {
    pub fn of(submission: &Submission) -> SubmissionKeys {
        SubmissionKeys {
            meeting_id: submission.meeting_id,
            instrument_id: submission.instrument_id.clone(),
            replaces: submission.replaces,
            follows_up: submission.follows_up,
        }
    }

    /// The keys of a stored submission's body (canonical JSON of a `Submission`).
    pub fn from_body(body: &str) -> Result<SubmissionKeys, StorageError> {
        Ok(serde_json::from_str(body)?)
    }
}

/// One pushed record, already parsed, hashed and checked by the caller. The store decides
/// only what needs the stored state: duplicate, revision conflict, ownership, corrections.
#[derive(Clone, Debug)]
pub struct IncomingRecord {
    pub id: Uuid,
    pub revision: u32,
    pub kind: RecordKind,
    /// Canonical JSON of the body: what is stored and hashed.
    pub body: String,
    /// Lowercase hex SHA-256 of `body`.
    pub hash: String,
    /// Set when a check refused the record: `(reason_code, reason)`. It is answered
    /// `rejected` and never stored.
    pub rejection: Option<(String, String)>,
    /// Set for every submission (`SubmissionKeys::of` its body): a correction is checked
    /// against what it names, and a later record of the same batch may correct it.
    pub submission: Option<SubmissionKeys>,
}

/// A device as the office sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeviceInfo {
    pub id: Uuid,
    /// The tablet's vault; a vault enrolled again has several devices.
    pub vault_id: Uuid,
    pub project: String,
    /// The name given to `campo-server enroll --name`.
    pub name: String,
    /// The name the tablet reported when it enrolled.
    pub device_name: String,
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Record revisions received from it.
    pub records: u64,
    /// When it last pushed or pulled; `None` until it has.
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// A questionnaire version the office retired: tablets no longer offer it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetiredVersion {
    pub id: String,
    pub version: u32,
    pub retired_at: DateTime<Utc>,
}

/// One page of what a device pulls.
#[derive(Clone, Debug, Default)]
pub struct PullData {
    /// Where the next pull starts.
    pub cursor: u64,
    /// More changes wait after `cursor`.
    pub more: bool,
    pub instruments: Vec<Instrument>,
    pub meetings: Vec<Meeting>,
    /// Barrier log forms of the project's other vaults (first forms and follow-ups).
    pub barriers: Vec<Submission>,
    /// Reviews of the pulling vault's own submissions changed in this page.
    pub notes: Vec<campo_wire::ReviewNote>,
    /// Questionnaire versions retired in this page.
    pub retired: Vec<campo_wire::RetiredInstrument>,
    /// Carers forgotten in this page.
    pub erasures: Vec<campo_wire::Erasure>,
}

/// Cuts a pull page read with one row more than `limit` (rows in counter order, `seq_of`
/// giving a row's counter value; `top` the project's counter in the same snapshot), and
/// says where the next pull starts and whether one is needed. The same rule for every
/// engine: while more follow, the cursor is the last row sent; once none do, the counter.
pub fn cut_page<T>(
    rows: &mut Vec<T>,
    limit: u32,
    top: i64,
    seq_of: impl Fn(&T) -> i64,
) -> (u64, bool) {
    let limit = limit.max(1) as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let cursor = if more {
        rows.last().map_or(top, seq_of)
    } else {
        top
    };
    (cursor.max(0) as u64, more)
}

/// A current submission with the device that sent it (for exports).
#[derive(Clone, Debug)]
pub struct StoredSubmission {
    pub device_id: Uuid,
    pub submission: Submission,
}

/// Row counts, for tests that check bad input changed nothing and for the admin page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub record_revisions: u64,
    pub batches: u64,
    pub devices: u64,
    pub instruments: u64,
    pub projects: u64,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for logs.
    fn engine(&self) -> &'static str;

    /// The schema version the database is at (after the migrations ran at open).
    async fn schema_version(&self) -> Result<u32, StorageError>;

    // Projects.

    /// Adds a project. `Conflict` if the id is taken, `Invalid` for a bad id or targets.
    async fn add_project(&self, project: &Project) -> Result<(), StorageError>;
    async fn projects(&self) -> Result<Vec<Project>, StorageError>;
    async fn project(&self, id: &str) -> Result<Option<Project>, StorageError>;
    /// `NotFound` if no such project; `Invalid` if the targets do not hold together.
    async fn set_targets(&self, project: &str, targets: &Targets) -> Result<(), StorageError>;

    // Devices.

    /// Stores the hash of a fresh one-time code for a device of `project` to be called
    /// `name`. `NotFound` if no such project.
    async fn add_enroll_code(
        &self,
        project: &str,
        code_hash: &str,
        name: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// Uses up the code and creates the device with the token's hash, in one transaction,
    /// as a device of the claimed vault: a vault id seen for the first time is registered
    /// in the code's project with the claim's secret hash; a known one needs the same
    /// secret hash ([`check_vault`]). Anything but `Enrolled` changes nothing; a claim
    /// whose hash is not a SHA-256 is `Invalid` ([`check_vault_claim`]).
    async fn enroll(
        &self,
        code_hash: &str,
        device_name: &str,
        token_hash: &str,
        vault: &VaultClaim,
        now: DateTime<Utc>,
    ) -> Result<Enrollment, StorageError>;

    /// The device holding this token, unless revoked. Never cached: a revocation holds from
    /// the very next request.
    async fn authenticate(&self, token_hash: &str) -> Result<Option<DeviceIdentity>, StorageError>;

    /// Devices of one project, or of all with `None`.
    async fn devices(&self, project: Option<&str>) -> Result<Vec<DeviceInfo>, StorageError>;

    /// `false` if no such device. Revoking twice keeps the first date.
    async fn revoke(&self, device: Uuid, now: DateTime<Utc>) -> Result<bool, StorageError>;

    /// Notes that the device pushed or pulled at `now` (the console's "last sync").
    async fn touch_device(&self, device: Uuid, now: DateTime<Utc>) -> Result<(), StorageError>;

    /// Each current meeting of the project with the vault that owns it (the console
    /// filters by tablet).
    async fn meeting_vaults(&self, project: &str) -> Result<Vec<(Uuid, Uuid)>, StorageError>;

    // Instruments.

    /// Adds to the project's catalog the versions it does not hold yet (a stored version is
    /// never overwritten: submissions scored against it must keep meaning the same).
    /// Returns how many were added. `NotFound` if no such project.
    async fn add_instruments(
        &self,
        project: &str,
        instruments: &[Instrument],
    ) -> Result<usize, StorageError>;

    /// The project's published versions: its catalog, what tablets get and what pushes
    /// are checked against.
    async fn instruments(&self, project: &str) -> Result<Vec<Instrument>, StorageError>;

    /// Adds versions the project does not hold yet, unpublished: kept for the office to
    /// look at, but neither in the catalog tablets get nor accepted in a push until
    /// published. Returns how many were added. `NotFound` if no such project.
    async fn add_unpublished_instruments(
        &self,
        project: &str,
        instruments: &[Instrument],
    ) -> Result<usize, StorageError>;

    /// Publishes a held version: from now on it is in the catalog and, numbered anew in
    /// the project's counter, in every tablet's next pull. `Ok(false)` if it was published
    /// already; `NotFound` if the project holds no such version.
    async fn publish_instrument(
        &self,
        project: &str,
        id: &str,
        version: u32,
    ) -> Result<bool, StorageError>;

    /// Retires a published version: it stays in the catalog (what was collected with it
    /// still counts, and a tablet that collected it offline can still send it), and the
    /// retirement, numbered in the project's counter, tells every tablet at its next pull to
    /// stop offering it. `Ok(false)` if it was retired already; `NotFound` if the project
    /// holds no such version; `Invalid` for an unpublished one (nothing offers it).
    async fn retire_instrument(
        &self,
        project: &str,
        id: &str,
        version: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError>;

    /// The project's retired versions.
    async fn retired_instruments(&self, project: &str)
        -> Result<Vec<RetiredVersion>, StorageError>;

    /// The project's unpublished versions.
    async fn unpublished_instruments(&self, project: &str)
        -> Result<Vec<Instrument>, StorageError>;

    /// A number that changes whenever the project's catalog does: a server process keeps
    /// its parsed catalog until this moves.
    async fn catalog_version(&self, project: &str) -> Result<u64, StorageError>;

    // Records.

    /// Stores a batch in one transaction and answers per record. A `batch_id` seen before
    /// from the same device gets its first answer back unchanged.
    async fn push(
        &self,
        device: &DeviceIdentity,
        batch_id: Uuid,
        records: Vec<IncomingRecord>,
        now: DateTime<Utc>,
    ) -> Result<PushResponse, StorageError>;

    /// At most `limit` changes of the device's project after `since` (instruments, the
    /// current meetings and barrier log forms of the project's other vaults, the reviews
    /// of the device's own vault's submissions), read in one snapshot so the new cursor
    /// skips nothing.
    async fn pull(
        &self,
        device: &DeviceIdentity,
        since: u64,
        limit: u32,
    ) -> Result<PullData, StorageError>;

    /// Current meetings, submissions and outreach of every device of the project.
    async fn report_input(&self, project: &str) -> Result<ReportInput, StorageError>;

    // Reviews (reviews.rs).

    /// Sets the review of each of `submissions` (ids of current submissions of the
    /// project; any other id is skipped) to `state` with `comment`, by `reviewer`, in one
    /// transaction, and moves each changed review into the project's counter so that the
    /// vault that sent the submission gets it at its next pull. Returns how many
    /// submissions were found (an id named twice counts once). `Invalid` for a comment over
    /// REVIEW_COMMENT_MAX characters ([`reviews::check_review`]) and `NotFound` for an
    /// unknown project, both changing nothing.
    async fn set_reviews(
        &self,
        project: &str,
        submissions: &[Uuid],
        review: &NewReview,
        now: DateTime<Utc>,
    ) -> Result<u64, StorageError>;
    /// The current review of every reviewed submission of the project (a submission with
    /// none is `received`), in the order they last changed.
    async fn reviews(&self, project: &str) -> Result<Vec<Review>, StorageError>;

    /// Current submissions of the project with their device, in receipt order.
    async fn submissions(&self, project: &str) -> Result<Vec<StoredSubmission>, StorageError>;

    // Server-wide state.

    async fn setting(&self, key: &str) -> Result<Option<String>, StorageError>;
    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StorageError>;
    /// Stores `value` unless the key is set, and returns what is stored: the first of
    /// several processes to ask wins, the others get its value.
    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StorageError>;

    /// Counts one attempt under `key` in a fixed window of `window` and says whether it is
    /// within `max`. Shared by every server process on the database.
    async fn rate_limit(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
        max: u32,
    ) -> Result<bool, StorageError>;

    async fn counts(&self) -> Result<Counts, StorageError>;

    // The office console's accounts, sessions, failed logins and audit log (accounts.rs).

    /// Adds an account (see [`NewUser`] for what is refused).
    async fn add_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<User, StorageError>;
    /// Every account, by name.
    async fn users(&self) -> Result<Vec<User>, StorageError>;
    async fn user_by_name(&self, name: &str) -> Result<Option<User>, StorageError>;
    /// Sets an account's password hash, ends every session of it and drops its password
    /// links. `false` if there is no such account.
    async fn set_password_hash(&self, user: Uuid, hash: &str) -> Result<bool, StorageError>;
    /// Disables or enables an account; disabling ends its sessions. `false` if there is
    /// no such account.
    async fn set_user_disabled(&self, user: Uuid, disabled: bool) -> Result<bool, StorageError>;
    /// Stores a one-time password link (the SHA-256 of its token) for an account,
    /// replacing any earlier link of that account. `NotFound` if there is no such account.
    async fn add_password_link(
        &self,
        user: Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// The account a password link is for, if the link exists, has not expired at `now`
    /// and the account is enabled. Reading does not use it up: setting the password does.
    async fn password_link_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StorageError>;
    /// Starts a session (its id's SHA-256) for an account. `NotFound` if there is no such
    /// account; `Conflict` if the id hash is taken.
    async fn add_session(
        &self,
        id_hash: &str,
        user: Uuid,
        csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// The live session under `id_hash` at `now`, its last use moved to `now`. A session
    /// past either limit is deleted and `None`; so is one of a disabled account.
    async fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
        limits: SessionLimits,
    ) -> Result<Option<SessionRow>, StorageError>;
    async fn end_session(&self, id_hash: &str) -> Result<(), StorageError>;
    /// Failed logins under `key` (`account:NAME` or `address:IP`) at or after `since`.
    async fn login_failures(&self, key: &str, since: DateTime<Utc>) -> Result<u64, StorageError>;
    /// Counts a failed login under each key (and forgets failures older than a day).
    async fn add_login_failure(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Forgets the failures under `key` (an account's, after its password was given).
    async fn clear_login_failures(&self, key: &str) -> Result<(), StorageError>;
    /// Appends a line to the audit log. Nothing edits or deletes one: the engines refuse
    /// it at the database.
    async fn add_audit(&self, entry: &NewAudit) -> Result<(), StorageError>;
    async fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StorageError>;

    // A carer's rights (carers.rs): forgetting a code, exporting what is held under it,
    // and the project's information sheet and retention period.

    /// Forgets `code` in `project`, in one transaction under the project's counter (as a
    /// push): every roster code record of the code is deleted (all revisions); every
    /// revision of every meeting and submission of the project is scrubbed by campo-core's
    /// erasure rules and its body and content hash rewritten (hashed as a push hashes), and
    /// the current revision of each meeting and barrier form renumbered so tablets pull the
    /// scrubbed copy; review comments and stored push answers lose the code. One erasure is
    /// numbered last in the counter, listing the ids of the roster entries deleted. `Invalid` for something
    /// that is no roster code, `NotFound` for an unknown project or when nothing holds the
    /// code ([`carers::nothing_held`]); both change nothing. The code is never logged.
    async fn forget_carer(
        &self,
        project: &str,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<ErasureSummary, StorageError>;
    /// Everything `project` holds under `code` ([`CarerExport`]), read in one snapshot,
    /// stamped `now`. `Invalid` and `NotFound` as for `forget_carer`.
    async fn carer_export(
        &self,
        project: &str,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<CarerExport, StorageError>;
    /// Every carer's code found in any revision of the project's roster codes, meeting
    /// attendances and submission respondents, sorted, once each (what retention forgets).
    async fn carer_codes(&self, project: &str) -> Result<Vec<String>, StorageError>;
    /// Sets (or with `None` clears) the project's information sheet. `Invalid` if the sheet
    /// breaks campo-core's rules, `NotFound` for an unknown project; both change nothing.
    async fn set_information_sheet(
        &self,
        project: &str,
        sheet: Option<&InformationSheet>,
    ) -> Result<(), StorageError>;
    /// Sets (or with `None` clears) the project's retention period in months after the
    /// pilot's end. `Invalid` over [`carers::RETENTION_MONTHS_MAX`], `NotFound` for an
    /// unknown project; both change nothing.
    async fn set_retention_months(
        &self,
        project: &str,
        months: Option<u32>,
    ) -> Result<(), StorageError>;
    /// The project's information sheet and retention period. `NotFound` for an unknown
    /// project.
    async fn carer_settings(&self, project: &str) -> Result<CarerSettings, StorageError>;
    /// The project's information sheet, if it has one (what pull sends).
    async fn information_sheet(
        &self,
        project: &str,
    ) -> Result<Option<InformationSheet>, StorageError> {
        Ok(self.carer_settings(project).await?.information_sheet)
    }

    /// A consistent copy of the whole database at `out`, taken while the server runs.
    /// Engines with their own tool (PostgreSQL: pg_dump) answer `Invalid` naming it.
    async fn backup(&self, out: &Path) -> Result<(), StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(hash: &str) -> VaultClaim {
        VaultClaim {
            id: Uuid::now_v7(),
            secret_hash: hash.into(),
        }
    }

    #[test]
    fn a_vault_is_claimed_with_its_secret_in_its_project_only() {
        let h = "ab".repeat(32);
        assert!(same_secret_hash(&h, &h));
        assert!(!same_secret_hash(&h, &"ab".repeat(31)));
        assert!(!same_secret_hash(&h, &format!("{}ac", "ab".repeat(31))));
        assert!(!same_secret_hash(&h, ""));
        assert_eq!(check_vault("p", Some(&h), &claim(&h), "p"), Ok(()));
        assert_eq!(
            check_vault("p", Some(&h), &claim(&h), "q"),
            Err(Enrollment::VaultInOtherProject)
        );
        // A wrong secret says nothing of the project; a vault without a secret is never
        // claimed, whatever is sent.
        for (stored, project) in [
            (Some(h.as_str()), "p"),
            (Some(h.as_str()), "q"),
            (None, "p"),
        ] {
            assert_eq!(
                check_vault("p", stored, &claim(&"cd".repeat(32)), project),
                Err(Enrollment::VaultSecretMismatch)
            );
        }
        assert_eq!(
            check_vault("p", None, &claim(""), "p"),
            Err(Enrollment::VaultSecretMismatch)
        );
        assert!(!format!("{:?}", claim(&h)).contains(&h));
        assert!(check_vault_claim(&claim(&h)).is_ok());
        for bad in [
            String::new(),
            "AB".repeat(32),
            "ab".repeat(33),
            "xy".repeat(32),
        ] {
            assert!(matches!(
                check_vault_claim(&claim(&bad)),
                Err(StorageError::Invalid(_))
            ));
        }
    }

    #[test]
    fn submission_keys_read_a_stored_body() {
        let body = r#"{"id":"0190a0a0-0000-7000-8000-000000000001","instrument_id":"quiz","instrument_version":1,"meeting_id":"0190a0a0-0000-7000-8000-000000000002","answers":{},"created_at":"2026-03-02T10:00:00Z","replaces":"0190a0a0-0000-7000-8000-000000000003"}"#;
        let keys = SubmissionKeys::from_body(body).unwrap();
        assert_eq!(keys.instrument_id, "quiz");
        assert_eq!(
            keys.replaces,
            Some("0190a0a0-0000-7000-8000-000000000003".parse().unwrap())
        );
        assert!(matches!(
            SubmissionKeys::from_body("{}"),
            Err(StorageError::Corrupt(_))
        ));
    }

    #[test]
    fn a_page_is_cut_at_its_limit_and_says_where_to_go_on() {
        let mut rows = vec![3, 5, 8];
        assert_eq!(cut_page(&mut rows, 2, 9, |r| *r), (5, true));
        assert_eq!(rows, vec![3, 5]);
        let mut rows = vec![3, 5];
        assert_eq!(cut_page(&mut rows, 2, 9, |r| *r), (9, false));
        assert_eq!(rows, vec![3, 5]);
        let mut none: Vec<i64> = vec![];
        assert_eq!(cut_page(&mut none, 0, 4, |r| *r), (4, false));
    }
}
