//! The Tauri commands: each a few lines over campo-core, campo-store and campo-sync.

pub mod access;
pub mod barriers;
pub mod collect;
pub mod consent;
pub mod meetings;
pub mod notes;
pub mod outreach;
pub mod report;
pub mod roster;
pub mod settings;
pub mod sync;

/// The vault's setting keys the app owns.
pub const SERVER_URL: &str = "server_url";
pub const DEVICE_TOKEN: &str = "device_token";
pub const FACILITATOR: &str = "facilitator";
/// Written by the sync loop when a sync worked.
pub use campo_sync::sync_loop::LAST_SYNC;
