//! The office console's accounts, sessions, failed logins and audit log on PostgreSQL.
//! Several server processes share these tables: each write is one statement, or one
//! transaction holding the row locks it needs, so that no two processes can interleave a
//! check and the write after it.

use crate::{db_err, to_u64};
use campo_server_store::accounts::{
    check_new_user, user_name_taken, user_not_found, LOGIN_FAILURE_MEMORY,
};
use campo_server_store::{
    project_not_found, AuditEntry, AuditQuery, NewAudit, NewUser, Role, SessionLimits, SessionRow,
    StorageError, User,
};
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Object};
use tokio_postgres::Row;
use uuid::Uuid;

/// The columns [`user_at`] reads, in its order, of `users` aliased `u`.
const USER_COLUMNS: &str =
    "u.id, u.name, u.role, u.project_id, u.password_hash, u.disabled, u.created_at";

/// The user in [`USER_COLUMNS`] starting at column `first`.
fn user_at(r: &Row, first: usize) -> Result<User, StorageError> {
    let role: &str = r.get(first + 2);
    Ok(User {
        id: r.get(first),
        name: r.get(first + 1),
        role: Role::parse(role)
            .ok_or_else(|| StorageError::Corrupt(format!("unknown role {role:?}")))?,
        project: r.get(first + 3),
        password_hash: r.get(first + 4),
        disabled: r.get(first + 5),
        created_at: r.get(first + 6),
    })
}

pub async fn add_user(
    client: &Object,
    new: &NewUser,
    now: DateTime<Utc>,
) -> Result<User, StorageError> {
    check_new_user(new)?;
    // One statement checks the project and inserts (projects are never deleted), and the
    // name's UNIQUE decides between two processes adding the same name.
    let row = client
        .query_opt(
            &format!(
                "INSERT INTO users AS u (id, name, role, project_id, password_hash, created_at) \
                 SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::timestamptz \
                 WHERE $4::text IS NULL OR EXISTS (SELECT 1 FROM projects WHERE id = $4) \
                 RETURNING {USER_COLUMNS}"
            ),
            &[
                &Uuid::now_v7(),
                &new.name,
                &new.role.as_str(),
                &new.project,
                &new.password_hash,
                &now,
            ],
        )
        .await
        .map_err(|e| match db_err(e) {
            StorageError::Conflict(_) => user_name_taken(),
            other => other,
        })?;
    match row {
        Some(row) => user_at(&row, 0),
        // Only a named project that is not there leaves nothing to insert.
        None => Err(project_not_found(
            new.project.as_deref().unwrap_or_default(),
        )),
    }
}

/// By name in code-point order (`COLLATE "C"`), as SQLite sorts, whatever the database's
/// locale.
pub async fn users(client: &Object) -> Result<Vec<User>, StorageError> {
    let rows = client
        .query(
            &format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.name COLLATE \"C\""),
            &[],
        )
        .await
        .map_err(db_err)?;
    rows.iter().map(|r| user_at(r, 0)).collect()
}

pub async fn user_by_name(client: &Object, name: &str) -> Result<Option<User>, StorageError> {
    let row = client
        .query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.name = $1"),
            &[&name],
        )
        .await
        .map_err(db_err)?;
    row.map(|r| user_at(&r, 0)).transpose()
}

/// A new password ends what the old one opened: every session, and any link still out,
/// in the transaction that sets it.
pub async fn set_password_hash(
    client: &mut Object,
    user: Uuid,
    hash: &str,
) -> Result<bool, StorageError> {
    let tx = client.transaction().await.map_err(db_err)?;
    let n = tx
        .execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&user, &hash],
        )
        .await
        .map_err(db_err)?;
    if n == 0 {
        return Ok(false);
    }
    for end in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM password_links WHERE user_id = $1",
    ] {
        tx.execute(end, &[&user]).await.map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

pub async fn set_user_disabled(
    client: &mut Object,
    user: Uuid,
    disabled: bool,
) -> Result<bool, StorageError> {
    let tx = client.transaction().await.map_err(db_err)?;
    let n = tx
        .execute(
            "UPDATE users SET disabled = $2 WHERE id = $1",
            &[&user, &disabled],
        )
        .await
        .map_err(db_err)?;
    if n == 0 {
        return Ok(false);
    }
    if disabled {
        tx.execute("DELETE FROM sessions WHERE user_id = $1", &[&user])
            .await
            .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

/// `NotFound` for an unknown account. The account's earlier link, if any, is overwritten:
/// only the newest link works.
pub async fn add_password_link(
    client: &Object,
    user: Uuid,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    let n = client
        .execute(
            "INSERT INTO password_links (token_hash, user_id, expires_at) \
             SELECT $1::text, id, $3::timestamptz FROM users WHERE id = $2 \
             ON CONFLICT (user_id) DO UPDATE SET \
               token_hash = excluded.token_hash, expires_at = excluded.expires_at",
            &[&token_hash, &user, &expires_at],
        )
        .await
        .map_err(db_err)?;
    if n == 0 {
        return Err(user_not_found(user));
    }
    Ok(())
}

pub async fn password_link_user(
    client: &Object,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>, StorageError> {
    let row = client
        .query_opt(
            &format!(
                "SELECT {USER_COLUMNS} FROM password_links l JOIN users u ON u.id = l.user_id \
                 WHERE l.token_hash = $1 AND l.expires_at > $2 AND NOT u.disabled"
            ),
            &[&token_hash, &now],
        )
        .await
        .map_err(db_err)?;
    row.map(|r| user_at(&r, 0)).transpose()
}

/// `NotFound` for an unknown account; `Conflict` if the id hash is taken.
pub async fn add_session(
    client: &Object,
    id_hash: &str,
    user: Uuid,
    csrf: &str,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let n = client
        .execute(
            "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen) \
             SELECT $1::text, id, $3::text, $4::timestamptz, $4::timestamptz \
             FROM users WHERE id = $2",
            &[&id_hash, &user, &csrf, &now],
        )
        .await
        .map_err(db_err)?;
    if n == 0 {
        return Err(user_not_found(user));
    }
    Ok(())
}

pub async fn session(
    client: &mut Object,
    id_hash: &str,
    now: DateTime<Utc>,
    limits: SessionLimits,
) -> Result<Option<SessionRow>, StorageError> {
    let tx = client.transaction().await.map_err(db_err)?;
    // The session's row lock is held to the end: a new password or a disabling that ends
    // the session meanwhile either waits for this answer or has already deleted the row,
    // which is then not found.
    let row = tx
        .query_opt(
            &format!(
                "SELECT s.csrf, s.created_at, s.last_seen, {USER_COLUMNS} \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.id_hash = $1 FOR UPDATE OF s"
            ),
            &[&id_hash],
        )
        .await
        .map_err(db_err)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (csrf, created_at, last_seen): (String, DateTime<Utc>, DateTime<Utc>) =
        (row.get(0), row.get(1), row.get(2));
    let user = user_at(&row, 3)?;
    if user.disabled || limits.ended(created_at, last_seen, now) {
        tx.execute("DELETE FROM sessions WHERE id_hash = $1", &[&id_hash])
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        return Ok(None);
    }
    let touched = tx
        .query_one(
            "UPDATE sessions SET last_seen = $2 WHERE id_hash = $1 RETURNING last_seen",
            &[&id_hash, &now],
        )
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(Some(SessionRow {
        user,
        csrf,
        created_at,
        last_seen: touched.get(0),
    }))
}

pub async fn end_session(client: &Object, id_hash: &str) -> Result<(), StorageError> {
    client
        .execute("DELETE FROM sessions WHERE id_hash = $1", &[&id_hash])
        .await
        .map_err(db_err)?;
    Ok(())
}

pub async fn login_failures(
    client: &Object,
    key: &str,
    since: DateTime<Utc>,
) -> Result<u64, StorageError> {
    let row = client
        .query_one(
            "SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2",
            &[&key, &since],
        )
        .await
        .map_err(db_err)?;
    to_u64(row.get(0), "failure count")
}

/// Two statements, each its own transaction holding its locks only while it runs (as
/// `rate_limit` does): processes counting failures at once never wait on each other.
pub async fn add_login_failure(
    client: &Object,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    client
        .execute(
            "DELETE FROM login_failures WHERE at < $1",
            &[&(now - LOGIN_FAILURE_MEMORY)],
        )
        .await
        .map_err(db_err)?;
    client
        .execute(
            "INSERT INTO login_failures (key, at) SELECT key, $2 FROM UNNEST($1::text[]) AS k(key)",
            &[&keys, &now],
        )
        .await
        .map_err(db_err)?;
    Ok(())
}

pub async fn clear_login_failures(client: &Object, key: &str) -> Result<(), StorageError> {
    client
        .execute("DELETE FROM login_failures WHERE key = $1", &[&key])
        .await
        .map_err(db_err)?;
    Ok(())
}

pub async fn add_audit(client: &Object, entry: &NewAudit) -> Result<(), StorageError> {
    client
        .execute(
            "INSERT INTO audit (at, actor, address, action, project_id, target, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &entry.at,
                &entry.actor,
                &entry.address,
                &entry.action,
                &entry.project,
                &entry.target,
                &entry.detail,
            ],
        )
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Newest first. The statement is prepared anew for each read, so PostgreSQL plans it
/// with the values given: the filters not asked for (NULL) drop out, and the project index
/// serves a project list.
pub async fn audit_log(
    client: &Object,
    query: &AuditQuery,
) -> Result<Vec<AuditEntry>, StorageError> {
    let rows = client
        .query(
            "SELECT seq, at, actor, address, action, project_id, target, detail FROM audit \
             WHERE ($1::text[] IS NULL OR project_id = ANY($1)) \
               AND ($2::text IS NULL OR action = $2) \
               AND ($3::text IS NULL OR actor = $3) \
               AND ($4::bigint IS NULL OR seq < $4) \
             ORDER BY seq DESC LIMIT $5",
            &[
                &query.projects,
                &query.action,
                &query.actor,
                &query.before,
                &i64::from(query.page_size()),
            ],
        )
        .await
        .map_err(db_err)?;
    Ok(rows
        .iter()
        .map(|r| AuditEntry {
            seq: r.get(0),
            entry: NewAudit {
                at: r.get(1),
                actor: r.get(2),
                address: r.get(3),
                action: r.get(4),
                project: r.get(5),
                target: r.get(6),
                detail: r.get(7),
            },
        })
        .collect())
}
