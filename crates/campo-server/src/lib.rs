//! Campo's central server: devices enroll with a one-time code, push their records over a
//! weak link (every resend safe), pull what their project's other devices hold, and the
//! project office reads the assessment report, exports the data and revokes lost tablets.
//!
//! Storage sits behind `campo_server_store::Store`, chosen once from `--db` (SQLite file or
//! PostgreSQL URL): the handlers never see SQL or a driver.

pub mod admin_password;
// A carer's rights: carers export|forget, projects set-information-sheet|set-retention,
// retention apply.
pub mod carer_settings_cli;
pub mod carers_cli;
pub mod catalog;
pub mod cli;
pub mod console;
pub mod enroll_code;
pub mod export;
pub mod figures;
pub mod html;
pub mod http;
pub mod instruments_cli;
pub mod retention_cli;
pub mod secret;
pub mod serve;
pub mod store;
pub mod users_cli;

pub use store::{DbTarget, StorageError, Store};
