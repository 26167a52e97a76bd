//! Single faults, one at a time, with exact costs: what a dropped link, a lost answer or
//! a stalled server does to one sync, and what the pull brings back.

use campo_core::catalog::Catalog;
use campo_sync::{retry_rejected, sync_once, ClientOptions, SyncError};
use campo_tests::proxy::{Fault, Proxy};
use campo_tests::{data, server_submission_ids, Device, Server};
use rand::SeedableRng;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn options() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        batch_records: 500,
        reuse_connections: false,
        ..ClientOptions::default()
    }
}

/// A device with `n` final submissions (and the meetings and roster they belong to).
async fn device(server: &Server, proxy: &Proxy, name: &str, n: usize) -> Device {
    let d = Device::enrolled(server, &proxy.url(), name, options()).await;
    data::fill(&d.vault.lock().unwrap(), &Catalog::builtin(), n, name, 1);
    d
}

fn connections(p: &Proxy) -> u64 {
    p.stats().connections.load(Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_that_drops_mid_batch_costs_exactly_one_resend_and_no_duplicate() {
    let server = Server::start_fresh();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let d = device(&server, &proxy, "tablet-a", 60).await;
    let pending = d.pending();
    assert!(pending > 60 && pending <= 500, "one batch: {pending}");

    // The push is the first connection of the sync: cut it 1,000 bytes in, inside the
    // gzipped body.
    proxy.set_plan(|n| {
        if n == 0 {
            Fault::DropRequest { after: 1000 }
        } else {
            Fault::Pass
        }
    });
    let err = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(proxy.stats().fired_by_kind()[0], ("drop_request", 1));
    assert_eq!(
        d.pending(),
        pending,
        "nothing acknowledged without an answer"
    );

    let before = connections(&proxy);
    let s = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap();
    // One resend of the batch plus the pull: nothing more.
    assert_eq!(connections(&proxy) - before, 2);
    assert_eq!(s.batches, 1);
    assert_eq!(
        (s.stored, s.duplicates, s.rejected),
        (pending, 0, 0),
        "{s:?}"
    );
    assert_eq!(d.pending(), 0);
    assert_eq!(server_submission_ids(&server).len(), 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_resent_after_its_answer_was_lost_is_never_stored_twice() {
    let server = Server::start_fresh();
    let proxy = Proxy::start(server.addr()).await.unwrap();

    // The server committed the batch and its answer was lost on the way back. The tablet
    // resends under the same key: the server replays the answer it recorded ("stored"; a
    // new key would have drawn "duplicate"), which proves the key was kept.
    let a = device(&server, &proxy, "tablet-b", 40).await;
    let pending = a.pending();
    proxy.set_plan(|n| {
        if n == 0 {
            Fault::DropResponse
        } else {
            Fault::Pass
        }
    });
    let err = sync_once(&a.client, &a.vault, &|_| {}).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(a.pending(), pending, "acknowledged without an answer");
    // The tablet restarts (its vault reopened from disk): the key was saved before sending.
    {
        let mut v = a.vault.lock().unwrap();
        let reopened = campo_store::Vault::open(a.dir.path())
            .unwrap()
            .unlock(campo_tests::PASSPHRASE)
            .unwrap();
        *v = reopened;
    }
    let s = sync_once(&a.client, &a.vault, &|_| {}).await.unwrap();
    assert_eq!(
        (s.stored, s.duplicates, s.rejected),
        (pending, 0, 0),
        "the recorded answer: {s:?}"
    );
    assert_eq!(a.pending(), 0);
    assert_eq!(server_submission_ids(&server).len(), 40);

    // Same, with the answer cut short, and a tablet that lost the batch key too (as if it
    // crashed before saving it): the records come back under a new key and the server
    // recognises each one as a duplicate.
    let b = device(&server, &proxy, "tablet-c", 30).await;
    let pending = b.pending();
    let start = connections(&proxy);
    proxy.set_plan(move |n| {
        if n == start {
            Fault::TruncateResponse { keep: 20 }
        } else {
            Fault::Pass
        }
    });
    let err = sync_once(&b.client, &b.vault, &|_| {}).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(b.pending(), pending);
    b.vault
        .lock()
        .unwrap()
        .set_setting(campo_sync::sync::SETTING_BATCH, "")
        .unwrap();
    let s = sync_once(&b.client, &b.vault, &|_| {}).await.unwrap();
    assert_eq!(
        (s.stored, s.duplicates, s.rejected),
        (0, pending, 0),
        "{s:?}"
    );
    assert_eq!(b.pending(), 0);
    assert_eq!(server_submission_ids(&server).len(), 70, "no double rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_link_times_out_and_the_next_sync_completes() {
    let server = Server::start_fresh();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let d = device(&server, &proxy, "tablet-c", 10).await;
    proxy.set_plan(|n| {
        if n == 0 {
            Fault::Stall {
                hold: Duration::from_secs(4),
            }
        } else {
            Fault::Pass
        }
    });
    let t = std::time::Instant::now();
    let err = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap_err();
    assert!(matches!(err, SyncError::Timeout), "{err:?}");
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "the client's own timeout fired: {:?}",
        t.elapsed()
    );
    for fault in [Fault::Reset, Fault::Canned503] {
        let start = connections(&proxy);
        proxy.set_plan(move |n| if n == start { fault } else { Fault::Pass });
        let err = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap_err();
        assert!(err.is_retryable(), "{fault:?}: {err:?}");
    }
    proxy.set_plan(|_| Fault::Pass);
    let s = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap();
    assert_eq!(s.duplicates, 0);
    assert_eq!(d.pending(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_reports_records_and_bytes_up_to_the_total() {
    let server = Server::start_fresh();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let mut opts = options();
    opts.batch_records = 20;
    let d = Device::enrolled(&server, &proxy.url(), "tablet-p", opts).await;
    data::fill(&d.vault.lock().unwrap(), &Catalog::builtin(), 100, "P", 2);
    let pending = d.pending();
    let seen = std::sync::Mutex::new(Vec::new());
    let s = sync_once(&d.client, &d.vault, &|p| seen.lock().unwrap().push(p))
        .await
        .unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(
        seen.len() as u32,
        s.batches + 1,
        "once before sending, then once per batch"
    );
    assert_eq!(seen[0].records_sent, 0);
    let last = seen.last().unwrap();
    assert_eq!((last.records_sent, last.records_total), (pending, pending));
    assert_eq!(last.bytes_sent, last.bytes_total);
    assert_eq!(last.bytes_sent, s.bytes_sent);
    assert!(seen.windows(2).all(|w| w[0].bytes_sent < w[1].bytes_sent));
    // What the progress bar counts is what went up the wire, give or take the headers.
    let (up, _) = proxy.stats().bytes();
    assert!(
        up > s.bytes_sent && up < s.bytes_sent + 1024 * (s.batches as u64 + 1),
        "{up} vs {}",
        s.bytes_sent
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_brings_the_instruments_and_other_tablets_meetings() {
    let server = Server::start_fresh();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let a = device(&server, &proxy, "tablet-x", 30).await;
    let b = Device::enrolled(&server, &proxy.url(), "tablet-y", options()).await;
    sync_once(&a.client, &a.vault, &|_| {}).await.unwrap();
    let s = sync_once(&b.client, &b.vault, &|_| {}).await.unwrap();

    let a_meetings = a.vault.lock().unwrap().meetings().unwrap();
    assert!(!a_meetings.is_empty());
    assert_eq!(s.meetings_pulled, a_meetings.len() as u64);
    let b_meetings = b.vault.lock().unwrap().meetings().unwrap();
    for m in &a_meetings {
        let got = b_meetings
            .iter()
            .find(|x| x.id == m.id)
            .unwrap_or_else(|| panic!("meeting {} not pulled", m.id));
        assert_eq!(got, m, "the current revision arrives whole");
    }
    let instruments = b.vault.lock().unwrap().instruments().unwrap();
    assert!(
        instruments.iter().any(|i| i.id == "training_satisfaction"),
        "instruments pulled: {}",
        instruments.len()
    );
    assert_eq!(b.pending(), 0, "pulled meetings are never pushed back");

    // The cursor moved: a second pull brings nothing new.
    let again = sync_once(&b.client, &b.vault, &|_| {}).await.unwrap();
    assert_eq!(
        (again.meetings_pulled, again.instruments_pulled),
        (0, 0),
        "{again:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_record_is_set_aside_with_its_reason_not_resent_and_not_lost() {
    let server = Server::start_fresh();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let d = device(&server, &proxy, "tablet-r", 5).await;
    let catalog = Catalog::builtin();
    let mut bad = data::submission(
        catalog.latest("peer_satisfaction").unwrap(),
        uuid::Uuid::now_v7(),
        None,
        None,
        &mut rand::rngs::StdRng::seed_from_u64(9),
    );
    bad.instrument_version = 99;
    d.vault.lock().unwrap().save_final(&bad).unwrap();

    let s = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap();
    assert_eq!(s.rejected, 1, "{s:?}");
    assert_eq!(d.pending(), 1, "the refused record stays on the tablet");
    let rejected = campo_sync::rejected(&d.vault).unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].id, bad.id);
    assert!(!rejected[0].reason.is_empty());

    // Not resent on the next sync: only the pull goes out.
    let before = connections(&proxy);
    let s = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap();
    assert_eq!((s.held_back, s.batches), (1, 0));
    assert_eq!(connections(&proxy) - before, 1);

    // Put back in line on request: sent again, refused again, still not lost.
    assert_eq!(retry_rejected(&d.vault).unwrap(), 1);
    let s = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap();
    assert_eq!((s.rejected, s.batches), (1, 1));
    assert_eq!(d.pending(), 1);
}
