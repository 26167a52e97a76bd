//! Throwaway databases for test suites (feature `testdb`, off in the server).
//!
//! A suite points `CAMPO_TEST_PG_URL` at a PostgreSQL server where it may create databases
//! (`eval "$(scripts/pg-test.sh start)"` starts one), and each test takes a database of its
//! own, so tests run in parallel and leave nothing behind:
//!
//! ```no_run
//! # async fn t() {
//! use campo_server_postgres::{testdb, PostgresStore};
//! let Some(admin) = testdb::admin_url() else { return };
//! let (url, _guard) = testdb::fresh_database(&admin).await;
//! let store = PostgresStore::connect(&url).await.unwrap();
//! # }
//! ```

use std::time::Duration;
use tokio_postgres::NoTls;
use uuid::Uuid;

/// Names the server tests use: a database where they may `CREATE DATABASE`.
pub const URL_VAR: &str = "CAMPO_TEST_PG_URL";
/// Set to `1` to let PostgreSQL tests pass without running where no server can be had.
pub const SKIP_VAR: &str = "CAMPO_TEST_SKIP_PG";

/// How long creating or dropping a test database may take before the test gives up.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The admin URL from `CAMPO_TEST_PG_URL`. Without it a test panics saying how to start a
/// server, unless `CAMPO_TEST_SKIP_PG=1`: then this prints that the test is skipped and
/// returns `None`, and the test should return. A test that silently passed without a
/// database would hide that the PostgreSQL backend went untested.
pub fn admin_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var(SKIP_VAR).as_deref() == Ok("1") => {
            eprintln!("skipped: {URL_VAR} is not set and {SKIP_VAR}=1 (no PostgreSQL test ran)");
            None
        }
        _ => panic!(
            "{URL_VAR} is not set: the PostgreSQL tests need a server. Start a throwaway one \
             with `eval \"$(scripts/pg-test.sh start)\"` (stop it with `scripts/pg-test.sh \
             stop`), or set {SKIP_VAR}=1 to skip them"
        ),
    }
}

/// Drops its database when dropped, closing any connection still open to it.
#[must_use = "the database is dropped with the guard"]
pub struct Guard {
    admin_url: String,
    name: String,
}

impl Guard {
    /// The database's name (`campo_test_...`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Drop cannot await, and a test usually drops its guard inside the test's runtime,
        // where blocking on that runtime is not allowed: a thread of its own with a runtime
        // of its own does the work, and this waits for it.
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                tokio::time::timeout(
                    TIMEOUT,
                    admin_execute(
                        &admin,
                        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                    ),
                )
                .await
                .map_err(|_| "timed out".to_string())?
            })
        })
        .join();
        // Never panic here: a panic while a failed test unwinds would abort the run and
        // hide the test's own message. A database left behind is only noise.
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: test database {} not dropped: {e}", self.name),
            Err(_) => eprintln!(
                "warning: test database {} not dropped: the thread panicked",
                self.name
            ),
        }
    }
}

/// Runs one statement on the admin database.
async fn admin_execute(admin_url: &str, sql: &str) -> Result<(), String> {
    let (client, connection) = tokio_postgres::connect(admin_url, NoTls)
        .await
        .map_err(|e| crate::db_err(e).to_string())?;
    let task = tokio::spawn(connection);
    let result = client
        .batch_execute(sql)
        .await
        .map_err(|e| crate::db_err(e).to_string());
    drop(client);
    let _ = task.await;
    result
}

/// Creates a new, empty database `campo_test_<uuid>` on the server of `admin_url` and
/// returns its URL (the admin URL naming the new database) with the guard that drops it.
/// Panics if the database cannot be created: this is for tests.
pub async fn fresh_database(admin_url: &str) -> (String, Guard) {
    let name = format!("campo_test_{}", Uuid::now_v7().simple());
    match tokio::time::timeout(
        TIMEOUT,
        admin_execute(admin_url, &format!("CREATE DATABASE \"{name}\"")),
    )
    .await
    {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("could not create test database {name}: {e}"),
        Err(_) => panic!("could not create test database {name}: timed out"),
    }
    let url = with_database(admin_url, &name);
    let guard = Guard {
        admin_url: admin_url.to_string(),
        name,
    };
    (url, guard)
}

/// `url` with its database (the path) replaced by `name`. A `dbname=` query parameter,
/// which would override the path, is removed.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let query = tail.split_once('?').map(|(_, q)| q).unwrap_or("");
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("dbname="))
        .collect();
    let mut out = format!("{scheme}://{authority}/{name}");
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_in_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5433/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5433/t1"
        );
        assert_eq!(
            with_database("postgresql://u:p@h", "t1"),
            "postgresql://u:p@h/t1"
        );
        assert_eq!(
            with_database("postgres://u@h:1/db?sslmode=disable&dbname=x", "t1"),
            "postgres://u@h:1/t1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@%2Ftmp%2Fpg?port=5", "t1"),
            "postgres://u@%2Ftmp%2Fpg/t1?port=5"
        );
    }
}
