//! `/instruments`: a project's questionnaires, every version, published or not; an XLSForm
//! upload (checked by the same reader as `campo-server instruments import`, every fault
//! named on the page) is added unpublished; publishing makes tablets get it at their next
//! sync, retiring makes them stop offering it. Coordinators and admins.

use super::access::{access, in_project, Area};
use super::labels::t;
use super::overview::{chosen_project, project_picker};
use super::pages::{frame, not_allowed, not_found};
use super::request::ConsoleRequest;
use super::session::SignedIn;
use super::Actor;
use crate::cli::CliError;
use crate::http::error::ApiErr;
use crate::http::State;
use crate::instruments_cli::{add_converted, convert_bytes, MAX_FORM_FILE};
use crate::store::Project;
use axum::extract::{Multipart, Path};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use campo_core::{Instrument, Lang};
use maud::html;
use serde::Deserialize;
use std::net::SocketAddr;

/// What the page says after an upload.
enum Outcome {
    None,
    Added(String, Vec<String>),
    Refused(Vec<String>),
}

async fn render(
    state: &State,
    who: &SignedIn,
    project: &Project,
    lang: Lang,
    outcome: Outcome,
) -> Response {
    let store = state.store.as_ref();
    let catalog = match state.catalogs.get(store, &project.id).await {
        Ok(c) => c,
        Err(e) => return ApiErr::from(e).into_response(),
    };
    let unpublished = match store.unpublished_instruments(&project.id).await {
        Ok(u) => u,
        Err(e) => return ApiErr::from(e).into_response(),
    };
    let retired: std::collections::HashMap<(String, u32), chrono::DateTime<chrono::Utc>> =
        match store.retired_instruments(&project.id).await {
            Ok(r) => r
                .into_iter()
                .map(|r| ((r.id, r.version), r.retired_at))
                .collect(),
            Err(e) => return ApiErr::from(e).into_response(),
        };
    let mut all: Vec<(&Instrument, bool)> = catalog
        .all()
        .map(|i| (i, true))
        .chain(unpublished.iter().map(|i| (i, false)))
        .collect();
    all.sort_by(|a, b| (&a.0.id, a.0.version).cmp(&(&b.0.id, b.0.version)));
    let picker = project_picker(state, who, &project.id, lang).await;
    let status = match &outcome {
        Outcome::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let body = html! {
        form.filters method="get" action="/instruments" {
            (picker)
            @if who.user.role == crate::store::Role::Admin { button type="submit" { (t("show", lang)) } }
        }
        @match &outcome {
            Outcome::Added(what, untranslated) => {
                section.notice role="status" {
                    p { (what) }
                    @if !untranslated.is_empty() { ul { @for u in untranslated { li { (u) } } } }
                }
            }
            Outcome::Refused(problems) => {
                section role="alert" {
                    p.error { (t("upload_refused", lang)) }
                    ul { @for p in problems { li { (p) } } }
                }
            }
            Outcome::None => {}
        }
        table {
            tr {
                th scope="col" { (t("instrument", lang)) }
                th scope="col" { (t("version", lang)) }
                th scope="col" { (t("name", lang)) }
                th scope="col" { (t("state", lang)) }
            }
            @for (i, published) in &all {
                tr {
                    td { code { (i.id) } }
                    td { (i.version) }
                    td { (i.title.get(lang)) }
                    td {
                        @let change = |action: &str| html! {
                            form.inline method="post" action={ "/instruments/" (i.id) "/" (i.version) "/" (action) } {
                                input type="hidden" name="csrf" value=(who.csrf);
                                input type="hidden" name="project" value=(project.id);
                                button.secondary type="submit" aria-label={ (t(action, lang)) " " (i.id) " v" (i.version) } { (t(action, lang)) }
                            }
                        };
                        @if let Some(at) = retired.get(&(i.id.clone(), i.version)) {
                            (t("retired", lang)) " " (at.format("%Y-%m-%d"))
                        } @else if *published {
                            (t("published", lang)) " " (change("retire"))
                        } @else {
                            (t("unpublished", lang)) " " (change("publish"))
                        }
                    }
                }
            }
        }
        h2 { (t("upload_form", lang)) }
        form.stack method="post" action={ "/instruments/upload?project=" (project.id) } enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(who.csrf);
            label for="file" { (t("xlsform_file", lang)) }
            input id="file" name="file" type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
            button type="submit" { (t("upload", lang)) }
        }
    };
    let mut r = frame(
        who,
        lang,
        "/instruments",
        &format!("{} · {}", t("instruments", lang), project.name),
        body,
    );
    *r.status_mut() = status;
    r
}

pub async fn page(req: ConsoleRequest) -> Response {
    let ConsoleRequest {
        state,
        who,
        q,
        lang,
        ..
    } = req;
    if !access(who.user.role, Area::Instruments).any() {
        return not_allowed(&who, lang, "/instruments");
    }
    match chosen_project(&state, &who, q.as_deref()).await {
        Ok(Some(p)) => render(&state, &who, &p, lang, Outcome::None).await,
        Ok(None) => not_found(&who, lang, "/instruments"),
        Err(e) => e.into_response(),
    }
}

async fn log(
    state: &State,
    who: &SignedIn,
    peer: SocketAddr,
    headers: &HeaderMap,
    action: &str,
    project: &str,
    target: String,
) {
    Actor::of(state, who, peer, headers)
        .log(state, action, Some(project.to_string()), Some(target), None)
        .await;
}

pub async fn upload(req: ConsoleRequest, mut multipart: Multipart) -> Response {
    let ConsoleRequest {
        state,
        who,
        peer,
        q,
        headers,
        lang,
    } = req;
    let (mut csrf, mut file) = (String::new(), None);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("file") => match field.bytes().await {
                    Ok(b) => file = Some(b),
                    Err(_) => {
                        return (
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "the file is too large or cut short",
                        )
                            .into_response()
                    }
                },
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                return (StatusCode::BAD_REQUEST, "the form could not be read").into_response()
            }
        }
    }
    if let Some(r) = who.refused(
        &state.console,
        &headers,
        &csrf,
        Area::Instruments,
        lang,
        "/instruments",
    ) {
        return r;
    }
    let project = match chosen_project(&state, &who, q.as_deref()).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(&who, lang, "/instruments"),
        Err(e) => return e.into_response(),
    };
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return render(
            &state,
            &who,
            &project,
            lang,
            Outcome::Refused(vec![t("no_file", lang).into()]),
        )
        .await;
    };
    let converted = match convert_bytes(&bytes) {
        Ok(c) => c,
        Err(problems) => {
            return render(&state, &who, &project, lang, Outcome::Refused(problems)).await
        }
    };
    let i = &converted.instrument;
    match add_converted(state.store.as_ref(), &project.id, i, false).await {
        Ok(_) => {
            log(
                &state,
                &who,
                peer,
                &headers,
                "instrument_added",
                &project.id,
                format!("{} v{}", i.id, i.version),
            )
            .await;
            let what = format!("{} v{}: {}", i.id, i.version, t("added_unpublished", lang));
            render(
                &state,
                &who,
                &project,
                lang,
                Outcome::Added(what, converted.untranslated.clone()),
            )
            .await
        }
        Err(CliError::Usage(why)) => {
            render(&state, &who, &project, lang, Outcome::Refused(vec![why])).await
        }
        Err(CliError::Store(e)) => ApiErr::from(e).into_response(),
        Err(e) => ApiErr::internal(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct VersionForm {
    csrf: String,
    project: String,
}

/// What a coordinator may do to a version held.
#[derive(Clone, Copy)]
enum Change {
    Publish,
    Retire,
}

/// `POST /instruments/{id}/{version}/publish` and `.../retire`.
pub async fn on_version(
    req: ConsoleRequest,
    Path((id, version, action)): Path<(String, u32, String)>,
    Form(form): Form<VersionForm>,
) -> Response {
    let change = match action.as_str() {
        "publish" => Change::Publish,
        "retire" => Change::Retire,
        _ => return not_found(&req.who, req.lang, "/instruments"),
    };
    if let Some(r) = req.refused(&form.csrf, Area::Instruments, "/instruments") {
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
        return not_found(&who, lang, "/instruments");
    }
    let store = state.store.as_ref();
    let (done, action) = match change {
        Change::Publish => (
            store.publish_instrument(&form.project, &id, version).await,
            "instrument_published",
        ),
        Change::Retire => (
            store
                .retire_instrument(&form.project, &id, version, chrono::Utc::now())
                .await,
            "instrument_retired",
        ),
    };
    match done {
        Ok(_) => {
            log(
                &state,
                &who,
                peer,
                &headers,
                action,
                &form.project,
                format!("{id} v{version}"),
            )
            .await;
            Redirect::to(&format!("/instruments?project={}", form.project)).into_response()
        }
        Err(crate::store::StorageError::NotFound(_)) => not_found(&who, lang, "/instruments"),
        Err(crate::store::StorageError::Invalid(why)) => {
            let project = match store.project(&form.project).await {
                Ok(Some(p)) => p,
                Ok(None) => return not_found(&who, lang, "/instruments"),
                Err(e) => return ApiErr::from(e).into_response(),
            };
            render(&state, &who, &project, lang, Outcome::Refused(vec![why])).await
        }
        Err(e) => ApiErr::from(e).into_response(),
    }
}

/// The most an upload may carry: the largest form the reader takes, and the form's fields.
pub const MAX_UPLOAD_BYTES: usize = MAX_FORM_FILE as usize + 64 * 1024;
