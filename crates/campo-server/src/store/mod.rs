//! Where the server keeps devices, codes, instruments and every revision of every record.
//!
//! The trait is synchronous on purpose: SQLite is, and the handlers call it from
//! `spawn_blocking`. A PostgreSQL backend (the `postgres` crate, or `sqlx` driven from a
//! runtime handle) implements the same methods with the same transactional promises, and
//! nothing above this module changes.

pub mod schema;
pub mod sqlite;

use crate::error::StoreError;
use campo_core::report::ReportInput;
use campo_core::{Instrument, Meeting, Submission};
use campo_sync::wire::{PushResponse, RosterCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// One pushed record, already parsed, hashed and validated by the caller. The store decides
/// only what needs the stored state: duplicate, revision conflict, ownership.
#[derive(Clone, Debug)]
pub struct IncomingRecord {
    pub id: Uuid,
    pub revision: u32,
    /// `meeting`, `submission`, `roster_code` or `outreach` (the wire's `kind`).
    pub kind: &'static str,
    /// Canonical JSON of the body (the wire's `body`): what is stored and hashed.
    pub body: String,
    /// Lowercase hex SHA-256 of `body`.
    pub hash: String,
    /// Set when validation refused the record: it is answered `rejected` with this reason
    /// and never stored.
    pub rejection: Option<String>,
}

/// A device as the admin sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeviceInfo {
    pub id: Uuid,
    /// The name given to `campo-server enroll --name`.
    pub name: String,
    /// The name the tablet reported when it enrolled.
    pub device_name: String,
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Record revisions received from it.
    pub records: u64,
}

/// What `pull` hands a device after its cursor.
#[derive(Clone, Debug, Default)]
pub struct PullData {
    pub cursor: u64,
    pub instruments: Vec<Instrument>,
    pub roster: Vec<RosterCode>,
    pub meetings: Vec<Meeting>,
}

/// A current submission with the device that sent it (for exports).
#[derive(Clone, Debug)]
pub struct StoredSubmission {
    pub device_id: Uuid,
    pub submission: Submission,
}

/// Row counts, for the admin page and for tests that check bad input changed nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counts {
    pub record_revisions: u64,
    pub batches: u64,
    pub devices: u64,
    pub instruments: u64,
}

pub trait Store: Send + Sync {
    /// Stores the hash of a fresh one-time code for a device to be called `name`.
    fn add_enroll_code(
        &self,
        code_hash: &str,
        name: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Uses up the code and creates the device with the token's hash, in one transaction.
    /// `None`: the code is unknown, already used or expired (nothing changes).
    fn enroll(
        &self,
        code_hash: &str,
        device_name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError>;

    /// The device holding this token, unless revoked. Never cached: a revocation holds from
    /// the very next request.
    fn authenticate(&self, token_hash: &str) -> Result<Option<Uuid>, StoreError>;

    fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError>;

    /// `false` if no such device. Revoking twice keeps the first date.
    fn revoke(&self, device: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Adds the instrument versions not held yet (a stored version is never overwritten:
    /// submissions already scored against it must keep meaning the same).
    fn add_instruments(&self, instruments: &[Instrument]) -> Result<usize, StoreError>;

    fn instruments(&self) -> Result<Vec<Instrument>, StoreError>;

    /// Stores a batch in one transaction and answers per record. A `batch_id` seen before
    /// from the same device gets its first answer back unchanged, whatever is sent now.
    fn push(
        &self,
        device: Uuid,
        batch_id: Uuid,
        records: Vec<IncomingRecord>,
    ) -> Result<PushResponse, StoreError>;

    /// What changed after `since`, read in one snapshot so the new cursor skips nothing.
    fn pull(&self, device: Uuid, since: u64) -> Result<PullData, StoreError>;

    /// Current meeting revisions, current submissions and outreach of every device.
    fn report_input(&self) -> Result<ReportInput, StoreError>;

    /// Current submissions with their device, in receipt order.
    fn submissions(&self) -> Result<Vec<StoredSubmission>, StoreError>;

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;

    fn counts(&self) -> Result<Counts, StoreError>;
}
