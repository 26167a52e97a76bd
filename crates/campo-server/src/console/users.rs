//! `/users` (admins): every account with its role and project; add one (it gets a one-time
//! link to set its password, valid 24 hours), disable or enable it, or give it a new link
//! (which also ends its sessions and voids its password).

use super::access::{access, Area};
use super::labels::t;
use super::pages::{frame, lang, not_allowed, not_found, role_label};
use super::request::ConsoleRequest;
use super::session::{CsrfForm, SignedIn};
use super::Actor;
use super::Console;
use crate::http::error::ApiErr;
use crate::http::State;
use crate::secret::{new_token, sha256_hex};
use crate::store::{NewUser, Role, StorageError, Store, User};
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use campo_core::Lang;
use chrono::{DateTime, Duration, Utc};
use maud::{html, Markup};
use serde::Deserialize;

pub const LINK_VALID_FOR: Duration = Duration::hours(24);

/// A fresh one-time link for `user`: stored as the token's hash, returned as the URL to
/// hand over (the path alone without `--public-url`).
pub async fn password_link(
    store: &dyn Store,
    public_url: Option<&str>,
    user: &User,
    now: DateTime<Utc>,
) -> Result<String, StorageError> {
    let token = new_token();
    store
        .add_password_link(user.id, &sha256_hex(token.as_bytes()), now + LINK_VALID_FOR)
        .await?;
    let base = public_url.unwrap_or("").trim_end_matches('/');
    Ok(format!("{base}/set-password/{token}"))
}

fn body(
    who: &SignedIn,
    users: &[User],
    projects: &[String],
    lang: Lang,
    link: Option<(&str, &str)>,
    problem: Option<&str>,
    console: &Console,
) -> Markup {
    html! {
        @if let Some((name, link)) = link {
            section.notice aria-live="polite" {
                h2 { (name) }
                p { (t("link_for", lang)) ": " code { (link) } }
                @if console.public_url.is_none() { p { (t("link_no_public_url", lang)) } }
            }
        }
        @if let Some(p) = problem { p.error role="alert" { (p) } }
        table {
            tr {
                th scope="col" { (t("user_name", lang)) }
                th scope="col" { (t("role", lang)) }
                th scope="col" { (t("project", lang)) }
                th scope="col" { (t("state", lang)) }
                th scope="col" { (t("action", lang)) }
            }
            @for u in users {
                tr {
                    td { (u.name) }
                    td { (role_label(u.role, lang)) }
                    td { (u.project.as_deref().unwrap_or("")) }
                    td {
                        @if u.disabled { (t("disabled", lang)) }
                        @else if u.password_hash.is_none() { (t("no_password_yet", lang)) }
                        @else { (t("active", lang)) }
                    }
                    td {
                        @if u.id != who.user.id {
                            @let verb = if u.disabled { "enable" } else { "disable" };
                            form.inline method="post" action={ "/users/" (u.name) "/" (verb) } {
                                input type="hidden" name="csrf" value=(who.csrf);
                                button.secondary type="submit" aria-label={ (t(verb, lang)) " " (u.name) } { (t(verb, lang)) }
                            }
                            " "
                            form.inline method="post" action={ "/users/" (u.name) "/reset" } {
                                input type="hidden" name="csrf" value=(who.csrf);
                                button.secondary type="submit" aria-label={ (t("reset", lang)) " " (u.name) } { (t("reset", lang)) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t("add_user", lang)) }
        form.stack method="post" action="/users" {
            input type="hidden" name="csrf" value=(who.csrf);
            label for="name" { (t("user_name", lang)) }
            input id="name" name="name" required maxlength="64";
            label for="role" { (t("role", lang)) }
            select id="role" name="role" {
                @for r in Role::ALL { option value=(r.as_str()) { (role_label(r, lang)) } }
            }
            label for="project" { (t("project", lang)) }
            select id="project" name="project" {
                option value="" { "—" }
                @for p in projects { option value=(p) { (p) } }
            }
            button type="submit" { (t("add", lang)) }
        }
    }
}

async fn render(
    state: &State,
    who: &SignedIn,
    lang: Lang,
    link: Option<(&str, &str)>,
    problem: Option<&str>,
) -> Response {
    let (users, projects) = match (state.store.users().await, state.store.projects().await) {
        (Ok(u), Ok(p)) => (u, p.into_iter().map(|p| p.id).collect::<Vec<_>>()),
        (Err(e), _) | (_, Err(e)) => return ApiErr::from(e).into_response(),
    };
    let mut r = frame(
        who,
        lang,
        "/users",
        t("users", lang),
        body(who, &users, &projects, lang, link, problem, &state.console),
    );
    if problem.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub async fn page_get(
    state: State,
    who: SignedIn,
    q: Option<String>,
    headers: HeaderMap,
) -> Response {
    let lang = lang(q.as_deref(), &headers);
    if !access(who.user.role, Area::Administration).any() {
        return not_allowed(&who, lang, "/users");
    }
    render(&state, &who, lang, None, None).await
}

pub async fn page(req: ConsoleRequest) -> Response {
    let ConsoleRequest {
        state,
        who,
        q,
        headers,
        ..
    } = req;
    page_get(state, who, q, headers).await
}

#[derive(Deserialize)]
pub struct AddForm {
    csrf: String,
    name: String,
    role: String,
    #[serde(default)]
    project: String,
}

async fn log(state: &State, by: &Actor, action: &str, user: &User) {
    by.log(
        state,
        action,
        user.project.clone(),
        Some(user.name.clone()),
        Some(format!("role {}", user.role)),
    )
    .await;
}

pub async fn add(req: ConsoleRequest, Form(form): Form<AddForm>) -> Response {
    if let Some(r) = req.refused(&form.csrf, Area::Administration, "/users") {
        return r;
    }
    let ConsoleRequest {
        state,
        who,
        peer,
        headers,
        lang,
        ..
    } = req;
    let Some(role) = Role::parse(&form.role) else {
        return render(&state, &who, lang, None, Some("role?")).await;
    };
    let new = NewUser {
        name: form.name.trim().to_string(),
        role,
        project: Some(form.project.trim().to_string()).filter(|p| !p.is_empty()),
        password_hash: None,
    };
    let user = match state.store.add_user(&new, Utc::now()).await {
        Ok(u) => u,
        Err(
            StorageError::Invalid(why) | StorageError::Conflict(why) | StorageError::NotFound(why),
        ) => return render(&state, &who, lang, None, Some(&why)).await,
        Err(e) => return ApiErr::from(e).into_response(),
    };
    let link = match password_link(
        state.store.as_ref(),
        state.console.public_url.as_deref(),
        &user,
        Utc::now(),
    )
    .await
    {
        Ok(l) => l,
        Err(e) => return ApiErr::from(e).into_response(),
    };
    log(
        &state,
        &Actor::of(&state, &who, peer, &headers),
        "user_added",
        &user,
    )
    .await;
    render(&state, &who, lang, Some((&user.name, &link)), None).await
}

/// The account named in the path, for an admin's POST with a good form token; never the
/// admin's own (an admin cannot lock themself out).
async fn target(req: &ConsoleRequest, name: &str, csrf: &str) -> Result<User, Response> {
    if let Some(r) = req.refused(csrf, Area::Administration, "/users") {
        return Err(r);
    }
    match req.state.store.user_by_name(name).await {
        Ok(Some(u)) if u.id != req.who.user.id => Ok(u),
        Ok(_) => Err(not_found(&req.who, req.lang, "/users")),
        Err(e) => Err(ApiErr::from(e).into_response()),
    }
}

/// `POST /users/{name}/{action}`: `disable`, `enable` or `reset` one account (never the
/// admin's own, see `target`).
pub async fn on_account(
    req: ConsoleRequest,
    Path((name, action)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let user = match target(&req, &name, &form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let ConsoleRequest {
        state,
        who,
        peer,
        headers,
        lang,
        ..
    } = req;
    let actor = Actor::of(&state, &who, peer, &headers);
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        "reset" => {
            return match reset_user(
                state.store.as_ref(),
                state.console.public_url.as_deref(),
                &user,
            )
            .await
            {
                Ok(link) => {
                    log(&state, &actor, "user_reset", &user).await;
                    render(&state, &who, lang, Some((&user.name, &link)), None).await
                }
                Err(e) => ApiErr::from(e).into_response(),
            };
        }
        _ => return not_found(&who, lang, "/users"),
    };
    if let Err(e) = state.store.set_user_disabled(user.id, disabled).await {
        return ApiErr::from(e).into_response();
    }
    let logged = if disabled {
        "user_disabled"
    } else {
        "user_enabled"
    };
    log(&state, &actor, logged, &user).await;
    Redirect::to("/users").into_response()
}

/// Voids an account's password (ending its sessions) and gives it a new link.
pub async fn reset_user(
    store: &dyn Store,
    public_url: Option<&str>,
    user: &User,
) -> Result<String, StorageError> {
    // A hash no password matches: the account waits for its link.
    store.set_password_hash(user.id, "!reset").await?;
    password_link(store, public_url, user, Utc::now()).await
}
