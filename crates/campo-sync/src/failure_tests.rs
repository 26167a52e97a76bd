//! Each failure class caused for real: a closed port, an address with no route, a
//! connection that never opens (the connect timeout), a name that does not resolve, a
//! server that stalls after accepting, an answer cut short or dropped, and the statuses a
//! server or a proxy answers.

use crate::error::{FailureClass, SyncError};
use crate::test_server::{Response, TestServer};
use crate::{ClientOptions, SyncClient};
use std::time::{Duration, Instant};

fn options(connect: Duration, request: Duration) -> ClientOptions {
    ClientOptions {
        connect_timeout: connect,
        request_timeout: request,
        reuse_connections: false,
        ..ClientOptions::default()
    }
}

/// `GET /health` on `url`, which must fail; the error and how long it took.
async fn fail(url: &str, options: ClientOptions) -> (SyncError, Duration) {
    let client = SyncClient::with_options(url, Some("token".into()), options).unwrap();
    let started = Instant::now();
    // A bound of the test's own, far above every timeout the client is given.
    let got = tokio::time::timeout(Duration::from_secs(30), client.health())
        .await
        .expect("the client's own timeouts end every request");
    (got.expect_err("the request must fail"), started.elapsed())
}

async fn class_of_answer(response: fn() -> Response) -> SyncError {
    let server = TestServer::start(move |_| response()).await;
    let (e, _) = fail(
        server.url(),
        options(Duration::from_secs(2), Duration::from_secs(5)),
    )
    .await;
    e
}

#[tokio::test]
async fn a_closed_port_is_offline() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (e, took) = fail(
        &format!("http://127.0.0.1:{port}"),
        options(Duration::from_secs(5), Duration::from_secs(10)),
    )
    .await;
    assert_eq!(e.class(), Some(FailureClass::Offline), "{e:?}");
    assert_eq!(e.code(), "offline");
    assert!(e.is_retryable());
    assert!(took < Duration::from_secs(5), "refused at once: {took:?}");
}

#[tokio::test]
async fn an_address_without_a_route_is_offline_not_a_stall() {
    // 192.0.2.0/24 is reserved for documentation and never routed: the connection either
    // fails at once (no route) or never opens (the connect timeout). Either is offline,
    // and neither may look like a server that stalled: the request's deadline is longer.
    let (e, took) = fail(
        "https://192.0.2.1:443",
        options(Duration::from_millis(500), Duration::from_secs(20)),
    )
    .await;
    assert_eq!(e.class(), Some(FailureClass::Offline), "{e:?}");
    assert!(matches!(e, SyncError::Connect(_)), "{e:?}");
    assert!(
        took < Duration::from_secs(10),
        "ended by the connect timeout: {took:?}"
    );
}

#[tokio::test]
async fn a_connection_that_never_opens_is_offline_when_the_connect_timeout_ends_it() {
    // A listener that never accepts, with the smallest queue: once the queue is full the
    // system drops every new connection attempt unanswered, so connecting hangs until the
    // client's connect timeout, with the request's deadline much further away.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    let full = loop {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(c) if queued.len() < 64 => queued.push(c),
            Ok(_) => break false,
            Err(_) => break true,
        }
    };
    assert!(full, "the listener's queue never filled");
    let (e, took) = fail(
        &format!("http://{addr}"),
        options(Duration::from_millis(700), Duration::from_secs(20)),
    )
    .await;
    assert!(matches!(e, SyncError::Connect(_)), "{e:?}");
    assert_eq!(e.class(), Some(FailureClass::Offline));
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(10),
        "ended by the connect timeout: {took:?}"
    );
    drop(listener);
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_offline() {
    // `.invalid` never resolves (RFC 2606); without any resolver it fails all the same.
    let (e, _) = fail(
        "https://campo-server.invalid",
        options(Duration::from_secs(5), Duration::from_secs(20)),
    )
    .await;
    assert_eq!(e.class(), Some(FailureClass::Offline), "{e:?}");
}

#[tokio::test]
async fn a_server_that_stalls_after_accepting_is_server_trouble() {
    let server = TestServer::start(|_| Response::Stall).await;
    let (e, took) = fail(
        server.url(),
        options(Duration::from_secs(5), Duration::from_millis(600)),
    )
    .await;
    assert!(matches!(e, SyncError::Timeout), "{e:?}");
    assert_eq!(e.class(), Some(FailureClass::ServerTrouble));
    assert_eq!(e.code(), "timeout");
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert_eq!(server.requests().len(), 1, "the request did arrive");
}

#[tokio::test]
async fn an_answer_cut_short_is_server_trouble() {
    let e = class_of_answer(|| Response::Cut {
        announced: 500,
        body: br#"{"status":"ok","ser"#.to_vec(),
    })
    .await;
    assert_eq!(e.class(), Some(FailureClass::ServerTrouble), "{e:?}");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_dropped_connection_is_server_trouble() {
    let e = class_of_answer(|| Response::Drop).await;
    assert_eq!(e.class(), Some(FailureClass::ServerTrouble), "{e:?}");
}

#[tokio::test]
async fn statuses_are_classed_by_who_can_mend_them() {
    let cases: [(fn() -> Response, FailureClass); 7] = [
        (
            || Response::status(503, "Service Unavailable"),
            FailureClass::ServerTrouble,
        ),
        (
            || Response::status(500, "boom"),
            FailureClass::ServerTrouble,
        ),
        (
            || Response::status(429, "slow down"),
            FailureClass::ServerTrouble,
        ),
        (
            || Response::status(408, "request timeout"),
            FailureClass::ServerTrouble,
        ),
        (
            || Response::status(401, r#"{"code":"unauthorized","message":"revoked"}"#),
            FailureClass::Revoked,
        ),
        (
            || Response::status(400, r#"{"code":"bad_cursor","message":"no"}"#),
            FailureClass::Refused,
        ),
        (|| Response::status(413, "too large"), FailureClass::Refused),
    ];
    for (response, class) in cases {
        let e = class_of_answer(response).await;
        assert_eq!(e.class(), Some(class), "{e:?}");
        assert_eq!(
            e.is_retryable(),
            matches!(class, FailureClass::ServerTrouble),
            "{e:?}"
        );
    }
}
