//! Campo's central server: devices enroll with a one-time code, push their records over a
//! weak link (every resend safe), pull what other devices hold, and the project office reads
//! the assessment report, exports the data and revokes lost tablets.
//!
//! Storage sits behind the [`store::Store`] trait so the HTTP handlers never see SQL: the
//! embedded SQLite backend is the default and a PostgreSQL one can be added beside it.

pub mod admin_password;
pub mod catalog;
pub mod cli;
pub mod error;
pub mod export;
pub mod html;
pub mod http;
pub mod secret;
pub mod store;

pub use error::StoreError;
pub use store::{sqlite::SqliteStore, Store};
