//! The tablet's side of Campo's sync protocol: the HTTP client, batching and gzip, backoff,
//! and the vault's outbox. The messages themselves are in `campo-wire`, re-exported here as
//! [`wire`].

pub use campo_wire as wire;

pub mod address;
pub mod answer;
pub mod backoff;
pub mod carer_data;
pub mod client;
pub mod erasure;
pub mod error;
#[cfg(test)]
mod failure_tests;
mod identity;
pub mod network;
pub mod progress;
pub mod project_report;
mod pull;
pub mod rejected;
pub mod review_notes;
#[cfg(test)]
mod rights_tests;
pub mod schedule;
pub mod sync;
pub mod sync_loop;
#[cfg(test)]
mod sync_tests;
#[cfg(test)]
mod test_server;

pub use backoff::Backoff;
pub use carer_data::{carer_data, CarerData};
pub use client::{ClientOptions, SyncClient};
pub use erasure::apply_erasures;
pub use error::{FailureClass, SyncError};
pub use network::{listen, NetworkSignal, OnChange};
pub use progress::Progress;
pub use project_report::project_report;
pub use rejected::{
    rejected, retry_rejected, retry_rejected_one, RejectedRecord, UNKNOWN_INSTRUMENT_CODES,
};
pub use review_notes::review_notes;
pub use schedule::{Action, LinkState, Plan, SchedulePolicy, Scheduler};
pub use sync::{project_targets, project_targets_of, sync_once, SyncSummary};
pub use sync_loop::{LoopEvent, SyncHost, SyncTarget};
pub use wire::ProjectReport;
