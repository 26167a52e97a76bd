//! Signing in and out, changing one's password, and setting it from a one-time link.
//!
//! Guessing is slowed by two limits kept in the database (so every server process shares
//! them): 10 failed logins per account and 10 per client address in 15 minutes. Past
//! either, the answer is 429 before any password is hashed, the right password included.

use super::client_address::client_address;
use super::labels::t;
use super::pages::{frame, lang, public_page, query_value};
use super::password::{password_problem, Checked};
use super::request::ConsoleRequest;
use super::session::{end_cookie, same_origin, start, start_cookie, CsrfForm, SignedIn};
use super::Actor;
use super::{audit, Console};
use crate::http::error::ApiErr;
use crate::http::State;
use crate::secret::sha256_hex;
use crate::store::{NewAudit, StorageError, User};
use axum::extract::{ConnectInfo, Path, RawQuery, State as AxState};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use campo_core::Lang;
use chrono::{Duration, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use std::net::SocketAddr;

/// Failed logins that close the door, and for how long each one counts.
pub const MAX_FAILURES: u64 = 10;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);

fn account_key(name: &str) -> String {
    format!("account:{}", name.to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

/// Where to go after signing in: a path of this console, never another site.
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".into())
}

fn err(e: StorageError) -> Response {
    ApiErr::from(e).into_response()
}

fn login_form(lang: Lang, next: &str, problem: Option<&str>, notice: Option<&str>) -> Markup {
    html! {
        @if let Some(n) = notice { p.notice role="status" { (t(n, lang)) } }
        @if let Some(p) = problem { p.error role="alert" { (t(p, lang)) } }
        form.stack method="post" action="/login" {
            input type="hidden" name="next" value=(next);
            label for="name" { (t("user_name", lang)) }
            input id="name" name="name" autocomplete="username" required maxlength="64";
            label for="password" { (t("password", lang)) }
            input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256";
            button type="submit" { (t("login", lang)) }
        }
    }
}

pub async fn login_page(RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    let lang = lang(q.as_deref(), &headers);
    let next = safe_next(query_value(q.as_deref(), "next"));
    let notice = query_value(q.as_deref(), "done").filter(|d| d == "password_set");
    public_page(
        StatusCode::OK,
        lang,
        t("login", lang),
        login_form(lang, &next, None, notice.as_deref()),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login(
    AxState(state): AxState<State>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = lang(q.as_deref(), &headers);
    let console = &state.console;
    if !same_origin(console, &headers) {
        return (
            StatusCode::FORBIDDEN,
            "the form does not come from this console",
        )
            .into_response();
    }
    let next = safe_next(form.next);
    let address = client_address(Some(peer), &headers, &console.trusted_proxies);
    let now = Utc::now();
    let keys = [account_key(&form.name), address_key(&address)];
    for key in &keys {
        match state.store.login_failures(key, now - FAILURE_WINDOW).await {
            Ok(n) if n >= MAX_FAILURES => {
                let known = known_user(&state, &form.name).await;
                audit(
                    &state,
                    NewAudit {
                        at: now,
                        actor: known.map(|u| u.name),
                        address: Some(address.clone()),
                        action: "login_refused".into(),
                        project: None,
                        target: None,
                        detail: Some("too many failed logins".into()),
                    },
                )
                .await;
                return public_page(
                    StatusCode::TOO_MANY_REQUESTS,
                    lang,
                    t("login", lang),
                    login_form(lang, &next, Some("too_many_logins"), None),
                );
            }
            Ok(_) => {}
            Err(e) => return err(e),
        }
    }
    let user = known_user(&state, &form.name).await.filter(|u| !u.disabled);
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let checked = console.passwords.check(stored, &form.password).await;
    let user = match (user, checked) {
        (Some(user), Checked::Right) => user,
        (Some(user), Checked::RightRehashed(hash)) => {
            if let Err(e) = state.store.set_password_hash(user.id, &hash).await {
                return err(e);
            }
            user
        }
        (known, _) => {
            if let Err(e) = state.store.add_login_failure(&keys, now).await {
                return err(e);
            }
            audit(
                &state,
                NewAudit {
                    at: now,
                    actor: known.map(|u| u.name),
                    address: Some(address),
                    action: "login_failed".into(),
                    project: None,
                    target: None,
                    detail: None,
                },
            )
            .await;
            return public_page(
                StatusCode::UNAUTHORIZED,
                lang,
                t("login", lang),
                login_form(lang, &next, Some("wrong_login"), None),
            );
        }
    };
    if let Err(e) = state.store.clear_login_failures(&keys[0]).await {
        return err(e);
    }
    let id = match start(&state, &user).await {
        Ok(id) => id,
        Err(e) => return err(e),
    };
    audit(
        &state,
        NewAudit {
            at: now,
            actor: Some(user.name.clone()),
            address: Some(address),
            action: "login".into(),
            project: user.project.clone(),
            target: None,
            detail: None,
        },
    )
    .await;
    signed_in_redirect(console, &id, &next)
}

fn signed_in_redirect(console: &Console, id: &str, to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, start_cookie(console, id));
    r
}

/// The account under a typed name, if there is one (a name that cannot be one is none).
async fn known_user(state: &State, name: &str) -> Option<User> {
    if crate::store::accounts::check_user_name(name).is_err() {
        return None;
    }
    state.store.user_by_name(name).await.ok().flatten()
}

pub async fn logout(req: ConsoleRequest, Form(form): Form<CsrfForm>) -> Response {
    let ConsoleRequest {
        state,
        who,
        peer,
        headers,
        ..
    } = req;
    if let Err(r) = who.check_form(&state.console, &headers, &form.csrf) {
        return r.into_response();
    }
    if let Err(e) = state.store.end_session(&who.id_hash).await {
        return err(e);
    }
    Actor::of(&state, &who, peer, &headers)
        .log(&state, "logout", who.user.project.clone(), None, None)
        .await;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, end_cookie(&state.console));
    r
}

fn new_password_fields(lang: Lang) -> Markup {
    html! {
        label for="new" { (t("new_password", lang)) }
        input id="new" name="new" type="password" autocomplete="new-password" required minlength="12" maxlength="256" aria-describedby="rule";
        span id="rule" { (t("password_rule", lang)) }
        label for="repeat" { (t("repeat_password", lang)) }
        input id="repeat" name="repeat" type="password" autocomplete="new-password" required minlength="12" maxlength="256";
    }
}

fn account_body(who: &SignedIn, lang: Lang, problem: Option<&str>, notice: Option<&str>) -> Markup {
    html! {
        @if let Some(n) = notice { p.notice role="status" { (t(n, lang)) } }
        @if let Some(p) = problem { p.error role="alert" { (t(p, lang)) } }
        h2 { (t("change_password", lang)) }
        form.stack method="post" action="/account" {
            input type="hidden" name="csrf" value=(who.csrf);
            label for="current" { (t("current_password", lang)) }
            input id="current" name="current" type="password" autocomplete="current-password" required maxlength="256";
            (new_password_fields(lang))
            button type="submit" { (t("change_password", lang)) }
        }
    }
}

pub async fn account_page(who: SignedIn, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    let lang = lang(q.as_deref(), &headers);
    let notice = query_value(q.as_deref(), "done").filter(|d| d == "password_changed");
    frame(
        &who,
        lang,
        "/account",
        t("account", lang),
        account_body(&who, lang, None, notice.as_deref()),
    )
}

#[derive(Deserialize)]
pub struct ChangePassword {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

pub async fn change_password(req: ConsoleRequest, Form(form): Form<ChangePassword>) -> Response {
    let ConsoleRequest {
        state,
        who,
        peer,
        headers,
        lang,
        ..
    } = req;
    let console = &state.console;
    if let Err(r) = who.check_form(console, &headers, &form.csrf) {
        return r.into_response();
    }
    let address = client_address(Some(peer), &headers, &console.trusted_proxies);
    let now = Utc::now();
    let keys = [account_key(&who.user.name), address_key(&address)];
    let answer = |status, problem| {
        let mut r = frame(
            &who,
            lang,
            "/account",
            t("account", lang),
            account_body(&who, lang, Some(problem), None),
        );
        *r.status_mut() = status;
        r
    };
    // The current password is guessed here as well as at the login page: the same limits.
    for key in &keys {
        match state.store.login_failures(key, now - FAILURE_WINDOW).await {
            Ok(n) if n >= MAX_FAILURES => {
                return answer(StatusCode::TOO_MANY_REQUESTS, "too_many_logins")
            }
            Ok(_) => {}
            Err(e) => return err(e),
        }
    }
    if form.new != form.repeat {
        return answer(StatusCode::UNPROCESSABLE_ENTITY, "passwords_differ");
    }
    if let Some(problem) = password_problem(&form.new) {
        return answer(StatusCode::UNPROCESSABLE_ENTITY, problem);
    }
    let checked = console
        .passwords
        .check(who.user.password_hash.as_deref(), &form.current)
        .await;
    if checked == Checked::Wrong {
        if let Err(e) = state.store.add_login_failure(&keys, now).await {
            return err(e);
        }
        return answer(StatusCode::UNAUTHORIZED, "wrong_password");
    }
    let hash = console.passwords.hash(&form.new).await;
    // Every session of the account ends (a stolen one too); this browser gets a new one.
    if let Err(e) = state.store.set_password_hash(who.user.id, &hash).await {
        return err(e);
    }
    audit(
        &state,
        NewAudit {
            at: now,
            actor: Some(who.user.name.clone()),
            address: Some(address),
            action: "password_changed".into(),
            project: who.user.project.clone(),
            target: Some(who.user.name.clone()),
            detail: None,
        },
    )
    .await;
    let id = match start(&state, &who.user).await {
        Ok(id) => id,
        Err(e) => return err(e),
    };
    signed_in_redirect(console, &id, "/account?done=password_changed")
}

fn set_password_body(lang: Lang, token: &str, problem: Option<&str>) -> Markup {
    html! {
        @if let Some(p) = problem { p.error role="alert" { (t(p, lang)) } }
        form.stack method="post" action={ "/set-password/" (token) } {
            (new_password_fields(lang))
            button type="submit" { (t("set_password", lang)) }
        }
    }
}

/// The account a link token is for, if the link is good now.
async fn link_user(state: &State, token: &str) -> Result<Option<User>, StorageError> {
    if token.len() > 128 {
        return Ok(None);
    }
    state
        .store
        .password_link_user(&sha256_hex(token.as_bytes()), Utc::now())
        .await
}

fn link_invalid(lang: Lang) -> Response {
    public_page(
        StatusCode::NOT_FOUND,
        lang,
        t("set_password", lang),
        html! { p.error { (t("link_invalid", lang)) } },
    )
}

pub async fn set_password_page(
    AxState(state): AxState<State>,
    Path(token): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = lang(q.as_deref(), &headers);
    match link_user(&state, &token).await {
        Ok(Some(_)) => public_page(
            StatusCode::OK,
            lang,
            t("set_password", lang),
            set_password_body(lang, &token, None),
        ),
        Ok(None) => link_invalid(lang),
        Err(e) => err(e),
    }
}

#[derive(Deserialize)]
pub struct SetPassword {
    new: String,
    repeat: String,
}

pub async fn set_password(
    AxState(state): AxState<State>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    Form(form): Form<SetPassword>,
) -> Response {
    let lang = lang(q.as_deref(), &headers);
    if !same_origin(&state.console, &headers) {
        return (
            StatusCode::FORBIDDEN,
            "the form does not come from this console",
        )
            .into_response();
    }
    let user = match link_user(&state, &token).await {
        Ok(Some(u)) => u,
        Ok(None) => return link_invalid(lang),
        Err(e) => return err(e),
    };
    let problem = if form.new != form.repeat {
        Some("passwords_differ")
    } else {
        password_problem(&form.new)
    };
    if let Some(problem) = problem {
        return public_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            t("set_password", lang),
            set_password_body(lang, &token, Some(problem)),
        );
    }
    let hash = state.console.passwords.hash(&form.new).await;
    // Setting it uses the link up.
    if let Err(e) = state.store.set_password_hash(user.id, &hash).await {
        return err(e);
    }
    audit(
        &state,
        NewAudit {
            at: Utc::now(),
            actor: Some(user.name.clone()),
            address: Some(client_address(
                Some(peer),
                &headers,
                &state.console.trusted_proxies,
            )),
            action: "password_set".into(),
            project: user.project.clone(),
            target: Some(user.name.clone()),
            detail: None,
        },
    )
    .await;
    Redirect::to("/login?done=password_set").into_response()
}
