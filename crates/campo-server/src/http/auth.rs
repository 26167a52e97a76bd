//! The bearer-token extractor. The token is hashed and looked up on every request (no
//! cache), so a revoked device is refused on its very next request. Tokens are never
//! logged: nothing in the server prints request headers.

use super::error::ApiErr;
use super::State;
use crate::secret::sha256_hex;
use crate::store::DeviceIdentity;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The authenticated device and its project.
pub struct DeviceAuth(pub DeviceIdentity);

impl FromRequestParts<State> for DeviceAuth {
    type Rejection = ApiErr;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(ApiErr::unauthorized)?;
        let device = state
            .store
            .authenticate(&sha256_hex(token.as_bytes()))
            .await?;
        device.map(DeviceAuth).ok_or_else(ApiErr::unauthorized)
    }
}
