//! The office console's accounts, sessions, failed logins and audit log on SQLite. Each
//! function runs on the connection `SqliteStore` hands it: the writer for anything that
//! writes (one writer at a time, so a check and the write after it cannot be raced), the
//! reader otherwise.
//!
//! Times compared in SQL or against limits (a link's expiry, a session's times, failures)
//! are unix microseconds, the precision PostgreSQL keeps, so both engines draw a limit at
//! the same instant; times only shown (an account's creation, an audit line's) are RFC 3339
//! text, as elsewhere in this file.

use crate::{db_err, parse_time, parse_uuid, project_exists};
use campo_server_store::accounts::{
    check_new_user, user_name_taken, user_not_found, LOGIN_FAILURE_MEMORY,
};
use campo_server_store::{
    AuditEntry, AuditQuery, NewAudit, NewUser, Role, SessionLimits, SessionRow, StorageError, User,
};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use uuid::Uuid;

/// The columns `RawUser::read` reads, in its order, of `users` aliased `u`.
const USER_COLUMNS: &str =
    "u.id, u.name, u.role, u.project_id, u.password_hash, u.disabled, u.created_at";

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(v: i64) -> Result<DateTime<Utc>, StorageError> {
    DateTime::from_timestamp_micros(v)
        .ok_or_else(|| StorageError::Corrupt(format!("time {v} is out of range")))
}

/// A `users` row as SQLite gives it, before its text is parsed.
struct RawUser {
    id: String,
    name: String,
    role: String,
    project: Option<String>,
    password_hash: Option<String>,
    disabled: bool,
    created_at: String,
}

impl RawUser {
    /// Reads [`USER_COLUMNS`] starting at column `first`.
    fn read(r: &Row, first: usize) -> rusqlite::Result<RawUser> {
        Ok(RawUser {
            id: r.get(first)?,
            name: r.get(first + 1)?,
            role: r.get(first + 2)?,
            project: r.get(first + 3)?,
            password_hash: r.get(first + 4)?,
            disabled: r.get(first + 5)?,
            created_at: r.get(first + 6)?,
        })
    }

    fn parse(self) -> Result<User, StorageError> {
        Ok(User {
            id: parse_uuid(&self.id)?,
            role: Role::parse(&self.role)
                .ok_or_else(|| StorageError::Corrupt(format!("unknown role {:?}", self.role)))?,
            name: self.name,
            project: self.project,
            password_hash: self.password_hash,
            disabled: self.disabled,
            created_at: parse_time(&self.created_at)?,
        })
    }
}

fn user_exists(c: &Connection, user: Uuid) -> Result<(), StorageError> {
    c.query_row(
        "SELECT 1 FROM users WHERE id = ?1",
        [user.to_string()],
        |_| Ok(()),
    )
    .optional()
    .map_err(db_err)?
    .ok_or_else(|| user_not_found(user))
}

pub fn add_user(
    c: &mut Connection,
    new: &NewUser,
    now: DateTime<Utc>,
) -> Result<User, StorageError> {
    check_new_user(new)?;
    let tx = c.transaction().map_err(db_err)?;
    if let Some(project) = &new.project {
        project_exists(&tx, project)?;
    }
    let user = User {
        id: Uuid::now_v7(),
        name: new.name.clone(),
        role: new.role,
        project: new.project.clone(),
        password_hash: new.password_hash.clone(),
        disabled: false,
        created_at: now,
    };
    tx.execute(
        "INSERT INTO users (id, name, role, project_id, password_hash, disabled, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
        params![
            user.id.to_string(),
            user.name,
            user.role.as_str(),
            user.project,
            user.password_hash,
            now.to_rfc3339()
        ],
    )
    .map_err(|e| match db_err(e) {
        StorageError::Conflict(_) => user_name_taken(),
        other => other,
    })?;
    tx.commit().map_err(db_err)?;
    Ok(user)
}

pub fn users(c: &Connection) -> Result<Vec<User>, StorageError> {
    let mut stmt = c
        .prepare(&format!(
            "SELECT {USER_COLUMNS} FROM users u ORDER BY u.name"
        ))
        .map_err(db_err)?;
    let rows = stmt
        .query_map([], |r| RawUser::read(r, 0))
        .map_err(db_err)?;
    rows.map(|row| row.map_err(db_err)?.parse()).collect()
}

pub fn user_by_name(c: &Connection, name: &str) -> Result<Option<User>, StorageError> {
    c.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.name = ?1"),
        [name],
        |r| RawUser::read(r, 0),
    )
    .optional()
    .map_err(db_err)?
    .map(RawUser::parse)
    .transpose()
}

/// A new password ends what the old one opened: every session, and any link still out.
pub fn set_password_hash(c: &mut Connection, user: Uuid, hash: &str) -> Result<bool, StorageError> {
    let id = user.to_string();
    let tx = c.transaction().map_err(db_err)?;
    let n = tx
        .execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![id, hash],
        )
        .map_err(db_err)?;
    if n == 0 {
        return Ok(false);
    }
    tx.execute("DELETE FROM sessions WHERE user_id = ?1", [&id])
        .map_err(db_err)?;
    tx.execute("DELETE FROM password_links WHERE user_id = ?1", [&id])
        .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(true)
}

pub fn set_user_disabled(
    c: &mut Connection,
    user: Uuid,
    disabled: bool,
) -> Result<bool, StorageError> {
    let id = user.to_string();
    let tx = c.transaction().map_err(db_err)?;
    let n = tx
        .execute(
            "UPDATE users SET disabled = ?2 WHERE id = ?1",
            params![id, disabled],
        )
        .map_err(db_err)?;
    if n == 0 {
        return Ok(false);
    }
    if disabled {
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [&id])
            .map_err(db_err)?;
    }
    tx.commit().map_err(db_err)?;
    Ok(true)
}

/// `NotFound` for an unknown account.
pub fn add_password_link(
    c: &mut Connection,
    user: Uuid,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    let tx = c.transaction().map_err(db_err)?;
    user_exists(&tx, user)?;
    // The account's earlier link, if any, is overwritten: only the newest link works.
    tx.execute(
        "INSERT INTO password_links (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (user_id) DO UPDATE SET \
           token_hash = excluded.token_hash, expires_at = excluded.expires_at",
        params![token_hash, user.to_string(), micros(expires_at)],
    )
    .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(())
}

pub fn password_link_user(
    c: &Connection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>, StorageError> {
    c.query_row(
        &format!(
            "SELECT {USER_COLUMNS} FROM password_links l JOIN users u ON u.id = l.user_id \
             WHERE l.token_hash = ?1 AND l.expires_at > ?2 AND NOT u.disabled"
        ),
        params![token_hash, micros(now)],
        |r| RawUser::read(r, 0),
    )
    .optional()
    .map_err(db_err)?
    .map(RawUser::parse)
    .transpose()
}

/// `NotFound` for an unknown account; `Conflict` if the id hash is taken.
pub fn add_session(
    c: &mut Connection,
    id_hash: &str,
    user: Uuid,
    csrf: &str,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let tx = c.transaction().map_err(db_err)?;
    user_exists(&tx, user)?;
    tx.execute(
        "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen) \
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![id_hash, user.to_string(), csrf, micros(now)],
    )
    .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(())
}

/// Reads, then deletes or touches, on the writer: nothing can end the session in between.
pub fn session(
    c: &mut Connection,
    id_hash: &str,
    now: DateTime<Utc>,
    limits: SessionLimits,
) -> Result<Option<SessionRow>, StorageError> {
    let tx = c.transaction().map_err(db_err)?;
    let found = tx
        .query_row(
            &format!(
                "SELECT s.csrf, s.created_at, s.last_seen, {USER_COLUMNS} \
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?1"
            ),
            [id_hash],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    RawUser::read(r, 3)?,
                ))
            },
        )
        .optional()
        .map_err(db_err)?;
    let Some((csrf, created_at, last_seen, user)) = found else {
        return Ok(None);
    };
    let (user, created_at) = (user.parse()?, from_micros(created_at)?);
    if user.disabled || limits.ended(created_at, from_micros(last_seen)?, now) {
        tx.execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])
            .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        return Ok(None);
    }
    let now = micros(now);
    tx.execute(
        "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1",
        params![id_hash, now],
    )
    .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(Some(SessionRow {
        user,
        csrf,
        created_at,
        last_seen: from_micros(now)?,
    }))
}

pub fn end_session(c: &Connection, id_hash: &str) -> Result<(), StorageError> {
    c.execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])
        .map_err(db_err)?;
    Ok(())
}

pub fn login_failures(
    c: &Connection,
    key: &str,
    since: DateTime<Utc>,
) -> Result<u64, StorageError> {
    let n: i64 = c
        .prepare_cached("SELECT COUNT(*) FROM login_failures WHERE key = ?1 AND at >= ?2")
        .map_err(db_err)?
        .query_row(params![key, micros(since)], |r| r.get(0))
        .map_err(db_err)?;
    Ok(n as u64)
}

pub fn add_login_failure(
    c: &mut Connection,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let tx = c.transaction().map_err(db_err)?;
    tx.execute(
        "DELETE FROM login_failures WHERE at < ?1",
        [micros(now - LOGIN_FAILURE_MEMORY)],
    )
    .map_err(db_err)?;
    for key in keys {
        tx.execute(
            "INSERT INTO login_failures (key, at) VALUES (?1, ?2)",
            params![key, micros(now)],
        )
        .map_err(db_err)?;
    }
    tx.commit().map_err(db_err)?;
    Ok(())
}

pub fn clear_login_failures(c: &Connection, key: &str) -> Result<(), StorageError> {
    c.execute("DELETE FROM login_failures WHERE key = ?1", [key])
        .map_err(db_err)?;
    Ok(())
}

pub fn add_audit(c: &Connection, entry: &NewAudit) -> Result<(), StorageError> {
    c.execute(
        "INSERT INTO audit (at, actor, address, action, project_id, target, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            entry.at.to_rfc3339(),
            entry.actor,
            entry.address,
            entry.action,
            entry.project,
            entry.target,
            entry.detail
        ],
    )
    .map_err(db_err)?;
    Ok(())
}

/// Newest first. Only the filters asked for are in the statement, so that SQLite can use
/// the project index when a project list is given.
pub fn audit_log(c: &Connection, query: &AuditQuery) -> Result<Vec<AuditEntry>, StorageError> {
    let mut filters: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut filter = |clause: &str, value: Value| {
        values.push(value);
        filters.push(clause.replace('?', &format!("?{}", values.len())));
    };
    if let Some(projects) = &query.projects {
        // One parameter whatever the list's length: a JSON array, read by json_each.
        let list = serde_json::to_string(projects)?;
        filter(
            "project_id IN (SELECT value FROM json_each(?))",
            Value::Text(list),
        );
    }
    if let Some(action) = &query.action {
        filter("action = ?", Value::Text(action.clone()));
    }
    if let Some(actor) = &query.actor {
        filter("actor = ?", Value::Text(actor.clone()));
    }
    if let Some(before) = query.before {
        filter("seq < ?", Value::Integer(before));
    }
    let filters = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    values.push(Value::Integer(i64::from(query.page_size())));
    let sql = format!(
        "SELECT seq, at, actor, address, action, project_id, target, detail FROM audit \
         {filters} ORDER BY seq DESC LIMIT ?{}",
        values.len()
    );
    let mut stmt = c.prepare(&sql).map_err(db_err)?;
    let rows = stmt
        .query_map(params_from_iter(values), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                (r.get(2)?, r.get(3)?, r.get(4)?),
                (r.get(5)?, r.get(6)?, r.get(7)?),
            ))
        })
        .map_err(db_err)?;
    rows.map(|row| {
        let (seq, at, (actor, address, action), (project, target, detail)) = row.map_err(db_err)?;
        Ok(AuditEntry {
            seq,
            entry: NewAudit {
                at: parse_time(&at)?,
                actor,
                address,
                action,
                project,
                target,
                detail,
            },
        })
    })
    .collect()
}
