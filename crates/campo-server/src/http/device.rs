//! Health and enrollment: the two routes that need no token.

use super::body::{parse_json, read_capped};
use super::error::ApiErr;
use super::State;
use crate::secret::{new_token, normalize_code, sha256_hex};
use axum::body::Body;
use axum::extract::{ConnectInfo, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use campo_sync::wire::{EnrollRequest, EnrollResponse, Health};
use chrono::Utc;
use std::net::SocketAddr;

#[utoipa::path(get, path = "/api/v1/health", tag = "device",
    responses((status = 200, description = "The server is up", body = crate::http::openapi::HealthDoc)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        server_time: Utc::now(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Enrollment bodies are tiny; anything bigger is not an enrollment.
const MAX_ENROLL_BODY: usize = 4 * 1024;

#[utoipa::path(post, path = "/api/v1/devices/enroll", tag = "device",
    request_body = crate::http::openapi::EnrollRequestDoc,
    responses(
        (status = 200, description = "Enrolled: keep the token, it is shown once", body = crate::http::openapi::EnrollResponseDoc),
        (status = 400, description = "Malformed JSON", body = crate::http::openapi::ApiErrorDoc),
        (status = 401, description = "Code unknown, used or expired", body = crate::http::openapi::ApiErrorDoc),
        (status = 429, description = "Too many attempts from this address", body = crate::http::openapi::ApiErrorDoc),
    ))]
pub async fn enroll(
    AxState(state): AxState<State>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<EnrollResponse>, ApiErr> {
    if !state.enroll_limiter.allow(peer.ip()) {
        return Err(ApiErr::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many enrollment attempts from this address; wait a minute",
        ));
    }
    let bytes = read_capped(&headers, body, MAX_ENROLL_BODY).await?;
    let req: EnrollRequest = parse_json(&bytes)?;
    let device_name = req.device_name.trim().to_string();
    if device_name.is_empty() || device_name.chars().count() > 100 {
        return Err(ApiErr::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "device_name must be 1 to 100 characters",
        ));
    }
    let code_hash = sha256_hex(normalize_code(&req.code).as_bytes());
    let token = new_token();
    let token_hash = sha256_hex(token.as_bytes());
    let device = state
        .blocking(move |store| {
            Ok(store.enroll(&code_hash, &device_name, &token_hash, Utc::now())?)
        })
        .await?;
    match device {
        Some(device_id) => Ok(Json(EnrollResponse { device_id, token })),
        None => Err(ApiErr::new(
            StatusCode::UNAUTHORIZED,
            "invalid_enroll_code",
            "this enrollment code is unknown, already used or expired; ask for a new one",
        )),
    }
}
