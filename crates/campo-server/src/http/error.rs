//! Every error the API answers: a status and an `ApiError {code, message}` body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use campo_wire::ApiError;

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
        // The detail goes to the server's log, not to the client. Storage and task errors
        // name the failing operation, never a record's content.
        tracing::error!(error = %what, "internal error");
        ApiErr::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; nothing was changed",
        )
    }
}

impl From<crate::store::StorageError> for ApiErr {
    fn from(e: crate::store::StorageError) -> Self {
        use crate::store::StorageError as E;
        match e {
            E::NotFound(what) => ApiErr::new(StatusCode::NOT_FOUND, "not_found", what),
            E::Conflict(what) => ApiErr::new(StatusCode::CONFLICT, "conflict", what),
            E::Invalid(what) => {
                ApiErr::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", what)
            }
            other => ApiErr::internal(other),
        }
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
