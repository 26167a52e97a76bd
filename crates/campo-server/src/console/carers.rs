//! `/carers`: a carer's rights at the office. A coordinator types a carer's code to see
//! everything the project holds under it (the right of access), downloads it as JSON, or
//! forgets the carer (the right to erasure). Coordinators and admins.
//!
//! The code travels in POST bodies only, never in a URL (which proxies and browsers keep),
//! and the audit log records that a carer was looked up, exported or forgotten, never which.

use super::access::{in_project, Area};
use super::labels::t;
use super::overview::{chosen_project, project_picker};
use super::pages::{frame, not_allowed, not_found};
use super::request::ConsoleRequest;
use super::session::SignedIn;
use super::Actor;
use crate::http::error::ApiErr;
use crate::http::State;
use crate::store::{CarerExport, StorageError};
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use campo_core::consent::ConsentEvent;
use campo_core::report::label;
use campo_core::Lang;
use maud::{html, Markup};
use serde::Deserialize;
use std::net::SocketAddr;

const HERE: &str = "/carers";

#[derive(Deserialize)]
pub struct CarerForm {
    csrf: String,
    project: String,
    code: String,
    /// The forget form's "this cannot be undone" box.
    #[serde(default)]
    confirm: Option<String>,
}

fn code_form(who: &SignedIn, project: &str, lang: Lang) -> Markup {
    html! {
        form.stack method="post" action="/carers/look" {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="project" value=(project);
            label for="code" { (t("carer_code", lang)) }
            input id="code" name="code" required maxlength="64" autocomplete="off" spellcheck="false";
            button type="submit" { (t("carer_look", lang)) }
        }
    }
}

pub async fn page(req: ConsoleRequest) -> Response {
    let ConsoleRequest {
        state,
        who,
        q,
        lang,
        ..
    } = req;
    if !super::access::access(who.user.role, Area::Carers).any() {
        return not_allowed(&who, lang, HERE);
    }
    let project = match chosen_project(&state, &who, q.as_deref()).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(&who, lang, HERE),
        Err(e) => return e.into_response(),
    };
    let picker = project_picker(&state, &who, &project.id, lang).await;
    let body = html! {
        form.filters method="get" action=(HERE) {
            (picker)
            @if who.user.role == crate::store::Role::Admin { button type="submit" { (t("show", lang)) } }
        }
        p { (t("carers_intro", lang)) }
        (code_form(&who, &project.id, lang))
    };
    frame(
        &who,
        lang,
        HERE,
        &format!("{} · {}", t("carers", lang), project.name),
        body,
    )
}

/// A page that says what happened, with the code form again.
fn outcome(
    who: &SignedIn,
    form: &CarerForm,
    lang: Lang,
    status: StatusCode,
    message: Markup,
) -> Response {
    let mut r = frame(
        who,
        lang,
        HERE,
        t("carers", lang),
        html! { (message) (code_form(who, &form.project, lang)) },
    );
    *r.status_mut() = status;
    r
}

/// What the store said of a code it could not use, as a page.
fn refused(who: &SignedIn, form: &CarerForm, lang: Lang, e: StorageError) -> Response {
    match e {
        StorageError::NotFound(_) => outcome(
            who,
            form,
            lang,
            StatusCode::NOT_FOUND,
            html! { p.error role="alert" { (t("carer_nothing_held", lang)) } },
        ),
        StorageError::Invalid(_) => outcome(
            who,
            form,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            html! { p.error role="alert" { (t("carer_code_invalid", lang)) } },
        ),
        e => ApiErr::from(e).into_response(),
    }
}

fn consent_step(e: &ConsentEvent, lang: Lang) -> String {
    match e {
        ConsentEvent::Given {
            date,
            sheet_version,
            covers,
        } => {
            let covers: Vec<&str> = covers
                .iter()
                .map(|c| t(&format!("scope_{}", c.as_str()), lang))
                .collect();
            format!(
                "{} {date} · {} {sheet_version} · {}",
                t("consent_given", lang),
                t("sheet_version", lang),
                covers.join(", ")
            )
        }
        ConsentEvent::Withdrawn { date } => format!("{} {date}", t("consent_withdrawn", lang)),
    }
}

fn held(export: &CarerExport, who: &SignedIn, form: &CarerForm, lang: Lang) -> Markup {
    let hidden = html! {
        input type="hidden" name="csrf" value=(who.csrf);
        input type="hidden" name="project" value=(form.project);
        input type="hidden" name="code" value=(export.code);
    };
    html! {
        h2 { (t("carer_held", lang)) ": " code { (export.code) } }
        h3 { (t("consent", lang)) }
        @if export.consent.is_empty() { p { (t("none", lang)) } }
        @for c in &export.consent {
            p { (t("device", lang)) ": " (c.device) }
            ul {
                @for e in &c.history {
                    li { (consent_step(e, lang)) }
                }
                @if c.history.is_empty() { li { (t("none", lang)) } }
            }
        }
        h3 { (t("attendances", lang)) }
        @if export.attendances.is_empty() { p { (t("none", lang)) } } @else {
            table {
                tr { th scope="col" { (t("date", lang)) } th scope="col" { (t("activity", lang)) } th scope="col" { (t("place", lang)) } }
                @for a in &export.attendances {
                    tr { td { (a.date) } td { (label(a.activity.code(), lang)) } td { (a.place) } }
                }
            }
        }
        h3 { (t("submissions", lang)) }
        @if export.submissions.is_empty() { p { (t("none", lang)) } } @else {
            table {
                tr { th scope="col" { (t("instrument", lang)) } th scope="col" { (t("version", lang)) } th scope="col" { (t("answered_on", lang)) } th scope="col" { (t("review", lang)) } }
                @for s in &export.submissions {
                    tr {
                        td { code { (s.instrument_id) } @if let Some(p) = s.phase { " (" (format!("{p:?}").to_lowercase()) ")" } }
                        td { (s.instrument_version) }
                        td { (s.created_at.format("%Y-%m-%d")) }
                        td { @if let Some(r) = &s.review { (super::review::state_label(r.state, lang)) } }
                    }
                }
            }
        }
        form.inline method="post" action="/carers/export" {
            (hidden)
            button type="submit" { (t("carer_download", lang)) }
        }
        h2 { (t("carer_forget", lang)) }
        p { (t("carer_forget_explained", lang)) }
        form.stack method="post" action="/carers/forget" {
            (hidden)
            div {
                input id="confirm" name="confirm" type="checkbox" value="yes" required;
                " " label for="confirm" { (t("carer_forget_confirm", lang)) }
            }
            button type="submit" { (t("carer_forget", lang)) }
        }
    }
}

/// Appends to the audit log that a carer of `form`'s project was looked up, exported or
/// forgotten: never which (the code is not written).
async fn log(
    state: &State,
    who: &SignedIn,
    peer: SocketAddr,
    headers: &HeaderMap,
    action: &str,
    form: &CarerForm,
    detail: Option<String>,
) {
    Actor::of(state, who, peer, headers)
        .log(state, action, Some(form.project.clone()), None, detail)
        .await;
}

/// `POST /carers/look`, `/carers/export`, `/carers/forget`: the form checked once (token,
/// origin, role, project), then the action.
pub async fn on_action(
    req: ConsoleRequest,
    Path(action): Path<String>,
    Form(form): Form<CarerForm>,
) -> Response {
    if let Some(r) = req.refused(&form.csrf, Area::Carers, HERE) {
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
    if !in_project(&who.user, &form.project) {
        return not_found(&who, lang, HERE);
    }
    match action.as_str() {
        "look" => look(&state, peer, &who, &headers, form, lang).await,
        "export" => export(&state, peer, &who, &headers, form, lang).await,
        "forget" => forget(&state, peer, &who, &headers, form, lang).await,
        _ => not_found(&who, lang, HERE),
    }
}

/// What the project holds under the code, on the page.
async fn look(
    state: &State,
    peer: SocketAddr,
    who: &SignedIn,
    headers: &HeaderMap,
    form: CarerForm,
    lang: Lang,
) -> Response {
    let code = form.code.trim();
    match state
        .store
        .carer_export(&form.project, code, chrono::Utc::now())
        .await
    {
        Ok(export) => {
            log(state, who, peer, headers, "carer_looked_up", &form, None).await;
            let body = held(&export, who, &form, lang);
            frame(who, lang, HERE, t("carers", lang), body)
        }
        Err(e) => refused(who, &form, lang, e),
    }
}

/// The same as `campo-server carers export`, as a JSON download.
async fn export(
    state: &State,
    peer: SocketAddr,
    who: &SignedIn,
    headers: &HeaderMap,
    form: CarerForm,
    lang: Lang,
) -> Response {
    let export = match state
        .store
        .carer_export(&form.project, form.code.trim(), chrono::Utc::now())
        .await
    {
        Ok(export) => export,
        Err(e) => return refused(who, &form, lang, e),
    };
    let json = match serde_json::to_vec_pretty(&export) {
        Ok(j) => j,
        Err(e) => return ApiErr::internal(e).into_response(),
    };
    log(state, who, peer, headers, "carer_exported", &form, None).await;
    let mut r = json.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"carer.json\""),
    );
    r
}

/// The code removed from every record of the project; tablets
/// apply it at their next sync.
async fn forget(
    state: &State,
    peer: SocketAddr,
    who: &SignedIn,
    headers: &HeaderMap,
    form: CarerForm,
    lang: Lang,
) -> Response {
    if form.confirm.as_deref() != Some("yes") {
        return outcome(
            who,
            &form,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            html! { p.error role="alert" { (t("carer_forget_unconfirmed", lang)) } },
        );
    }
    match state
        .store
        .forget_carer(&form.project, form.code.trim(), chrono::Utc::now())
        .await
    {
        Ok(summary) => {
            log(
                state,
                who,
                peer,
                headers,
                "carer_forgotten",
                &form,
                Some(summary.counts()),
            )
            .await;
            outcome(
                who,
                &form,
                lang,
                StatusCode::OK,
                html! { p.notice role="status" { (t("carer_forgotten", lang)) " (" (summary.counts()) ")" } },
            )
        }
        Err(e) => refused(who, &form, lang, e),
    }
}
