//! A tiny HTTP/1.1 server on a loopback port for the client's tests: each connection gets
//! one request, the handler's answer, and `connection: close`. Every request is kept so a
//! test can look at what the client really sent (headers, query, body).

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as received.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, e.g. `/api/v1/sync/pull?since=0&limit=500`.
    pub target: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// A query parameter's value.
    pub fn query(&self, key: &str) -> Option<&str> {
        let (_, q) = self.target.split_once('?')?;
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    pub fn query_u64(&self, key: &str) -> u64 {
        self.query(key)
            .unwrap_or_else(|| panic!("no {key} in {}", self.target))
            .parse()
            .unwrap()
    }

    /// The body parsed as JSON, gunzipped first when it says `Content-Encoding: gzip`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        let plain = if self.header("content-encoding") == Some("gzip") {
            let mut out = Vec::new();
            GzDecoder::new(&self.body[..])
                .read_to_end(&mut out)
                .unwrap();
            out
        } else {
            self.body.clone()
        };
        serde_json::from_slice(&plain).unwrap()
    }
}

/// What the server does with a request.
pub enum Response {
    /// A whole answer with its `content-length`.
    Full {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without a byte of answer (a link that dropped).
    Drop,
    /// Keep the connection open and never answer (a server that stalled after accepting).
    Stall,
    /// Announce `announced` bytes of body, send `body`, shorter, and close: an answer cut
    /// short.
    Cut { announced: usize, body: Vec<u8> },
    /// A 200 with no length, `chunk` written again and again until the client hangs up
    /// (the body ends only when the connection closes): an answer without end.
    Endless { gzip: bool, chunk: Vec<u8> },
}

impl Response {
    pub fn json<T: serde::Serialize>(value: &T) -> Response {
        Response::Full {
            status: 200,
            headers: vec![("content-type", "application/json".into())],
            body: serde_json::to_vec(value).unwrap(),
        }
    }

    /// JSON gzipped, as the server answers a client that accepts gzip.
    pub fn gzip_json<T: serde::Serialize>(value: &T) -> Response {
        Response::Full {
            status: 200,
            headers: vec![
                ("content-type", "application/json".into()),
                ("content-encoding", "gzip".into()),
            ],
            body: gzip(&serde_json::to_vec(value).unwrap()),
        }
    }

    pub fn status(status: u16, body: &str) -> Response {
        Response::Full {
            status,
            headers: vec![("content-type", "text/plain".into())],
            body: body.as_bytes().to_vec(),
        }
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::new(6));
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

pub struct TestServer {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub async fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, handler.clone(), seen.clone()));
            }
        });
        TestServer {
            url,
            requests,
            task,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(mut conn: TcpStream, handler: Arc<Handler>, seen: Arc<Mutex<Vec<Request>>>) {
    let Some(req) = read_request(&mut conn).await else {
        return;
    };
    seen.lock().unwrap().push(req.clone());
    match handler(&req) {
        Response::Drop => {}
        Response::Stall => {
            // Longer than any test's timeout; the test's runtime ends the task with it.
            tokio::time::sleep(std::time::Duration::from_secs(300)).await;
            drop(conn);
        }
        Response::Cut { announced, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {announced}\r\nconnection: close\r\n\r\n"
            );
            let _ = conn.write_all(head.as_bytes()).await;
            let _ = conn.write_all(&body).await;
            let _ = conn.shutdown().await;
        }
        Response::Full {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("connection: close\r\n\r\n");
            let _ = conn.write_all(head.as_bytes()).await;
            let _ = conn.write_all(&body).await;
            let _ = conn.shutdown().await;
        }
        Response::Endless { gzip, chunk } => {
            let encoding = if gzip {
                "content-encoding: gzip\r\n"
            } else {
                ""
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{encoding}connection: close\r\n\r\n"
            );
            if conn.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut enc = GzEncoder::new(Vec::new(), Compression::new(9));
            loop {
                let out = if gzip {
                    enc.write_all(&chunk).unwrap();
                    enc.flush().unwrap();
                    std::mem::take(enc.get_mut())
                } else {
                    chunk.clone()
                };
                // Fails once the client gave up and closed: that is the end.
                if conn.write_all(&out).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn read_request(conn: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = conn.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}
