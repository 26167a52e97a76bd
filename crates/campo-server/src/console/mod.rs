//! The office console: server-rendered pages for the coordinators, psychologists and
//! viewers of each project and for the server's admins, behind accounts with roles
//! (access.rs), Argon2id passwords (password.rs), sessions with CSRF tokens (session.rs)
//! and an append-only audit log. Every asset is in the binary; pages carry no script.

pub mod access;
mod audit_page;
mod carers;
pub mod client_address;
mod devices;
mod exports;
mod headers;
mod instruments;
pub mod labels;
pub mod legacy_admin;
mod login;
mod meetings;
mod overview;
pub mod pages;
pub mod password;
mod project_privacy;
mod projects;
mod request;
mod review;
mod scope;
pub mod session;
mod submissions;
mod trend;
pub mod users;

use crate::http::State;
use crate::store::NewAudit;
use axum::routing::{get, post};
use axum::Router;
use password::Passwords;
use std::net::IpAddr;
use std::sync::Arc;

/// How this server's console is reached, and what it shares between requests.
#[derive(Default)]
pub struct Console {
    /// Served under TLS: cookies are `__Host-` prefixed and Secure.
    pub secure: bool,
    /// The address people open (`--public-url`), for one-time links and the Origin check.
    pub public_url: Option<String>,
    /// Proxies whose X-Forwarded-For names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<IpAddr>,
    pub passwords: Arc<Passwords>,
}

/// Most bytes of a console form.
const MAX_FORM_BYTES: usize = 64 * 1024;

pub fn router() -> Router<State> {
    Router::new()
        .route("/console.css", get(pages::stylesheet))
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", post(login::logout))
        .route(
            "/account",
            get(login::account_page).post(login::change_password),
        )
        .route(
            "/set-password/{token}",
            get(login::set_password_page).post(login::set_password),
        )
        .route("/", get(overview::page))
        .route("/devices", get(devices::page))
        .route("/devices/enroll", post(devices::enroll))
        .route("/devices/{id}/revoke", post(devices::revoke))
        .route("/meetings", get(meetings::list))
        .route("/meetings/{id}", get(meetings::one))
        .route("/submissions", get(submissions::list))
        .route("/review", post(review::post))
        .route("/exports", get(exports::page))
        .route("/exports/download", get(exports::download))
        .route("/instruments", get(instruments::page))
        .route(
            "/instruments/upload",
            // A form file is larger than any other console form.
            post(instruments::upload).layer(axum::extract::DefaultBodyLimit::max(
                instruments::MAX_UPLOAD_BYTES,
            )),
        )
        .route(
            "/instruments/{id}/{version}/{action}",
            post(instruments::on_version),
        )
        .route("/audit", get(audit_page::page))
        .route("/audit.csv", get(audit_page::csv))
        .route("/users", get(users::page).post(users::add))
        .route("/users/{name}/{action}", post(users::on_account))
        .route("/projects", get(projects::page).post(projects::add))
        .route("/projects/{id}/targets", post(projects::set_targets))
        .route("/projects/{id}/privacy", post(project_privacy::set_privacy))
        .route("/carers", get(carers::page))
        .route("/carers/{action}", post(carers::on_action))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::map_response(headers::console_headers))
}

/// Who acts and from where, for the audit log: the signed-in account and the client's
/// address (client_address.rs).
pub struct Actor {
    name: String,
    address: String,
}

impl Actor {
    pub fn of(
        state: &State,
        who: &session::SignedIn,
        peer: std::net::SocketAddr,
        headers: &axum::http::HeaderMap,
    ) -> Actor {
        Actor {
            name: who.user.name.clone(),
            address: client_address::client_address(
                Some(peer),
                headers,
                &state.console.trusted_proxies,
            ),
        }
    }

    /// Appends what this actor did, now.
    pub async fn log(
        &self,
        state: &State,
        action: &str,
        project: Option<String>,
        target: Option<String>,
        detail: Option<String>,
    ) {
        audit(
            state,
            NewAudit {
                at: chrono::Utc::now(),
                actor: Some(self.name.clone()),
                address: Some(self.address.clone()),
                action: action.into(),
                project,
                target,
                detail,
            },
        )
        .await;
    }
}

/// Appends to the audit log. A failure to write it is logged (without the line's content)
/// and does not undo what was done: the action already happened.
pub async fn audit(state: &State, entry: NewAudit) {
    if let Err(e) = state.store.add_audit(&entry).await {
        tracing::error!(action = %entry.action, error = %e, "the audit log could not be written");
    }
}
