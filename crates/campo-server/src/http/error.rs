//! Every error the API answers: a status and an `ApiError {code, message}` body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use campo_sync::wire::ApiError;

#[derive(Debug)]
pub struct ApiErr {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiErr {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiErr {
        ApiErr {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized() -> ApiErr {
        ApiErr::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid device token is required (Authorization: Bearer ...); a revoked device must enroll again",
        )
    }

    pub fn too_large(message: impl Into<String>) -> ApiErr {
        ApiErr::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }

    pub fn internal(what: impl std::fmt::Display) -> ApiErr {
        // The detail goes to the server's log, not to the client.
        eprintln!("internal error: {what}");
        ApiErr::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; nothing was changed",
        )
    }
}

impl From<crate::error::StoreError> for ApiErr {
    fn from(e: crate::error::StoreError) -> Self {
        ApiErr::internal(e)
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        let body = ApiError {
            code: self.code.to_string(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}
