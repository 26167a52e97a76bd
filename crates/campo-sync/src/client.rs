//! The HTTP side of the device: one `SyncClient` per server, a thin typed wrapper over
//! the `/api/v1` routes. What to send and what to do with the answers is in `sync.rs`.

use crate::address::check_server_url;
use crate::answer::{decode_answer, CappedBody};
use crate::error::SyncError;
use crate::identity::VaultIdentity;
use crate::rejected::lock;
use crate::wire::{
    EnrollRequest, EnrollResponse, Health, PullResponse, PushRequest, PushResponse, API_PREFIX,
    DEFAULT_PULL_LIMIT, MAX_BODY_BYTES, MAX_PULL_LIMIT, MAX_PUSH_RECORDS,
};
use campo_store::Vault;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::de::DeserializeOwned;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;
use zeroize::Zeroize;

/// Most records in one push by default. See [`ClientOptions`] for why.
pub const DEFAULT_BATCH_RECORDS: usize = 1_000;
/// Most bytes of uncompressed record JSON in one push by default.
pub const DEFAULT_BATCH_BYTES: usize = 1024 * 1024;
/// Most bytes of an answer the client reads (after gzip decoding) by default.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// The slowest link the client is sized for: a push's time limit grows by the time its
/// body takes at this rate.
pub const SLOWEST_LINK_BITS_PER_SECOND: u64 = 64_000;
/// Room left in a push body for what wraps the records (`{"batch_id":...,"records":[]}`).
pub(crate) const ENVELOPE_BYTES: usize = 1024;

// The defaults stay within what the server accepts in one push.
const _: () = assert!(DEFAULT_BATCH_RECORDS <= MAX_PUSH_RECORDS);
const _: () = assert!(DEFAULT_BATCH_BYTES + ENVELOPE_BYTES <= MAX_BODY_BYTES);

/// Limits and timeouts.
///
/// Batches: 1,000 records or 1 MiB of uncompressed JSON, whichever comes first. A 13-item
/// submission is about 600 bytes of JSON and under 40 bytes gzipped in a batch, so a full
/// batch is some 40 KB on the wire: about 1.3 s at 256 kbit/s and 5 s at 64 kbit/s. That
/// makes the 300 ms round trip each request costs a small share (200-record batches paid it
/// five times as often), while a link that drops every half minute still gets most
/// batches through whole and a drop costs at most one such batch again. The server takes up
/// to [`MAX_PUSH_RECORDS`] records and [`MAX_BODY_BYTES`] per push; the client never asks
/// for more, whatever the options say.
///
/// Timeouts: a connection that takes more than 10 s to open is not going to carry a batch.
/// A request may take `request_timeout` (60 s, enough for a pull page or a small push), and
/// a push that much plus the time its gzipped body takes at 64 kbit/s
/// ([`SLOWEST_LINK_BITS_PER_SECOND`]): a typical full batch gets about 65 s, and even a
/// batch of incompressible text (1 MiB on the wire, 131 s at 64 kbit/s) gets the time it
/// needs, so a slow link is never mistaken for a stalled one.
///
/// The largest answer the client reads and the pull page size are set on the client
/// ([`SyncClient::with_max_answer_bytes`], [`SyncClient::with_pull_limit`]).
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// Time limit of a request without a body; a push gets more for its body's size.
    pub request_timeout: Duration,
    /// Most records in one push (at most [`MAX_PUSH_RECORDS`]).
    pub batch_records: usize,
    /// Most bytes of (uncompressed) JSON records in one push (the server's cap,
    /// [`MAX_BODY_BYTES`], bounds it).
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
            batch_records: DEFAULT_BATCH_RECORDS,
            batch_bytes: DEFAULT_BATCH_BYTES,
            reuse_connections: true,
        }
    }
}

impl ClientOptions {
    /// The connect timeout as the client applies it: at most `request_timeout`, so that
    /// a connection that does not open always ends as a connect failure.
    pub fn effective_connect_timeout(&self) -> Duration {
        self.connect_timeout.min(self.request_timeout)
    }

    /// Records per push as the client applies it: 1 ..= [`MAX_PUSH_RECORDS`].
    pub fn effective_batch_records(&self) -> usize {
        self.batch_records.clamp(1, MAX_PUSH_RECORDS)
    }

    /// Bytes of record JSON per push as the client applies it: at most the server's body
    /// cap less room for the envelope.
    pub fn effective_batch_bytes(&self) -> usize {
        self.batch_bytes.clamp(1, MAX_BODY_BYTES - ENVELOPE_BYTES)
    }

    /// The time limit of a push whose body is `body_bytes` long: `request_timeout` plus
    /// the body's time at [`SLOWEST_LINK_BITS_PER_SECOND`].
    pub fn push_timeout(&self, body_bytes: usize) -> Duration {
        let on_link =
            Duration::from_secs_f64(body_bytes as f64 * 8.0 / SLOWEST_LINK_BITS_PER_SECOND as f64);
        self.request_timeout.saturating_add(on_link)
    }
}

#[derive(Clone, Debug)]
pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    options: ClientOptions,
    max_answer_bytes: usize,
    pull_limit: u32,
}

impl SyncClient {
    /// A client for the server at `base_url` (e.g. `https://campo.example.org`), with the
    /// device token once enrolled. `https://` is required, except to this device's own
    /// loopback address ([`SyncError::InsecureUrl`]).
    pub fn new(base_url: &str, token: Option<String>) -> Result<SyncClient, SyncError> {
        SyncClient::with_options(base_url, token, ClientOptions::default())
    }

    pub fn with_options(
        base_url: &str,
        token: Option<String>,
        options: ClientOptions,
    ) -> Result<SyncClient, SyncError> {
        let base = check_server_url(base_url)?;
        let mut builder = reqwest::Client::builder()
            // Ask for gzip answers (`Accept-Encoding: gzip`) and decode them: on the valley's
            // link the answers to a push were two thirds of the bytes.
            .gzip(true)
            // Opening the connection has its own, shorter limit, so that a connection that
            // never opens ends as "offline" and never as the request's deadline, which
            // means a server that was reached and stalled.
            .connect_timeout(options.effective_connect_timeout())
            // A stall after connecting ends at the request's deadline (a push sets its own,
            // sized to its body). reqwest's `read_timeout` is not used: until the answer's
            // headers it runs from the start of the request without resetting, so it would
            // cut a large push still uploading over a slow link.
            .timeout(options.request_timeout)
            // The API never redirects; following one could take the token to a plain
            // http:// address that the https rule would have refused.
            .redirect(reqwest::redirect::Policy::none())
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
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
            pull_limit: DEFAULT_PULL_LIMIT,
        })
    }

    /// The largest answer (after gzip decoding) this client reads; a larger one ends the
    /// request with [`SyncError::AnswerTooLarge`]. Default [`DEFAULT_MAX_ANSWER_BYTES`].
    pub fn with_max_answer_bytes(mut self, bytes: usize) -> SyncClient {
        self.max_answer_bytes = bytes;
        self
    }

    pub fn max_answer_bytes(&self) -> usize {
        self.max_answer_bytes
    }

    /// Items asked for per pull page (1 ..= 5,000; default 500, the server's own default).
    pub fn with_pull_limit(mut self, limit: u32) -> SyncClient {
        self.pull_limit = limit.clamp(1, MAX_PULL_LIMIT);
        self
    }

    pub fn pull_limit(&self) -> u32 {
        self.pull_limit
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
        self.read_json(self.http.get(self.url("/health")).send().await)
            .await
    }

    /// Trades a one-time enrollment code for this device's id and token, telling the
    /// server which vault enrolls: its id and secret, read from `vault` (whose lock is let
    /// go before the request goes out). The caller keeps the token (sealed in the vault)
    /// and calls `set_token`.
    pub async fn enroll(
        &self,
        code: &str,
        device_name: &str,
        vault: &Mutex<Vault>,
    ) -> Result<EnrollResponse, SyncError> {
        let identity = VaultIdentity::of(&lock(vault))?;
        let mut req = EnrollRequest {
            code: code.trim().to_string(),
            device_name: device_name.to_string(),
            vault_id: identity.vault_id(),
            vault_secret: identity.vault_secret().to_string(),
        };
        let request = self.http.post(self.url("/devices/enroll")).json(&req);
        // The body holds its own copy now; this one need not outlive the call.
        req.vault_secret.zeroize();
        self.read_json(request.send().await).await
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
            .timeout(self.options.push_timeout(gzipped.len()))
            .header(reqwest::header::AUTHORIZATION, self.bearer()?)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(gzipped);
        self.read_json(req.send().await).await
    }

    /// Pushes one batch as plain JSON, the way one-request-per-form clients do. Only the
    /// benchmark uses it, to compare.
    pub async fn push_plain(&self, batch: &PushRequest) -> Result<PushResponse, SyncError> {
        let json = serde_json::to_vec(batch).map_err(|e| SyncError::Encode(e.to_string()))?;
        let req = self
            .http
            .post(self.url("/sync/push"))
            .timeout(self.options.push_timeout(json.len()))
            .header(reqwest::header::AUTHORIZATION, self.bearer()?)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(json);
        self.read_json(req.send().await).await
    }

    /// `GET /sync/pull?since=CURSOR&limit=N`: one page of what changed after `since`, at
    /// most `limit` items (clamped to 1 ..= 5,000). While the answer says `more`, ask again
    /// from its cursor (`sync_once` does).
    pub async fn pull(&self, since: u64, limit: u32) -> Result<PullResponse, SyncError> {
        let limit = limit.clamp(1, MAX_PULL_LIMIT);
        let req = self
            .http
            .get(format!(
                "{}?since={since}&limit={limit}",
                self.url("/sync/pull")
            ))
            .header(reqwest::header::AUTHORIZATION, self.bearer()?);
        self.read_json(req.send().await).await
    }

    async fn read_json<T: DeserializeOwned>(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, SyncError> {
        let mut resp = sent.map_err(SyncError::from_reqwest)?;
        let status = resp.status();
        // Read the whole body before judging it: a response cut short by the link must be
        // a transport error (retry), never a half-parsed success.
        let body = read_capped(&mut resp, self.max_answer_bytes).await?;
        decode_answer(status.as_u16(), &body)
    }
}

/// gzip level of pushes: the highest. On a 256 kbit/s link a byte costs 31 µs; level 9
/// makes a batch of 13-item submissions about 3% smaller than level 6 (39.0 against 40.3
/// bytes a submission, some 0.4 s of a 10,000-submission sync) for about 5 ms more CPU per
/// thousand records. The batches are compressed in parallel before the first is sent.
pub const PUSH_GZIP_LEVEL: u32 = 9;

/// Serializes `value` to JSON and gzips it at [`PUSH_GZIP_LEVEL`].
pub fn gzip_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, SyncError> {
    let json = serde_json::to_vec(value).map_err(|e| SyncError::Encode(e.to_string()))?;
    let mut enc = GzEncoder::new(
        Vec::with_capacity(json.len() / 8 + 64),
        Compression::new(PUSH_GZIP_LEVEL),
    );
    enc.write_all(&json)
        .map_err(|e| SyncError::Encode(e.to_string()))?;
    enc.finish().map_err(|e| SyncError::Encode(e.to_string()))
}

/// The gzipped body of a push of records already serialized one by one: the same bytes as
/// [`gzip_json`] of the [`PushRequest`] (`{"batch_id":"...","records":[...]}`), without
/// serializing each record a second time.
pub(crate) fn gzip_push_body(
    batch_id: uuid::Uuid,
    records_json: &[Vec<u8>],
) -> Result<Vec<u8>, SyncError> {
    let json_len: usize = records_json.iter().map(|r| r.len() + 1).sum();
    let mut enc = GzEncoder::new(
        Vec::with_capacity(json_len / 8 + 64),
        Compression::new(PUSH_GZIP_LEVEL),
    );
    let mut write = |bytes: &[u8]| {
        enc.write_all(bytes)
            .map_err(|e| SyncError::Encode(e.to_string()))
    };
    write(format!(r#"{{"batch_id":"{batch_id}","records":["#).as_bytes())?;
    for (i, r) in records_json.iter().enumerate() {
        if i > 0 {
            write(b",")?;
        }
        write(r)?;
    }
    write(b"]}")?;
    enc.finish().map_err(|e| SyncError::Encode(e.to_string()))
}

/// Reads a whole answer body (gzip already decoded by reqwest, chunk by chunk as it
/// arrives), and stops as soon as it passes `max` bytes: a runaway answer or a gzip bomb
/// costs at most `max` bytes of memory and the bytes that crossed the link until then.
async fn read_capped(resp: &mut reqwest::Response, max: usize) -> Result<Vec<u8>, SyncError> {
    // A plain answer that says its length up front is refused before reading it.
    let mut body = CappedBody::new(max, resp.content_length())?;
    while let Some(chunk) = resp.chunk().await.map_err(SyncError::from_reqwest)? {
        body.push(&chunk)?;
    }
    Ok(body.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_server::{self, Response, TestServer};
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
    fn a_plain_http_server_elsewhere_is_refused_when_the_client_is_made() {
        let e = SyncClient::new("http://campo.example.org", Some("t".into())).unwrap_err();
        assert!(matches!(e, SyncError::InsecureUrl(_)), "{e:?}");
        assert_eq!(e.code(), "insecure_url");
        assert!(e.to_string().contains("https://"), "{e}");
        let c = SyncClient::new("http://127.0.0.1:8770/", None).unwrap();
        assert_eq!(c.url("/health"), "http://127.0.0.1:8770/api/v1/health");
        assert!(SyncClient::new("http://localhost:8770", None).is_ok());
        assert!(SyncClient::new("http://[::1]:8770", None).is_ok());
    }

    #[tokio::test]
    async fn enrollment_sends_the_vaults_id_and_secret() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _) =
            campo_store::Vault::create(dir.path(), "Facilitatrice", "a test passphrase only")
                .unwrap();
        let vault = Mutex::new(vault);
        let device_id = uuid::Uuid::now_v7();
        let server = TestServer::start(move |_| {
            Response::json(&EnrollResponse {
                device_id,
                token: "t".repeat(43),
            })
        })
        .await;
        let c = SyncClient::new(server.url(), None).unwrap();
        let got = c
            .enroll(" K7QM-2XHD-9PRW ", "Tablet 1", &vault)
            .await
            .unwrap();
        assert_eq!(got.device_id, device_id);
        let req = &server.requests()[0];
        assert_eq!(
            (req.method.as_str(), req.path()),
            ("POST", "/api/v1/devices/enroll")
        );
        // Parsed as the server parses it, checks included.
        let sent: EnrollRequest = req.json();
        assert_eq!(sent.code, "K7QM-2XHD-9PRW");
        assert_eq!(sent.device_name, "Tablet 1");
        let vault = vault.into_inner().unwrap();
        assert_eq!(sent.vault_id, vault.vault_id());
        assert_eq!(sent.vault_id, vault.device_id());
        assert_eq!(sent.vault_secret, *vault.vault_secret().unwrap());
        let identity = VaultIdentity::of(&vault).unwrap();
        assert!(
            !format!("{identity:?}").contains(&sent.vault_secret),
            "Debug shows no secret"
        );
    }

    /// The app enrolls from an async command on a tokio worker: the future must be `Send`,
    /// which also proves the vault's lock is let go before the request.
    #[allow(dead_code)]
    fn enroll_future_is_send(c: &SyncClient, v: &Mutex<Vault>) {
        fn is_send<T: Send>(_: &T) {}
        let f = c.enroll("", "", v);
        is_send(&f);
    }

    #[tokio::test]
    async fn a_redirect_is_not_followed() {
        // A redirect could take the token to a plain-http address the https rule refuses.
        let server = TestServer::start(|req| {
            if req.path().ends_with("/health") {
                Response::Full {
                    status: 307,
                    headers: vec![("location", "http://campo.example.org/api/v1/x".into())],
                    body: vec![],
                }
            } else {
                Response::json(&health("followed"))
            }
        })
        .await;
        let c = SyncClient::new(server.url(), Some("t".into())).unwrap();
        let e = c.health().await.unwrap_err();
        assert!(matches!(e, SyncError::Refused { status: 307, .. }), "{e:?}");
        assert_eq!(server.requests().len(), 1);
    }

    #[test]
    fn the_connect_timeout_never_exceeds_the_requests_deadline() {
        let o = ClientOptions {
            connect_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(5),
            ..ClientOptions::default()
        };
        assert_eq!(o.effective_connect_timeout(), Duration::from_secs(5));
        assert_eq!(
            ClientOptions::default().effective_connect_timeout(),
            Duration::from_secs(10)
        );
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

    #[test]
    fn a_push_body_built_record_by_record_is_the_push_request_itself() {
        use crate::wire::{Record, RecordBody, RosterCode};
        let batch = PushRequest {
            batch_id: uuid::Uuid::now_v7(),
            records: (0..3)
                .map(|i| Record {
                    id: uuid::Uuid::now_v7(),
                    revision: i,
                    body: RecordBody::RosterCode(RosterCode {
                        code: format!("C-{i}"),
                        consent: Vec::new(),
                    }),
                })
                .collect(),
        };
        let gunzip = |gz: &[u8]| {
            let mut out = Vec::new();
            GzDecoder::new(gz).read_to_end(&mut out).unwrap();
            out
        };
        for n in [0, 1, 3] {
            let part = PushRequest {
                batch_id: batch.batch_id,
                records: batch.records[..n].to_vec(),
            };
            let jsons: Vec<Vec<u8>> = part
                .records
                .iter()
                .map(|r| serde_json::to_vec(r).unwrap())
                .collect();
            let built = gzip_push_body(part.batch_id, &jsons).unwrap();
            assert_eq!(gunzip(&built), serde_json::to_vec(&part).unwrap());
            assert_eq!(built, gzip_json(&part).unwrap(), "same bytes on the wire");
        }
    }

    #[tokio::test]
    async fn a_token_is_needed_before_pushing() {
        let c = SyncClient::new("http://127.0.0.1:9", None).unwrap();
        assert!(matches!(c.pull(0, 10).await, Err(SyncError::NotEnrolled)));
    }

    fn health(status: &str) -> Health {
        Health {
            status: status.into(),
            server_time: chrono::Utc::now(),
            version: "1".into(),
        }
    }

    #[tokio::test]
    async fn asks_for_gzip_and_reads_a_gzipped_answer() {
        let sent = health("ok");
        let answer = sent.clone();
        let server = TestServer::start(move |_| Response::gzip_json(&answer)).await;
        let c = SyncClient::new(server.url(), None).unwrap();
        assert_eq!(c.health().await.unwrap(), sent);
        let reqs = server.requests();
        let accept = reqs[0].header("accept-encoding").unwrap_or_default();
        assert!(
            accept.split(',').any(|e| e.trim() == "gzip"),
            "Accept-Encoding: {accept:?}"
        );
    }

    #[tokio::test]
    async fn a_push_goes_up_gzipped_and_its_gzipped_answer_is_read() {
        let server = TestServer::start(|req| {
            let push: PushRequest = req.json();
            Response::gzip_json(&PushResponse {
                results: push
                    .records
                    .iter()
                    .map(|r| crate::wire::PushResult {
                        id: r.id,
                        revision: r.revision,
                        status: crate::wire::PushStatus::Rejected,
                        reason: Some("no".into()),
                        reason_code: Some("roster_code_invalid".into()),
                    })
                    .collect(),
            })
        })
        .await;
        let c = SyncClient::new(server.url(), Some("t0k".into())).unwrap();
        let batch = PushRequest {
            batch_id: uuid::Uuid::now_v7(),
            records: vec![crate::wire::Record {
                id: uuid::Uuid::now_v7(),
                revision: 3,
                body: crate::wire::RecordBody::RosterCode(crate::wire::RosterCode {
                    code: "C-1".into(),
                    consent: Vec::new(),
                }),
            }],
        };
        let (resp, sent) = c.push(&batch).await.unwrap();
        assert_eq!(resp.results.len(), 1);
        assert_eq!(resp.results[0].revision, 3);
        assert_eq!(
            resp.results[0].reason_code.as_deref(),
            Some("roster_code_invalid")
        );
        let req = &server.requests()[0];
        assert_eq!(
            (req.method.as_str(), req.path()),
            ("POST", "/api/v1/sync/push")
        );
        assert_eq!(req.header("content-encoding"), Some("gzip"));
        assert_eq!(req.header("authorization"), Some("Bearer t0k"));
        assert!(req
            .header("accept-encoding")
            .unwrap_or_default()
            .contains("gzip"));
        assert_eq!(req.body.len(), sent);
        assert_eq!(req.json::<PushRequest>(), batch);
    }

    #[tokio::test]
    async fn pull_asks_for_one_page_from_a_cursor() {
        let server = TestServer::start(|req| {
            Response::gzip_json(&PullResponse {
                notes: vec![],
                barriers: vec![],
                retired: vec![],
                erasures: vec![],
                information_sheet: None,
                cursor: req.query_u64("since") + 1,
                more: true,
                instruments: vec![],
                roster: vec![],
                meetings: vec![],
                targets: None,
                project_report: None,
            })
        })
        .await;
        let c = SyncClient::new(server.url(), Some("t".into())).unwrap();
        let page = c.pull(42, 7).await.unwrap();
        assert_eq!((page.cursor, page.more), (43, true));
        c.pull(0, 0).await.unwrap();
        c.pull(0, 1_000_000).await.unwrap();
        let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
        assert_eq!(
            targets,
            [
                "/api/v1/sync/pull?since=42&limit=7",
                "/api/v1/sync/pull?since=0&limit=1",
                "/api/v1/sync/pull?since=0&limit=5000",
            ]
        );
        assert_eq!(c.pull_limit(), DEFAULT_PULL_LIMIT);
        assert_eq!(c.with_pull_limit(0).pull_limit(), 1);
    }

    /// A health answer whose JSON is exactly `len` bytes long.
    fn health_of_len(len: usize) -> Vec<u8> {
        let mut h = health("");
        let base = serde_json::to_vec(&h).unwrap().len();
        h.status = "x".repeat(len - base);
        let json = serde_json::to_vec(&h).unwrap();
        assert_eq!(json.len(), len);
        json
    }

    #[tokio::test]
    async fn an_answer_up_to_the_cap_is_read_and_one_byte_more_is_refused() {
        const CAP: usize = 64 * 1024;
        for (len, gzip) in [(CAP, false), (CAP + 1, false), (CAP, true), (CAP + 1, true)] {
            let json = health_of_len(len);
            let server = TestServer::start(move |_| {
                let mut headers = vec![("content-type", "application/json".into())];
                let body = if gzip {
                    headers.push(("content-encoding", "gzip".into()));
                    test_server::gzip(&json)
                } else {
                    json.clone()
                };
                Response::Full {
                    status: 200,
                    headers,
                    body,
                }
            })
            .await;
            let c = SyncClient::new(server.url(), None)
                .unwrap()
                .with_max_answer_bytes(CAP);
            let got = c.health().await;
            if len <= CAP {
                let got = got.unwrap_or_else(|e| panic!("{len} bytes, gzip {gzip}: {e:?}"));
                assert!(got.status.len() > CAP - 100 && got.status.bytes().all(|b| b == b'x'));
            } else {
                match got {
                    Err(e @ SyncError::AnswerTooLarge { limit: CAP }) => {
                        assert_eq!(e.code(), "answer_too_large");
                    }
                    other => panic!("{len} bytes, gzip {gzip}: {other:?}"),
                }
            }
        }
    }

    #[tokio::test]
    async fn an_answer_without_end_stops_at_the_cap() {
        // No length and no end: a client that read the whole answer before checking its
        // size would never return.
        let server = TestServer::start(|_| Response::Endless {
            gzip: false,
            chunk: vec![b' '; 64 * 1024],
        })
        .await;
        let c = SyncClient::new(server.url(), None)
            .unwrap()
            .with_max_answer_bytes(1024 * 1024);
        let got = tokio::time::timeout(std::time::Duration::from_secs(20), c.health())
            .await
            .expect("reading stopped at the cap");
        assert!(
            matches!(got, Err(SyncError::AnswerTooLarge { limit }) if limit == 1024 * 1024),
            "{got:?}"
        );
    }

    #[tokio::test]
    async fn a_gzip_bomb_stops_at_the_cap_after_decoding() {
        // A gzip stream of zeros without end: about 1 KB on the wire per MiB decoded.
        let server = TestServer::start(|_| Response::Endless {
            gzip: true,
            chunk: vec![0u8; 1024 * 1024],
        })
        .await;
        let c = SyncClient::new(server.url(), None)
            .unwrap()
            .with_max_answer_bytes(4 * 1024 * 1024);
        let got = tokio::time::timeout(std::time::Duration::from_secs(20), c.health())
            .await
            .expect("decoding stopped at the cap");
        assert!(
            matches!(got, Err(SyncError::AnswerTooLarge { limit }) if limit == 4 * 1024 * 1024),
            "{got:?}"
        );
    }

    #[tokio::test]
    async fn an_error_answer_is_capped_and_still_classified() {
        let server = TestServer::start(|_| Response::status(503, "Service Unavailable")).await;
        let c = SyncClient::new(server.url(), None).unwrap();
        let e = c.health().await.unwrap_err();
        assert!(
            matches!(e, SyncError::Unavailable { status: 503, .. }),
            "{e:?}"
        );
    }

    #[test]
    fn batch_defaults_are_larger_and_within_the_servers_caps() {
        let o = ClientOptions::default();
        assert_eq!((o.batch_records, o.batch_bytes), (1_000, 1024 * 1024));
        assert!(o.batch_records <= MAX_PUSH_RECORDS && o.batch_bytes < MAX_BODY_BYTES);
        assert_eq!(o.effective_batch_records(), 1_000);
        let greedy = ClientOptions {
            batch_records: 1_000_000,
            batch_bytes: usize::MAX,
            ..ClientOptions::default()
        };
        assert_eq!(greedy.effective_batch_records(), MAX_PUSH_RECORDS);
        assert_eq!(
            greedy.effective_batch_bytes(),
            MAX_BODY_BYTES - ENVELOPE_BYTES
        );
        let zero = ClientOptions {
            batch_records: 0,
            batch_bytes: 0,
            ..ClientOptions::default()
        };
        assert_eq!(
            (zero.effective_batch_records(), zero.effective_batch_bytes()),
            (1, 1)
        );
    }

    #[test]
    fn a_push_gets_the_time_its_body_takes_at_64_kbit_s() {
        let o = ClientOptions::default();
        assert_eq!(o.push_timeout(0), Duration::from_secs(60));
        // 8,000 bytes are 64,000 bits: one second at 64 kbit/s.
        assert_eq!(o.push_timeout(8_000), Duration::from_secs(61));
        // A full batch of incompressible JSON still gets its time on the slowest link.
        assert!(o.push_timeout(DEFAULT_BATCH_BYTES) > Duration::from_secs(60 + 131));
    }
}
