//! `/devices`: a project's tablets with their last sync and records sent, enrollment with
//! a one-time code shown as text and QR code, and revocation. Coordinators and admins.

use super::access::{access, in_project, Area};
use super::labels::t;
use super::overview::{chosen_project, project_picker};
use super::pages::{frame, lang, not_allowed, not_found, trusted};
use super::request::ConsoleRequest;
use super::session::{CsrfForm, SignedIn};
use super::Actor;
use crate::enroll_code::{issue, qr_svg, Issued};
use crate::http::error::ApiErr;
use crate::http::State;
use crate::store::{DeviceInfo, Project};
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use campo_core::Lang;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

fn when(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn body(
    who: &SignedIn,
    project: &Project,
    devices: &[DeviceInfo],
    issued: Option<(&str, &Issued)>,
    lang: Lang,
    picker: Markup,
) -> Markup {
    html! {
        form.filters method="get" action="/devices" {
            (picker)
            @if who.user.role == crate::store::Role::Admin { button type="submit" { (t("show", lang)) } }
        }
        @if let Some((name, issued)) = issued {
            section.notice aria-live="polite" {
                h2 { (t("enroll_code", lang)) ": " (name) }
                p { code.big { (issued.code) } }
                @if let Some(svg) = qr_svg(&issued.code) {
                    div.qr role="img" aria-label={ (t("enroll_code", lang)) " " (issued.code) } { (trusted(svg)) }
                }
                p { (t("expires", lang)) ": " (when(issued.expires_at)) ". " (t("enroll_help", lang)) }
            }
        }
        h2 { (t("enroll", lang)) }
        form.stack method="post" action="/devices/enroll" {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="project" value=(project.id);
            label for="name" { (t("enroll_for", lang)) }
            input id="name" name="name" required maxlength="100";
            button type="submit" { (t("enroll", lang)) }
        }
        h2 { (t("devices", lang)) }
        @if devices.is_empty() {
            p { (t("none", lang)) }
        } @else {
            table {
                tr {
                    th scope="col" { (t("name", lang)) }
                    th scope="col" { (t("device_name", lang)) }
                    th scope="col" { (t("enrolled", lang)) }
                    th scope="col" { (t("last_sync", lang)) }
                    th scope="col" { (t("records", lang)) }
                    th scope="col" { (t("state", lang)) }
                    th scope="col" { span.skip { (t("revoke", lang)) } }
                }
                @for d in devices {
                    tr {
                        td { (d.name) }
                        td { (d.device_name) }
                        td { (when(d.enrolled_at)) }
                        td { @match d.last_seen_at { Some(at) => (when(at)), None => (t("never", lang)) } }
                        td { (d.records) }
                        td {
                            @match d.revoked_at {
                                Some(at) => { (t("revoked", lang)) " " (when(at)) }
                                None => { (t("active", lang)) }
                            }
                        }
                        td {
                            @if d.revoked_at.is_none() {
                                form.inline method="post" action={ "/devices/" (d.id) "/revoke" } {
                                    input type="hidden" name="csrf" value=(who.csrf);
                                    button.secondary type="submit" aria-label={ (t("revoke", lang)) " " (d.name) } { (t("revoke", lang)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn render(
    state: &State,
    who: &SignedIn,
    project: &Project,
    lang: Lang,
    issued: Option<(&str, &Issued)>,
) -> Response {
    let devices = match state.store.devices(Some(&project.id)).await {
        Ok(d) => d,
        Err(e) => return ApiErr::from(e).into_response(),
    };
    let picker = project_picker(state, who, &project.id, lang).await;
    let title = format!("{} · {}", t("devices", lang), project.name);
    frame(
        who,
        lang,
        "/devices",
        &title,
        body(who, project, &devices, issued, lang, picker),
    )
}

pub async fn page_handler(
    state: State,
    who: SignedIn,
    q: Option<String>,
    headers: HeaderMap,
) -> Response {
    let lang = lang(q.as_deref(), &headers);
    if !access(who.user.role, Area::Devices).any() {
        return not_allowed(&who, lang, "/devices");
    }
    match chosen_project(&state, &who, q.as_deref()).await {
        Ok(Some(p)) => render(&state, &who, &p, lang, None).await,
        Ok(None) => not_found(&who, lang, "/devices"),
        Err(e) => e.into_response(),
    }
}

pub async fn page(req: ConsoleRequest) -> Response {
    let ConsoleRequest {
        state,
        who,
        q,
        headers,
        ..
    } = req;
    page_handler(state, who, q, headers).await
}

#[derive(Deserialize)]
pub struct EnrollForm {
    csrf: String,
    project: String,
    name: String,
}

pub async fn enroll(req: ConsoleRequest, Form(form): Form<EnrollForm>) -> Response {
    if let Some(r) = req.refused(&form.csrf, Area::Devices, "/devices") {
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
        return not_found(&who, lang, "/devices");
    }
    let project = match state.store.project(&form.project).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(&who, lang, "/devices"),
        Err(e) => return ApiErr::from(e).into_response(),
    };
    let issued = match issue(state.store.as_ref(), &project.id, &form.name, Utc::now()).await {
        Ok(i) => i,
        Err(crate::store::StorageError::Invalid(why)) => {
            return (StatusCode::UNPROCESSABLE_ENTITY, format!("name {why}")).into_response()
        }
        Err(e) => return ApiErr::from(e).into_response(),
    };
    Actor::of(&state, &who, peer, &headers)
        .log(&state, "enroll_code", Some(project.id.clone()), None, None)
        .await;
    render(
        &state,
        &who,
        &project,
        lang,
        Some((form.name.trim(), &issued)),
    )
    .await
}

pub async fn revoke(
    req: ConsoleRequest,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = req.refused(&form.csrf, Area::Devices, "/devices") {
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
    // The device must be of a project the user may manage: another project's is not found.
    let device = match state.store.devices(None).await {
        Ok(all) => all
            .into_iter()
            .find(|d| d.id == id && in_project(&who.user, &d.project)),
        Err(e) => return ApiErr::from(e).into_response(),
    };
    let Some(device) = device else {
        return not_found(&who, lang, "/devices");
    };
    if let Err(e) = state.store.revoke(id, Utc::now()).await {
        return ApiErr::from(e).into_response();
    }
    Actor::of(&state, &who, peer, &headers)
        .log(
            &state,
            "device_revoked",
            Some(device.project.clone()),
            Some(id.to_string()),
            None,
        )
        .await;
    Redirect::to(&format!("/devices?project={}", device.project)).into_response()
}
