//! The tablet's side of Campo's sync protocol: the HTTP client, batching and gzip, backoff,
//! and the vault's outbox. The messages themselves are in `campo-wire`, re-exported here as
//! [`wire`].

pub use campo_wire as wire;

pub mod backoff;
pub mod client;
pub mod error;
pub mod progress;
pub mod sync;
#[cfg(test)]
mod test_server;

pub use backoff::Backoff;
pub use client::{ClientOptions, SyncClient};
pub use error::SyncError;
pub use progress::Progress;
pub use sync::{
    project_targets, project_targets_of, rejected, retry_rejected, sync_once, RejectedRecord,
    SyncSummary,
};
