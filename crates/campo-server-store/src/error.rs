//! The one error type of every storage backend. Handlers map its cases to statuses
//! without knowing which database answered.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StorageError {
    /// The thing named does not exist (a project, a device).
    #[error("not found: {0}")]
    NotFound(String),
    /// A unique key is already taken (a project id, a token hash).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database was written by a newer campo-server.
    #[error(
        "the database's schema is version {found}, newer than this campo-server knows \
         (up to {supported}); run the campo-server that wrote it, or a newer one"
    )]
    SchemaTooNew { found: u32, supported: u32 },
    /// What was read back does not parse: the database was changed by hand or is damaged.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Input the store refuses before touching anything (a bad project id, targets out of
    /// range).
    #[error("{0}")]
    Invalid(String),
    /// The engine failed (connection lost, disk full, ...). The message names no data.
    #[error("database error: {0}")]
    Other(String),
}

impl From<serde_json::Error> for StorageError {
    fn from(e: serde_json::Error) -> Self {
        StorageError::Corrupt(e.to_string())
    }
}
