//! The proxy itself: each fault does what it says, and the shaped link has the bandwidth
//! and delay it was given (the benchmark's figures depend on it).

use campo_tests::proxy::{Fault, Proxy, Shaping};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A server that reads until the client half-closes, reports how many bytes it got, and
/// answers with `reply` bytes.
async fn sink(reply: usize) -> (SocketAddr, mpsc::UnboundedReceiver<usize>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                let _ = s.read_to_end(&mut got).await;
                let _ = tx.send(got.len());
                let _ = s.write_all(&vec![b'r'; reply]).await;
            });
        }
    });
    (addr, rx)
}

/// Sends `n` bytes, half-closes, reads the answer to the end (or the error).
async fn exchange(addr: SocketAddr, n: usize) -> std::io::Result<Vec<u8>> {
    let mut c = TcpStream::connect(addr).await?;
    c.write_all(&vec![b'q'; n]).await?;
    c.shutdown().await?;
    let mut out = Vec::new();
    c.read_to_end(&mut out).await?;
    Ok(out)
}

#[tokio::test]
async fn faults_cut_where_they_say() {
    let (addr, mut got) = sink(500).await;
    let proxy = Proxy::start(addr).await.unwrap();

    assert_eq!(exchange(proxy.addr(), 2000).await.unwrap().len(), 500);
    assert_eq!(got.recv().await, Some(2000));

    proxy.set_plan(|_| Fault::DropRequest { after: 700 });
    let r = exchange(proxy.addr(), 2000).await;
    assert!(r.map(|v| v.is_empty()).unwrap_or(true));
    assert_eq!(
        got.recv().await,
        Some(700),
        "the server saw exactly the first 700 bytes"
    );

    proxy.set_plan(|_| Fault::DropResponse);
    assert!(exchange(proxy.addr(), 2000)
        .await
        .map(|v| v.is_empty())
        .unwrap_or(true));
    assert_eq!(
        got.recv().await,
        Some(2000),
        "the request arrived whole; the answer did not"
    );

    proxy.set_plan(|_| Fault::TruncateResponse { keep: 120 });
    let r = exchange(proxy.addr(), 10).await.unwrap_or_default();
    assert!(r.len() <= 120, "{}", r.len());
    assert_eq!(got.recv().await, Some(10));

    proxy.set_plan(|_| Fault::Canned503);
    let r = exchange(proxy.addr(), 10).await.unwrap();
    assert!(String::from_utf8_lossy(&r).starts_with("HTTP/1.1 503"));

    proxy.set_plan(|_| Fault::Reset);
    let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
    c.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let mut buf = [0u8; 16];
    let e = c.read(&mut buf).await.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset);

    let fired: u64 = proxy.stats().faults_fired();
    assert_eq!(fired, 5);
    assert!(
        got.try_recv().is_err(),
        "neither the 503 nor the reset reached the server"
    );
}

#[tokio::test]
async fn shaping_gives_the_bandwidth_and_delay_asked_for() {
    let (addr, mut got) = sink(100).await;
    let proxy = Proxy::start(addr).await.unwrap();
    proxy.set_shaping(Shaping {
        bits_per_second: Some(256_000),
        one_way_delay: Duration::from_millis(150),
    });
    // 32,000 bytes at 256 kbit/s take 1 s up; plus 150 ms there and 150 ms back.
    let t = Instant::now();
    assert_eq!(exchange(proxy.addr(), 32_000).await.unwrap().len(), 100);
    let took = t.elapsed();
    assert_eq!(got.recv().await, Some(32_000));
    assert!(
        took >= Duration::from_millis(1290) && took < Duration::from_millis(1700),
        "{took:?}"
    );
    assert_eq!(proxy.stats().bytes(), (32_000, 100));
}

#[tokio::test]
async fn a_balanced_proxy_spreads_connections_at_random_and_counts_them() {
    let (a, mut got_a) = sink(1).await;
    let (b, mut got_b) = sink(2).await;
    let proxy = Proxy::start_balanced(&[a, b], 7).await.unwrap();
    let mut replies = [0usize; 3];
    for _ in 0..200 {
        let r = exchange(proxy.addr(), 10).await.unwrap();
        replies[r.len()] += 1;
    }
    let (mut to_a, mut to_b) = (0, 0);
    while got_a.try_recv().is_ok() {
        to_a += 1;
    }
    while got_b.try_recv().is_ok() {
        to_b += 1;
    }
    // Each upstream answers with its own length, so the replies say who served.
    assert_eq!((replies[1], replies[2]), (to_a, to_b));
    assert_eq!(to_a + to_b, 200);
    assert!(
        (60..=140).contains(&to_a),
        "{to_a} of 200 went to the first"
    );
    assert_eq!(proxy.stats().by_upstream(), vec![to_a as u64, to_b as u64]);

    // One upstream down: the connections drawn to it are closed, the others served.
    drop(got_b);
    proxy.set_upstreams(&[a, "127.0.0.1:9".parse().unwrap()]);
    let mut served = 0;
    for _ in 0..50 {
        if exchange(proxy.addr(), 10)
            .await
            .map(|r| r.len() == 1)
            .unwrap_or(false)
        {
            served += 1;
        }
    }
    let by = proxy.stats().by_upstream();
    assert_eq!(by.iter().sum::<u64>(), 50);
    assert_eq!(served as u64, by[0]);
    assert_eq!(
        proxy
            .stats()
            .upstream_down
            .load(std::sync::atomic::Ordering::Relaxed),
        by[1]
    );
}
