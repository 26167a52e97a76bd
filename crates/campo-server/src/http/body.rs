//! Reading request bodies under a cap: raw bytes first, then (for `Content-Encoding: gzip`)
//! the decompressed stream, refused as soon as it passes the cap, so a small gzip bomb
//! cannot make the server inflate gigabytes.

use super::error::ApiErr;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use flate2::read::GzDecoder;
use serde::de::DeserializeOwned;
use std::io::Read;

/// Reads the whole body, decompressing gzip; at most `cap` bytes either way.
pub async fn read_capped(headers: &HeaderMap, body: Body, cap: usize) -> Result<Vec<u8>, ApiErr> {
    let raw = read_raw(body, cap).await?;
    decode_capped(headers, &raw, cap)
}

/// Reads the body as sent, refused as soon as it passes `cap` bytes.
pub async fn read_raw(body: Body, cap: usize) -> Result<axum::body::Bytes, ApiErr> {
    axum::body::to_bytes(body, cap)
        .await
        .map_err(|_| ApiErr::too_large(format!("the request body is over the {} byte limit", cap)))
}

/// The body as sent, undone from its `Content-Encoding` (none, identity or gzip); at most
/// `cap` bytes after decompression. Pure, so that malformed bodies can be thrown at it
/// without a server.
pub fn decode_capped(headers: &HeaderMap, raw: &[u8], cap: usize) -> Result<Vec<u8>, ApiErr> {
    let encoding = headers
        .get(axum::http::header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("identity") => Ok(raw.to_vec()),
        Some("gzip") => gunzip_capped(raw, cap),
        Some(other) => Err(ApiErr::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_encoding",
            format!("Content-Encoding {other:?} is not accepted; send gzip or plain JSON"),
        )),
    }
}

pub fn gunzip_capped(raw: &[u8], cap: usize) -> Result<Vec<u8>, ApiErr> {
    let mut out = Vec::new();
    // One byte past the cap tells "exactly at the cap" from "over it".
    GzDecoder::new(raw)
        .take(cap as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            ApiErr::new(
                StatusCode::BAD_REQUEST,
                "bad_gzip",
                format!("the gzip body does not decode: {e}"),
            )
        })?;
    if out.len() > cap {
        return Err(ApiErr::too_large(format!(
            "the decompressed request body is over the {cap} byte limit"
        )));
    }
    Ok(out)
}

/// Syntax errors are 400 `malformed_json`; well-formed JSON of the wrong shape is 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiErr> {
    serde_json::from_slice(bytes).map_err(|e| {
        if e.is_data() {
            ApiErr::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                format!("the request does not match the API: {e}"),
            )
        } else {
            ApiErr::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the request body is not valid JSON: {e}"),
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_within_the_cap_decodes() {
        assert_eq!(gunzip_capped(&gz(b"hello"), 5).unwrap(), b"hello");
    }

    #[test]
    fn gzip_bomb_is_refused_with_413() {
        let bomb = gz(&vec![0u8; 50 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024);
        let err = gunzip_capped(&bomb, 1024 * 1024).unwrap_err();
        assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn syntax_and_shape_errors_differ() {
        #[derive(serde::Deserialize, Debug)]
        struct T {
            #[allow(dead_code)]
            a: u32,
        }
        assert_eq!(
            parse_json::<T>(b"{\"a\":").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            parse_json::<T>(b"{\"a\":\"x\"}").unwrap_err().status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
