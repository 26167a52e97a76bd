//! `/audit`: who did what, when and from where, newest first, filtered by action and by
//! who. Admins read every line; coordinators the lines about their project. Nothing here
//! (or anywhere) edits or deletes a line.

use super::access::{access, Area};
use super::labels::t;
use super::pages::{frame, not_allowed, query_value};
use super::request::ConsoleRequest;
use super::session::SignedIn;
use crate::http::error::ApiErr;
use crate::store::{AuditQuery, Role};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use campo_core::csv_table::{to_csv, Cell};
use maud::html;

const PAGE: u32 = 200;

/// The lines the user may read, narrowed by the page's filters.
fn query_of(who: &SignedIn, q: Option<&str>, limit: u32) -> AuditQuery {
    let text = |k| query_value(q, k).filter(|v| !v.is_empty() && v.len() <= 64);
    AuditQuery {
        projects: match who.user.role {
            Role::Admin => None,
            _ => Some(who.user.project.iter().cloned().collect()),
        },
        action: text("action"),
        actor: text("actor"),
        before: query_value(q, "before").and_then(|b| b.parse().ok()),
        limit,
    }
}

/// The filtered lines as CSV, newest first, as many as the store gives at once (1,000).
pub async fn csv(req: ConsoleRequest) -> Response {
    let ConsoleRequest {
        state,
        who,
        q,
        lang,
        ..
    } = req;
    if !access(who.user.role, Area::Audit).any() {
        return not_allowed(&who, lang, "/audit");
    }
    let lines = match state
        .store
        .audit_log(&query_of(&who, q.as_deref(), 1000))
        .await
    {
        Ok(l) => l,
        Err(e) => return ApiErr::from(e).into_response(),
    };
    let head: Vec<Cell> = [
        "seq", "at", "actor", "address", "action", "project", "target", "detail",
    ]
    .into_iter()
    .map(Cell::text)
    .collect();
    let text = |v: &Option<String>| Cell::text(v.clone().unwrap_or_default());
    let rows: Vec<Vec<Cell>> = std::iter::once(head)
        .chain(lines.iter().map(|l| {
            let e = &l.entry;
            vec![
                Cell::count(l.seq as u64),
                Cell::text(e.at.to_rfc3339()),
                text(&e.actor),
                text(&e.address),
                Cell::text(e.action.clone()),
                text(&e.project),
                text(&e.target),
                text(&e.detail),
            ]
        }))
        .collect();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"campo_audit.csv\"",
            ),
        ],
        to_csv(rows.iter().map(Vec::as_slice)),
    )
        .into_response()
}

pub async fn page(req: ConsoleRequest) -> Response {
    let ConsoleRequest {
        state,
        who,
        q,
        lang,
        ..
    } = req;
    if !access(who.user.role, Area::Audit).any() {
        return not_allowed(&who, lang, "/audit");
    }
    let query = query_of(&who, q.as_deref(), PAGE);
    let lines = match state.store.audit_log(&query).await {
        Ok(l) => l,
        Err(e) => return ApiErr::from(e).into_response(),
    };
    let older = (lines.len() == PAGE as usize)
        .then(|| lines.last().map(|l| l.seq))
        .flatten();
    let body = html! {
        form.filters method="get" action="/audit" {
            div { label for="action" { (t("action", lang)) } input id="action" name="action" value=[query.action.as_deref()] maxlength="64"; }
            div { label for="actor" { (t("who", lang)) } input id="actor" name="actor" value=[query.actor.as_deref()] maxlength="64"; }
            input type="hidden" name="lang" value=(lang.code());
            button type="submit" { (t("filter", lang)) }
        }
        p { a href={ "/audit.csv?action=" (query.action.as_deref().unwrap_or("")) "&actor=" (query.actor.as_deref().unwrap_or("")) } { (t("download", lang)) " CSV" } }
        table {
            tr {
                th scope="col" { (t("when", lang)) }
                th scope="col" { (t("who", lang)) }
                th scope="col" { (t("address", lang)) }
                th scope="col" { (t("action", lang)) }
                th scope="col" { (t("project", lang)) }
                th scope="col" { (t("target", lang)) }
                th scope="col" { (t("detail", lang)) }
            }
            @for l in &lines {
                tr {
                    td { (l.entry.at.format("%Y-%m-%d %H:%M:%S UTC")) }
                    td { (l.entry.actor.as_deref().unwrap_or("")) }
                    td { (l.entry.address.as_deref().unwrap_or("")) }
                    td { code { (l.entry.action) } }
                    td { (l.entry.project.as_deref().unwrap_or("")) }
                    td { (l.entry.target.as_deref().unwrap_or("")) }
                    td { (l.entry.detail.as_deref().unwrap_or("")) }
                }
            }
        }
        @if let Some(seq) = older {
            p { a href={ "/audit?before=" (seq) "&action=" (query.action.as_deref().unwrap_or("")) "&actor=" (query.actor.as_deref().unwrap_or("")) } { (t("older", lang)) } }
        }
    };
    frame(&who, lang, "/audit", t("audit", lang), body)
}
