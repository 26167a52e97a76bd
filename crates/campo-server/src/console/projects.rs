//! `/projects` (admins): the pilots this server holds, adding one (seeded with the built-in
//! instruments, like `campo-server projects add`) and editing its targets.

use super::access::{access, Area};
use super::labels::t;
use super::pages::{frame, not_allowed, not_found};
use super::project_privacy::privacy_form;
use super::request::ConsoleRequest;
use super::session::SignedIn;
use super::Actor;
use crate::catalog;
use crate::http::error::ApiErr;
use crate::http::State;
use crate::store::{CarerSettings, Project, StorageError};
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use campo_core::report::Targets;
use campo_core::Lang;
use chrono::{NaiveDate, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use std::net::SocketAddr;

fn targets_form(who: &SignedIn, p: &Project, lang: Lang) -> Markup {
    let tg = &p.targets;
    let id = |f: &str| format!("{}-{f}", p.id);
    let number = |f: &'static str, key: &'static str, v: String, step: &'static str| {
        html! {
            label for=(id(f)) { (t(key, lang)) }
            input id=(id(f)) name=(f) type="number" step=(step) min="0" value=(v) required;
        }
    };
    html! {
        form.stack method="post" action={ "/projects/" (p.id) "/targets" } {
            input type="hidden" name="csrf" value=(who.csrf);
            (number("eligible_carers", "eligible_carers", tg.eligible_carers.to_string(), "1"))
            (number("reach_fraction", "reach_fraction", tg.reach_fraction.to_string(), "any"))
            label for=(id("pilot_start")) { (t("pilot_start", lang)) }
            input id=(id("pilot_start")) name="pilot_start" type="date" value=[tg.pilot_start];
            label for=(id("pilot_end")) { (t("pilot_end", lang)) }
            input id=(id("pilot_end")) name="pilot_end" type="date" value=[tg.pilot_end];
            (number("courses_per_month", "courses_per_month", tg.courses_per_month.to_string(), "1"))
            (number("peer_meetings_per_month", "peer_meetings_per_month", tg.peer_meetings_per_month.to_string(), "1"))
            (number("satisfaction_min", "satisfaction_min", tg.satisfaction_min.to_string(), "any"))
            (number("understanding_min", "understanding_min", tg.understanding_min.to_string(), "any"))
            (number("co_assessment_every_months", "co_assessment_every_months", tg.co_assessment_every_months.to_string(), "1"))
            button type="submit" { (t("save", lang)) }
        }
    }
}

fn body(
    who: &SignedIn,
    projects: &[(Project, CarerSettings)],
    lang: Lang,
    problem: Option<&str>,
) -> Markup {
    html! {
        @if let Some(p) = problem { p.error role="alert" { (p) } }
        @for (p, settings) in projects {
            section {
                h2 { (p.name) " (" (p.id) ")" }
                details {
                    summary { (t("targets", lang)) }
                    (targets_form(who, p, lang))
                }
                details {
                    summary { (t("privacy", lang)) }
                    (privacy_form(who, p, settings, lang))
                }
            }
        }
        h2 { (t("add_project", lang)) }
        form.stack method="post" action="/projects" {
            input type="hidden" name="csrf" value=(who.csrf);
            label for="new-id" { (t("project_id", lang)) }
            input id="new-id" name="id" required maxlength="40";
            label for="new-name" { (t("name", lang)) }
            input id="new-name" name="name" required maxlength="200";
            button type="submit" { (t("add", lang)) }
        }
    }
}

pub async fn render(state: &State, who: &SignedIn, lang: Lang, problem: Option<&str>) -> Response {
    let store = state.store.as_ref();
    let mut projects = Vec::new();
    let listed = match store.projects().await {
        Ok(p) => p,
        Err(e) => return ApiErr::from(e).into_response(),
    };
    for p in listed {
        match store.carer_settings(&p.id).await {
            Ok(settings) => projects.push((p, settings)),
            Err(e) => return ApiErr::from(e).into_response(),
        }
    }
    let mut r = frame(
        who,
        lang,
        "/projects",
        t("projects", lang),
        body(who, &projects, lang, problem),
    );
    if problem.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub async fn page(req: ConsoleRequest) -> Response {
    let ConsoleRequest {
        state, who, lang, ..
    } = req;
    if !access(who.user.role, Area::Administration).any() {
        return not_allowed(&who, lang, "/projects");
    }
    render(&state, &who, lang, None).await
}

#[derive(Deserialize)]
pub struct AddForm {
    csrf: String,
    id: String,
    name: String,
}

async fn log(
    state: &State,
    who: &SignedIn,
    peer: SocketAddr,
    headers: &HeaderMap,
    action: &str,
    project: &str,
) {
    Actor::of(state, who, peer, headers)
        .log(
            state,
            action,
            Some(project.to_string()),
            Some(project.to_string()),
            None,
        )
        .await;
}

pub async fn add(req: ConsoleRequest, Form(form): Form<AddForm>) -> Response {
    if let Some(r) = req.refused(&form.csrf, Area::Administration, "/projects") {
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
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return render(&state, &who, lang, Some("name: 1..200")).await;
    }
    let project = Project {
        id: form.id.trim().to_string(),
        name: name.to_string(),
        targets: Targets::default(),
        created_at: Utc::now(),
    };
    match state.store.add_project(&project).await {
        Ok(()) => {}
        Err(StorageError::Invalid(why) | StorageError::Conflict(why)) => {
            return render(&state, &who, lang, Some(&why)).await
        }
        Err(e) => return ApiErr::from(e).into_response(),
    }
    if let Err(e) = catalog::seed(state.store.as_ref(), &project.id).await {
        return crate::http::error::ApiErr::internal(e).into_response();
    }
    log(&state, &who, peer, &headers, "project_added", &project.id).await;
    Redirect::to("/projects").into_response()
}

/// The project an admin's form changes: the form checked (token, origin, role), then the
/// project found; the page to answer with otherwise.
pub async fn project_to_change(
    req: &ConsoleRequest,
    csrf: &str,
    id: &str,
) -> Result<Project, Response> {
    if let Some(r) = req.refused(csrf, Area::Administration, "/projects") {
        return Err(r);
    }
    match req.state.store.project(id).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(not_found(&req.who, req.lang, "/projects")),
        Err(e) => Err(ApiErr::from(e).into_response()),
    }
}

#[derive(Deserialize)]
pub struct TargetsForm {
    csrf: String,
    eligible_carers: u32,
    reach_fraction: f64,
    #[serde(default)]
    pilot_start: String,
    #[serde(default)]
    pilot_end: String,
    courses_per_month: u32,
    peer_meetings_per_month: u32,
    satisfaction_min: f64,
    understanding_min: f64,
    co_assessment_every_months: u32,
}

pub async fn set_targets(
    req: ConsoleRequest,
    Path(id): Path<String>,
    Form(form): Form<TargetsForm>,
) -> Response {
    let project = match project_to_change(&req, &form.csrf, &id).await {
        Ok(p) => p,
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
    let date = |s: &str| s.trim().parse::<NaiveDate>().ok();
    let targets = Targets {
        eligible_carers: form.eligible_carers,
        reach_fraction: form.reach_fraction,
        pilot_start: date(&form.pilot_start),
        pilot_end: date(&form.pilot_end),
        courses_per_month: form.courses_per_month,
        peer_meetings_per_month: form.peer_meetings_per_month,
        satisfaction_min: form.satisfaction_min,
        understanding_min: form.understanding_min,
        co_assessment_every_months: form.co_assessment_every_months,
        ..project.targets.clone()
    };
    match state.store.set_targets(&project.id, &targets).await {
        Ok(()) => {}
        Err(StorageError::Invalid(why)) => return render(&state, &who, lang, Some(&why)).await,
        Err(e) => return ApiErr::from(e).into_response(),
    }
    log(&state, &who, peer, &headers, "targets_changed", &project.id).await;
    Redirect::to("/projects").into_response()
}
