//! `campo-server users`: the office console's accounts from the command line, for the
//! first admin and for when no browser is at hand.

use crate::cli::{check_public_url, read_new_password, CliError};
use crate::console::password::Passwords;
use crate::console::users::{password_link, reset_user};
use crate::store::{NewUser, Role, StorageError, Store, User};
use chrono::Utc;
use clap::Subcommand;
use std::sync::Arc;

#[derive(Subcommand, Debug)]
pub enum UsersAction {
    /// Add an account. Without --password-stdin it prints a one-time link (valid 24 hours)
    /// where its owner sets the password.
    Add {
        #[arg(long)]
        name: String,
        /// admin (every project, users and projects), coordinator, psychologist or viewer.
        #[arg(long)]
        role: String,
        /// The project the role holds in (every role but admin).
        #[arg(long)]
        project: Option<String>,
        /// Read the password from standard input (one line) instead of printing a link.
        #[arg(long)]
        password_stdin: bool,
        /// The console's address, for the link (as `serve --public-url`).
        #[arg(long, env = "CAMPO_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Every account with its role, project and state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable an account: it cannot sign in, and its sessions end.
    Disable {
        #[arg(long)]
        name: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        name: String,
    },
    /// Void an account's password and end its sessions; print a new one-time link, or set
    /// the password read from standard input.
    Reset {
        #[arg(long)]
        name: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, env = "CAMPO_PUBLIC_URL")]
        public_url: Option<String>,
    },
}

/// The account under `name`, or a usage error naming what is missing.
async fn account(store: &dyn Store, name: &str) -> Result<User, CliError> {
    store
        .user_by_name(name)
        .await?
        .ok_or_else(|| CliError::Usage("no account has that name".into()))
}

fn link_line(link: &str, public_url: Option<&str>) {
    println!("One-time link to set the password (valid 24 hours, once):");
    println!("{link}");
    if public_url.is_none() {
        println!("(give --public-url, as the server's, for the full address)");
    }
}

pub async fn run(store: &dyn Store, action: UsersAction) -> Result<(), CliError> {
    match action {
        UsersAction::Add {
            name,
            role,
            project,
            password_stdin,
            public_url,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                CliError::Usage("--role must be admin, coordinator, psychologist or viewer".into())
            })?;
            let public_url = public_url.map(|u| check_public_url(&u)).transpose()?;
            let password_hash = if password_stdin {
                let password = read_new_password()?;
                Some(Arc::new(Passwords::default()).hash(&password).await)
            } else {
                None
            };
            let user = store
                .add_user(
                    &NewUser {
                        name: name.trim().to_string(),
                        role,
                        project,
                        password_hash,
                    },
                    Utc::now(),
                )
                .await
                .map_err(|e| match e {
                    StorageError::Invalid(why)
                    | StorageError::Conflict(why)
                    | StorageError::NotFound(why) => CliError::Usage(why),
                    e => e.into(),
                })?;
            println!("account {} added ({})", user.name, user.role);
            if !password_stdin {
                let link = password_link(store, public_url.as_deref(), &user, Utc::now()).await?;
                link_line(&link, public_url.as_deref());
            }
            Ok(())
        }
        UsersAction::List { json } => {
            let users = store.users().await?;
            if json {
                let rows: Vec<serde_json::Value> = users
                    .iter()
                    .map(|u| {
                        serde_json::json!({
                            "name": u.name,
                            "role": u.role,
                            "project": u.project,
                            "disabled": u.disabled,
                            "has_password": u.password_hash.is_some(),
                            "created_at": u.created_at,
                        })
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&rows).unwrap_or_default()
                );
            } else {
                for u in users {
                    let state = if u.disabled {
                        "disabled"
                    } else if u.password_hash.is_none() {
                        "no password yet"
                    } else {
                        "active"
                    };
                    println!(
                        "{}  {}  {}  {}",
                        u.name,
                        u.role,
                        u.project.as_deref().unwrap_or("(all projects)"),
                        state
                    );
                }
            }
            Ok(())
        }
        UsersAction::Disable { name } => {
            let user = account(store, &name).await?;
            store.set_user_disabled(user.id, true).await?;
            println!("account {} disabled; its sessions are ended", user.name);
            Ok(())
        }
        UsersAction::Enable { name } => {
            let user = account(store, &name).await?;
            store.set_user_disabled(user.id, false).await?;
            println!("account {} enabled", user.name);
            Ok(())
        }
        UsersAction::Reset {
            name,
            password_stdin,
            public_url,
        } => {
            let user = account(store, &name).await?;
            let public_url = public_url.map(|u| check_public_url(&u)).transpose()?;
            if password_stdin {
                let password = read_new_password()?;
                let hash = Arc::new(Passwords::default()).hash(&password).await;
                store.set_password_hash(user.id, &hash).await?;
                println!(
                    "account {} has its new password; its sessions are ended",
                    user.name
                );
            } else {
                let link = reset_user(store, public_url.as_deref(), &user).await?;
                println!("account {}: password voided, sessions ended", user.name);
                link_line(&link, public_url.as_deref());
            }
            Ok(())
        }
    }
}
