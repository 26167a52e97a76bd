//! The office console's people: accounts with a role, their sessions, the failed logins
//! that slow guessing down, and the audit log. Kept in the database like everything else
//! several server processes must agree on.
//!
//! No password, session id or link token is stored as given: passwords as Argon2id PHC
//! strings (hashed by the server, never here), session ids and link tokens as SHA-256.

use crate::StorageError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a console user may do. `Admin` is global; the others hold for one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    Psychologist,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Coordinator,
        Role::Psychologist,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Psychologist => "psychologist",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Most characters of a user name.
pub const USER_NAME_MAX: usize = 64;

/// A user name: 1 to 64 of letters, digits, `.`, `_`, `-` and `@` (it is typed at the login
/// page and shown in the audit log, so nothing that could pass for markup or a separator).
pub fn check_user_name(name: &str) -> Result<(), StorageError> {
    let ok = (1..=USER_NAME_MAX).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    ok.then_some(()).ok_or_else(|| {
        // The name is not repeated: a refusal may reach a log, and names stay out of logs.
        StorageError::Invalid(format!(
            "a user name must be 1 to {USER_NAME_MAX} letters, digits, '.', '_', '-' or '@'"
        ))
    })
}

/// A console account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    /// The project the role holds in; `None` exactly for admins.
    pub project: Option<String>,
    /// Argon2id PHC string; `None` until the user sets a password through a link.
    pub password_hash: Option<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// An account to add. The store refuses (`Invalid`) an admin with a project or another
/// role without one, a bad name, and (`NotFound`) an unknown project; `Conflict` when
/// the name is taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    pub project: Option<String>,
    pub password_hash: Option<String>,
}

/// What `add_user` checks before writing: the name, and that a project is named exactly
/// for the roles that hold in one (`Invalid` otherwise). Whether the project exists and the
/// name is free are the engine's to answer.
pub fn check_new_user(user: &NewUser) -> Result<(), StorageError> {
    check_user_name(&user.name)?;
    match (user.role, &user.project) {
        (Role::Admin, Some(_)) => Err(StorageError::Invalid(
            "an admin is global: it holds in no project".into(),
        )),
        (role, None) if role != Role::Admin => Err(StorageError::Invalid(format!(
            "a {role} holds in one project: name it"
        ))),
        _ => Ok(()),
    }
}

/// The answer for a user name that is taken. The name itself is left out: errors reach
/// logs, and names are not logged.
pub fn user_name_taken() -> StorageError {
    StorageError::Conflict("the user name is taken".into())
}

/// The answer for an account id that is not there.
pub fn user_not_found(user: Uuid) -> StorageError {
    StorageError::NotFound(format!("user {user}"))
}

/// How long failed logins are kept: `add_login_failure` forgets older ones, so a scan
/// from many addresses cannot grow the table without end.
pub const LOGIN_FAILURE_MEMORY: chrono::Duration = chrono::Duration::days(1);

/// A live session as read back: its user (never a disabled one) and its CSRF token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub user: User,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// How long a session lives: `idle` after its last request, `absolute` after login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: chrono::Duration,
    pub absolute: chrono::Duration,
}

impl SessionLimits {
    /// Whether a session started at `created_at` and last used at `last_seen` is over at
    /// `now`: more than `idle` since its last use, or more than `absolute` since login. A
    /// session exactly at a limit is still live. The one rule of both engines.
    pub fn ended(
        &self,
        created_at: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        now - last_seen > self.idle || now - created_at > self.absolute
    }
}

/// One line of the audit log. `actor` is the user's name as it was then (the account may
/// be renamed or disabled later); `detail` is a short machine-made text (counts, a state,
/// an instrument id), never a name, answer or free text about a carer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAudit {
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub address: Option<String>,
    /// A stable code: `login`, `login_failed`, `logout`, `password_changed`,
    /// `review`, `export`, `enroll_code`, `device_revoked`, `instrument_added`,
    /// `instrument_published`, `instrument_retired`, `user_added`, `user_disabled`,
    /// `user_enabled`, `user_reset`, `project_added`, `targets_changed`; a carer's rights:
    /// `carer_forgotten` and `carer_exported` (detail: counts only, never the code).
    pub action: String,
    /// The project the action was about, if any.
    pub project: Option<String>,
    /// What it was done to (a submission id, a device id, a user name, an instrument).
    pub target: Option<String>,
    pub detail: Option<String>,
}

/// A stored audit line: its place in the log (increasing, never reused) and what was
/// added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: NewAudit,
}

/// Which audit lines to read, newest first. `projects`: `None` for every line (admins);
/// `Some(list)` for the lines about those projects only (lines about no project are then
/// left out too).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub projects: Option<Vec<String>>,
    pub action: Option<String>,
    pub actor: Option<String>,
    /// Only lines with `seq` below this (the next page).
    pub before: Option<i64>,
    /// At most this many lines, and never more than [`AUDIT_PAGE_MAX`].
    pub limit: u32,
}

/// The most audit lines one read returns, whatever is asked.
pub const AUDIT_PAGE_MAX: u32 = 1000;

impl AuditQuery {
    /// How many lines to read: `limit`, capped at [`AUDIT_PAGE_MAX`] (0 reads none).
    pub fn page_size(&self) -> u32 {
        self.limit.min(AUDIT_PAGE_MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn user(name: &str, role: Role, project: Option<&str>) -> NewUser {
        NewUser {
            name: name.into(),
            role,
            project: project.map(str::to_string),
            password_hash: None,
        }
    }

    #[test]
    fn a_new_user_names_a_project_exactly_unless_an_admin() {
        assert!(check_new_user(&user("root", Role::Admin, None)).is_ok());
        assert!(check_new_user(&user("anna", Role::Viewer, Some("p"))).is_ok());
        for bad in [
            user("root", Role::Admin, Some("p")),
            user("anna", Role::Coordinator, None),
            user("anna", Role::Psychologist, None),
            user("anna", Role::Viewer, None),
            user("anna rossi", Role::Viewer, Some("p")),
            user("", Role::Admin, None),
        ] {
            match check_new_user(&bad) {
                Err(StorageError::Invalid(_)) => {}
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert!(!user_name_taken().to_string().contains("anna"));
    }

    #[test]
    fn a_session_ends_just_past_either_limit() {
        let limits = SessionLimits {
            idle: Duration::minutes(30),
            absolute: Duration::hours(8),
        };
        let t0 = DateTime::<Utc>::from_timestamp(1_773_000_000, 0).unwrap();
        let us = Duration::microseconds(1);
        assert!(!limits.ended(t0, t0, t0 + limits.idle));
        assert!(limits.ended(t0, t0, t0 + limits.idle + us));
        let recent = t0 + limits.absolute;
        assert!(!limits.ended(t0, recent, t0 + limits.absolute));
        assert!(limits.ended(t0, recent, t0 + limits.absolute + us));
    }

    #[test]
    fn an_audit_read_is_capped() {
        let q = |limit| AuditQuery {
            limit,
            ..AuditQuery::default()
        };
        assert_eq!(q(0).page_size(), 0);
        assert_eq!(q(50).page_size(), 50);
        assert_eq!(q(AUDIT_PAGE_MAX + 1).page_size(), AUDIT_PAGE_MAX);
        assert_eq!(q(u32::MAX).page_size(), AUDIT_PAGE_MAX);
    }
}
