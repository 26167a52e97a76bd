//! A TCP proxy on 127.0.0.1 that stands for the valley's mobile link: it can break any
//! connection in the ways a weak link does (or a faulty middlebox would), and shape the
//! link's bandwidth and delay for the benchmark.
//!
//! Faults are decided per connection by a [`FaultPlan`] when the connection is accepted.
//! Tests turn connection reuse off in the client so that each request is its own
//! connection and gets its own fault. A fault is counted only when it actually fired
//! (a "drop after 300 bytes" on a 200-byte request never fires).
//!
//! Given several upstreams (server processes on one database), the proxy is also the
//! load balancer in front of them: each connection goes to one of them drawn at random.
//!
//! The link itself can go down and come back ([`Proxy::set_link`]): down, the port is
//! closed (a connection is refused, as with no route) and every open connection is cut;
//! up, the same port listens again. The proxy logs when each request's first byte reached
//! the server, so a test can time "signal back" to "first batch on the wire".

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use socket2::SockRef;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// What happens to one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forward both ways untouched.
    Pass,
    /// Forward the first `after` bytes of the request, then close both sides: the server
    /// sees half a request, the client a dead connection.
    DropRequest { after: usize },
    /// As soon as the request starts, reset the client's connection (RST, SO_LINGER 0).
    Reset,
    /// Swallow the request and answer nothing for `hold`, then close: the client's
    /// timeout has to fire.
    Stall { hold: Duration },
    /// Forward the request; pass on only the first `keep` bytes of the response, then
    /// close. The server has committed; the client must not believe it has not.
    TruncateResponse { keep: usize },
    /// Answer `503 Service Unavailable` without forwarding anything.
    Canned503,
    /// Forward the request, wait for the server's answer (the batch is committed), then
    /// close without passing a byte of it on.
    DropResponse,
}

impl Fault {
    pub const KINDS: [&'static str; 7] = [
        "pass",
        "drop_request",
        "reset",
        "stall",
        "truncate_response",
        "canned_503",
        "drop_response",
    ];

    fn index(&self) -> usize {
        match self {
            Fault::Pass => 0,
            Fault::DropRequest { .. } => 1,
            Fault::Reset => 2,
            Fault::Stall { .. } => 3,
            Fault::TruncateResponse { .. } => 4,
            Fault::Canned503 => 5,
            Fault::DropResponse => 6,
        }
    }
}

/// Decides the fault of connection number `n` (0-based, in accept order).
pub type FaultPlan = Arc<dyn Fn(u64) -> Fault + Send + Sync>;

/// A link's shape: bandwidth each way and one-way delay (RTT = 2 x delay).
#[derive(Clone, Copy, Debug, Default)]
pub struct Shaping {
    pub bits_per_second: Option<u64>,
    pub one_way_delay: Duration,
}

/// What went through the proxy.
#[derive(Default, Debug)]
pub struct Stats {
    pub connections: AtomicU64,
    /// Faults that fired, by `Fault::KINDS` index (index 0, "pass", stays 0).
    pub fired: [AtomicU64; 7],
    /// Bytes from client to server and back, as forwarded (TCP payload).
    pub bytes_up: AtomicU64,
    pub bytes_down: AtomicU64,
    /// Connections the proxy could not forward because the server was down.
    pub upstream_down: AtomicU64,
    /// Connections sent to each upstream, by its index in the list the proxy was given
    /// (counted when the upstream is chosen, whether it answers or not).
    pub by_upstream: Mutex<Vec<u64>>,
    /// Each request that reached the server: when its first byte was delivered, and its
    /// request line ("POST /api/v1/push HTTP/1.1").
    pub requests: Mutex<Vec<(std::time::Instant, String)>>,
}

impl Stats {
    pub fn faults_fired(&self) -> u64 {
        self.fired.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    pub fn fired_by_kind(&self) -> Vec<(&'static str, u64)> {
        Fault::KINDS
            .iter()
            .zip(&self.fired)
            .skip(1)
            .map(|(k, c)| (*k, c.load(Ordering::Relaxed)))
            .collect()
    }

    pub fn bytes(&self) -> (u64, u64) {
        (
            self.bytes_up.load(Ordering::Relaxed),
            self.bytes_down.load(Ordering::Relaxed),
        )
    }

    /// Connections sent to each upstream so far.
    pub fn by_upstream(&self) -> Vec<u64> {
        self.by_upstream.lock().unwrap().clone()
    }

    /// When the first request whose line starts with `prefix` reached the server at or
    /// after `since`.
    pub fn first_request_since(
        &self,
        prefix: &str,
        since: std::time::Instant,
    ) -> Option<std::time::Instant> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .find(|(at, line)| *at >= since && line.starts_with(prefix))
            .map(|(at, _)| *at)
    }

    /// How many requests whose line starts with `prefix` reached the server.
    pub fn requests_starting(&self, prefix: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, line)| line.starts_with(prefix))
            .count()
    }

    fn fire(&self, f: Fault) {
        self.fired[f.index()].fetch_add(1, Ordering::Relaxed);
    }
}

struct Shared {
    upstreams: Mutex<Vec<SocketAddr>>,
    /// Draws the upstream of each forwarded connection.
    pick: Mutex<StdRng>,
    plan: Mutex<FaultPlan>,
    shaping: Mutex<Shaping>,
    stats: Stats,
    /// Connection count, for the fault plan (kept across the link going down and up).
    accepted: AtomicU64,
    /// The connections being served, so that the link going down can cut them.
    live: Mutex<Vec<JoinHandle<()>>>,
}

/// The running proxy. Stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// The accept loop; `None` while the link is down (the port closed).
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `upstream`, passing everything.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Proxy> {
        Proxy::start_balanced(&[upstream], 0).await
    }

    /// Listens on a free loopback port and forwards each connection to one of `upstreams`
    /// drawn at random (uniformly, from a generator seeded with `seed`), passing
    /// everything. A connection drawn to an upstream that is down is closed, as a load
    /// balancer without health checks would.
    pub async fn start_balanced(upstreams: &[SocketAddr], seed: u64) -> std::io::Result<Proxy> {
        assert!(!upstreams.is_empty(), "a proxy needs an upstream");
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            accepted: AtomicU64::new(0),
            live: Mutex::new(Vec::new()),
            upstreams: Mutex::new(upstreams.to_vec()),
            pick: Mutex::new(StdRng::seed_from_u64(seed)),
            plan: Mutex::new(Arc::new(|_| Fault::Pass)),
            shaping: Mutex::new(Shaping::default()),
            stats: Stats {
                by_upstream: Mutex::new(vec![0; upstreams.len()]),
                ..Stats::default()
            },
        });
        let task = tokio::spawn(accept(listener, shared.clone()));
        Ok(Proxy {
            addr,
            shared,
            task: Mutex::new(Some(task)),
        })
    }

    /// Takes the link down (the port closes, open connections are cut) or brings it back
    /// up on the same port.
    pub async fn set_link(&self, up: bool) -> std::io::Result<()> {
        if !up {
            self.cut();
            return Ok(());
        }
        if self.task.lock().unwrap().is_some() {
            return Ok(());
        }
        // tokio sets SO_REUSEADDR on a listener: the port is free again at once, even with
        // connections of the last window still in TIME_WAIT.
        let listener = TcpListener::bind(self.addr).await?;
        *self.task.lock().unwrap() = Some(tokio::spawn(accept(listener, self.shared.clone())));
        Ok(())
    }

    fn cut(&self) {
        if let Some(task) = self.task.lock().unwrap().take() {
            task.abort();
        }
        for conn in self.shared.live.lock().unwrap().drain(..) {
            conn.abort();
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    pub fn set_plan(&self, plan: impl Fn(u64) -> Fault + Send + Sync + 'static) {
        *self.shared.plan.lock().unwrap() = Arc::new(plan);
    }

    pub fn set_shaping(&self, shaping: Shaping) {
        *self.shared.shaping.lock().unwrap() = shaping;
    }

    /// Forward new connections to a different server address (after a restart elsewhere).
    pub fn set_upstream(&self, upstream: SocketAddr) {
        self.set_upstreams(&[upstream]);
    }

    /// Forward new connections to these servers, one drawn at random per connection.
    /// Per-upstream counts start again from zero.
    pub fn set_upstreams(&self, upstreams: &[SocketAddr]) {
        assert!(!upstreams.is_empty(), "a proxy needs an upstream");
        let mut list = self.shared.upstreams.lock().unwrap();
        *list = upstreams.to_vec();
        *self.shared.stats.by_upstream.lock().unwrap() = vec![0; upstreams.len()];
    }
}

/// Accepts until aborted (the link going down drops the listener with the task).
async fn accept(listener: TcpListener, s: Arc<Shared>) {
    while let Ok((client, _)) = listener.accept().await {
        let n = s.accepted.fetch_add(1, Ordering::Relaxed);
        let fault = (s.plan.lock().unwrap())(n);
        s.stats.connections.fetch_add(1, Ordering::Relaxed);
        let conn = tokio::spawn(handle(client, fault, s.clone()));
        let mut live = s.live.lock().unwrap();
        live.retain(|c| !c.is_finished());
        live.push(conn);
    }
}

const CHUNK: usize = 1460; // one Ethernet MSS: shaping works in packet-sized steps

async fn handle(client: TcpStream, fault: Fault, s: Arc<Shared>) {
    let _ = client.set_nodelay(true);
    match fault {
        Fault::Reset => {
            let mut client = client;
            let mut buf = [0u8; 64];
            if matches!(client.read(&mut buf).await, Ok(n) if n > 0) {
                // SO_LINGER 0 turns the close into a RST.
                let _ = SockRef::from(&client).set_linger(Some(Duration::ZERO));
                s.stats.fire(fault);
            }
        }
        Fault::Stall { hold } => {
            let mut client = client;
            let mut buf = [0u8; CHUNK];
            let deadline = Instant::now() + hold;
            let mut fired = false;
            loop {
                match tokio::time::timeout_at(deadline, client.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => {
                        if !fired {
                            s.stats.fire(fault);
                            fired = true;
                        }
                    }
                    _ => break, // hold elapsed, or the client gave up
                }
            }
        }
        Fault::Canned503 => {
            let mut client = client;
            let mut buf = [0u8; CHUNK];
            if matches!(client.read(&mut buf).await, Ok(n) if n > 0) {
                let body = "Service Unavailable";
                let resp = format!(
                    "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = client.write_all(resp.as_bytes()).await;
                let _ = client.shutdown().await;
                s.stats.fire(fault);
            }
        }
        _ => forward(client, fault, s).await,
    }
}

/// How a pump ended: the peer closed (pass the half-close on) or the fault fired (tear
/// the whole connection down).
enum End {
    Closed,
    Fired,
}

/// Draws the upstream of one connection and counts it.
fn choose_upstream(s: &Shared) -> SocketAddr {
    let list = s.upstreams.lock().unwrap();
    let i = if list.len() == 1 {
        0
    } else {
        s.pick.lock().unwrap().random_range(0..list.len())
    };
    if let Some(n) = s.stats.by_upstream.lock().unwrap().get_mut(i) {
        *n += 1;
    }
    list[i]
}

async fn forward(client: TcpStream, fault: Fault, s: Arc<Shared>) {
    let upstream = choose_upstream(&s);
    let server = match TcpStream::connect(upstream).await {
        Ok(t) => t,
        Err(_) => {
            s.stats.upstream_down.fetch_add(1, Ordering::Relaxed);
            return; // dropping the client closes it: to the client, the server is down
        }
    };
    let _ = server.set_nodelay(true);
    let shaping = *s.shaping.lock().unwrap();
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let up_limit = match fault {
        Fault::DropRequest { after } => Some(after),
        _ => None,
    };
    let down_limit = match fault {
        Fault::TruncateResponse { keep } => Some(keep),
        Fault::DropResponse => Some(0),
        _ => None,
    };
    let up = pump(
        cr,
        sw,
        up_limit,
        shaping,
        &s.stats.bytes_up,
        Some(&s.stats.requests),
    );
    let down = pump(sr, cw, down_limit, shaping, &s.stats.bytes_down, None);
    tokio::pin!(up, down);
    // Run both directions; a fired fault in either ends the connection at once (dropping
    // every half closes both sockets).
    let (mut up_done, mut down_done) = (false, false);
    while !(up_done && down_done) {
        tokio::select! {
            e = &mut up, if !up_done => {
                if matches!(e, End::Fired) { s.stats.fire(fault); return; }
                up_done = true;
            }
            e = &mut down, if !down_done => {
                if matches!(e, End::Fired) { s.stats.fire(fault); return; }
                down_done = true;
            }
        }
    }
}

/// Copies `from` to `to`, shaped, until EOF, an error, or `limit` bytes were passed and
/// more arrive (the fault fires: only the first `limit` bytes got through).
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    limit: Option<usize>,
    shaping: Shaping,
    counter: &AtomicU64,
    requests: Option<&Mutex<Vec<(std::time::Instant, String)>>>,
) -> End {
    // Reader and writer are split by a queue so that a delayed packet does not stop the
    // next one from being read: the link's delay is latency, not lower throughput.
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; CHUNK];
        let mut passed = 0usize;
        let mut link_free = Instant::now();
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return End::Closed,
                Ok(n) => n,
            };
            let mut chunk = &buf[..n];
            let mut fired = false;
            if let Some(limit) = limit {
                if passed + n > limit {
                    chunk = &buf[..limit - passed];
                    fired = true;
                }
            }
            passed += chunk.len();
            if !chunk.is_empty() {
                // Token bucket as a single queue: a packet leaves once the link finished
                // sending the previous one, takes len*8/bps to send, and arrives one
                // propagation delay later.
                let now = Instant::now();
                let start = link_free.max(now);
                let tx_time = match shaping.bits_per_second {
                    Some(bps) if bps > 0 => {
                        Duration::from_secs_f64(chunk.len() as f64 * 8.0 / bps as f64)
                    }
                    _ => Duration::ZERO,
                };
                link_free = start + tx_time;
                if tx
                    .send((link_free + shaping.one_way_delay, chunk.to_vec()))
                    .is_err()
                {
                    return End::Closed;
                }
            }
            if fired {
                return End::Fired;
            }
        }
    };
    let writer = async move {
        while let Some((at, bytes)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            let delivered = std::time::Instant::now();
            if to.write_all(&bytes).await.is_err() {
                return;
            }
            if let (Some(log), Some(line)) = (requests, request_line(&bytes)) {
                log.lock().unwrap().push((delivered, line));
            }
            counter.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        let _ = to.shutdown().await;
    };
    let (end, ()) = tokio::join!(reader, writer);
    end
}

/// The request line a chunk starts with, if it starts a request. A client waits for an
/// answer before sending its next request on a connection, so a request starts a chunk.
fn request_line(bytes: &[u8]) -> Option<String> {
    const METHODS: [&[u8]; 5] = [b"GET ", b"POST ", b"PUT ", b"DELETE ", b"HEAD "];
    if !METHODS.iter().any(|m| bytes.starts_with(m)) {
        return None;
    }
    let end = bytes
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(bytes.len().min(200));
    Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
}
