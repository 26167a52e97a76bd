//! The PostgreSQL backend against a real server: the same promises as the SQLite backend,
//! and the ones only several processes can break (racing batches, interleaved commits and
//! pulls, shared rate limits). Each test takes a database of its own; two
//! `PostgresStore`s on one database stand for two server processes.
//!
//! Needs `CAMPO_TEST_PG_URL`: `eval "$(scripts/pg-test.sh start)"`.

use campo_core::{Instrument, Meeting};
use campo_server_postgres::{testdb, PostgresStore, MIGRATIONS};
use campo_server_store::{
    DeviceIdentity, Enrollment, IncomingRecord, Project, StorageError, Store, VaultClaim,
    DEFAULT_PROJECT,
};
use campo_wire::{PushResponse, PushStatus, RecordKind};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::NoTls;
use uuid::Uuid;

/// A fresh database's URL and its guard; `None` when PostgreSQL tests are skipped.
async fn fresh() -> Option<(String, testdb::Guard)> {
    let admin = testdb::admin_url()?;
    Some(testdb::fresh_database(&admin).await)
}

macro_rules! fresh_db {
    () => {
        match fresh().await {
            Some(db) => db,
            None => return,
        }
    };
}

async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(conn);
    client
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn meeting(id: Uuid, revision: u32, place: &str) -> Meeting {
    serde_json::from_value(json!({
        "id": id, "revision": revision, "activity": "peer_group", "date": "2026-03-02",
        "place": place, "topic": "memory", "facilitator": "Anna", "status": "held",
        "attendance": {"participants": ["C-01"], "anonymous": 2},
        "updated_at": "2026-03-02T10:00:00Z"
    }))
    .unwrap()
}

fn incoming<T: serde::Serialize>(
    kind: RecordKind,
    id: Uuid,
    revision: u32,
    body: &T,
) -> IncomingRecord {
    let body = serde_json::to_string(body).unwrap();
    IncomingRecord {
        id,
        revision,
        kind,
        hash: hex::encode(Sha256::digest(body.as_bytes())),
        body,
        rejection: None,
        submission: None,
    }
}

/// A new vault's claim: a fresh id and the hash of a fresh secret.
fn claim() -> VaultClaim {
    VaultClaim {
        id: Uuid::now_v7(),
        secret_hash: hex::encode(Sha256::digest(Uuid::now_v7().as_bytes())),
    }
}

fn meeting_rec(id: Uuid, revision: u32, place: &str) -> IncomingRecord {
    incoming(
        RecordKind::Meeting,
        id,
        revision,
        &meeting(id, revision, place),
    )
}

fn instrument(version: u32) -> Instrument {
    let mut i: Instrument = serde_json::from_str(include_str!(
        "../../../schemas/instruments/peer_satisfaction.json"
    ))
    .unwrap();
    i.version = version;
    i
}

async fn device(store: &PostgresStore, project: &str) -> DeviceIdentity {
    let code = format!("code-{}", Uuid::now_v7());
    let token = format!("token-{}", Uuid::now_v7());
    store
        .add_enroll_code(project, &code, "tablet", Utc::now() + TimeDelta::hours(1))
        .await
        .unwrap();
    store
        .enroll(&code, "Galaxy Tab", &token, &claim(), Utc::now())
        .await
        .unwrap()
        .device()
        .unwrap()
}

fn statuses(r: &PushResponse) -> Vec<(PushStatus, Option<String>)> {
    r.results
        .iter()
        .map(|x| (x.status, x.reason_code.clone()))
        .collect()
}

fn project(id: &str) -> Project {
    Project {
        id: id.into(),
        name: format!("Project {id}"),
        targets: Default::default(),
        created_at: at("2026-01-05T08:00:00Z"),
    }
}

#[tokio::test]
async fn migrations_apply_once_even_from_several_processes_at_once() {
    let (url, _guard) = fresh_db!();
    // Four processes starting together on a new database: one migrates, the others wait
    // on the advisory lock and find nothing left to do.
    let opened = futures_join_all((0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move { PostgresStore::connect(&url).await })
    }))
    .await;
    let latest = MIGRATIONS.last().unwrap().version;
    assert!(latest >= 3, "vaults came with migration 3");
    for store in &opened {
        assert_eq!(
            store.as_ref().unwrap().schema_version().await.unwrap(),
            latest
        );
    }
    let store = PostgresStore::connect(&url).await.unwrap();
    assert_eq!(store.engine(), "postgres");
    assert_eq!(
        store.schema_version().await.unwrap() as usize,
        MIGRATIONS.len()
    );
    let c = raw(&url).await;
    let versions: Vec<i32> = c
        .query("SELECT version FROM schema_version ORDER BY version", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, (1..=latest as i32).collect::<Vec<_>>());
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.projects, counts.devices, counts.record_revisions),
        (1, 0, 0)
    );
    assert_eq!(
        store.project(DEFAULT_PROJECT).await.unwrap().unwrap().name,
        "Default project"
    );
}

async fn futures_join_all<T: Send + 'static>(
    handles: impl IntoIterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_database_from_a_newer_server_is_refused() {
    let (url, _guard) = fresh_db!();
    drop(PostgresStore::connect(&url).await.unwrap());
    raw(&url)
        .await
        .execute("INSERT INTO schema_version (version) VALUES (99)", &[])
        .await
        .unwrap();
    let latest = MIGRATIONS.last().unwrap().version;
    match PostgresStore::connect(&url).await {
        Err(StorageError::SchemaTooNew {
            found: 99,
            supported,
        }) if supported == latest => {}
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[tokio::test]
async fn bad_urls_and_unreachable_servers_never_show_the_password() {
    for url in ["mysql://u:s3cret@h/db", "postgres://u:s3cret@h:notaport/db"] {
        match PostgresStore::connect(url).await {
            Err(StorageError::Invalid(m)) => assert!(!m.contains("s3cret"), "{m}"),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("connected to {url}"),
        }
    }
    // Port 1 on loopback: nothing listens there, so the connection is refused.
    let err = PostgresStore::connect("postgres://campo:s3cret@127.0.0.1:1/campo")
        .await
        .err()
        .expect("connected to port 1");
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, StorageError::Other(_)), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

#[tokio::test]
async fn projects_and_their_targets() {
    let (url, _guard) = fresh_db!();
    let store = PostgresStore::connect(&url).await.unwrap();
    let b = project("valley-b");
    store.add_project(&b).await.unwrap();
    assert!(matches!(
        store.add_project(&b).await,
        Err(StorageError::Conflict(_))
    ));
    assert!(matches!(
        store.add_project(&project("Bad Id")).await,
        Err(StorageError::Invalid(_))
    ));
    let mut bad_targets = project("valley-c");
    bad_targets.targets.reach_fraction = 2.0;
    assert!(matches!(
        store.add_project(&bad_targets).await,
        Err(StorageError::Invalid(_))
    ));
    assert_eq!(store.project("valley-b").await.unwrap().unwrap(), b);
    assert!(store.project("nope").await.unwrap().is_none());
    let ids: Vec<String> = store
        .projects()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, vec!["default", "valley-b"]);
    let mut targets = b.targets.clone();
    targets.eligible_carers = 420;
    store.set_targets("valley-b", &targets).await.unwrap();
    assert_eq!(
        store
            .project("valley-b")
            .await
            .unwrap()
            .unwrap()
            .targets
            .eligible_carers,
        420
    );
    assert!(matches!(
        store.set_targets("nope", &targets).await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        store
            .add_enroll_code("nope", "h", "n", Utc::now() + TimeDelta::hours(1))
            .await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        store.add_instruments("nope", &[instrument(1)]).await,
        Err(StorageError::NotFound(_))
    ));
    match store.backup(std::path::Path::new("/tmp/x")).await {
        Err(StorageError::Invalid(m)) => assert!(m.contains("pg_dump"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn enroll_authenticate_and_revoke() {
    let (url, _guard) = fresh_db!();
    let one = PostgresStore::connect(&url).await.unwrap();
    let two = PostgresStore::connect(&url).await.unwrap();
    let now = at("2026-03-01T09:00:00Z");
    one.add_enroll_code(
        DEFAULT_PROJECT,
        "code-1",
        "Tablet A",
        now + TimeDelta::minutes(10),
    )
    .await
    .unwrap();
    assert!(matches!(
        one.add_enroll_code(DEFAULT_PROJECT, "code-1", "again", now)
            .await,
        Err(StorageError::Conflict(_))
    ));
    one.add_enroll_code(
        DEFAULT_PROJECT,
        "code-old",
        "Tablet B",
        now - TimeDelta::minutes(1),
    )
    .await
    .unwrap();
    assert_eq!(
        one.enroll("code-old", "x", "tok-old", &claim(), now)
            .await
            .unwrap(),
        Enrollment::CodeRefused
    );
    assert_eq!(
        one.enroll("unknown", "x", "tok-x", &claim(), now)
            .await
            .unwrap(),
        Enrollment::CodeRefused
    );

    // The same code from two processes at once makes one device.
    let (ca, cb) = (claim(), claim());
    let (a, b) = tokio::join!(
        one.enroll("code-1", "Galaxy", "tok-1", &ca, now),
        two.enroll("code-1", "Galaxy", "tok-2", &cb, now)
    );
    let made: Vec<DeviceIdentity> = [a.unwrap(), b.unwrap()]
        .into_iter()
        .filter_map(Enrollment::device)
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    let dev = made[0].clone();
    assert_eq!(dev.project, DEFAULT_PROJECT);
    let token = if one.authenticate("tok-1").await.unwrap().is_some() {
        "tok-1"
    } else {
        "tok-2"
    };
    assert_eq!(two.authenticate(token).await.unwrap(), Some(dev.clone()));
    assert_eq!(one.authenticate("nope").await.unwrap(), None);

    let devices = one.devices(Some(DEFAULT_PROJECT)).await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].name, "Tablet A");
    assert_eq!(devices[0].device_name, "Galaxy");
    assert_eq!(devices[0].enrolled_at, now);
    assert_eq!(devices[0].records, 0);
    assert!(one.devices(Some("other")).await.unwrap().is_empty());
    assert_eq!(one.devices(None).await.unwrap().len(), 1);

    let later = now + TimeDelta::hours(1);
    assert!(one.revoke(dev.device_id, later).await.unwrap());
    // Revocation holds from the next request, in every process.
    assert_eq!(two.authenticate(token).await.unwrap(), None);
    assert!(two
        .revoke(dev.device_id, later + TimeDelta::hours(1))
        .await
        .unwrap());
    assert_eq!(
        one.devices(None).await.unwrap()[0].revoked_at,
        Some(later),
        "revoking twice keeps the first date"
    );
    assert!(!one.revoke(Uuid::now_v7(), later).await.unwrap());
}

#[tokio::test]
async fn push_answers_stored_duplicate_conflict_owner_kind_and_rejected() {
    let (url, _guard) = fresh_db!();
    let store = PostgresStore::connect(&url).await.unwrap();
    let a = device(&store, DEFAULT_PROJECT).await;
    let b = device(&store, DEFAULT_PROJECT).await;
    let now = at("2026-03-02T12:00:00Z");
    let m1 = Uuid::now_v7();
    let first = store
        .push(&a, Uuid::now_v7(), vec![meeting_rec(m1, 1, "Hall")], now)
        .await
        .unwrap();
    assert_eq!(statuses(&first), vec![(PushStatus::Stored, None)]);

    let mut refused = meeting_rec(Uuid::now_v7(), 1, "x");
    refused.rejection = Some(("unknown_instrument".into(), "no such instrument".into()));
    let outreach = incoming(
        RecordKind::Outreach,
        m1,
        2,
        &json!({"period": "2026-03", "page_likes": 1, "site_visits": 2, "downloads": 0,
                "new_patients_informed": 0}),
    );
    let r = store
        .push(
            &a,
            Uuid::now_v7(),
            vec![
                meeting_rec(m1, 1, "Hall"),    // same content: duplicate
                meeting_rec(m1, 1, "Library"), // same revision, new content: conflict
                meeting_rec(m1, 2, "Library"), // a new revision: stored
                meeting_rec(m1, 2, "Library"), // again within the batch: duplicate
                outreach,                      // the id is a meeting's
                refused,
            ],
            now,
        )
        .await
        .unwrap();
    let code = |s: &str| Some(s.to_string());
    assert_eq!(
        statuses(&r),
        vec![
            (PushStatus::Duplicate, None),
            (PushStatus::Rejected, code("revision_conflict")),
            (PushStatus::Stored, None),
            (PushStatus::Duplicate, None),
            (PushStatus::Rejected, code("kind_mismatch")),
            (PushStatus::Rejected, code("unknown_instrument")),
        ]
    );
    let by_b = store
        .push(&b, Uuid::now_v7(), vec![meeting_rec(m1, 3, "Park")], now)
        .await
        .unwrap();
    assert_eq!(
        statuses(&by_b),
        vec![(PushStatus::Rejected, code("owned_by_another_device"))]
    );
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.record_revisions, counts.batches, counts.devices),
        (2, 3, 2)
    );
    assert_eq!(
        store
            .devices(None)
            .await
            .unwrap()
            .iter()
            .map(|d| d.records)
            .sum::<u64>(),
        2
    );

    // The body is kept byte for byte: its hash is what later pushes are compared with.
    let odd = r#"{"revision":1,  "id":"x"}"#;
    let odd_rec = IncomingRecord {
        id: Uuid::now_v7(),
        revision: 1,
        kind: RecordKind::RosterCode,
        body: odd.into(),
        hash: "h".into(),
        rejection: None,
        submission: None,
    };
    store
        .push(&a, Uuid::now_v7(), vec![odd_rec.clone()], now)
        .await
        .unwrap();
    let stored: String = raw(&url)
        .await
        .query_one("SELECT body FROM records WHERE id = $1", &[&odd_rec.id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, odd);

    // The current revision is the highest; the report and the pull see it.
    let report = store.report_input(DEFAULT_PROJECT).await.unwrap();
    assert_eq!(report.meetings.len(), 1);
    assert_eq!(
        (
            report.meetings[0].revision,
            report.meetings[0].place.as_str()
        ),
        (2, "Library")
    );
    let pulled = store.pull(&b, 0, 100).await.unwrap();
    assert_eq!(pulled.meetings.len(), 1, "one meeting, sent once");
    assert_eq!(pulled.meetings[0].revision, 2);
    assert!(!pulled.more);
    assert!(
        store.pull(&a, 0, 100).await.unwrap().meetings.is_empty(),
        "not its own"
    );
}

#[tokio::test]
async fn a_batch_holding_one_id_several_times_is_decided_record_by_record() {
    // A push decides the whole batch on one read: a record stored earlier in the batch
    // must still be held for the records after it, as when each record was looked up
    // after the previous one was inserted (and as the SQLite backend answers).
    let (url, _guard) = fresh_db!();
    let store = PostgresStore::connect(&url).await.unwrap();
    let a = device(&store, DEFAULT_PROJECT).await;
    let b = device(&store, DEFAULT_PROJECT).await;
    let now = at("2026-03-02T12:00:00Z");
    let code = |s: &str| Some(s.to_string());
    let m = Uuid::now_v7();
    let mut refused = meeting_rec(m, 3, "Refused");
    refused.rejection = Some(("unknown_instrument".into(), "no such instrument".into()));
    let outreach = incoming(
        RecordKind::Outreach,
        m,
        4,
        &json!({"period": "2026-03", "page_likes": 1, "site_visits": 2, "downloads": 0,
                "new_patients_informed": 0}),
    );
    let r = store
        .push(
            &a,
            Uuid::now_v7(),
            vec![
                meeting_rec(m, 1, "Hall"),    // a new id: stored
                meeting_rec(m, 1, "Hall"),    // the same revision, same content: duplicate
                meeting_rec(m, 1, "Library"), // the same revision, new content: conflict
                meeting_rec(m, 2, "Library"), // a second revision: stored
                meeting_rec(m, 2, "Park"),    // conflict with the batch's own revision 2
                meeting_rec(m, 2, "Library"), // duplicate of it
                refused,                      // refused, and so not held afterwards
                meeting_rec(m, 3, "Park"),    // stored
                outreach,                     // the id is a meeting's (stored above)
            ],
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&r),
        vec![
            (PushStatus::Stored, None),
            (PushStatus::Duplicate, None),
            (PushStatus::Rejected, code("revision_conflict")),
            (PushStatus::Stored, None),
            (PushStatus::Rejected, code("revision_conflict")),
            (PushStatus::Duplicate, None),
            (PushStatus::Rejected, code("unknown_instrument")),
            (PushStatus::Stored, None),
            (PushStatus::Rejected, code("kind_mismatch")),
        ]
    );
    assert_eq!(
        r.results
            .iter()
            .map(|x| (x.id, x.revision))
            .collect::<Vec<_>>(),
        [1, 1, 1, 2, 2, 2, 3, 3, 4].map(|rev| (m, rev)).to_vec(),
        "one answer per record, in batch order"
    );

    // Held from the database and from the batch together; another device's id.
    let n = Uuid::now_v7();
    let r = store
        .push(
            &a,
            Uuid::now_v7(),
            vec![
                meeting_rec(m, 2, "Library"), // held before this batch: duplicate
                meeting_rec(m, 1, "Other"),   // conflict with the stored revision 1
                meeting_rec(n, 1, "New"),     // stored
                meeting_rec(m, 4, "Garden"),  // stored
                meeting_rec(n, 1, "New"),     // duplicate of this batch's
                meeting_rec(m, 4, "Yard"),    // conflict with this batch's
            ],
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&r),
        vec![
            (PushStatus::Duplicate, None),
            (PushStatus::Rejected, code("revision_conflict")),
            (PushStatus::Stored, None),
            (PushStatus::Stored, None),
            (PushStatus::Duplicate, None),
            (PushStatus::Rejected, code("revision_conflict")),
        ]
    );
    let by_b = store
        .push(
            &b,
            Uuid::now_v7(),
            vec![meeting_rec(n, 2, "B"), meeting_rec(n, 2, "B")],
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&by_b),
        vec![
            (PushStatus::Rejected, code("owned_by_another_device")),
            (PushStatus::Rejected, code("owned_by_another_device")),
        ]
    );

    // What was stored, numbered in batch order without a gap, with the first content.
    let client = raw(&url).await;
    let rows = client
        .query(
            "SELECT seq, id, revision, body, device_id FROM records ORDER BY seq",
            &[],
        )
        .await
        .unwrap();
    let stored: Vec<(i64, Uuid, i64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        stored,
        vec![(1, m, 1), (2, m, 2), (3, m, 3), (4, n, 1), (5, m, 4)]
    );
    let place = |i: usize| -> String {
        let body: &str = rows[i].get(3);
        serde_json::from_str::<Meeting>(body).unwrap().place
    };
    assert_eq!(
        (place(0), place(1), place(2), place(3), place(4)),
        (
            "Hall".into(),
            "Library".into(),
            "Park".into(),
            "New".into(),
            "Garden".into()
        )
    );
    assert!(rows.iter().all(|r| r.get::<_, Uuid>(4) == a.device_id));
    let counter: i64 = client
        .query_one(
            "SELECT seq FROM projects WHERE id = $1",
            &[&DEFAULT_PROJECT],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(counter, 5);
    let pulled = store.pull(&b, 0, 100).await.unwrap();
    assert_eq!(pulled.cursor, 5);
    assert_eq!(
        pulled
            .meetings
            .iter()
            .map(|x| (x.id, x.revision, x.place.as_str()))
            .collect::<Vec<_>>(),
        vec![(m, 4, "Garden"), (n, 1, "New")]
    );
}

#[tokio::test]
async fn a_batch_sent_again_gets_its_first_answer() {
    let (url, _guard) = fresh_db!();
    let store = PostgresStore::connect(&url).await.unwrap();
    let a = device(&store, DEFAULT_PROJECT).await;
    let now = Utc::now();
    let batch = Uuid::now_v7();
    let m = Uuid::now_v7();
    let first = store
        .push(&a, batch, vec![meeting_rec(m, 1, "Hall")], now)
        .await
        .unwrap();
    // Whatever comes with the same batch id, the first answer comes back and nothing is
    // stored.
    let again = store
        .push(
            &a,
            batch,
            vec![
                meeting_rec(m, 1, "Other"),
                meeting_rec(Uuid::now_v7(), 1, "New"),
            ],
            now,
        )
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(store.counts().await.unwrap().record_revisions, 1);
    assert_eq!(store.counts().await.unwrap().batches, 1);
    // The same batch id from another device is another batch.
    let b = device(&store, DEFAULT_PROJECT).await;
    let other = store
        .push(&b, batch, vec![meeting_rec(Uuid::now_v7(), 1, "B")], now)
        .await
        .unwrap();
    assert_eq!(statuses(&other), vec![(PushStatus::Stored, None)]);
}

#[tokio::test]
async fn racing_copies_of_one_batch_from_two_processes_store_once() {
    let (url, _guard) = fresh_db!();
    let one = Arc::new(PostgresStore::connect(&url).await.unwrap());
    let two = Arc::new(PostgresStore::connect(&url).await.unwrap());
    let a = device(&one, DEFAULT_PROJECT).await;
    let rounds = 40;
    for round in 0..rounds {
        let batch = Uuid::now_v7();
        let recs: Vec<IncomingRecord> = (0..3)
            .map(|i| meeting_rec(Uuid::now_v7(), 1, &format!("r{round}-{i}")))
            .collect();
        // Odd rounds send different content under the one batch id: still one answer.
        let other: Vec<IncomingRecord> = if round % 2 == 1 {
            (0..2)
                .map(|_| meeting_rec(Uuid::now_v7(), 1, "other"))
                .collect()
        } else {
            recs.clone()
        };
        let (x, y) = tokio::join!(
            tokio::spawn({
                let (s, a) = (one.clone(), a.clone());
                async move { s.push(&a, batch, recs, Utc::now()).await }
            }),
            tokio::spawn({
                let (s, a) = (two.clone(), a.clone());
                async move { s.push(&a, batch, other, Utc::now()).await }
            })
        );
        let (x, y) = (x.unwrap().unwrap(), y.unwrap().unwrap());
        assert_eq!(x, y, "round {round}: both copies get the stored answer");
        assert!(x.results.iter().all(|r| r.status == PushStatus::Stored));
    }
    let counts = one.counts().await.unwrap();
    assert_eq!(counts.batches, rounds);
    // Each round stored one copy: 3 records in even rounds, 3 or 2 in odd ones.
    assert!(
        (rounds / 2 * 3 + rounds / 2 * 2..=rounds * 3).contains(&counts.record_revisions),
        "{counts:?}"
    );
    let c = raw(&url).await;
    let stored: i64 = c
        .query_one("SELECT COUNT(*) FROM records", &[])
        .await
        .unwrap()
        .get(0);
    let answered: i64 = c
        .query_one(
            "SELECT COALESCE(SUM(json_array_length((response::json)->'results')), 0)::bigint FROM batches",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        stored, answered,
        "every stored answer matches a stored record"
    );
}

#[tokio::test]
async fn concurrent_pushes_from_two_processes_never_make_a_pull_skip_a_row() {
    let (url, _guard) = fresh_db!();
    let stores = [
        Arc::new(PostgresStore::connect(&url).await.unwrap()),
        Arc::new(PostgresStore::connect(&url).await.unwrap()),
    ];
    let puller = device(&stores[0], DEFAULT_PROJECT).await;
    let mut pushers = Vec::new();
    for _ in 0..8 {
        pushers.push(device(&stores[1], DEFAULT_PROJECT).await);
    }
    let done = Arc::new(AtomicBool::new(false));

    let pull_task = tokio::spawn({
        let (stores, puller, done) = (stores.clone(), puller.clone(), done.clone());
        async move {
            let mut seen = HashSet::new();
            let mut cursor = 0u64;
            let mut pulls = 0usize;
            let mut draining = false;
            loop {
                // Small pages from both processes in turn, while pushes commit.
                let page = stores[pulls % 2].pull(&puller, cursor, 3).await.unwrap();
                pulls += 1;
                assert!(page.cursor >= cursor, "the cursor went back");
                cursor = page.cursor;
                seen.extend(page.meetings.iter().map(|m| m.id));
                if !page.more {
                    if draining {
                        break;
                    }
                    if done.load(Ordering::SeqCst) {
                        // Everything is committed: one more pass from the cursor reads it.
                        draining = true;
                    } else {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
            (seen, pulls)
        }
    });

    let mut tasks = Vec::new();
    for (i, dev) in pushers.into_iter().enumerate() {
        let store = stores[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for b in 0..50 {
                let m = Uuid::now_v7();
                let mut recs = vec![meeting_rec(m, 1, &format!("d{i}-b{b}"))];
                // Now and then a new revision of an earlier meeting in the same batch.
                if let Some(&earlier) = ids.last() {
                    if b % 5 == 0 {
                        recs.push(meeting_rec(earlier, 2, "revised"));
                    }
                }
                let r = store
                    .push(&dev, Uuid::now_v7(), recs, Utc::now())
                    .await
                    .unwrap();
                assert!(
                    r.results.iter().all(|x| x.status == PushStatus::Stored),
                    "{r:?}"
                );
                ids.push(m);
            }
            ids
        }));
    }
    let mut pushed = HashSet::new();
    for t in tasks {
        pushed.extend(t.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let (seen, pulls) = pull_task.await.unwrap();
    assert_eq!(pushed.len(), 400);
    let missed: Vec<_> = pushed.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "{} meetings never pulled (after {pulls} pulls)",
        missed.len()
    );
    assert!(
        pulls > 10,
        "the puller ran alongside the pushes ({pulls} pulls)"
    );

    // Numbers are handed out without a gap, and the counter is the last of them.
    let c = raw(&url).await;
    let row = c
        .query_one(
            "SELECT COUNT(*), MAX(seq), (SELECT seq FROM projects WHERE id = 'default') FROM records",
            &[],
        )
        .await
        .unwrap();
    let (n, max, top): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert_eq!((n, max), (top, top));
}

#[tokio::test]
async fn pull_pages_instruments_and_meetings_in_order() {
    let (url, _guard) = fresh_db!();
    let store = PostgresStore::connect(&url).await.unwrap();
    let a = device(&store, DEFAULT_PROJECT).await;
    let b = device(&store, DEFAULT_PROJECT).await;
    assert_eq!(store.catalog_version(DEFAULT_PROJECT).await.unwrap(), 0);
    assert_eq!(
        store
            .add_instruments(
                DEFAULT_PROJECT,
                &[instrument(1), instrument(2), instrument(1)]
            )
            .await
            .unwrap(),
        2
    );
    let v = store.catalog_version(DEFAULT_PROJECT).await.unwrap();
    assert_eq!(v, 2);
    // A stored version is never overwritten.
    let mut changed = instrument(1);
    changed.anonymous = false;
    assert_eq!(
        store
            .add_instruments(DEFAULT_PROJECT, &[changed])
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.catalog_version(DEFAULT_PROJECT).await.unwrap(), v);
    let held = store.instruments(DEFAULT_PROJECT).await.unwrap();
    assert_eq!(held, vec![instrument(1), instrument(2)]);

    let ids: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    for (i, id) in ids.iter().enumerate() {
        store
            .push(
                &a,
                Uuid::now_v7(),
                vec![meeting_rec(*id, 1, &format!("p{i}"))],
                Utc::now(),
            )
            .await
            .unwrap();
    }
    // 2 instruments then 5 meetings, by pages of 3.
    let p1 = store.pull(&b, 0, 3).await.unwrap();
    assert_eq!(
        (p1.instruments.len(), p1.meetings.len(), p1.more, p1.cursor),
        (2, 1, true, 3)
    );
    let p2 = store.pull(&b, p1.cursor, 3).await.unwrap();
    assert_eq!((p2.meetings.len(), p2.more, p2.cursor), (3, true, 6));
    let p3 = store.pull(&b, p2.cursor, 3).await.unwrap();
    assert_eq!((p3.meetings.len(), p3.more, p3.cursor), (1, false, 7));
    let got: Vec<Uuid> = [p1.meetings, p2.meetings, p3.meetings]
        .concat()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(got, ids);
    // Nothing new: the same cursor, nothing sent. A new instrument moves the catalog.
    let p4 = store.pull(&b, p3.cursor, 3).await.unwrap();
    assert_eq!(
        (p4.meetings.len(), p4.instruments.len(), p4.more, p4.cursor),
        (0, 0, false, 7)
    );
    store
        .add_instruments(DEFAULT_PROJECT, &[instrument(3)])
        .await
        .unwrap();
    assert!(store.catalog_version(DEFAULT_PROJECT).await.unwrap() > v);
    assert_eq!(
        store.pull(&b, p4.cursor, 3).await.unwrap().instruments,
        vec![instrument(3)]
    );
    // A limit of 0 is taken as 1, and a cursor from the future returns nothing.
    assert_eq!(store.pull(&b, 0, 0).await.unwrap().instruments.len(), 1);
    let far = store.pull(&b, u64::MAX, 10).await.unwrap();
    assert!(far.meetings.is_empty() && far.instruments.is_empty() && !far.more);
}

#[tokio::test]
async fn projects_are_isolated() {
    let (url, _guard) = fresh_db!();
    let store = PostgresStore::connect(&url).await.unwrap();
    store.add_project(&project("valley-b")).await.unwrap();
    let a1 = device(&store, DEFAULT_PROJECT).await;
    let a2 = device(&store, DEFAULT_PROJECT).await;
    let b1 = device(&store, "valley-b").await;
    assert_eq!(b1.project, "valley-b");
    store
        .add_instruments(DEFAULT_PROJECT, &[instrument(1)])
        .await
        .unwrap();
    let m = Uuid::now_v7();
    store
        .push(
            &a1,
            Uuid::now_v7(),
            vec![meeting_rec(m, 1, "A")],
            Utc::now(),
        )
        .await
        .unwrap();
    let b_pull = store.pull(&b1, 0, 100).await.unwrap();
    assert!(
        b_pull.meetings.is_empty() && b_pull.instruments.is_empty(),
        "{b_pull:?}"
    );
    assert_eq!(b_pull.cursor, 0);
    assert_eq!(store.pull(&a2, 0, 100).await.unwrap().meetings.len(), 1);
    // B cannot write under A's record id.
    let r = store
        .push(
            &b1,
            Uuid::now_v7(),
            vec![meeting_rec(m, 2, "B")],
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&r),
        vec![(PushStatus::Rejected, Some("owned_by_another_device".into()))]
    );
    let own = Uuid::now_v7();
    store
        .push(
            &b1,
            Uuid::now_v7(),
            vec![meeting_rec(own, 1, "B")],
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.report_input("valley-b").await.unwrap().meetings.len(),
        1
    );
    assert_eq!(
        store.report_input(DEFAULT_PROJECT).await.unwrap().meetings[0].id,
        m
    );
    assert_eq!(store.catalog_version("valley-b").await.unwrap(), 0);
    assert!(store.instruments("valley-b").await.unwrap().is_empty());
    assert_eq!(store.devices(Some("valley-b")).await.unwrap().len(), 1);
    assert_eq!(store.devices(Some(DEFAULT_PROJECT)).await.unwrap().len(), 2);
    // Each project counts on its own.
    assert_eq!(store.pull(&a2, 0, 100).await.unwrap().cursor, 2);
}

#[tokio::test]
async fn submissions_and_outreach_are_read_at_their_current_revision() {
    let (url, _guard) = fresh_db!();
    let store = PostgresStore::connect(&url).await.unwrap();
    let a = device(&store, DEFAULT_PROJECT).await;
    let sub = |id: Uuid, respondent: &str| {
        json!({"id": id, "instrument_id": "peer_satisfaction", "instrument_version": 1,
               "meeting_id": Uuid::nil(), "respondent": respondent, "answers": {},
               "created_at": "2026-03-02T10:30:00Z"})
    };
    let (s1, s2) = (Uuid::now_v7(), Uuid::now_v7());
    let out = json!({"period": "2026-03", "page_likes": 4, "site_visits": 9, "downloads": 1,
                     "new_patients_informed": 2});
    store
        .push(
            &a,
            Uuid::now_v7(),
            vec![
                incoming(RecordKind::Submission, s1, 1, &sub(s1, "C-1")),
                incoming(RecordKind::Submission, s2, 1, &sub(s2, "C-2")),
                incoming(RecordKind::Submission, s1, 2, &sub(s1, "C-9")),
                incoming(RecordKind::Outreach, Uuid::now_v7(), 1, &out),
            ],
            Utc::now(),
        )
        .await
        .unwrap();
    let subs = store.submissions(DEFAULT_PROJECT).await.unwrap();
    let got: Vec<(Uuid, Option<String>)> = subs
        .iter()
        .map(|s| (s.submission.id, s.submission.respondent.clone()))
        .collect();
    // In receipt order of the current revisions.
    assert_eq!(
        got,
        vec![(s2, Some("C-2".into())), (s1, Some("C-9".into()))]
    );
    assert!(subs.iter().all(|s| s.device_id == a.device_id));
    let report = store.report_input(DEFAULT_PROJECT).await.unwrap();
    assert_eq!(report.submissions.len(), 2);
    assert_eq!(report.outreach.len(), 1);
    assert_eq!(report.outreach[0].page_likes, 4);
    assert!(store.submissions("valley-b").await.unwrap().is_empty());
}

#[tokio::test]
async fn rate_limits_and_settings_are_shared_by_processes() {
    let (url, _guard) = fresh_db!();
    let one = Arc::new(PostgresStore::connect(&url).await.unwrap());
    let two = Arc::new(PostgresStore::connect(&url).await.unwrap());
    let now = at("2026-03-02T12:00:10Z");
    let window = Duration::from_secs(60);
    let mut allowed = Vec::new();
    for i in 0..8 {
        let s = if i % 2 == 0 { &one } else { &two };
        allowed.push(s.rate_limit("10.0.0.1", now, window, 5).await.unwrap());
    }
    assert_eq!(allowed, [true, true, true, true, true, false, false, false]);
    // Another key counts on its own; the next window starts again.
    assert!(one.rate_limit("10.0.0.2", now, window, 5).await.unwrap());
    assert!(two
        .rate_limit("10.0.0.1", now + TimeDelta::seconds(60), window, 5)
        .await
        .unwrap());
    // Many at once from both processes: exactly `max` get through.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = if i % 2 == 0 { one.clone() } else { two.clone() };
        tasks.push(tokio::spawn(async move {
            s.rate_limit("burst", now, window, 7).await.unwrap()
        }));
    }
    let through = futures_join_all(tasks)
        .await
        .into_iter()
        .filter(|ok| *ok)
        .count();
    assert_eq!(through, 7);

    assert_eq!(one.setting("k").await.unwrap(), None);
    let (x, y) = tokio::join!(
        one.setting_or_insert("k", "from-one"),
        two.setting_or_insert("k", "from-two")
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x, y, "both processes get the first value stored");
    two.set_setting("k", "changed").await.unwrap();
    assert_eq!(one.setting("k").await.unwrap().as_deref(), Some("changed"));
    assert_eq!(
        one.setting_or_insert("k", "ignored").await.unwrap(),
        "changed"
    );
}
