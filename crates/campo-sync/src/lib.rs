//! Campo's sync protocol: the wire types (shared with `campo-server`) and the device's
//! client.
//!
//! The client lives behind the default `client` feature; the server builds with
//! `default-features = false` and gets the wire types alone.

pub mod wire;

#[cfg(feature = "client")]
pub mod backoff;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod error;
#[cfg(feature = "client")]
pub mod progress;
#[cfg(feature = "client")]
pub mod sync;

#[cfg(feature = "client")]
pub use backoff::Backoff;
#[cfg(feature = "client")]
pub use client::{ClientOptions, SyncClient};
#[cfg(feature = "client")]
pub use error::SyncError;
#[cfg(feature = "client")]
pub use progress::Progress;
#[cfg(feature = "client")]
pub use sync::{rejected, retry_rejected, sync_once, RejectedRecord, SyncSummary};
