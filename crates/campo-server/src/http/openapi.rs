//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` attributes.
//!
//! The wire types live in `campo-sync` and embed campo-core's domain types, which carry no
//! schema derive. The `*Doc` structs below mirror the wire envelopes field for field (a test
//! checks their property names against real serialized wire values), while the domain
//! bodies (meeting, submission, instrument) are described as objects pointing at
//! `schemas/` and DESIGN.md rather than half-described.

use super::auth::DeviceAuth;
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(ToSchema)]
#[schema(as = Health)]
#[allow(dead_code)]
pub struct HealthDoc {
    status: String,
    server_time: chrono::DateTime<chrono::Utc>,
    version: String,
}

#[derive(ToSchema)]
#[schema(as = EnrollRequest)]
#[allow(dead_code)]
pub struct EnrollRequestDoc {
    /// The one-time code shown by `campo-server enroll` (case and dashes ignored).
    code: String,
    device_name: String,
}

#[derive(ToSchema)]
#[schema(as = EnrollResponse)]
#[allow(dead_code)]
pub struct EnrollResponseDoc {
    device_id: uuid::Uuid,
    /// Bearer token; the server keeps only its SHA-256.
    token: String,
}

/// One record revision: `kind` is meeting, submission, roster_code or outreach and `body`
/// the matching campo-core value (see schemas/ and DESIGN.md).
#[derive(ToSchema)]
#[schema(as = Record)]
#[allow(dead_code)]
pub struct RecordDoc {
    id: uuid::Uuid,
    revision: u32,
    kind: String,
    #[schema(value_type = Object)]
    body: serde_json::Value,
}

#[derive(ToSchema)]
#[schema(as = PushRequest)]
#[allow(dead_code)]
pub struct PushRequestDoc {
    /// Idempotency key: the same batch sent again gets the same answer.
    batch_id: uuid::Uuid,
    records: Vec<RecordDoc>,
}

#[derive(ToSchema)]
#[schema(as = PushResult)]
#[allow(dead_code)]
pub struct PushResultDoc {
    id: uuid::Uuid,
    revision: u32,
    /// stored, duplicate or rejected
    status: String,
    reason: Option<String>,
}

#[derive(ToSchema)]
#[schema(as = PushResponse)]
#[allow(dead_code)]
pub struct PushResponseDoc {
    results: Vec<PushResultDoc>,
}

#[derive(ToSchema)]
#[schema(as = PullResponse)]
#[allow(dead_code)]
pub struct PullResponseDoc {
    cursor: u64,
    /// Instrument definitions (schemas/instrument.schema.json).
    #[schema(value_type = Vec<Object>)]
    instruments: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    roster: Vec<serde_json::Value>,
    /// Current revisions of other devices' meetings.
    #[schema(value_type = Vec<Object>)]
    meetings: Vec<serde_json::Value>,
}

#[derive(ToSchema)]
#[schema(as = ApiError)]
#[allow(dead_code)]
pub struct ApiErrorDoc {
    code: String,
    message: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Campo sync API", description = "Device enrollment and offline-first sync for Campo."),
    paths(super::device::health, super::device::enroll, super::sync::push, super::sync::pull, openapi_json),
    components(schemas(HealthDoc, EnrollRequestDoc, EnrollResponseDoc, RecordDoc, PushRequestDoc,
        PushResultDoc, PushResponseDoc, PullResponseDoc, ApiErrorDoc)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    security(("bearer" = [])),
    responses((status = 200, description = "This document"), (status = 401, description = "No valid token", body = ApiErrorDoc)))]
pub async fn openapi_json(_device: DeviceAuth) -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;
    use campo_sync::wire::*;

    fn schema_props(doc: &serde_json::Value, name: &str) -> Vec<String> {
        let mut props: Vec<String> = doc["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("no schema {name}"))
            .keys()
            .cloned()
            .collect();
        props.sort();
        props
    }

    fn keys(v: serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }

    #[test]
    fn documented_envelopes_match_the_wire_types() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let id = uuid::Uuid::nil();
        let result = PushResult {
            id,
            revision: 1,
            status: PushStatus::Rejected,
            reason: Some("x".into()),
        };
        assert_eq!(
            schema_props(&doc, "PushResult"),
            keys(serde_json::to_value(&result).unwrap())
        );
        let pull = PullResponse {
            cursor: 1,
            instruments: vec![],
            roster: vec![],
            meetings: vec![],
        };
        assert_eq!(
            schema_props(&doc, "PullResponse"),
            keys(serde_json::to_value(&pull).unwrap())
        );
        let enroll = EnrollResponse {
            device_id: id,
            token: "t".into(),
        };
        assert_eq!(
            schema_props(&doc, "EnrollResponse"),
            keys(serde_json::to_value(&enroll).unwrap())
        );
        let req = EnrollRequest {
            code: "c".into(),
            device_name: "d".into(),
        };
        assert_eq!(
            schema_props(&doc, "EnrollRequest"),
            keys(serde_json::to_value(&req).unwrap())
        );
        let rec = Record {
            id,
            revision: 1,
            body: RecordBody::RosterCode(RosterCode { code: "A".into() }),
        };
        assert_eq!(
            schema_props(&doc, "Record"),
            keys(serde_json::to_value(&rec).unwrap())
        );
        let push = PushRequest {
            batch_id: id,
            records: vec![],
        };
        assert_eq!(
            schema_props(&doc, "PushRequest"),
            keys(serde_json::to_value(&push).unwrap())
        );
        let err = ApiError {
            code: "c".into(),
            message: "m".into(),
        };
        assert_eq!(
            schema_props(&doc, "ApiError"),
            keys(serde_json::to_value(&err).unwrap())
        );
        for path in [
            "/api/v1/health",
            "/api/v1/devices/enroll",
            "/api/v1/sync/push",
            "/api/v1/sync/pull",
            "/api/v1/openapi.json",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} missing");
        }
    }
}
