//! Push and pull.

use super::auth::DeviceAuth;
use super::body::read_raw;
use super::error::ApiErr;
use super::push_body::decode_push;
use super::State;
use crate::secret::sha256_hex;
use crate::store::{DeviceIdentity, IncomingRecord, SubmissionKeys};
use axum::body::Body;
use axum::extract::{RawQuery, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use campo_core::catalog::Catalog;
use campo_core::validate::validate_submission;
use campo_wire::{
    PullResponse, PushResponse, PushStatus, Record, RecordBody, DEFAULT_PULL_LIMIT, MAX_CURSOR,
    MAX_PULL_LIMIT,
};
use chrono::Utc;

/// Turns a wire record into what the store needs: its kind, canonical body, hash, and the
/// reason a check refuses it, if any. Pure: no stored state is consulted here.
pub fn prepare(record: &Record, catalog: &Catalog) -> Result<IncomingRecord, serde_json::Error> {
    // The canonical bytes are serde's serialization of the parsed body: field order is the
    // struct's and answers are a BTreeMap, so the same content always hashes the same,
    // whatever whitespace or key order the client sent.
    let body = match &record.body {
        RecordBody::Meeting(m) => serde_json::to_string(m)?,
        RecordBody::Submission(s) => serde_json::to_string(s)?,
        RecordBody::RosterCode(r) => serde_json::to_string(r)?,
        RecordBody::Outreach(o) => serde_json::to_string(o)?,
    };
    // The rules every record keeps first (the tablet checked them too), then those that
    // depend on the project's instruments.
    let rejection = match record.check() {
        Err(p) => Some((p.code.to_string(), p.message)),
        Ok(()) => match &record.body {
            RecordBody::Submission(s) => validate_submission(catalog, s)
                .err()
                .map(|e| (e.code().to_string(), e.to_string())),
            _ => None,
        },
    };
    let submission = match &record.body {
        RecordBody::Submission(s) => Some(SubmissionKeys::of(s)),
        _ => None,
    };
    Ok(IncomingRecord {
        id: record.id,
        revision: record.revision,
        kind: record.body.kind(),
        hash: sha256_hex(body.as_bytes()),
        body,
        rejection,
        submission,
    })
}

#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync",
    security(("bearer" = [])),
    request_body(content = campo_wire::PushRequest, content_type = "application/json",
        description = "A batch of records, stored in one transaction; at most 8 MiB, may be sent \
            with Content-Encoding: gzip (at most 8 MiB inflated too). What depends on the \
            project's stored instruments and records is answered per record in the 200 answer."),
    responses(
        (status = 200, description = "Each record `stored`, `duplicate` or `rejected` with a \
            `reason_code`, in the order sent; the same batch_id sent again gets this same \
            answer", body = campo_wire::PushResponse),
        (status = 400, description = "Malformed JSON (`malformed_json`) or a gzip body that does not \
            decode (`bad_gzip`)", body = campo_wire::ApiError),
        (status = 401, description = "No valid device token, or a revoked one (`unauthorized`)", body = campo_wire::ApiError),
        (status = 409, description = "With several servers on one PostgreSQL database only: the \
            batch kept meeting concurrent writes of the same record ids (`conflict`); nothing \
            was stored, send it again", body = campo_wire::ApiError),
        (status = 413, description = "The body is over 8 MiB, sent or inflated (`payload_too_large`), \
            or holds over 2,000 records (`too_many_records`)", body = campo_wire::ApiError),
        (status = 415, description = "A Content-Encoding other than gzip or identity \
            (`unsupported_encoding`)", body = campo_wire::ApiError),
        (status = 422, description = "Well-formed JSON that is not a push as the schema states it \
            (`invalid_request`), e.g. a roster code with spaces around it or a revision 0", body = campo_wire::ApiError),
        (status = 500, description = "The server failed (`internal`); nothing was changed", body = campo_wire::ApiError),
    ))]
pub async fn push(
    AxState(state): AxState<State>,
    DeviceAuth(device): DeviceAuth,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PushResponse>, ApiErr> {
    let limits = state.limits;
    let raw = read_raw(body, limits.max_body).await?;
    let req = decode_push(&headers, &raw, limits)?;
    let catalog = state
        .catalogs
        .get(state.store.as_ref(), &device.project)
        .await?;
    let records = req
        .records
        .iter()
        .map(|r| prepare(r, &catalog))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiErr::internal)?;
    let response = state
        .store
        .push(&device, req.batch_id, records, Utc::now())
        .await?;
    seen(&state, &device).await;
    let count = |s: PushStatus| response.results.iter().filter(|r| r.status == s).count();
    tracing::info!(
        device = %device.device_id,
        project = %device.project,
        records = response.results.len(),
        stored = count(PushStatus::Stored),
        duplicate = count(PushStatus::Duplicate),
        rejected = count(PushStatus::Rejected),
        "push"
    );
    Ok(Json(response))
}

#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync",
    security(("bearer" = [])),
    params(
        ("since" = Option<u64>, Query, description = "The cursor from the previous pull; 0 or absent for everything", maximum = 9223372036854775807_u64),
        ("limit" = Option<u32>, Query, description = "Most items in this page (default 500)", minimum = 1, maximum = 5000),
    ),
    responses(
        (status = 200, description = "What changed after the cursor, and the next cursor; the \
            last page (`more` false) also carries the project's figures (`project_report`)", body = campo_wire::PullResponse),
        (status = 400, description = "since or limit is not a number in range, or is given twice \
            (`bad_cursor`, `bad_limit`)", body = campo_wire::ApiError),
        (status = 401, description = "No valid device token, or a revoked one (`unauthorized`)", body = campo_wire::ApiError),
        (status = 500, description = "The server failed (`internal`)", body = campo_wire::ApiError),
    ))]
pub async fn pull(
    AxState(state): AxState<State>,
    DeviceAuth(device): DeviceAuth,
    RawQuery(query): RawQuery,
) -> Result<Json<PullResponse>, ApiErr> {
    let (since, limit) = parse_pull_query(query.as_deref())?;
    let data = state.store.pull(&device, since, limit).await?;
    if !data.more {
        seen(&state, &device).await;
    }
    let project = state.store.project(&device.project).await?;
    // On every page: a tablet reads a pull without one as "the project has none".
    let information_sheet = state.store.information_sheet(&device.project).await?;
    // The figures come once per sync, with the page that ends it: a tablet paging through
    // a long backlog does not pay for them on every page.
    let project_report = match (&project, data.more) {
        (Some(p), false) => Some(
            state
                .figures
                .get(
                    state.store.as_ref(),
                    &state.catalogs,
                    &p.id,
                    data.cursor,
                    &p.targets,
                )
                .await?,
        ),
        _ => None,
    };
    tracing::info!(
        device = %device.device_id,
        project = %device.project,
        instruments = data.instruments.len(),
        meetings = data.meetings.len(),
        barriers = data.barriers.len(),
        notes = data.notes.len(),
        retired = data.retired.len(),
        erasures = data.erasures.len(),
        more = data.more,
        report = project_report.is_some(),
        "pull"
    );
    Ok(Json(PullResponse {
        cursor: data.cursor,
        more: data.more,
        instruments: data.instruments,
        roster: Vec::new(),
        meetings: data.meetings,
        barriers: data.barriers,
        notes: data.notes,
        retired: data.retired,
        erasures: data.erasures,
        information_sheet,
        targets: project.map(|p| p.targets),
        project_report: project_report.map(|r| (*r).clone()),
    }))
}

/// Notes the device's contact for the console's "last sync". The sync itself is done:
/// failing to note it must not fail the answer the tablet waits for.
async fn seen(state: &State, device: &DeviceIdentity) {
    if let Err(e) = state.store.touch_device(device.device_id, Utc::now()).await {
        tracing::warn!(device = %device.device_id, error = %e, "could not note the device's last sync");
    }
}

fn bad_query(code: &'static str, message: String) -> ApiErr {
    ApiErr::new(StatusCode::BAD_REQUEST, code, message)
}

/// `since` (0..=2^63-1) and `limit` (1..=5000), each at most once.
fn parse_pull_query(query: Option<&str>) -> Result<(u64, u32), ApiErr> {
    let (mut since, mut limit) = (None, None);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "since" => {
                let v = value
                    .parse::<u64>()
                    .ok()
                    .filter(|v| *v <= MAX_CURSOR)
                    .ok_or_else(|| {
                        bad_query("bad_cursor", format!("since={value:?} is not a cursor"))
                    })?;
                if since.replace(v).is_some() {
                    return Err(bad_query("bad_cursor", "since is given twice".into()));
                }
            }
            "limit" => {
                let v = value
                    .parse::<u32>()
                    .ok()
                    .filter(|v| (1..=MAX_PULL_LIMIT).contains(v))
                    .ok_or_else(|| {
                        bad_query(
                            "bad_limit",
                            format!("limit={value:?} is not a number from 1 to {MAX_PULL_LIMIT}"),
                        )
                    })?;
                if limit.replace(v).is_some() {
                    return Err(bad_query("bad_limit", "limit is given twice".into()));
                }
            }
            _ => {}
        }
    }
    Ok((since.unwrap_or(0), limit.unwrap_or(DEFAULT_PULL_LIMIT)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_query_parses_or_refuses() {
        assert_eq!(parse_pull_query(None).unwrap(), (0, DEFAULT_PULL_LIMIT));
        assert_eq!(parse_pull_query(Some("since=42")).unwrap().0, 42);
        assert_eq!(
            parse_pull_query(Some("x=1&since=7&limit=9")).unwrap(),
            (7, 9)
        );
        for bad in [
            "since=-1",
            "since=9223372036854775808",
            "limit=0",
            "limit=5001",
            "since=1&since=2",
            "limit=x",
        ] {
            assert_eq!(
                parse_pull_query(Some(bad)).unwrap_err().status,
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }
}
