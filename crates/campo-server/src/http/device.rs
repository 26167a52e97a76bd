//! Health and enrollment: the two routes that need no token.

use super::body::{parse_json, read_capped};
use super::error::ApiErr;
use super::State;
use crate::secret::{new_token, normalize_code, sha256_hex};
use crate::store::{Enrollment, VaultClaim};
use axum::body::Body;
use axum::extract::{ConnectInfo, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use campo_wire::{EnrollRequest, EnrollResponse, Health};
use chrono::Utc;
use std::net::SocketAddr;

#[utoipa::path(get, path = "/api/v1/health", tag = "device",
    responses((status = 200, description = "The server is up", body = campo_wire::Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        server_time: Utc::now(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Enrollment bodies are tiny; anything bigger is not an enrollment.
const MAX_ENROLL_BODY: usize = 4 * 1024;
/// Attempts per client address per minute: enough for an office enrolling a few tablets,
/// far too slow to guess a code within its 15 minutes. Counted in the database, so two
/// server processes do not each allow the full number.
const ENROLL_PER_MINUTE: u32 = 10;

#[utoipa::path(post, path = "/api/v1/devices/enroll", tag = "device",
    request_body(content = campo_wire::EnrollRequest, content_type = "application/json",
        description = "A one-time code, the tablet's name and its vault (id and secret); at most \
            4 KiB, may be sent with Content-Encoding: gzip. Each code works once, for 15 \
            minutes. The first enrollment of a vault registers it in the code's project; a \
            later one (a new device of the same tablet) needs the same secret, and the new \
            device owns what the vault sent before."),
    responses(
        (status = 200, description = "Enrolled: keep the token, it is shown once", body = campo_wire::EnrollResponse),
        (status = 400, description = "Malformed JSON (`malformed_json`) or a gzip body that does not \
            decode (`bad_gzip`)", body = campo_wire::ApiError),
        (status = 401, description = "The code is unknown, already used or expired \
            (`invalid_enroll_code`)", body = campo_wire::ApiError),
        (status = 403, description = "The vault is known and this is not its secret, or it was \
            registered by an older server without one (`vault_secret_mismatch`); the code stays \
            unused", body = campo_wire::ApiError),
        (status = 409, description = "The vault belongs to another project than the code's \
            (`vault_in_other_project`); the code stays unused", body = campo_wire::ApiError),
        (status = 413, description = "The body is over 4 KiB, sent or inflated \
            (`payload_too_large`)", body = campo_wire::ApiError),
        (status = 415, description = "A Content-Encoding other than gzip or identity \
            (`unsupported_encoding`)", body = campo_wire::ApiError),
        (status = 422, description = "Well-formed JSON that is not an enrollment as the schema \
            states it (`invalid_request`)", body = campo_wire::ApiError),
        (status = 429, description = "More than 10 attempts this minute from this address \
            (`rate_limited`); checked before anything else", body = campo_wire::ApiError),
        (status = 500, description = "The server failed (`internal`); nothing was changed", body = campo_wire::ApiError),
    ))]
pub async fn enroll(
    AxState(state): AxState<State>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<EnrollResponse>, ApiErr> {
    let allowed = state
        .store
        .rate_limit(
            &format!("enroll:{}", peer.ip()),
            Utc::now(),
            std::time::Duration::from_secs(60),
            ENROLL_PER_MINUTE,
        )
        .await?;
    if !allowed {
        tracing::warn!(peer = %peer.ip(), "enrollment rate limit");
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
    // The secret is 256 random bits: a plain SHA-256 cannot be reversed, and the store
    // compares it in constant time.
    let vault = VaultClaim {
        id: req.vault_id,
        secret_hash: sha256_hex(req.vault_secret.as_bytes()),
    };
    let outcome = state
        .store
        .enroll(&code_hash, &device_name, &token_hash, &vault, Utc::now())
        .await?;
    match outcome {
        Enrollment::Enrolled(d) => {
            tracing::info!(device = %d.device_id, vault = %d.vault_id, project = %d.project, "enrolled");
            Ok(Json(EnrollResponse {
                device_id: d.device_id,
                token,
            }))
        }
        Enrollment::CodeRefused => Err(ApiErr::new(
            StatusCode::UNAUTHORIZED,
            "invalid_enroll_code",
            "this enrollment code is unknown, already used or expired; ask for a new one",
        )),
        Enrollment::VaultSecretMismatch => {
            tracing::warn!(vault = %vault.id, "enrollment refused: not the vault's secret");
            Err(ApiErr::new(
                StatusCode::FORBIDDEN,
                "vault_secret_mismatch",
                "this vault is enrolled already and the secret sent is not its own (a vault \
                 registered by an older server cannot be enrolled again); the code was not used",
            ))
        }
        Enrollment::VaultInOtherProject => {
            tracing::warn!(vault = %vault.id, "enrollment refused: vault of another project");
            Err(ApiErr::new(
                StatusCode::CONFLICT,
                "vault_in_other_project",
                "this vault belongs to another project than the enrollment code's; the code \
                 was not used",
            ))
        }
    }
}
