//! Decoding a push body once it is read: its `Content-Encoding` undone under the cap, the
//! JSON parsed into the wire types, the record count checked. Kept apart from the route and
//! free of I/O, so that the body a tablet (or anyone holding a token) sends can be fuzzed
//! through the very code the route runs.

use super::body::{decode_capped, parse_json};
use super::error::ApiErr;
use super::Limits;
use axum::http::{HeaderMap, StatusCode};
use campo_wire::PushRequest;

/// The push in `raw` (the body as sent, at most `limits.max_body` bytes), or the error the
/// route answers: `bad_gzip`, `payload_too_large`, `unsupported_encoding`,
/// `malformed_json`, `invalid_request` or `too_many_records`.
pub fn decode_push(headers: &HeaderMap, raw: &[u8], limits: Limits) -> Result<PushRequest, ApiErr> {
    let bytes = decode_capped(headers, raw, limits.max_body)?;
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
    Ok(req)
}
