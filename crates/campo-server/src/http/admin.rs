//! `/admin`: a project's report and devices, with a revoke button, behind HTTP Basic auth
//! against the PBKDF2 hash set by `campo-server admin-password`. Revoking is a POST that
//! must carry the server's CSRF token, which only a page the admin loaded can know. The
//! token is kept in the database so that every server process accepts the same one.

use super::error::ApiErr;
use super::State;
use crate::admin_password::verify_password;
use crate::html::{escape, page as html_page, report_fragment};
use crate::secret::{new_token, same, sha256_hex};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State as AxState};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use campo_core::report::compute_as_of;
use campo_core::Lang;
use chrono::Utc;
use std::sync::Mutex;
use uuid::Uuid;

pub const PASSWORD_SETTING: &str = "admin_password_hash";
const CSRF_SETTING: &str = "admin_csrf_token";

/// This process's cache of the last password that matched (a cache only: losing it costs
/// one more PBKDF2).
pub struct AdminState {
    /// (stored hash, SHA-256 of the password that matched it): PBKDF2 at 600k iterations
    /// takes a noticeable fraction of a second, too slow to pay on every page load.
    verified: Mutex<Option<(String, String)>>,
}

impl Default for AdminState {
    fn default() -> Self {
        AdminState {
            verified: Mutex::new(None),
        }
    }
}

/// The CSRF token shared by every process: the first to ask stores one.
async fn csrf_token(state: &State) -> Result<String, ApiErr> {
    Ok(state
        .store
        .setting_or_insert(CSRF_SETTING, &new_token())
        .await?)
}

fn challenge() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            "Basic realm=\"Campo admin\", charset=\"UTF-8\"",
        )],
        "admin password required",
    )
        .into_response()
}

/// `Ok(())` when the request carries the admin password.
async fn check(state: &State, headers: &HeaderMap) -> Result<(), Response> {
    let password = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(_, p)| p.to_string()))
        .ok_or_else(challenge)?;
    let stored = state
        .store
        .setting(PASSWORD_SETTING)
        .await
        .map_err(|e| ApiErr::from(e).into_response())?;
    let Some(stored) = stored else {
        return Err(ApiErr::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "admin_disabled",
            "no admin password is set; run `campo-server admin-password` on the server",
        )
        .into_response());
    };
    let digest = sha256_hex(password.as_bytes());
    {
        let cached = state
            .admin
            .verified
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((hash, ok)) = cached.as_ref() {
            if *hash == stored && same(ok.as_bytes(), digest.as_bytes()) {
                return Ok(());
            }
        }
    }
    let stored2 = stored.clone();
    let good = tokio::task::spawn_blocking(move || verify_password(&stored2, &password))
        .await
        .unwrap_or(false);
    if !good {
        return Err(challenge());
    }
    *state
        .admin
        .verified
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some((stored, digest));
    Ok(())
}

fn query_value<'a>(query: Option<&'a str>, key: &str) -> Option<&'a str> {
    query
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix(key)?.strip_prefix('='))
}

fn lang_of(query: Option<&str>) -> Lang {
    query_value(query, "lang")
        .and_then(Lang::parse)
        .unwrap_or(Lang::It)
}

async fn page_data(
    state: &State,
    project_id: &str,
) -> Result<
    (
        campo_core::report::Report,
        Vec<crate::store::DeviceInfo>,
        String,
    ),
    ApiErr,
> {
    let project =
        state.store.project(project_id).await?.ok_or_else(|| {
            ApiErr::new(StatusCode::NOT_FOUND, "unknown_project", "no such project")
        })?;
    let catalog = state.catalogs.get(state.store.as_ref(), project_id).await?;
    let input = state.store.report_input(project_id).await?;
    let report = compute_as_of(
        &input,
        &catalog,
        &project.targets,
        chrono::Utc::now().date_naive(),
    );
    let devices = state.store.devices(Some(project_id)).await?;
    Ok((report, devices, csrf_token(state).await?))
}

pub async fn page_handler(state: State, headers: HeaderMap, query: Option<String>) -> Response {
    if let Err(r) = check(&state, &headers).await {
        return r;
    }
    let lang = lang_of(query.as_deref());
    let project = query_value(query.as_deref(), "project")
        .unwrap_or(crate::store::DEFAULT_PROJECT)
        .to_string();
    let (report, devices, csrf) = match page_data(&state, &project).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let en = lang == Lang::En;
    let mut body = String::new();
    body.push_str(&format!(
        "<p><a href=\"?project={p}&amp;lang=it\">Italiano</a> · <a href=\"?project={p}&amp;lang=en\">English</a></p><h2>{}</h2>\
         <table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
        if en { "Devices" } else { "Dispositivi" },
        if en { "Name" } else { "Nome" },
        if en { "Enrolled" } else { "Registrato" },
        if en { "Records" } else { "Record" },
        if en { "State" } else { "Stato" },
        p = escape(&project),
    ));
    for d in &devices {
        let state_cell = match d.revoked_at {
            Some(t) => format!(
                "{} {}",
                if en { "revoked" } else { "revocato" },
                t.format("%Y-%m-%d %H:%M")
            ),
            None => (if en { "active" } else { "attivo" }).to_string(),
        };
        let button = if d.revoked_at.is_none() {
            format!(
                "<form method=\"post\" action=\"/admin/devices/{}/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <button type=\"submit\">{}</button></form>",
                d.id,
                escape(&csrf),
                if en { "Revoke" } else { "Revoca" }
            )
        } else {
            String::new()
        };
        body.push_str(&format!(
            "<tr><td>{} <small>({})</small><br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td><td>{button}</td></tr>",
            escape(&d.name),
            escape(&d.device_name),
            d.id,
            d.enrolled_at.format("%Y-%m-%d %H:%M"),
            d.records,
            state_cell
        ));
    }
    body.push_str("</table>");
    body.push_str(&report_fragment(&report, lang));
    Html(html_page("Campo admin", lang, &body)).into_response()
}

pub async fn page(
    AxState(state): AxState<State>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    page_handler(state, headers, query).await
}

pub async fn revoke(
    AxState(state): AxState<State>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(r) = check(&state, &headers).await {
        return r;
    }
    let form = match axum::body::to_bytes(body, 4096).await {
        Ok(b) => String::from_utf8_lossy(&b).to_string(),
        Err(_) => return ApiErr::too_large("form too large").into_response(),
    };
    let token = form
        .split('&')
        .find_map(|p| p.strip_prefix("csrf="))
        .unwrap_or("");
    let csrf = match csrf_token(&state).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    if !same(token.as_bytes(), csrf.as_bytes()) {
        return ApiErr::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "reload the admin page and try again",
        )
        .into_response();
    }
    let Ok(id) = Uuid::parse_str(&id) else {
        return ApiErr::new(StatusCode::NOT_FOUND, "unknown_device", "no such device")
            .into_response();
    };
    match state.store.revoke(id, Utc::now()).await {
        Ok(true) => Redirect::to("/admin").into_response(),
        Ok(false) => {
            ApiErr::new(StatusCode::NOT_FOUND, "unknown_device", "no such device").into_response()
        }
        Err(e) => ApiErr::from(e).into_response(),
    }
}
