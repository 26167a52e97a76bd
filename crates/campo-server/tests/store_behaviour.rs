//! The promises of `campo_server_store::Store`, walked method by method against a fresh
//! SQLite file and a fresh PostgreSQL database: both engines must answer alike.
//!
//! Time is passed in, so the dates here are fixed and far from today: a store that read
//! the wall clock instead of `now` would fail them.

mod common;

use campo_core::catalog::Catalog;
use campo_core::report::Targets;
use campo_core::{Outreach, Submission};
use campo_server::secret::sha256_hex;
use campo_server::store::{
    DbTarget, DeviceIdentity, Enrollment, IncomingRecord, Project, StorageError, Store,
    SubmissionKeys, VaultClaim,
};
use campo_server_store::migrate::latest;
use campo_wire::{PushResponse, PushStatus, Record, RecordBody, RosterCode};
use chrono::{DateTime, Duration, Utc};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use uuid::Uuid;

/// Instantiates each named `async fn NAME(store, &TestDb)` once per engine.
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let db = crate::common::TestDb::sqlite();
                    let store = db.open().await;
                    super::$name(store, &db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(db) = crate::common::TestDb::postgres_async().await else {
                        return;
                    };
                    let store = db.open().await;
                    super::$name(store, &db).await;
                }
            )*
        }
    };
}

store_tests!(
    a_fresh_database_is_at_the_latest_schema_and_empty,
    projects_are_added_once_with_valid_ids_and_targets,
    enroll_codes_make_one_device_each_until_they_expire,
    revocation_holds_at_once_and_keeps_its_first_date,
    instruments_are_per_project_and_never_overwritten,
    an_unpublished_instrument_waits_outside_the_catalog_until_published,
    push_stores_refuses_and_remembers_batches,
    racing_copies_of_a_batch_are_stored_once,
    the_current_revision_is_the_highest_not_the_latest_received,
    pull_pages_hold_every_change_once,
    pull_never_skips_a_row_while_pushes_commit,
    report_input_and_submissions_are_per_project,
    a_vault_enrolls_again_only_with_its_secret_and_keeps_its_records,
    first_enrollments_of_one_vault_racing_register_it_once,
    corrections_name_one_uncorrected_submission_of_the_same_vault_meeting_and_instrument,
    settings_keep_values_and_the_first_insert_wins,
    rate_limits_count_in_windows_of_the_clock_given,
    backup_is_a_consistent_copy_or_names_pg_dump,
);

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A record as the server hands it to the store: canonical body and its hash.
fn incoming(rec: &Record) -> IncomingRecord {
    let body = match &rec.body {
        RecordBody::Meeting(m) => serde_json::to_string(m),
        RecordBody::Submission(s) => serde_json::to_string(s),
        RecordBody::RosterCode(r) => serde_json::to_string(r),
        RecordBody::Outreach(o) => serde_json::to_string(o),
    }
    .unwrap();
    IncomingRecord {
        id: rec.id,
        revision: rec.revision,
        kind: rec.body.kind(),
        hash: sha256_hex(body.as_bytes()),
        body,
        rejection: None,
        submission: match &rec.body {
            RecordBody::Submission(s) => Some(SubmissionKeys::of(s)),
            _ => None,
        },
    }
}

/// A new vault's claim: a fresh id and the hash of a fresh secret.
fn claim() -> VaultClaim {
    VaultClaim {
        id: Uuid::now_v7(),
        secret_hash: sha256_hex(Uuid::now_v7().as_bytes()),
    }
}

fn meeting_rec(m: &campo_core::Meeting) -> IncomingRecord {
    incoming(&record(RecordBody::Meeting(m.clone())))
}

fn submission_rec(s: &Submission) -> IncomingRecord {
    incoming(&record(RecordBody::Submission(s.clone())))
}

fn outreach(period: &str, likes: u32) -> Outreach {
    Outreach {
        period: period.into(),
        page_likes: likes,
        site_visits: 2,
        downloads: 3,
        new_patients_informed: 4,
    }
}

/// A device of `project` whose token hash is `token`.
async fn device(store: &Arc<dyn Store>, project: &str, token: &str) -> DeviceIdentity {
    let code = format!("code-{}", Uuid::now_v7());
    let now = t("2026-01-10T08:00:00Z");
    store
        .add_enroll_code(
            project,
            &code,
            &format!("Tablet {token}"),
            now + Duration::minutes(15),
        )
        .await
        .unwrap();
    store
        .enroll(&code, token, token, &claim(), now)
        .await
        .unwrap()
        .device()
        .expect("a fresh code enrolls")
}

async fn add_project(store: &Arc<dyn Store>, id: &str) {
    store
        .add_project(&Project {
            id: id.into(),
            name: format!("Project {id}"),
            targets: Targets::default(),
            created_at: t("2026-01-01T00:00:00Z"),
        })
        .await
        .unwrap();
}

fn statuses(r: &PushResponse) -> Vec<(PushStatus, Option<&str>)> {
    r.results
        .iter()
        .map(|a| (a.status, a.reason_code.as_deref()))
        .collect()
}

const NOW: &str = "2026-03-10T18:00:00Z";

async fn a_fresh_database_is_at_the_latest_schema_and_empty(store: Arc<dyn Store>, db: &TestDb) {
    let (engine, migrations) = match db.engine {
        Engine::Sqlite => ("sqlite", campo_server_sqlite::MIGRATIONS),
        Engine::Postgres => ("postgres", campo_server_postgres::MIGRATIONS),
    };
    assert_eq!(store.engine(), engine);
    assert!(latest(migrations) >= 2, "projects came with migration 2");
    assert_eq!(store.schema_version().await.unwrap(), latest(migrations));
    let counts = store.counts().await.unwrap();
    assert_eq!(
        counts,
        campo_server::store::Counts {
            record_revisions: 0,
            batches: 0,
            devices: 0,
            instruments: 0,
            projects: 1,
        }
    );
    // Opening again (a second process, a restart) migrates nothing and loses nothing.
    add_project(&store, "valle-alta").await;
    let again = db.open().await;
    assert_eq!(again.schema_version().await.unwrap(), latest(migrations));
    assert_eq!(again.counts().await.unwrap().projects, 2);
    // Both engines number their migrations alike.
    let names = |m: &[campo_server_store::migrate::Migration]| {
        m.iter().map(|m| (m.version, m.name)).collect::<Vec<_>>()
    };
    assert_eq!(
        names(campo_server_sqlite::MIGRATIONS),
        names(campo_server_postgres::MIGRATIONS)
    );
}

async fn projects_are_added_once_with_valid_ids_and_targets(store: Arc<dyn Store>, _db: &TestDb) {
    let ids = |ps: Vec<Project>| ps.into_iter().map(|p| p.id).collect::<BTreeSet<_>>();
    assert_eq!(
        ids(store.projects().await.unwrap()),
        BTreeSet::from(["default".to_string()])
    );
    let default = store.project("default").await.unwrap().unwrap();
    assert_eq!(default.targets, Targets::default());

    let p = Project {
        id: "valle-alta".into(),
        name: "Valle Alta".into(),
        targets: Targets {
            eligible_carers: 150,
            reach_fraction: 0.5,
            ..Targets::default()
        },
        created_at: t("2026-01-05T10:00:00Z"),
    };
    store.add_project(&p).await.unwrap();
    assert_eq!(store.project("valle-alta").await.unwrap(), Some(p.clone()));
    assert_eq!(store.project("nowhere").await.unwrap(), None);

    // The same id again: Conflict, and the first stays.
    let again = Project {
        name: "Another".into(),
        ..p.clone()
    };
    match store.add_project(&again).await {
        Err(StorageError::Conflict(_)) => {}
        other => panic!("same id: {other:?}"),
    }
    assert_eq!(store.project("valle-alta").await.unwrap(), Some(p.clone()));

    // Ids that cannot be in a URL or a file name.
    let long = "a".repeat(41);
    for bad in ["", "Valle", "-x", "a_b", "a b", "è", "a/b", long.as_str()] {
        let project = Project {
            id: bad.into(),
            ..p.clone()
        };
        match store.add_project(&project).await {
            Err(StorageError::Invalid(_)) => {}
            other => panic!("id {bad:?}: {other:?}"),
        }
    }
    for good in ["0-first", "x", &"b".repeat(40)] {
        store
            .add_project(&Project {
                id: good.to_string(),
                ..p.clone()
            })
            .await
            .unwrap_or_else(|e| panic!("id {good:?}: {e}"));
    }
    // Targets that do not hold together.
    let bad_targets = Project {
        id: "bad-targets".into(),
        targets: Targets {
            reach_fraction: 1.5,
            ..Targets::default()
        },
        ..p.clone()
    };
    assert!(matches!(
        store.add_project(&bad_targets).await,
        Err(StorageError::Invalid(_))
    ));
    assert_eq!(store.project("bad-targets").await.unwrap(), None);
    assert_eq!(store.projects().await.unwrap().len(), 5);
    assert_eq!(store.counts().await.unwrap().projects, 5);

    // set_targets: valid ones are kept whole; invalid ones and unknown projects refused.
    let targets = Targets {
        courses_per_month: 3,
        pilot_start: Some("2026-01-01".parse().unwrap()),
        pilot_end: Some("2026-12-31".parse().unwrap()),
        satisfaction_min: 80.5,
        ..p.targets.clone()
    };
    store.set_targets("valle-alta", &targets).await.unwrap();
    assert_eq!(
        store.project("valle-alta").await.unwrap().unwrap().targets,
        targets
    );
    for bad in [
        Targets {
            understanding_min: 120.0,
            ..targets.clone()
        },
        Targets {
            pilot_end: None,
            ..targets.clone()
        },
        Targets {
            pilot_months: Some(0),
            ..targets.clone()
        },
    ] {
        match store.set_targets("valle-alta", &bad).await {
            Err(StorageError::Invalid(_)) => {}
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert_eq!(
        store.project("valle-alta").await.unwrap().unwrap().targets,
        targets
    );
    match store.set_targets("nowhere", &targets).await {
        Err(StorageError::NotFound(_)) => {}
        other => panic!("unknown project: {other:?}"),
    }
    assert_eq!(store.project("nowhere").await.unwrap(), None);
    // Other projects keep theirs.
    assert_eq!(
        store.project("default").await.unwrap().unwrap().targets,
        Targets::default()
    );
}

async fn enroll_codes_make_one_device_each_until_they_expire(store: Arc<dyn Store>, _db: &TestDb) {
    let t0 = t("2020-01-01T00:00:00Z");
    let valid = t0 + Duration::minutes(15);
    add_project(&store, "valle-b").await;
    match store.add_enroll_code("nowhere", "h0", "x", valid).await {
        Err(StorageError::NotFound(_)) => {}
        other => panic!("unknown project: {other:?}"),
    }
    assert!(store
        .enroll("h0", "x", "tok-0", &claim(), t0)
        .await
        .unwrap()
        .device()
        .is_none());

    // Works once, before it expires by the clock passed in (years ago).
    store
        .add_enroll_code("default", "code-1", "Tablet 1", valid)
        .await
        .unwrap();
    let one = store
        .enroll(
            "code-1",
            "tab-1",
            "tok-1",
            &claim(),
            t0 + Duration::minutes(1),
        )
        .await
        .unwrap()
        .device()
        .expect("a fresh code enrolls");
    assert_eq!(one.project, "default");
    assert!(store
        .enroll(
            "code-1",
            "tab-x",
            "tok-x",
            &claim(),
            t0 + Duration::minutes(2)
        )
        .await
        .unwrap()
        .device()
        .is_none());
    assert_eq!(
        store.authenticate("tok-1").await.unwrap(),
        Some(one.clone())
    );
    assert_eq!(store.authenticate("tok-x").await.unwrap(), None);

    // Expired: refused, and the refusal changes nothing (the same code, earlier, works).
    store
        .add_enroll_code("default", "code-2", "Tablet 2", valid)
        .await
        .unwrap();
    for late in [valid + Duration::seconds(1), valid + Duration::days(400)] {
        assert!(store
            .enroll("code-2", "tab-2", "tok-2", &claim(), late)
            .await
            .unwrap()
            .device()
            .is_none());
    }
    assert_eq!(store.counts().await.unwrap().devices, 1);
    let two = store
        .enroll(
            "code-2",
            "tab-2",
            "tok-2",
            &claim(),
            valid - Duration::seconds(1),
        )
        .await
        .unwrap()
        .device()
        .expect("not expired yet");
    assert_ne!(two.device_id, one.device_id);
    assert!(store
        .enroll("never-issued", "tab", "tok-n", &claim(), t0)
        .await
        .unwrap()
        .device()
        .is_none());

    // A code of project B makes a device of B, with the office's and the tablet's names.
    store
        .add_enroll_code("valle-b", "code-b", "Tablet B", valid)
        .await
        .unwrap();
    let b = store
        .enroll(
            "code-b",
            "tab-b",
            "tok-b",
            &claim(),
            t0 + Duration::minutes(3),
        )
        .await
        .unwrap()
        .device()
        .unwrap();
    assert_eq!(b.project, "valle-b");
    let devices_b = store.devices(Some("valle-b")).await.unwrap();
    assert_eq!(devices_b.len(), 1);
    let d = &devices_b[0];
    assert_eq!(
        (
            d.id,
            d.project.as_str(),
            d.name.as_str(),
            d.device_name.as_str()
        ),
        (b.device_id, "valle-b", "Tablet B", "tab-b")
    );
    assert_eq!(d.enrolled_at, t0 + Duration::minutes(3));
    assert_eq!((d.revoked_at, d.records), (None, 0));
    let default_ids: BTreeSet<_> = store
        .devices(Some("default"))
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(default_ids, BTreeSet::from([one.device_id, two.device_id]));
    assert_eq!(store.devices(None).await.unwrap().len(), 3);
    assert_eq!(store.counts().await.unwrap().devices, 3);

    // Many requests racing with one code: one device.
    store
        .add_enroll_code("default", "code-race", "Race", valid)
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .enroll("code-race", "race", &format!("tok-race-{i}"), &claim(), t0)
                    .await
                    .unwrap()
                    .device()
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.unwrap().is_some());
    }
    assert_eq!(won, 1, "one code, one device");
    assert_eq!(store.counts().await.unwrap().devices, 4);
}

async fn revocation_holds_at_once_and_keeps_its_first_date(store: Arc<dyn Store>, _db: &TestDb) {
    let a = device(&store, "default", "tok-a").await;
    let b = device(&store, "default", "tok-b").await;
    assert_eq!(store.authenticate("tok-a").await.unwrap(), Some(a.clone()));
    assert_eq!(store.authenticate("tok-c").await.unwrap(), None);
    let t1 = t("2026-02-01T09:00:00Z");
    let t2 = t("2026-02-03T09:00:00Z");
    assert!(store.revoke(a.device_id, t1).await.unwrap());
    assert_eq!(store.authenticate("tok-a").await.unwrap(), None);
    assert_eq!(store.authenticate("tok-b").await.unwrap(), Some(b.clone()));
    assert!(store.revoke(a.device_id, t2).await.unwrap());
    let revoked: BTreeMap<_, _> = store
        .devices(None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.revoked_at))
        .collect();
    assert_eq!(
        revoked[&a.device_id],
        Some(t1),
        "the first revocation's date"
    );
    assert_eq!(revoked[&b.device_id], None);
    assert!(!store.revoke(Uuid::now_v7(), t1).await.unwrap());
    assert_eq!(store.counts().await.unwrap().devices, 2);
    // A revoked device's token stays refused after a reopen.
    assert_eq!(store.authenticate("tok-a").await.unwrap(), None);
}

async fn instruments_are_per_project_and_never_overwritten(store: Arc<dyn Store>, _db: &TestDb) {
    add_project(&store, "valle-b").await;
    assert!(store.instruments("valle-b").await.unwrap().is_empty());
    let v0 = store.catalog_version("valle-b").await.unwrap();
    let base = Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .clone();
    assert_eq!(
        store
            .add_instruments("valle-b", std::slice::from_ref(&base))
            .await
            .unwrap(),
        1
    );
    let v1 = store.catalog_version("valle-b").await.unwrap();
    assert_ne!(v1, v0, "the catalog version moves when the catalog changes");
    assert_eq!(
        store.instruments("valle-b").await.unwrap(),
        vec![base.clone()]
    );

    // The same version again, even with other content: nothing added, nothing replaced.
    assert_eq!(
        store
            .add_instruments("valle-b", std::slice::from_ref(&base))
            .await
            .unwrap(),
        0
    );
    let mut altered = base.clone();
    altered.title.en = "Something else".into();
    altered.items.truncate(1);
    assert_eq!(
        store.add_instruments("valle-b", &[altered]).await.unwrap(),
        0
    );
    assert_eq!(
        store.instruments("valle-b").await.unwrap(),
        vec![base.clone()]
    );
    assert_eq!(store.catalog_version("valle-b").await.unwrap(), v1);

    // A new version is added beside the old one.
    let mut next = base.clone();
    next.version += 1;
    assert_eq!(
        store
            .add_instruments("valle-b", &[base.clone(), next.clone()])
            .await
            .unwrap(),
        1
    );
    let v2 = store.catalog_version("valle-b").await.unwrap();
    assert_ne!(v2, v1);
    let held: BTreeSet<_> = store
        .instruments("valle-b")
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.id, i.version))
        .collect();
    assert_eq!(
        held,
        BTreeSet::from([
            (base.id.clone(), base.version),
            (next.id.clone(), next.version)
        ])
    );
    // Other projects do not see it; an unknown project is NotFound.
    assert!(store.instruments("default").await.unwrap().is_empty());
    let builtin: Vec<_> = Catalog::builtin().all().cloned().collect();
    assert_eq!(
        store.add_instruments("default", &builtin).await.unwrap(),
        builtin.len()
    );
    assert!(!store
        .instruments("default")
        .await
        .unwrap()
        .iter()
        .any(|i| i.version == next.version && i.id == next.id));
    assert_eq!(
        store.instruments("valle-b").await.unwrap().len(),
        2,
        "the default project's catalog is its own"
    );
    match store.add_instruments("nowhere", &[base]).await {
        Err(StorageError::NotFound(_)) => {}
        other => panic!("unknown project: {other:?}"),
    }
    assert_eq!(
        store.counts().await.unwrap().instruments,
        builtin.len() as u64 + 2
    );
}

async fn push_stores_refuses_and_remembers_batches(store: Arc<dyn Store>, _db: &TestDb) {
    let d1 = device(&store, "default", "tok-1").await;
    let d2 = device(&store, "default", "tok-2").await;
    let now = t(NOW);
    let m = meeting(1, Uuid::now_v7());
    let s = satisfaction(m.id, 0);
    let b1 = Uuid::now_v7();
    let first = store
        .push(&d1, b1, vec![meeting_rec(&m), submission_rec(&s)], now)
        .await
        .unwrap();
    assert_eq!(
        statuses(&first),
        [(PushStatus::Stored, None), (PushStatus::Stored, None)]
    );
    assert_eq!(
        first
            .results
            .iter()
            .map(|r| (r.id, r.revision))
            .collect::<Vec<_>>(),
        [(m.id, 1), (s.id, 1)]
    );
    assert!(first.results.iter().all(|r| r.reason.is_none()));
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.record_revisions, counts.batches), (2, 1));

    // Every case in one batch, answered in order.
    let mut changed = m.clone();
    changed.place = "Elsewhere".into();
    let mut m2 = m.clone();
    m2.revision = 2;
    let wrong_kind = incoming(&Record {
        id: s.id,
        revision: 2,
        body: RecordBody::Outreach(outreach("2026-03", 1)),
    });
    let refused_id = Uuid::now_v7();
    let mut refused = incoming(&Record {
        id: refused_id,
        revision: 1,
        body: RecordBody::RosterCode(RosterCode {
            code: "P001".into(),
            consent: Vec::new(),
        }),
    });
    refused.rejection = Some((
        "unknown_instrument".into(),
        "unknown instrument \"x\"".into(),
    ));
    let b2 = Uuid::now_v7();
    let second = store
        .push(
            &d1,
            b2,
            vec![
                meeting_rec(&m),
                meeting_rec(&changed),
                meeting_rec(&m2),
                wrong_kind,
                refused.clone(),
                meeting_rec(&m2),
            ],
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&second),
        [
            (PushStatus::Duplicate, None),
            (PushStatus::Rejected, Some("revision_conflict")),
            (PushStatus::Stored, None),
            (PushStatus::Rejected, Some("kind_mismatch")),
            (PushStatus::Rejected, Some("unknown_instrument")),
            (PushStatus::Duplicate, None),
        ]
    );
    assert_eq!(
        second.results[4].reason.as_deref(),
        Some("unknown instrument \"x\"")
    );
    assert!(second.results[1]
        .reason
        .as_deref()
        .unwrap()
        .contains("revision"));
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.record_revisions, counts.batches), (3, 2));

    // Another device cannot add to, nor repeat, a record it does not own.
    let mut m3 = m.clone();
    m3.revision = 3;
    let third = store
        .push(
            &d2,
            Uuid::now_v7(),
            vec![meeting_rec(&m3), submission_rec(&s), meeting_rec(&m)],
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&third),
        [(PushStatus::Rejected, Some("owned_by_another_device")); 3]
    );
    assert_eq!(store.counts().await.unwrap().record_revisions, 3);
    let input = store.report_input("default").await.unwrap();
    assert_eq!(input.meetings, vec![m2.clone()]);

    // A batch id already answered gets the same answer, whatever is sent with it.
    let mut other_new = m.clone();
    other_new.id = Uuid::now_v7();
    for records in [
        vec![],
        vec![meeting_rec(&other_new)],
        vec![meeting_rec(&m3)],
    ] {
        assert_eq!(store.push(&d1, b2, records, now).await.unwrap(), second);
    }
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.record_revisions, counts.batches), (3, 3));
    // ... per device: another device's batch with the same id is its own.
    let theirs = store
        .push(&d2, b1, vec![meeting_rec(&other_new)], now)
        .await
        .unwrap();
    assert_eq!(statuses(&theirs), [(PushStatus::Stored, None)]);
    // A refused record never took its id: sent again without the refusal, it is stored.
    refused.rejection = None;
    let later = store
        .push(&d1, Uuid::now_v7(), vec![refused], now)
        .await
        .unwrap();
    assert_eq!(statuses(&later), [(PushStatus::Stored, None)]);
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.record_revisions, counts.batches), (5, 5));
    let records: BTreeMap<_, _> = store
        .devices(None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.records))
        .collect();
    assert_eq!(records[&d1.device_id], 4);
    assert_eq!(records[&d2.device_id], 1);
}

async fn racing_copies_of_a_batch_are_stored_once(store: Arc<dyn Store>, _db: &TestDb) {
    let d1 = device(&store, "default", "tok-1").await;
    let m = meeting(1, Uuid::now_v7());
    let mut records = vec![meeting_rec(&m)];
    records.extend((0..30).map(|i| submission_rec(&satisfaction(m.id, i))));
    let batch_id = Uuid::now_v7();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (store, d1, records) = (store.clone(), d1.clone(), records.clone());
            tokio::spawn(async move { store.push(&d1, batch_id, records, t(NOW)).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(
            task.await
                .unwrap()
                .expect("a racing copy is answered, not failed"),
        );
    }
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "one answer for all"
    );
    assert!(answers[0]
        .results
        .iter()
        .all(|r| r.status == PushStatus::Stored));
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.record_revisions, counts.batches), (31, 1));
}

async fn the_current_revision_is_the_highest_not_the_latest_received(
    store: Arc<dyn Store>,
    _db: &TestDb,
) {
    let d1 = device(&store, "default", "tok-1").await;
    let d2 = device(&store, "default", "tok-2").await;
    let now = t(NOW);
    let m1 = meeting(1, Uuid::now_v7());
    let rev = |n: u32, anonymous: u32| {
        let mut m = m1.clone();
        m.revision = n;
        m.attendance.anonymous = anonymous;
        m
    };
    for m in [m1.clone(), rev(3, 30), rev(2, 20)] {
        let r = store
            .push(&d1, Uuid::now_v7(), vec![meeting_rec(&m)], now)
            .await
            .unwrap();
        assert_eq!(statuses(&r), [(PushStatus::Stored, None)]);
    }
    assert_eq!(store.counts().await.unwrap().record_revisions, 3);
    assert_eq!(
        store.report_input("default").await.unwrap().meetings,
        vec![rev(3, 30)]
    );
    assert_eq!(
        store.pull(&d2, 0, 100).await.unwrap().meetings,
        vec![rev(3, 30)]
    );

    // A corrected submission (revision 2) replaces the first in the report and exports.
    let s1 = satisfaction(m1.id, 0);
    let mut s2 = satisfaction(m1.id, 5);
    s2.id = s1.id;
    store
        .push(&d1, Uuid::now_v7(), vec![submission_rec(&s1)], now)
        .await
        .unwrap();
    let mut r2 = submission_rec(&s2);
    r2.revision = 2;
    let r = store
        .push(&d1, Uuid::now_v7(), vec![r2], now)
        .await
        .unwrap();
    assert_eq!(statuses(&r), [(PushStatus::Stored, None)]);
    assert_eq!(
        store.report_input("default").await.unwrap().submissions,
        vec![s2.clone()]
    );
    let subs = store.submissions("default").await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(
        (subs[0].device_id, &subs[0].submission),
        (d1.device_id, &s2)
    );
}

/// Every meeting and instrument a device is due, read page by page. With `one_row_each`
/// (each meeting has one revision in the range) a page before the last must be full; a
/// meeting with several revisions in the range is sent once per page, at its current
/// revision, so its page may hold fewer items.
async fn pull_everything(
    store: &Arc<dyn Store>,
    device: &DeviceIdentity,
    since: u64,
    limit: u32,
    one_row_each: bool,
) -> (u64, Vec<(String, String)>) {
    let mut cursor = since;
    let mut items = Vec::new();
    for _ in 0..10_000 {
        let page = store.pull(device, cursor, limit).await.unwrap();
        let n = page.meetings.len() + page.instruments.len();
        assert!(n <= limit as usize, "limit {limit}: a page of {n}");
        if page.more && one_row_each {
            assert_eq!(
                n, limit as usize,
                "limit {limit}: a page before the last is full"
            );
        }
        assert!(page.cursor >= cursor, "limit {limit}: the cursor went back");
        if n > 0 {
            assert!(
                page.cursor > cursor,
                "limit {limit}: items without progress"
            );
        }
        cursor = page.cursor;
        items.extend(
            page.instruments
                .iter()
                .map(|i| ("instrument".to_string(), format!("{}@{}", i.id, i.version))),
        );
        items.extend(
            page.meetings
                .iter()
                .map(|m| ("meeting".to_string(), format!("{}@{}", m.id, m.revision))),
        );
        if !page.more {
            return (cursor, items);
        }
    }
    panic!("pull never ends");
}

async fn pull_pages_hold_every_change_once(store: Arc<dyn Store>, _db: &TestDb) {
    add_project(&store, "p").await;
    let some: Vec<_> = Catalog::builtin().all().take(3).cloned().collect();
    store.add_instruments("p", &some).await.unwrap();
    let reader = device(&store, "p", "tok-reader").await;
    let w1 = device(&store, "p", "tok-w1").await;
    let w2 = device(&store, "p", "tok-w2").await;
    let outsider = device(&store, "default", "tok-x").await;
    let now = t(NOW);
    let mut expected = BTreeSet::new();
    for i in &some {
        expected.insert(("instrument".to_string(), format!("{}@{}", i.id, i.version)));
    }
    let mut w2_meetings = Vec::new();
    for round in 0..4 {
        for (dev, n) in [(&w1, 1), (&w2, usize::from(round < 3))] {
            let ms: Vec<_> = (0..n).map(|_| meeting(1, Uuid::now_v7())).collect();
            for m in &ms {
                expected.insert(("meeting".to_string(), format!("{}@1", m.id)));
            }
            if dev.device_id == w2.device_id {
                w2_meetings.extend(ms.clone());
            }
            store
                .push(
                    dev,
                    Uuid::now_v7(),
                    ms.iter().map(meeting_rec).collect(),
                    now,
                )
                .await
                .unwrap();
        }
    }
    // Not due to the reader: its own meetings, other kinds, another project's meetings.
    let own = meeting(1, Uuid::now_v7());
    store
        .push(&reader, Uuid::now_v7(), vec![meeting_rec(&own)], now)
        .await
        .unwrap();
    let m0 = w2_meetings[0].id;
    store
        .push(
            &w1,
            Uuid::now_v7(),
            vec![
                submission_rec(&satisfaction(m0, 1)),
                incoming(&record(RecordBody::Outreach(outreach("2026-03", 5)))),
                incoming(&record(RecordBody::RosterCode(RosterCode {
                    code: "P007".into(),
                    consent: Vec::new(),
                }))),
            ],
            now,
        )
        .await
        .unwrap();
    let foreign = meeting(1, Uuid::now_v7());
    store
        .push(&outsider, Uuid::now_v7(), vec![meeting_rec(&foreign)], now)
        .await
        .unwrap();
    assert_eq!(expected.len(), 10);

    let total = expected.len() as u32;
    let mut end = None;
    for limit in 1..=total + 1 {
        let (cursor, items) = pull_everything(&store, &reader, 0, limit, true).await;
        let seen: BTreeSet<_> = items.iter().cloned().collect();
        assert_eq!(
            items.len(),
            seen.len(),
            "limit {limit}: an item twice: {items:?}"
        );
        assert_eq!(seen, expected, "limit {limit}");
        if let Some(end) = end {
            assert_eq!(
                cursor, end,
                "limit {limit}: every paging ends at the same cursor"
            );
        }
        end = Some(cursor);
        let after = store.pull(&reader, cursor, limit).await.unwrap();
        assert!(after.meetings.is_empty() && after.instruments.is_empty() && !after.more);
        assert_eq!(after.cursor, cursor);
    }
    let end = end.unwrap();

    // A new revision and a new instrument version come next, and only they.
    let mut changed = w2_meetings[1].clone();
    changed.revision = 2;
    store
        .push(&w2, Uuid::now_v7(), vec![meeting_rec(&changed)], now)
        .await
        .unwrap();
    let mut newer = some[0].clone();
    newer.version += 1;
    store.add_instruments("p", &[newer.clone()]).await.unwrap();
    let page = store.pull(&reader, end, 100).await.unwrap();
    assert_eq!(page.meetings, vec![changed]);
    assert_eq!(page.instruments, vec![newer]);
    assert!(!page.more && page.cursor > end);

    // The outsider, in another project, sees none of it (and not its own meeting).
    let (_, theirs) = pull_everything(&store, &outsider, 0, 3, true).await;
    assert!(theirs.is_empty(), "{theirs:?}");
    // A writer sees the other writer's meetings, not its own.
    let (_, w1_sees) = pull_everything(&store, &w1, 0, 4, false).await;
    let w1_meetings: BTreeSet<_> = w1_sees
        .iter()
        .filter(|(k, _)| k == "meeting")
        .map(|(_, v)| v.split('@').next().unwrap().to_string())
        .collect();
    let mut due: BTreeSet<_> = w2_meetings.iter().map(|m| m.id.to_string()).collect();
    due.insert(own.id.to_string());
    assert_eq!(w1_meetings, due);
}

async fn pull_never_skips_a_row_while_pushes_commit(store: Arc<dyn Store>, _db: &TestDb) {
    let reader = device(&store, "default", "tok-reader").await;
    let writers = [
        device(&store, "default", "tok-w1").await,
        device(&store, "default", "tok-w2").await,
        device(&store, "default", "tok-w3").await,
        device(&store, "default", "tok-w4").await,
    ];
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reading = {
        let (store, reader, done) = (store.clone(), reader.clone(), done.clone());
        tokio::spawn(async move {
            let mut seen = BTreeSet::new();
            let mut cursor = 0;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                loop {
                    let page = store.pull(&reader, cursor, 7).await.unwrap();
                    assert!(page.cursor >= cursor);
                    cursor = page.cursor;
                    seen.extend(page.meetings.iter().map(|m| m.id));
                    if !page.more {
                        break;
                    }
                }
                if finished {
                    return seen;
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let tasks: Vec<_> = writers
        .iter()
        .map(|w| {
            let (store, w) = (store.clone(), w.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for _ in 0..25 {
                    let ms: Vec<_> = (0..2).map(|_| meeting(1, Uuid::now_v7())).collect();
                    ids.extend(ms.iter().map(|m| m.id));
                    store
                        .push(
                            &w,
                            Uuid::now_v7(),
                            ms.iter().map(meeting_rec).collect(),
                            t(NOW),
                        )
                        .await
                        .unwrap();
                }
                ids
            })
        })
        .collect();
    let mut pushed = BTreeSet::new();
    for task in tasks {
        pushed.extend(task.await.unwrap());
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = reading.await.unwrap();
    assert_eq!(pushed.len(), 200);
    let missed: Vec<_> = pushed.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "the cursor skipped {} meetings",
        missed.len()
    );
}

async fn report_input_and_submissions_are_per_project(store: Arc<dyn Store>, _db: &TestDb) {
    add_project(&store, "valle-b").await;
    let da = device(&store, "default", "tok-a").await;
    let db_ = device(&store, "valle-b", "tok-b").await;
    let now = t(NOW);
    let ma = meeting(1, Uuid::now_v7());
    let (sa1, sa2) = (satisfaction(ma.id, 0), satisfaction(ma.id, 1));
    let oa = outreach("2026-03", 10);
    let mb = meeting(1, Uuid::now_v7());
    let sb = satisfaction(mb.id, 2);
    let ob = outreach("2026-04", 20);
    let roster = |c: &str| {
        incoming(&record(RecordBody::RosterCode(RosterCode {
            code: c.into(),
            consent: Vec::new(),
        })))
    };
    store
        .push(
            &da,
            Uuid::now_v7(),
            vec![
                meeting_rec(&ma),
                submission_rec(&sa1),
                incoming(&record(RecordBody::Outreach(oa.clone()))),
                roster("P001"),
            ],
            now,
        )
        .await
        .unwrap();
    store
        .push(
            &db_,
            Uuid::now_v7(),
            vec![
                meeting_rec(&mb),
                submission_rec(&sb),
                incoming(&record(RecordBody::Outreach(ob.clone()))),
                roster("P002"),
            ],
            now,
        )
        .await
        .unwrap();
    store
        .push(&da, Uuid::now_v7(), vec![submission_rec(&sa2)], now)
        .await
        .unwrap();
    let a = store.report_input("default").await.unwrap();
    assert_eq!(a.meetings, vec![ma]);
    assert_eq!(a.submissions, vec![sa1.clone(), sa2.clone()]);
    assert_eq!(a.outreach, vec![oa]);
    let b = store.report_input("valle-b").await.unwrap();
    assert_eq!(b.meetings, vec![mb]);
    assert_eq!(b.submissions, vec![sb.clone()]);
    assert_eq!(b.outreach, vec![ob]);
    let subs = |v: Vec<campo_server::store::StoredSubmission>| {
        v.into_iter()
            .map(|s| (s.device_id, s.submission))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        subs(store.submissions("default").await.unwrap()),
        vec![(da.device_id, sa1), (da.device_id, sa2)],
        "in receipt order"
    );
    assert_eq!(
        subs(store.submissions("valle-b").await.unwrap()),
        vec![(db_.device_id, sb)]
    );
    add_project(&store, "empty").await;
    assert_eq!(
        store.report_input("empty").await.unwrap(),
        campo_core::report::ReportInput::default()
    );
    assert!(store.submissions("empty").await.unwrap().is_empty());
}

async fn settings_keep_values_and_the_first_insert_wins(store: Arc<dyn Store>, _db: &TestDb) {
    assert_eq!(store.setting("k").await.unwrap(), None);
    store.set_setting("k", "1").await.unwrap();
    assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("1"));
    store.set_setting("k", "2").await.unwrap();
    assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("2"));
    assert_eq!(store.setting_or_insert("k", "3").await.unwrap(), "2");
    assert_eq!(
        store.setting_or_insert("csrf", "first").await.unwrap(),
        "first"
    );
    assert_eq!(
        store.setting_or_insert("csrf", "second").await.unwrap(),
        "first"
    );
    assert_eq!(
        store.setting("csrf").await.unwrap().as_deref(),
        Some("first")
    );
    // Many processes asking at once: one value for all.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .setting_or_insert("race", &format!("v{i}"))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut got = BTreeSet::new();
    for task in tasks {
        got.insert(task.await.unwrap());
    }
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(store.setting("race").await.unwrap(), got.into_iter().next());
    // Values of any text survive.
    let odd = "quote ' and \" and ünïcödé\nnewline";
    store.set_setting("odd", odd).await.unwrap();
    assert_eq!(store.setting("odd").await.unwrap().as_deref(), Some(odd));
}

async fn rate_limits_count_in_windows_of_the_clock_given(store: Arc<dyn Store>, _db: &TestDb) {
    let minute = std::time::Duration::from_secs(60);
    // A window start of any sensible scheme (and years ago).
    let t0 = t("2020-01-01T00:00:00Z");
    let at = |s: i64| t0 + Duration::seconds(s);
    for s in [0, 1, 2] {
        assert!(
            store.rate_limit("k", at(s), minute, 3).await.unwrap(),
            "attempt at {s}s"
        );
    }
    assert!(!store.rate_limit("k", at(10), minute, 3).await.unwrap());
    assert!(!store.rate_limit("k", at(59), minute, 3).await.unwrap());
    assert!(
        store.rate_limit("other", at(20), minute, 3).await.unwrap(),
        "each key counts alone"
    );
    // The next window starts afresh.
    for s in [60, 61, 62] {
        assert!(
            store.rate_limit("k", at(s), minute, 3).await.unwrap(),
            "attempt at {s}s"
        );
    }
    assert!(!store.rate_limit("k", at(63), minute, 3).await.unwrap());
    assert!(store.rate_limit("k", at(3600), minute, 3).await.unwrap());
    // The limit of the call holds, not a stored one.
    assert!(store.rate_limit("k", at(3601), minute, 2).await.unwrap());
    assert!(!store.rate_limit("k", at(3602), minute, 2).await.unwrap());
    // Shared by every user of the database: another connection sees the same count.
    let burst = t("2021-06-01T00:00:00Z");
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.rate_limit("burst", burst, minute, 10).await.unwrap() })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        allowed += usize::from(task.await.unwrap());
    }
    assert_eq!(allowed, 10, "ten of twelve racing attempts");
}

async fn backup_is_a_consistent_copy_or_names_pg_dump(store: Arc<dyn Store>, db: &TestDb) {
    let d = device(&store, "default", "tok-1").await;
    let m = meeting(1, Uuid::now_v7());
    store
        .push(
            &d,
            Uuid::now_v7(),
            vec![meeting_rec(&m), submission_rec(&satisfaction(m.id, 0))],
            t(NOW),
        )
        .await
        .unwrap();
    store.set_setting("admin_password_hash", "x").await.unwrap();
    let out = db.dir().join("copy.db");
    match db.engine {
        Engine::Sqlite => {
            store.backup(&out).await.unwrap();
            let copy = campo_server::store::open(&DbTarget::Sqlite(out.clone()))
                .await
                .unwrap();
            assert_eq!(copy.counts().await.unwrap(), store.counts().await.unwrap());
            assert_eq!(
                copy.report_input("default").await.unwrap(),
                store.report_input("default").await.unwrap()
            );
            assert_eq!(
                copy.devices(None).await.unwrap(),
                store.devices(None).await.unwrap()
            );
            assert_eq!(copy.authenticate("tok-1").await.unwrap(), Some(d.clone()));
            assert_eq!(
                copy.setting("admin_password_hash")
                    .await
                    .unwrap()
                    .as_deref(),
                Some("x")
            );
            drop(copy);
            // Never over an existing file.
            let before = std::fs::read(&out).unwrap();
            match store.backup(&out).await {
                Err(StorageError::Invalid(why)) => assert!(why.contains("exists"), "{why}"),
                other => panic!("backup over a file: {other:?}"),
            }
            assert_eq!(std::fs::read(&out).unwrap(), before);
        }
        Engine::Postgres => {
            match store.backup(&out).await {
                Err(StorageError::Invalid(why)) => assert!(why.contains("pg_dump"), "{why}"),
                other => panic!("PostgreSQL backup: {other:?}"),
            }
            assert!(!out.exists());
        }
    }
}

async fn a_vault_enrolls_again_only_with_its_secret_and_keeps_its_records(
    store: Arc<dyn Store>,
    _db: &TestDb,
) {
    add_project(&store, "valle-b").await;
    let now = t(NOW);
    let valid = now + Duration::minutes(15);
    let vault = claim();
    for (project, code) in [
        ("default", "code-1"),
        ("default", "code-2"),
        ("valle-b", "code-b"),
    ] {
        store
            .add_enroll_code(project, code, "Tablet 1", valid)
            .await
            .unwrap();
    }
    let first = store
        .enroll("code-1", "tab-1", "tok-1", &vault, now)
        .await
        .unwrap()
        .device()
        .expect("a new vault enrolls");
    assert_eq!(
        (first.vault_id, first.project.as_str()),
        (vault.id, "default")
    );
    let m = meeting(1, Uuid::now_v7());
    let s = satisfaction(m.id, 0);
    let sent = store
        .push(
            &first,
            Uuid::now_v7(),
            vec![meeting_rec(&m), submission_rec(&s)],
            now,
        )
        .await
        .unwrap();
    assert_eq!(statuses(&sent), [(PushStatus::Stored, None); 2]);
    // The tablet's token is lost: the office revokes the device.
    assert!(store.revoke(first.device_id, now).await.unwrap());

    // Another secret, or the vault's own in another project's code, is refused and uses
    // no code; a claim that is no hash is refused before anything is read.
    let guess = VaultClaim {
        id: vault.id,
        secret_hash: sha256_hex(b"a guess"),
    };
    for _ in 0..2 {
        assert_eq!(
            store
                .enroll("code-2", "tab-1", "tok-guess", &guess, now)
                .await
                .unwrap(),
            Enrollment::VaultSecretMismatch
        );
    }
    assert_eq!(
        store
            .enroll("code-b", "tab-1", "tok-b", &vault, now)
            .await
            .unwrap(),
        Enrollment::VaultInOtherProject
    );
    let not_a_hash = VaultClaim {
        id: vault.id,
        secret_hash: "secret".into(),
    };
    match store
        .enroll("code-2", "tab-1", "tok-x", &not_a_hash, now)
        .await
    {
        Err(StorageError::Invalid(_)) => {}
        other => panic!("a claim that is no hash: {other:?}"),
    }
    assert_eq!(store.counts().await.unwrap().devices, 1);
    assert_eq!(store.authenticate("tok-guess").await.unwrap(), None);

    // With its secret the vault enrolls again: a new device and token, the old device
    // still revoked.
    let second = store
        .enroll("code-2", "tab-1", "tok-2", &vault, now)
        .await
        .unwrap()
        .device()
        .expect("the code was not used by the refusals");
    assert_eq!(second.vault_id, vault.id);
    assert_ne!(second.device_id, first.device_id);
    assert_eq!(
        store.authenticate("tok-2").await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(store.authenticate("tok-1").await.unwrap(), None);
    let listed: BTreeMap<_, _> = store
        .devices(Some("default"))
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.id, (d.vault_id, d.revoked_at.is_some())))
        .collect();
    assert_eq!(listed[&first.device_id], (vault.id, true));
    assert_eq!(listed[&second.device_id], (vault.id, false));

    // The new device owns what the old one sent: a new revision and a correction are
    // stored, a resend is a duplicate. Another vault may do neither.
    let mut m2 = m.clone();
    m2.revision = 2;
    let mut fix = satisfaction(m.id, 3);
    fix.replaces = Some(s.id);
    let again = store
        .push(
            &second,
            Uuid::now_v7(),
            vec![meeting_rec(&m2), submission_rec(&s), submission_rec(&fix)],
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&again),
        [
            (PushStatus::Stored, None),
            (PushStatus::Duplicate, None),
            (PushStatus::Stored, None)
        ]
    );
    let other = device(&store, "default", "tok-other").await;
    let mut m3 = m.clone();
    m3.revision = 3;
    let theirs = store
        .push(&other, Uuid::now_v7(), vec![meeting_rec(&m3)], now)
        .await
        .unwrap();
    assert_eq!(
        statuses(&theirs),
        [(PushStatus::Rejected, Some("owned_by_another_device"))]
    );

    // A pull sends no device of the vault the vault's own meetings; other vaults get them.
    assert!(store
        .pull(&second, 0, 100)
        .await
        .unwrap()
        .meetings
        .is_empty());
    assert_eq!(
        store.pull(&other, 0, 100).await.unwrap().meetings,
        vec![m2.clone()]
    );

    // The other project's code is still unused too.
    let b = store
        .enroll("code-b", "tab-b", "tok-b", &claim(), now)
        .await
        .unwrap()
        .device()
        .expect("the code was not used by the refusal");
    assert_eq!(b.project, "valle-b");
    assert_eq!(store.counts().await.unwrap().devices, 4);
}

async fn first_enrollments_of_one_vault_racing_register_it_once(
    store: Arc<dyn Store>,
    _db: &TestDb,
) {
    let now = t(NOW);
    let id = Uuid::now_v7();
    let claim_of = |i: usize| VaultClaim {
        id,
        secret_hash: sha256_hex(format!("secret {i}").as_bytes()),
    };
    for i in 0..8 {
        store
            .add_enroll_code(
                "default",
                &format!("race-{i}"),
                "Race",
                now + Duration::minutes(15),
            )
            .await
            .unwrap();
    }
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, claim) = (store.clone(), claim_of(i));
            tokio::spawn(async move {
                let outcome = store
                    .enroll(
                        &format!("race-{i}"),
                        "race",
                        &format!("tok-race-{i}"),
                        &claim,
                        now,
                    )
                    .await
                    .unwrap();
                (i, outcome)
            })
        })
        .collect();
    let mut won = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (i, Enrollment::Enrolled(d)) => won.push((i, d)),
            (_, Enrollment::VaultSecretMismatch) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(won.len(), 1, "one secret registers the vault");
    let (winner, device) = won.pop().unwrap();
    assert_eq!(device.vault_id, id);
    // The losers' codes are unused: the winner's secret enrolls with one of them.
    let loser = (winner + 1) % 8;
    let again = store
        .enroll(
            &format!("race-{loser}"),
            "race",
            "tok-again",
            &claim_of(winner),
            now,
        )
        .await
        .unwrap()
        .device()
        .expect("the vault's own secret");
    assert_eq!(again.vault_id, id);
    assert_eq!(store.counts().await.unwrap().devices, 2);
}

async fn corrections_name_one_uncorrected_submission_of_the_same_vault_meeting_and_instrument(
    store: Arc<dyn Store>,
    _db: &TestDb,
) {
    add_project(&store, "valle-b").await;
    let a = device(&store, "default", "tok-a").await;
    let b = device(&store, "default", "tok-b").await;
    let elsewhere = device(&store, "valle-b", "tok-x").await;
    let now = t(NOW);
    let fix = |of: &Submission, seed: usize| {
        let mut s = satisfaction(of.meeting_id, seed);
        s.replaces = Some(of.id);
        s
    };
    let (m, m_other) = (meeting(1, Uuid::now_v7()), meeting(1, Uuid::now_v7()));
    let (first, second) = (satisfaction(m.id, 0), satisfaction(m.id, 1));
    let theirs = satisfaction(m.id, 2);
    let in_b = satisfaction(Uuid::now_v7(), 3);
    store
        .push(
            &a,
            Uuid::now_v7(),
            vec![
                meeting_rec(&m),
                meeting_rec(&m_other),
                submission_rec(&first),
                submission_rec(&second),
            ],
            now,
        )
        .await
        .unwrap();
    store
        .push(&b, Uuid::now_v7(), vec![submission_rec(&theirs)], now)
        .await
        .unwrap();
    store
        .push(&elsewhere, Uuid::now_v7(), vec![submission_rec(&in_b)], now)
        .await
        .unwrap();
    let before = store.counts().await.unwrap().record_revisions;

    let c1 = fix(&first, 4);
    let c1_rival = fix(&first, 5);
    let c2 = fix(&c1, 6);
    let mut unknown = fix(&first, 7);
    unknown.replaces = Some(Uuid::now_v7());
    let mut a_meeting = fix(&first, 8);
    a_meeting.replaces = Some(m.id);
    let mut moved = satisfaction(m_other.id, 9);
    moved.replaces = Some(second.id);
    let mut other_instrument = fix(&second, 10);
    other_instrument.instrument_id = "peer_satisfaction".into();
    let mut itself = satisfaction(m.id, 11);
    itself.replaces = Some(itself.id);
    let batch = vec![
        c1.clone(),
        c1_rival,
        c2.clone(),
        fix(&theirs, 12),
        fix(&in_b, 13),
        unknown,
        a_meeting,
        moved,
        other_instrument,
        itself,
    ];
    let answer = store
        .push(
            &a,
            Uuid::now_v7(),
            batch.iter().map(submission_rec).collect(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&answer),
        [
            (PushStatus::Stored, None),
            (PushStatus::Rejected, Some("already_replaced")),
            (PushStatus::Stored, None),
            (PushStatus::Rejected, Some("replaces_not_yours")),
            (PushStatus::Rejected, Some("replaces_unknown")),
            (PushStatus::Rejected, Some("replaces_unknown")),
            (PushStatus::Rejected, Some("replaces_unknown")),
            (PushStatus::Rejected, Some("replaces_mismatch")),
            (PushStatus::Rejected, Some("replaces_mismatch")),
            (PushStatus::Rejected, Some("replaces_mismatch")),
        ]
    );
    assert!(answer.results[1]
        .reason
        .as_deref()
        .unwrap()
        .contains("latest correction"));
    assert_eq!(
        store.counts().await.unwrap().record_revisions,
        before + 2,
        "only the two corrections that hold"
    );

    // Sent again, the same corrections are duplicates; a correction of an earlier one is
    // refused in a later batch too, and the latest may be corrected in turn.
    let resend = store
        .push(
            &a,
            Uuid::now_v7(),
            vec![submission_rec(&c1), submission_rec(&c2)],
            now,
        )
        .await
        .unwrap();
    assert_eq!(statuses(&resend), [(PushStatus::Duplicate, None); 2]);
    let c3 = fix(&c2, 14);
    let later = store
        .push(
            &a,
            Uuid::now_v7(),
            vec![submission_rec(&fix(&c1, 15)), submission_rec(&c3)],
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&later),
        [
            (PushStatus::Rejected, Some("already_replaced")),
            (PushStatus::Stored, None)
        ]
    );

    // The report and the export count the chain once, as its latest correction.
    let input = store.report_input("default").await.unwrap();
    let catalog = Catalog::builtin();
    let report = campo_core::report::compute(&input, &catalog, &Targets::default());
    assert_eq!(report.ignored.replaced, 3, "first, c1 and c2");
    assert_eq!(
        report.training.satisfaction.n, 3,
        "second, theirs and the latest correction"
    );
    let tables = campo_server::export::tables(
        &store.submissions("default").await.unwrap(),
        &input,
        &catalog,
        campo_core::Lang::En,
    );
    let rows: BTreeSet<String> = tables
        .iter()
        .flat_map(|t| t.rows.iter().map(|r| r[0].written().into_owned()))
        .collect();
    assert_eq!(
        rows,
        BTreeSet::from([
            second.id.to_string(),
            theirs.id.to_string(),
            c3.id.to_string()
        ])
    );
}

async fn an_unpublished_instrument_waits_outside_the_catalog_until_published(
    store: Arc<dyn Store>,
    _db: &TestDb,
) {
    add_project(&store, "valle-b").await;
    let mut form = Catalog::builtin()
        .latest("peer_satisfaction")
        .unwrap()
        .clone();
    form.id = "peer_checkin".into();
    let v0 = store.catalog_version("valle-b").await.unwrap();
    assert_eq!(
        store
            .add_unpublished_instruments("valle-b", std::slice::from_ref(&form))
            .await
            .unwrap(),
        1
    );
    // Held, but not in the catalog, and the catalog has not changed.
    assert!(store.instruments("valle-b").await.unwrap().is_empty());
    assert_eq!(
        store.unpublished_instruments("valle-b").await.unwrap(),
        vec![form.clone()]
    );
    assert_eq!(store.catalog_version("valle-b").await.unwrap(), v0);
    // Adding it again, published or not, neither doubles nor publishes it.
    assert_eq!(
        store
            .add_instruments("valle-b", std::slice::from_ref(&form))
            .await
            .unwrap(),
        0
    );
    assert!(store.instruments("valle-b").await.unwrap().is_empty());

    assert!(store
        .publish_instrument("valle-b", "peer_checkin", form.version)
        .await
        .unwrap());
    assert_eq!(
        store.instruments("valle-b").await.unwrap(),
        vec![form.clone()]
    );
    assert!(store
        .unpublished_instruments("valle-b")
        .await
        .unwrap()
        .is_empty());
    assert_ne!(store.catalog_version("valle-b").await.unwrap(), v0);
    // Twice is harmless; a version or project that is not there is NotFound.
    assert!(!store
        .publish_instrument("valle-b", "peer_checkin", form.version)
        .await
        .unwrap());
    for (project, version) in [("valle-b", 9), ("nowhere", form.version)] {
        match store
            .publish_instrument(project, "peer_checkin", version)
            .await
        {
            Err(StorageError::NotFound(_)) => {}
            other => panic!("{project} v{version}: {other:?}"),
        }
    }
    // Other projects see nothing of it.
    assert!(store
        .unpublished_instruments("default")
        .await
        .unwrap()
        .is_empty());
}
