//! Records the real server refuses, against a real vault: one refused for an instrument
//! version the server does not hold goes through by itself once the server learns it; one
//! refused for any other reason stays set aside.

use campo_core::catalog::Catalog;
use campo_core::{AnswerValue, Instrument, Submission};
use campo_sync::{rejected, sync_once, ClientOptions};
use campo_tests::{data, server_submission_ids, teach_server, Device, Server};
use rand::SeedableRng;

/// The peer-group scale under a version the server's catalog does not hold.
fn unknown_version(version: u32) -> Instrument {
    let mut i = Catalog::builtin()
        .latest("peer_satisfaction")
        .unwrap()
        .clone();
    i.version = version;
    i
}

fn submission_of(instrument: &Instrument, seed: u64) -> Submission {
    data::submission(
        instrument,
        uuid::Uuid::now_v7(),
        None,
        None,
        &mut rand::rngs::StdRng::seed_from_u64(seed),
    )
}

async fn device(server: &Server, name: &str) -> Device {
    let d = Device::enrolled(server, &server.url(), name, ClientOptions::default()).await;
    data::fill(&d.vault.lock().unwrap(), &Catalog::builtin(), 3, name, 1);
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_refused_for_an_unknown_instrument_goes_through_once_the_server_learns_it() {
    let server = Server::start_fresh();
    let d = device(&server, "tablet-learn").await;
    let v99 = unknown_version(99);
    let waiting = submission_of(&v99, 1);
    d.vault.lock().unwrap().save_final(&waiting).unwrap();

    let s = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap();
    assert_eq!((s.rejected, s.requeued), (1, 0), "{s:?}");
    assert_eq!(d.pending(), 1);
    let refused = rejected(&d.vault).unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].id, waiting.id);
    assert_eq!(
        refused[0].reason_code.as_deref(),
        Some("unknown_instrument_version")
    );
    assert!(!server_submission_ids(&server).contains(&waiting.id));

    teach_server(&server.db, "default", std::slice::from_ref(&v99)).await;

    // One sync: the pull brings version 99, the refused record is put back in line and
    // pushed again, and the server takes it.
    let s = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap();
    assert_eq!(s.requeued, 1, "{s:?}");
    assert_eq!((s.stored, s.rejected, s.held_back), (1, 0, 0), "{s:?}");
    assert_eq!(d.pending(), 0);
    assert!(rejected(&d.vault).unwrap().is_empty());
    assert!(d
        .vault
        .lock()
        .unwrap()
        .instruments()
        .unwrap()
        .iter()
        .any(|i| i.id == v99.id && i.version == 99));
    let held: Vec<_> = server_submission_ids(&server)
        .into_iter()
        .filter(|id| *id == waiting.id)
        .collect();
    assert_eq!(held, [waiting.id], "stored once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_refused_for_another_reason_stays_refused_when_the_server_learns_an_instrument() {
    let server = Server::start_fresh();
    let d = device(&server, "tablet-stay").await;
    let v98 = unknown_version(98);
    let waiting = submission_of(&v98, 2);
    let builtin = Catalog::builtin();
    let peer = builtin.latest("peer_satisfaction").unwrap();
    let mut invalid = submission_of(peer, 3);
    invalid.answers.insert(
        peer.items[0].id.clone(),
        AnswerValue::Text("not-an-option".into()),
    );
    {
        let v = d.vault.lock().unwrap();
        v.save_final(&waiting).unwrap();
        v.save_final(&invalid).unwrap();
    }

    let s = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap();
    assert_eq!(s.rejected, 2, "{s:?}");
    teach_server(&server.db, "default", &[v98]).await;

    let s = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap();
    assert_eq!((s.requeued, s.stored, s.rejected), (1, 1, 0), "{s:?}");
    assert_eq!(s.held_back, 1, "{s:?}");
    assert_eq!(d.pending(), 1);
    let left = rejected(&d.vault).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, invalid.id);
    assert_eq!(left[0].reason_code.as_deref(), Some("invalid_answers"));
    let on_server = server_submission_ids(&server);
    assert!(on_server.contains(&waiting.id));
    assert!(!on_server.contains(&invalid.id));

    // Still set aside on the next sync: nothing pushed.
    let s = sync_once(&d.client, &d.vault, &|_| {}).await.unwrap();
    assert_eq!((s.batches, s.held_back, s.requeued), (0, 1, 0), "{s:?}");
}
