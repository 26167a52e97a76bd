//! The admin password of the releases before the console (one shared password for
//! `/admin`, PBKDF2) becomes the account `admin`: at start, if no account has that name,
//! one is made with the old hash, which its first login replaces with Argon2id
//! (password.rs accepts the old scheme once).

use crate::store::{NewUser, Role, StorageError, Store};
use chrono::Utc;

/// Where the old password's hash is kept.
pub const PASSWORD_SETTING: &str = "admin_password_hash";
pub const ADMIN: &str = "admin";

/// `true` when the account was made now.
pub async fn adopt(store: &dyn Store) -> Result<bool, StorageError> {
    let Some(hash) = store.setting(PASSWORD_SETTING).await? else {
        return Ok(false);
    };
    if store.user_by_name(ADMIN).await?.is_some() {
        return Ok(false);
    }
    let made = store
        .add_user(
            &NewUser {
                name: ADMIN.into(),
                role: Role::Admin,
                project: None,
                password_hash: Some(hash),
            },
            Utc::now(),
        )
        .await;
    match made {
        Ok(_) => Ok(true),
        // Another server process made it first.
        Err(StorageError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
