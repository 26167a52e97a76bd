//! Push and pull.

use super::auth::DeviceAuth;
use super::body::{parse_json, read_capped};
use super::error::ApiErr;
use super::State;
use crate::secret::sha256_hex;
use crate::store::IncomingRecord;
use axum::body::Body;
use axum::extract::{RawQuery, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use campo_core::catalog::Catalog;
use campo_core::validate::validate_submission;
use campo_sync::wire::{PullResponse, PushRequest, PushResponse, Record, RecordBody};

/// Turns a wire record into what the store needs: its kind, canonical body, hash, and the
/// reason validation refuses it, if any. Pure: no stored state is consulted here.
pub fn prepare(record: &Record, catalog: &Catalog) -> Result<IncomingRecord, serde_json::Error> {
    // The canonical bytes are serde's serialization of the parsed body: field order is the
    // struct's and answers are a BTreeMap, so the same content always hashes the same,
    // whatever whitespace or key order the client sent.
    let (kind, body, rejection) = match &record.body {
        RecordBody::Meeting(m) => {
            let reason = (m.id != record.id || m.revision != record.revision).then(|| {
                format!(
                    "the meeting's id/revision ({}/{}) differ from the record's ({}/{})",
                    m.id, m.revision, record.id, record.revision
                )
            });
            ("meeting", serde_json::to_string(m)?, reason)
        }
        RecordBody::Submission(s) => {
            let reason = if s.id != record.id {
                Some(format!(
                    "the submission's id {} differs from the record's {}",
                    s.id, record.id
                ))
            } else {
                validate_submission(catalog, s).err().map(|e| e.to_string())
            };
            ("submission", serde_json::to_string(s)?, reason)
        }
        RecordBody::RosterCode(r) => {
            let code = r.code.trim();
            let reason = (code.is_empty() || code.chars().count() > 64)
                .then(|| "a roster code must be 1 to 64 characters".to_string());
            ("roster_code", serde_json::to_string(r)?, reason)
        }
        RecordBody::Outreach(o) => {
            let valid = o.period.len() == 7
                && chrono::NaiveDate::parse_from_str(&format!("{}-01", o.period), "%Y-%m-%d")
                    .is_ok();
            let reason = (!valid).then(|| format!("outreach period {:?} is not YYYY-MM", o.period));
            ("outreach", serde_json::to_string(o)?, reason)
        }
    };
    Ok(IncomingRecord {
        id: record.id,
        revision: record.revision,
        kind,
        hash: sha256_hex(body.as_bytes()),
        body,
        rejection,
    })
}

#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync",
    security(("bearer" = [])),
    request_body(content = crate::http::openapi::PushRequestDoc,
        description = "A batch of records; may be sent with Content-Encoding: gzip"),
    responses(
        (status = 200, description = "Each record stored, duplicate or rejected with a reason", body = crate::http::openapi::PushResponseDoc),
        (status = 400, description = "Malformed JSON or gzip", body = crate::http::openapi::ApiErrorDoc),
        (status = 401, description = "No valid token", body = crate::http::openapi::ApiErrorDoc),
        (status = 413, description = "Over 8 MiB (decompressed) or over 2,000 records", body = crate::http::openapi::ApiErrorDoc),
        (status = 422, description = "Well-formed JSON that is not a push", body = crate::http::openapi::ApiErrorDoc),
    ))]
pub async fn push(
    AxState(state): AxState<State>,
    DeviceAuth(device): DeviceAuth,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PushResponse>, ApiErr> {
    let limits = state.limits;
    let bytes = read_capped(&headers, body, limits.max_body).await?;
    let catalog = state.catalog.clone();
    let response = state
        .blocking(move |store| {
            let req: PushRequest = parse_json(&bytes)?;
            if req.records.len() > limits.max_records {
                return Err(ApiErr::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_many_records",
                    format!(
                        "{} records in one push; send at most {} per batch",
                        req.records.len(),
                        limits.max_records
                    ),
                ));
            }
            let records = req
                .records
                .iter()
                .map(|r| prepare(r, &catalog))
                .collect::<Result<Vec<_>, _>>()
                .map_err(ApiErr::internal)?;
            Ok(store.push(device, req.batch_id, records)?)
        })
        .await?;
    Ok(Json(response))
}

#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync",
    security(("bearer" = [])),
    params(("since" = Option<u64>, Query, description = "The cursor from the previous pull; 0 or absent for everything")),
    responses(
        (status = 200, description = "What changed after the cursor, and the next cursor", body = crate::http::openapi::PullResponseDoc),
        (status = 400, description = "since is not a number", body = crate::http::openapi::ApiErrorDoc),
        (status = 401, description = "No valid token", body = crate::http::openapi::ApiErrorDoc),
    ))]
pub async fn pull(
    AxState(state): AxState<State>,
    DeviceAuth(device): DeviceAuth,
    RawQuery(query): RawQuery,
) -> Result<Json<PullResponse>, ApiErr> {
    let since = parse_since(query.as_deref())?;
    let data = state
        .blocking(move |store| Ok(store.pull(device, since)?))
        .await?;
    Ok(Json(PullResponse {
        cursor: data.cursor,
        instruments: data.instruments,
        roster: data.roster,
        meetings: data.meetings,
    }))
}

fn parse_since(query: Option<&str>) -> Result<u64, ApiErr> {
    let mut since = 0;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == "since" {
            since = value.parse().map_err(|_| {
                ApiErr::new(
                    StatusCode::BAD_REQUEST,
                    "bad_cursor",
                    format!("since={value:?} is not a cursor"),
                )
            })?;
        }
    }
    Ok(since)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_parses_or_refuses() {
        assert_eq!(parse_since(None).unwrap(), 0);
        assert_eq!(parse_since(Some("since=42")).unwrap(), 42);
        assert_eq!(parse_since(Some("x=1&since=7")).unwrap(), 7);
        assert!(parse_since(Some("since=-1")).is_err());
    }
}
