//! The database behind the server, chosen once from `--db`: a SQLite file path (the
//! default, nothing to install) or a `postgres://` URL. Everything after this module sees
//! only `Arc<dyn Store>`.

pub use campo_server_store::*;

use campo_server_postgres::PostgresStore;
use campo_server_sqlite::SqliteStore;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What `--db` names. Its `Debug` and `Display` never show a password.
#[derive(Clone, PartialEq, Eq)]
pub enum DbTarget {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbTarget {
    /// `postgres://` and `postgresql://` are PostgreSQL; `sqlite:PATH` or a plain path is a
    /// SQLite file. Any other `scheme://` is refused, so a typo cannot quietly create a new
    /// empty database file.
    pub fn parse(s: &str) -> Result<DbTarget, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("--db is empty: give a SQLite file path or a postgres:// URL".into());
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DbTarget::Postgres(s.to_string()));
        }
        if let Some(path) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            return Ok(DbTarget::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(format!(
                "--db: {scheme}:// is not a database Campo knows; use a SQLite file path or postgres://"
            ));
        }
        Ok(DbTarget::Sqlite(PathBuf::from(s)))
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DbTarget::Sqlite(p) => Some(p),
            DbTarget::Postgres(_) => None,
        }
    }
}

/// The URL with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    // The last '@' ends the user info (a password may itself contain '@').
    let redacted = match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***{host}"),
                None => authority.to_string(),
            }
        }
        None => authority.to_string(),
    };
    // A password may also come as a query parameter.
    let tail = tail
        .split('&')
        .map(|p| match p.split_once("password=") {
            Some((k, _)) => format!("{k}password=***"),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{redacted}{tail}")
}

impl fmt::Display for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbTarget::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            DbTarget::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbTarget({self})")
    }
}

/// Opens the database, running its migrations.
pub async fn open(target: &DbTarget) -> Result<Arc<dyn Store>, StorageError> {
    Ok(match target {
        DbTarget::Sqlite(path) => {
            let path = path.clone();
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
                .await
                .map_err(|e| StorageError::Other(e.to_string()))??;
            Arc::new(store)
        }
        DbTarget::Postgres(url) => Arc::new(PostgresStore::connect(url).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_never_show_a_password() {
        assert_eq!(
            DbTarget::parse("campo.db").unwrap(),
            DbTarget::Sqlite("campo.db".into())
        );
        assert_eq!(
            DbTarget::parse("sqlite:/x/y.db").unwrap(),
            DbTarget::Sqlite("/x/y.db".into())
        );
        assert!(DbTarget::parse("mysql://u:p@h/db").is_err());
        assert!(DbTarget::parse("  ").is_err());
        let pg = DbTarget::parse("postgres://campo:s3cr@t@db.example:5432/campo?sslmode=disable")
            .unwrap();
        let shown = format!("{pg} {pg:?}");
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(shown.contains("campo:***@db.example:5432/campo"), "{shown}");
        assert_eq!(
            redact("postgresql://h/db?user=u&password=hunter2"),
            "postgresql://h/db?user=u&password=***"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
