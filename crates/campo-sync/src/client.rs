//! The HTTP side of the device: one `SyncClient` per server, a thin typed wrapper over
//! the `/api/v1` routes. What to send and what to do with the answers is in `sync.rs`.

use crate::error::SyncError;
use crate::wire::{
    EnrollRequest, EnrollResponse, Health, PullResponse, PushRequest, PushResponse, API_PREFIX,
};
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::de::DeserializeOwned;
use std::io::Write;
use std::time::Duration;

/// Limits and timeouts. The defaults suit the valley's weak mobile link: a connection
/// that takes more than 10 s to open is not going to carry a batch, and a 256 KiB batch at
/// 64 kbit/s still fits in 60 s.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Most records in one push.
    pub batch_records: usize,
    /// Most bytes of (uncompressed) JSON records in one push; the server caps bodies too.
    pub batch_bytes: usize,
    /// Keep connections open between requests (saves a round trip per batch on a slow
    /// link). Tests that want one fault decision per request turn it off.
    pub reuse_connections: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            batch_records: 200,
            batch_bytes: 256 * 1024,
            reuse_connections: true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    options: ClientOptions,
}

impl SyncClient {
    /// A client for the server at `base_url` (e.g. `https://campo.example.org`), with the
    /// device token once enrolled.
    pub fn new(base_url: &str, token: Option<String>) -> Result<SyncClient, SyncError> {
        SyncClient::with_options(base_url, token, ClientOptions::default())
    }

    pub fn with_options(
        base_url: &str,
        token: Option<String>,
        options: ClientOptions,
    ) -> Result<SyncClient, SyncError> {
        let base = base_url.trim().trim_end_matches('/').to_string();
        let parsed =
            reqwest::Url::parse(&base).map_err(|_| SyncError::InvalidUrl(base_url.into()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(SyncError::InvalidUrl(base_url.into()));
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .user_agent(concat!("campo/", env!("CARGO_PKG_VERSION")));
        if !options.reuse_connections {
            builder = builder.pool_max_idle_per_host(0);
        }
        let http = builder
            .build()
            .map_err(|e| SyncError::Transport(e.to_string()))?;
        Ok(SyncClient {
            http,
            base,
            token,
            options,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    fn url(&self, route: &str) -> String {
        format!("{}{}{}", self.base, API_PREFIX, route)
    }

    fn bearer(&self) -> Result<String, SyncError> {
        self.token
            .as_ref()
            .map(|t| format!("Bearer {t}"))
            .ok_or(SyncError::NotEnrolled)
    }

    /// `GET /health`: whether the server is reachable at all (no token needed).
    pub async fn health(&self) -> Result<Health, SyncError> {
        read_json(self.http.get(self.url("/health")).send().await).await
    }

    /// Trades a one-time enrollment code for this device's id and token. The caller keeps
    /// the token (sealed in the vault) and calls `set_token`.
    pub async fn enroll(&self, code: &str, device_name: &str) -> Result<EnrollResponse, SyncError> {
        let req = EnrollRequest {
            code: code.trim().to_string(),
            device_name: device_name.to_string(),
        };
        read_json(
            self.http
                .post(self.url("/devices/enroll"))
                .json(&req)
                .send()
                .await,
        )
        .await
    }

    /// Pushes one batch, gzip-compressed. Returns the answer and the bytes of the body
    /// as sent.
    pub async fn push(&self, batch: &PushRequest) -> Result<(PushResponse, usize), SyncError> {
        let body = gzip_json(batch)?;
        let len = body.len();
        Ok((self.push_encoded(body).await?, len))
    }

    /// Pushes a body already made by [`gzip_json`] (so a resend costs no recompression and
    /// the progress bar knows the size beforehand).
    pub async fn push_encoded(&self, gzipped: Vec<u8>) -> Result<PushResponse, SyncError> {
        let req = self
            .http
            .post(self.url("/sync/push"))
            .header(reqwest::header::AUTHORIZATION, self.bearer()?)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(gzipped);
        read_json(req.send().await).await
    }

    /// Pushes one batch as plain JSON, the way one-request-per-form clients do. Only the
    /// benchmark uses it, to compare.
    pub async fn push_plain(&self, batch: &PushRequest) -> Result<PushResponse, SyncError> {
        let req = self
            .http
            .post(self.url("/sync/push"))
            .header(reqwest::header::AUTHORIZATION, self.bearer()?)
            .json(batch);
        read_json(req.send().await).await
    }

    /// `GET /sync/pull?since=CURSOR`.
    pub async fn pull(&self, since: u64) -> Result<PullResponse, SyncError> {
        let req = self
            .http
            .get(format!("{}?since={since}", self.url("/sync/pull")))
            .header(reqwest::header::AUTHORIZATION, self.bearer()?);
        read_json(req.send().await).await
    }
}

/// Serializes `value` to JSON and gzips it. Level 6: on a 256 kbit/s link every byte
/// saved is worth far more than the CPU time spent.
pub fn gzip_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, SyncError> {
    let json = serde_json::to_vec(value).map_err(|e| SyncError::Encode(e.to_string()))?;
    let mut enc = GzEncoder::new(Vec::with_capacity(json.len() / 4 + 64), Compression::new(6));
    enc.write_all(&json)
        .map_err(|e| SyncError::Encode(e.to_string()))?;
    enc.finish().map_err(|e| SyncError::Encode(e.to_string()))
}

async fn read_json<T: DeserializeOwned>(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, SyncError> {
    let resp = sent.map_err(SyncError::from_reqwest)?;
    let status = resp.status();
    // Read the whole body before judging it: a response cut short by the link must be a
    // transport error (retry), never a half-parsed success.
    let body = resp.bytes().await.map_err(SyncError::from_reqwest)?;
    if !status.is_success() {
        return Err(SyncError::from_status(status.as_u16(), &body));
    }
    serde_json::from_slice(&body).map_err(|e| SyncError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    #[test]
    fn rejects_urls_that_are_not_http() {
        assert!(matches!(
            SyncClient::new("ftp://x", None),
            Err(SyncError::InvalidUrl(_))
        ));
        assert!(matches!(
            SyncClient::new("not a url", None),
            Err(SyncError::InvalidUrl(_))
        ));
        let c = SyncClient::new(" https://campo.example.org/ ", None).unwrap();
        assert_eq!(c.url("/health"), "https://campo.example.org/api/v1/health");
    }

    #[test]
    fn gzip_round_trips() {
        let v = serde_json::json!({"a": [1, 2, 3], "b": "x".repeat(1000)});
        let gz = gzip_json(&v).unwrap();
        assert!(gz.len() < 200, "{} bytes", gz.len());
        let mut s = String::new();
        GzDecoder::new(&gz[..]).read_to_string(&mut s).unwrap();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
    }

    #[tokio::test]
    async fn a_token_is_needed_before_pushing() {
        let c = SyncClient::new("http://127.0.0.1:9", None).unwrap();
        assert!(matches!(c.pull(0).await, Err(SyncError::NotEnrolled)));
    }
}
