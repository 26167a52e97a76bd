//! The sync protocol's messages (JSON under `/api/v1`). Shared by `campo-server` and the
//! client so the two can never disagree on a field.

use campo_core::{Instrument, Meeting, Outreach, Submission};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Prefix of every route.
pub const API_PREFIX: &str = "/api/v1";

/// `GET /api/v1/health` (no auth).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub server_time: DateTime<Utc>,
    pub version: String,
}

/// `POST /api/v1/devices/enroll`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    pub device_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: Uuid,
    pub token: String,
}

/// What a device syncs. Roster names never leave the device: a roster entry is its code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum RecordBody {
    Meeting(Meeting),
    Submission(Submission),
    RosterCode(RosterCode),
    Outreach(Outreach),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterCode {
    pub code: String,
}

/// One record revision as pushed. `id` + `revision` name it; the server hashes the body
/// to tell a harmless resend (duplicate) from a conflicting one (rejected).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: Uuid,
    pub revision: u32,
    #[serde(flatten)]
    pub body: RecordBody,
}

/// `POST /api/v1/sync/push` (bearer token; body may be gzip with `Content-Encoding: gzip`).
/// `batch_id` is the batch's idempotency key: resending the same batch is always safe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub batch_id: Uuid,
    pub records: Vec<Record>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// Newly stored in this request.
    Stored,
    /// Already held with the same id, revision and content hash.
    Duplicate,
    /// Refused; `reason` says why. Resending it unchanged will be refused again.
    Rejected,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushResult {
    pub id: Uuid,
    pub revision: u32,
    pub status: PushStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

/// `GET /api/v1/sync/pull?since=CURSOR` (bearer token): what the device should hold
/// that changed after `since`, and the cursor to send next time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub cursor: u64,
    pub instruments: Vec<Instrument>,
    pub roster: Vec<RosterCode>,
    /// Current revisions of other devices' meetings.
    pub meetings: Vec<Meeting>,
}

/// Every 4xx/5xx body: a stable machine-readable `code` and a human `message`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}
