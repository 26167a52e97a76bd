//! `/exports`: the project's submissions as CSV (one instrument version), XLSX (a sheet
//! per instrument version) or JSON, with the overview's filters and the report's choice of
//! which reviews count. Written by the same code as `campo-server export`; every download
//! is in the audit log.

use super::access::Area;
use super::labels::t;
use super::overview::{project_picker, Filters};
use super::pages::{frame, query_value};
use super::request::ConsoleRequest;
use super::scope::{open_project, Counting, ProjectData};
use super::Actor;
use crate::export::{tables, to_csv, to_json, to_xlsx, Table};
use crate::store::StoredSubmission;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use campo_core::report::label;
use campo_core::Activity;
use chrono::Utc;
use maud::html;
use std::collections::HashSet;
use uuid::Uuid;

pub async fn page(req: ConsoleRequest) -> Response {
    let data = match open_project(&req, Area::Exports, "/exports").await {
        Ok(data) => data,
        Err(r) => return r,
    };
    let ConsoleRequest {
        state, who, lang, ..
    } = req;
    let built = tables(&data.stored, &data.input, &data.catalog, lang);
    let picker = project_picker(&state, &who, &data.project.id, lang).await;
    let body = html! {
        form.stack method="get" action="/exports/download" {
            (picker)
            input type="hidden" name="project" value=(data.project.id);
            label for="format" { (t("format", lang)) }
            select id="format" name="format" {
                option value="xlsx" { "XLSX" }
                option value="csv" { "CSV" }
                option value="json" { "JSON" }
            }
            label for="instrument" { (t("instrument", lang)) " (CSV)" }
            select id="instrument" name="instrument" {
                option value="" { (t("any", lang)) }
                @for tb in &built {
                    @let key = format!("{}_v{}", tb.instrument_id, tb.version);
                    option value=(key) { (key) " (" (tb.rows.len()) ")" }
                }
            }
            label for="from" { (t("from", lang)) }
            input id="from" name="from" type="date";
            label for="to" { (t("to", lang)) }
            input id="to" name="to" type="date";
            label for="activity" { (t("activity", lang)) }
            select id="activity" name="activity" {
                option value="" { (t("any", lang)) }
                @for a in Activity::ALL { option value=(a.code()) { (label(a.code(), lang)) } }
            }
            label for="count" { (t("counting", lang)) }
            select id="count" name="count" {
                option value="" { (t("count_all_but_excluded", lang)) }
                option value="approved" { (t("count_approved_only", lang)) }
            }
            input type="hidden" name="lang" value=(lang.code());
            button type="submit" { (t("download", lang)) }
        }
    };
    frame(
        &who,
        lang,
        "/exports",
        &format!("{} · {}", t("exports", lang), data.project.name),
        body,
    )
}

/// The tables of the submissions the filters and the review choice keep.
fn chosen_tables(data: &ProjectData, q: Option<&str>, lang: campo_core::Lang) -> Vec<Table> {
    let filters = Filters::for_project(q, data);
    let counting = Counting::parse(q);
    let kept = data.counted(&filters.apply(&data.input), counting);
    let ids: HashSet<Uuid> = kept.submissions.iter().map(|s| s.id).collect();
    let stored: Vec<StoredSubmission> = data
        .stored
        .iter()
        .filter(|s| ids.contains(&s.submission.id))
        .cloned()
        .collect();
    tables(&stored, &kept, &data.catalog, lang)
}

pub async fn download(req: ConsoleRequest) -> Response {
    let data = match open_project(&req, Area::Exports, "/exports").await {
        Ok(data) => data,
        Err(r) => return r,
    };
    let ConsoleRequest {
        state,
        who,
        peer,
        q,
        headers,
        lang,
    } = req;
    let mut built = chosen_tables(&data, q.as_deref(), lang);
    if let Some(key) = query_value(q.as_deref(), "instrument").filter(|k| !k.is_empty()) {
        built.retain(|tb| format!("{}_v{}", tb.instrument_id, tb.version) == key);
    }
    let format = query_value(q.as_deref(), "format").unwrap_or_else(|| "xlsx".into());
    let stem = format!("campo_{}_{}", data.project.id, Utc::now().format("%Y%m%d"));
    let (bytes, kind, name) = match format.as_str() {
        "csv" => {
            let [table] = built.as_slice() else {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "CSV holds one instrument version: choose one",
                )
                    .into_response();
            };
            (
                to_csv(table).into_bytes(),
                "text/csv; charset=utf-8",
                format!("{stem}_{}_v{}.csv", table.instrument_id, table.version),
            )
        }
        "json" => {
            let all: serde_json::Map<String, serde_json::Value> = built
                .iter()
                .map(|tb| (format!("{}_v{}", tb.instrument_id, tb.version), to_json(tb)))
                .collect();
            (
                serde_json::to_vec_pretty(&all).unwrap_or_default(),
                "application/json",
                format!("{stem}.json"),
            )
        }
        "xlsx" => match to_xlsx(&built) {
            Ok(b) => (
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                format!("{stem}.xlsx"),
            ),
            Err(e) => return crate::http::error::ApiErr::internal(e).into_response(),
        },
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                "format must be csv, xlsx or json",
            )
                .into_response()
        }
    };
    let rows: usize = built.iter().map(|tb| tb.rows.len()).sum();
    Actor::of(&state, &who, peer, &headers)
        .log(
            &state,
            "export",
            Some(data.project.id.clone()),
            None,
            Some(format!("{format} {rows} rows")),
        )
        .await;
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
