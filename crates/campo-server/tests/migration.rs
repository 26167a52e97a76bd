//! Upgrades: a database made by Campo's first release is migrated by today's server and
//! keeps every record, device, token, password and report figure; a database newer than
//! this server is refused at start, named, and left as it was.
//!
//! The first-release database is `fixtures/first-release.db`, made once by the first
//! release's own binary (`make_first_release_fixture` below; see fixtures/README.md), with
//! what was sent and answered in `fixtures/first-release.json`.

mod common;

use campo_core::{Meeting, Outreach, Submission};
use campo_server_store::migrate::latest;
use campo_wire::{PushRequest, PushResponse, PushStatus, RecordBody, RosterCode};
use common::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

on_both_engines!(
    a_newer_schema_is_refused_at_start_and_left_unchanged,
    a_database_of_schema_2_gets_a_vault_per_device_and_keeps_ownership,
);

const PASSWORD: &str = "ufficio-valle-2026";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// What the fixture's database was made from, as the first release saw it.
#[derive(Serialize, Deserialize)]
struct Sidecar {
    made_by: String,
    admin_password: String,
    devices: Vec<OldDevice>,
    /// Every push, in order, with the first release's answer.
    pushes: Vec<OldPush>,
    /// `campo-server report --format json` of the first release.
    report: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct OldDevice {
    id: Uuid,
    name: String,
    device_name: String,
    token: String,
    revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Serialize, Deserialize)]
struct OldPush {
    device: Uuid,
    request: PushRequest,
    response: PushResponse,
}

fn sidecar() -> Sidecar {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("first-release.json")).unwrap())
        .unwrap()
}

/// A copy of the fixture as a test database of its own.
fn fixture_copy() -> TestDb {
    let db = TestDb::sqlite();
    std::fs::copy(
        fixtures().join("first-release.db"),
        db.sqlite_path().unwrap(),
    )
    .unwrap();
    db
}

/// `old` is a subset of `new`: every field the first release reported has the same value.
fn assert_kept(old: &serde_json::Value, new: &serde_json::Value, path: &str) {
    match (old, new) {
        (serde_json::Value::Object(o), serde_json::Value::Object(n)) => {
            for (k, v) in o {
                let at = format!("{path}.{k}");
                let nv = n.get(k).unwrap_or_else(|| panic!("{at} is gone"));
                assert_kept(v, nv, &at);
            }
        }
        (serde_json::Value::Array(o), serde_json::Value::Array(n)) => {
            assert_eq!(o.len(), n.len(), "{path}: {old} vs {new}");
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                assert_kept(a, b, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(old, new, "{path}"),
    }
}

#[test]
fn a_first_release_database_is_upgraded_and_keeps_everything() {
    let old = sidecar();
    let db = fixture_copy();
    let path = db.sqlite_path().unwrap();
    // As the first release left it: no schema version, no projects.
    let tables: Vec<String> =
        sqlite_rows(&path, "SELECT name FROM sqlite_master WHERE type = 'table'")
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
    assert!(tables.contains(&"records".to_string()), "{tables:?}");
    assert!(
        !tables.contains(&"schema_version".to_string()),
        "{tables:?}"
    );
    assert!(!tables.contains(&"projects".to_string()), "{tables:?}");
    let stored: usize = old
        .pushes
        .iter()
        .map(|p| {
            p.response
                .results
                .iter()
                .filter(|r| r.status == PushStatus::Stored)
                .count()
        })
        .sum();
    assert_eq!(
        sqlite_rows(&path, "SELECT COUNT(*) FROM records")[0][0],
        stored.to_string()
    );
    // The cursor a tablet holds from its last pull of the first release.
    let old_cursor: u64 = sqlite_rows(&path, "SELECT value FROM seq")[0][0]
        .parse()
        .unwrap();

    // Today's binary reads it: devices, with the revoked one still revoked.
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&cli(&db, &["devices", "list", "--json"])).unwrap();
    assert_eq!(listed.len(), old.devices.len());
    for d in &old.devices {
        let now = listed
            .iter()
            .find(|l| l["id"] == d.id.to_string())
            .unwrap_or_else(|| panic!("device {} is gone", d.id));
        assert_eq!(now["name"], d.name.as_str());
        assert_eq!(now["device_name"], d.device_name.as_str());
        assert_eq!(now["project"], "default");
        let revoked: Option<chrono::DateTime<chrono::Utc>> =
            serde_json::from_value(now["revoked_at"].clone()).unwrap();
        assert_eq!(revoked, d.revoked_at, "device {}", d.name);
        let sent: usize = old
            .pushes
            .iter()
            .filter(|p| p.device == d.id)
            .map(|p| {
                p.response
                    .results
                    .iter()
                    .filter(|r| r.status == PushStatus::Stored)
                    .count()
            })
            .sum();
        assert_eq!(now["records"], sent, "device {}", d.name);
    }
    // ... and the schema is now the latest.
    let latest_version = latest(campo_server_sqlite::MIGRATIONS);
    assert_eq!(
        sqlite_rows(&path, "SELECT MAX(version) FROM schema_version")[0][0],
        latest_version.to_string()
    );
    let (version, counts, input) = db.with_store(|s| async move {
        (
            s.schema_version().await.unwrap(),
            s.counts().await.unwrap(),
            s.report_input("default").await.unwrap(),
        )
    });
    assert_eq!(version, latest_version);
    assert_eq!(counts.record_revisions as usize, stored);
    assert_eq!(counts.batches as usize, old.pushes.len());
    assert_eq!(counts.devices as usize, old.devices.len());
    assert_eq!(counts.projects, 1);

    // Every record, at its current revision, in the default project.
    let mut meetings: BTreeMap<Uuid, Meeting> = BTreeMap::new();
    let mut submissions = Vec::<Submission>::new();
    let mut outreach = Vec::<Outreach>::new();
    for p in &old.pushes {
        for (rec, answer) in p.request.records.iter().zip(&p.response.results) {
            assert_eq!(
                answer.status,
                PushStatus::Stored,
                "the fixture stored all it sent"
            );
            match &rec.body {
                RecordBody::Meeting(m) => {
                    let keep = meetings
                        .get(&m.id)
                        .is_none_or(|held| held.revision < m.revision);
                    if keep {
                        meetings.insert(m.id, m.clone());
                    }
                }
                RecordBody::Submission(s) => submissions.push(s.clone()),
                RecordBody::Outreach(o) => outreach.push(o.clone()),
                RecordBody::RosterCode(_) => {}
            }
        }
    }
    let mut got_meetings = input.meetings.clone();
    got_meetings.sort_by_key(|m| m.id);
    assert_eq!(got_meetings, meetings.into_values().collect::<Vec<_>>());
    assert!(
        got_meetings.iter().any(|m| m.revision == 2),
        "a second revision is current"
    );
    assert_eq!(input.submissions, submissions);
    assert_eq!(input.outreach, outreach);

    // The report gives the first release's figures (it may add new ones).
    let report: serde_json::Value =
        serde_json::from_str(&cli(&db, &["report", "--format", "json"])).unwrap();
    assert_kept(&old.report, &report, "report");
    assert!(
        old.report["training"]["satisfaction"]["n"]
            .as_u64()
            .unwrap()
            > 0
    );

    // Served: the kept device's token works, the revoked one's does not, batches are
    // remembered, bodies hash as before, and the admin password signs in to the console as
    // the account admin.
    let server = Server::start(&db);
    let kept = old.devices.iter().find(|d| d.revoked_at.is_none()).unwrap();
    let revoked = old.devices.iter().find(|d| d.revoked_at.is_some()).unwrap();
    let theirs: Vec<Uuid> = old
        .pushes
        .iter()
        .filter(|p| p.device == revoked.id)
        .flat_map(|p| p.request.records.iter())
        .filter(|r| matches!(r.body, RecordBody::Meeting(_)))
        .map(|r| r.id)
        .collect();
    let pulled = pull(&server, &kept.token, 0, None);
    assert_eq!(
        pulled.meetings.iter().map(|m| m.id).collect::<Vec<_>>(),
        theirs,
        "the other (revoked) device's meetings, not its own"
    );
    assert!(pulled
        .instruments
        .iter()
        .any(|i| i.id == "training_satisfaction"));
    let resp = http()
        .get(server.url("/api/v1/sync/pull"))
        .bearer_auth(&revoked.token)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 401, "the revoked device stays revoked");
    for p in old.pushes.iter().filter(|p| p.device == kept.id) {
        assert_eq!(
            push(&server, &kept.token, &p.request),
            p.response,
            "batch remembered"
        );
        let again = push(&server, &kept.token, &batch(p.request.records.clone()));
        assert!(
            again
                .results
                .iter()
                .all(|r| r.status == PushStatus::Duplicate),
            "the same bodies hash the same: {again:?}"
        );
    }
    let resp = push(
        &server,
        &kept.token,
        &batch(vec![record(RecordBody::RosterCode(RosterCode {
            code: "P900".into(),
            consent: Vec::new(),
        }))]),
    );
    assert_eq!(resp.results[0].status, PushStatus::Stored);
    let mut browser = common::browser::Browser::new(&server);
    assert_eq!(
        browser.login("admin", "not-the-password").status,
        reqwest::StatusCode::UNAUTHORIZED
    );
    let signed = browser.login("admin", &old.admin_password);
    assert_eq!(
        signed.status,
        reqwest::StatusCode::SEE_OTHER,
        "the first release's admin password"
    );
    let page = browser.get("/devices?lang=en");
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.body.contains(&kept.name), "{}", page.body);
    // A tablet's cursor from the first release still means the same point: nothing it
    // already had comes again, and what is new comes: the built-in instrument added since
    // (the co-assessments' barrier log), then the meeting below.
    let since_old = pull(&server, &kept.token, old_cursor, None);
    let new_instruments: Vec<&str> = since_old
        .instruments
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert!(since_old.meetings.is_empty(), "{:?}", since_old.meetings);
    assert_eq!(new_instruments, ["barrier_log"]);
    let newcomer = enroll_device(&server, &db, "Tablet Valle 3");
    let m = meeting(1, Uuid::now_v7());
    push(
        &server,
        &newcomer.token,
        &batch(vec![record(RecordBody::Meeting(m.clone()))]),
    );
    assert_eq!(
        pull(&server, &kept.token, old_cursor, None).meetings,
        vec![m]
    );
    // Each device of the first release is a vault of its own, under its own id, with no
    // secret: its records stay its own, and nobody can enroll as that vault again.
    let vaults = sqlite_rows(
        &path,
        "SELECT v.id, v.project_id, v.secret_hash IS NULL FROM vaults v ORDER BY v.id",
    );
    let mut old_ids: Vec<String> = old.devices.iter().map(|d| d.id.to_string()).collect();
    old_ids.sort();
    assert_eq!(
        vaults.iter().map(|v| v[0].clone()).collect::<Vec<_>>(),
        [
            old_ids.clone(),
            vec![newcomer_vault(&db, newcomer.device_id)]
        ]
        .concat(),
        "a vault per old device, plus the newcomer's"
    );
    for v in vaults.iter().filter(|v| old_ids.contains(&v[0])) {
        assert_eq!((v[1].as_str(), v[2].as_str()), ("default", "1"), "{v:?}");
    }
    for d in &old.devices {
        let code = enroll_code(&db, "Tablet Valle again");
        let claim = Vault {
            id: d.id,
            secret: "0".repeat(64),
        };
        let resp = try_enroll(&server, &claim, &code, "again");
        assert_eq!(resp.status(), 403, "{}", d.name);
        let err: campo_wire::ApiError = resp.json().unwrap();
        assert_eq!(err.code, "vault_secret_mismatch");
    }
    let m1 = old
        .pushes
        .iter()
        .filter(|p| p.device == kept.id)
        .flat_map(|p| p.request.records.iter())
        .find_map(|r| match &r.body {
            RecordBody::Meeting(m) if m.revision == 2 => Some(m.clone()),
            _ => None,
        })
        .expect("the kept device's second revision");
    let mut m1c = m1.clone();
    m1c.revision = 3;
    let third = push(
        &server,
        &kept.token,
        &batch(vec![record(RecordBody::Meeting(m1c.clone()))]),
    );
    assert_eq!(third.results[0].status, PushStatus::Stored, "still its own");
    m1c.revision = 4;
    let stolen = push(
        &server,
        &newcomer.token,
        &batch(vec![record(RecordBody::Meeting(m1c))]),
    );
    assert_eq!(
        stolen.results[0].reason_code.as_deref(),
        Some("owned_by_another_device")
    );

    // New things work on the upgraded database.
    add_project(&db, "valle-b");
    let fresh = enroll_device_in(&server, &db, "valle-b", "Tablet B");
    assert!(pull(&server, &fresh.token, 0, None).meetings.is_empty());
}

/// The vault a device enrolled with over HTTP (from `devices list`).
fn newcomer_vault(db: &TestDb, device: Uuid) -> String {
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&cli(db, &["devices", "list", "--json"])).unwrap();
    listed
        .iter()
        .find(|d| d["id"] == device.to_string())
        .and_then(|d| d["vault_id"].as_str())
        .expect("the device is listed with its vault")
        .to_string()
}

/// Brings a fresh database to schema 2 by running this build's first two migrations by
/// hand, as a server of that version would have.
fn at_schema_2(db: &TestDb) {
    let (sqlite, postgres) = (
        campo_server_sqlite::MIGRATIONS,
        campo_server_postgres::MIGRATIONS,
    );
    db.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        "CREATE TABLE schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    for (s, p) in sqlite.iter().zip(postgres).take(2) {
        assert_eq!(s.version, p.version);
        db.execute(s.sql, p.sql);
        db.execute(
            &format!(
                "INSERT INTO schema_version (version, applied_at) VALUES ({}, '2026-02-01T00:00:00Z')",
                s.version
            ),
            &format!("INSERT INTO schema_version (version) VALUES ({})", p.version),
        );
    }
}

/// Adds a record as a schema-2 server stored it.
fn insert_v2_record(db: &TestDb, seq: i64, device: Uuid, rec: &campo_wire::Record) {
    let body = match &rec.body {
        RecordBody::Meeting(m) => serde_json::to_string(m),
        RecordBody::Submission(s) => serde_json::to_string(s),
        _ => unreachable!("meetings and submissions only"),
    }
    .unwrap();
    let hash = campo_server::secret::sha256_hex(body.as_bytes());
    let body = body.replace('\'', "''");
    let kind = rec.body.kind();
    let (id, revision) = (rec.id, rec.revision);
    db.execute(
        &format!(
            "INSERT INTO records (seq, pseq, id, revision, device_id, kind, body, hash, received_at, project_id) \
             VALUES ({seq}, {seq}, '{id}', {revision}, '{device}', '{kind}', '{body}', '{hash}', '2026-02-01T10:00:00+00:00', 'default')"
        ),
        &format!(
            "INSERT INTO records (seq, id, revision, device_id, kind, body, hash, received_at, project_id) \
             VALUES ({seq}, '{id}', {revision}, '{device}', '{kind}', '{body}', '{hash}', '2026-02-01T10:00:00+00:00', 'default')"
        ),
    );
}

fn a_database_of_schema_2_gets_a_vault_per_device_and_keeps_ownership(db: TestDb) {
    at_schema_2(&db);
    // Two devices of a schema-2 server, one meeting and a corrected submission.
    let (d, e) = (Uuid::now_v7(), Uuid::now_v7());
    let (token_d, token_e) = ("d".repeat(43), "e".repeat(43));
    for (id, token, name) in [(d, &token_d, "Tablet D"), (e, &token_e, "Tablet E")] {
        let hash = campo_server::secret::sha256_hex(token.as_bytes());
        db.execute_both(&format!(
            "INSERT INTO devices (id, name, device_name, token_hash, enrolled_at, project_id) \
             VALUES ('{id}', '{name}', 'tab', '{hash}', '2026-01-15T09:00:00+00:00', 'default')"
        ));
    }
    let m = meeting(1, Uuid::now_v7());
    let s1 = satisfaction(m.id, 0);
    let mut s2 = satisfaction(m.id, 1);
    s2.replaces = Some(s1.id);
    let records = [
        record(RecordBody::Meeting(m.clone())),
        record(RecordBody::Submission(s1.clone())),
        record(RecordBody::Submission(s2.clone())),
    ];
    for (seq, rec) in (1..).zip(&records) {
        insert_v2_record(&db, seq, d, rec);
    }
    db.execute_both("UPDATE projects SET seq = 3 WHERE id = 'default'");

    let server = Server::start(&db);
    let latest_version = match db.engine {
        Engine::Sqlite => latest(campo_server_sqlite::MIGRATIONS),
        Engine::Postgres => latest(campo_server_postgres::MIGRATIONS),
    };
    assert_eq!(
        db.with_store(|s| async move { s.schema_version().await.unwrap() }),
        latest_version
    );
    // A vault per device, under the device's id, without a secret.
    let vaults = db.query_text(
        "SELECT id || ' ' || project_id || ' ' || (secret_hash IS NULL) FROM vaults ORDER BY id",
        "SELECT id::text || ' ' || project_id || ' ' || (secret_hash IS NULL)::text FROM vaults ORDER BY id",
    );
    let (yes, mut ids) = match db.engine {
        Engine::Sqlite => ("1", vec![d, e]),
        Engine::Postgres => ("true", vec![d, e]),
    };
    ids.sort();
    assert_eq!(
        vaults,
        ids.iter()
            .map(|id| format!("{id} default {yes}"))
            .collect::<Vec<_>>()
    );
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&cli(&db, &["devices", "list", "--json"])).unwrap();
    for l in &listed {
        assert_eq!(l["vault_id"], l["id"], "{l}");
    }
    // Nobody enrolls as such a vault, whatever the secret; the code stays unused.
    let code = enroll_code(&db, "Tablet D again");
    for secret in ["0".repeat(64), "f".repeat(64)] {
        let resp = try_enroll(&server, &Vault { id: d, secret }, &code, "again");
        assert_eq!(resp.status(), 403);
    }
    let newcomer = enroll_with_code(&server, &code, "Tablet F");

    // D still owns its meeting and its submissions: a new revision is stored, another
    // vault's is refused; the correction stored before the upgrade still counts as one.
    let mut m2 = m.clone();
    m2.revision = 2;
    let answer = push(
        &server,
        &token_d,
        &batch(vec![record(RecordBody::Meeting(m2.clone()))]),
    );
    assert_eq!(answer.results[0].status, PushStatus::Stored);
    for token in [&token_e, &newcomer.token] {
        let mut m3 = m.clone();
        m3.revision = 3;
        let answer = push(
            &server,
            token,
            &batch(vec![record(RecordBody::Meeting(m3))]),
        );
        assert_eq!(
            answer.results[0].reason_code.as_deref(),
            Some("owned_by_another_device")
        );
    }
    let fix = |of: &campo_core::Submission, seed: usize| {
        let mut s = satisfaction(of.meeting_id, seed);
        s.replaces = Some(of.id);
        record(RecordBody::Submission(s))
    };
    let answer = push(&server, &token_d, &batch(vec![fix(&s1, 2), fix(&s2, 3)]));
    let codes: Vec<_> = answer
        .results
        .iter()
        .map(|r| (r.status, r.reason_code.as_deref()))
        .collect();
    assert_eq!(
        codes,
        [
            (PushStatus::Rejected, Some("already_replaced")),
            (PushStatus::Stored, None)
        ]
    );
    // Pulls by vault: D is not sent its own meeting, E is.
    assert!(pull(&server, &token_d, 0, None).meetings.is_empty());
    assert_eq!(pull(&server, &token_e, 0, None).meetings, vec![m2]);
}

/// Runs `campo-server ARGS` and waits at most a minute for it to exit.
fn exits_within_a_minute(db: &TestDb, args: &[&str]) -> (bool, String) {
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(db.arg())
        .args(args)
        .env_remove("CAMPO_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return (status.success(), err);
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("campo-server {args:?} kept running on a database newer than itself");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn a_newer_schema_is_refused_at_start_and_left_unchanged(db: TestDb) {
    let (db, latest_version) = match db.engine {
        Engine::Sqlite => (fixture_copy(), latest(campo_server_sqlite::MIGRATIONS)),
        Engine::Postgres => (db, latest(campo_server_postgres::MIGRATIONS)),
    };
    // Brought to the latest schema by this server, then "written by a newer one".
    cli(&db, &["projects", "list"]);
    let newer = latest_version + 1;
    db.execute(
        &format!(
            "INSERT INTO schema_version (version, applied_at) VALUES ({newer}, '2030-01-01T00:00:00Z')"
        ),
        &format!("INSERT INTO schema_version (version) VALUES ({newer})"),
    );
    let dump = db.dump();
    let bytes = db.sqlite_path().map(|p| std::fs::read(p).unwrap());
    assert!(dump.contains(&newer.to_string()));

    for args in [
        &["serve", "--listen", "127.0.0.1:0"][..],
        &["report", "--format", "json"][..],
        &["devices", "list"][..],
        &["projects", "add", "valle-b"][..],
        &["enroll", "--name", "x"][..],
    ] {
        let (ok, err) = exits_within_a_minute(&db, args);
        assert!(!ok, "{args:?} ran on a newer schema");
        assert!(
            err.contains(&format!("version {newer}"))
                && err.contains(&format!("up to {latest_version}")),
            "{args:?}: the message names both versions: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(db.dump(), dump, "nothing in the database changed");
    if let (Some(path), Some(bytes)) = (db.sqlite_path(), bytes) {
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "the file is byte for byte the same"
        );
    }
}

/// Makes `fixtures/first-release.db` and `fixtures/first-release.json` with the first
/// release's binary, named by `CAMPO_FIRST_RELEASE_BIN`. Run once, by hand:
///
/// ```sh
/// CAMPO_FIRST_RELEASE_BIN=/path/to/first-release/campo-server \
///   cargo test -p campo-server --test migration -- --ignored make_first_release_fixture
/// ```
#[test]
#[ignore = "makes the fixture once, with the first release's binary"]
fn make_first_release_fixture() {
    let bin = std::env::var("CAMPO_FIRST_RELEASE_BIN")
        .expect("CAMPO_FIRST_RELEASE_BIN names the first release's campo-server");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("campo.db");
    let db_s = db.to_str().unwrap();
    let old = |args: &[&str]| -> String {
        let out = Command::new(&bin).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let server = Server::start_bin(&bin, &["serve", "--db", db_s], &[]);
    let mut devices = Vec::new();
    for (name, device_name) in [
        ("Tablet Valle 1", "tab-valle-1"),
        ("Tablet Valle 2", "tab-valle-2"),
    ] {
        let code: serde_json::Value =
            serde_json::from_str(old(&["enroll", "--db", db_s, "--name", name, "--json"]).trim())
                .unwrap();
        let enrolled = enroll_with_code(&server, code["code"].as_str().unwrap(), device_name);
        devices.push(OldDevice {
            id: enrolled.device_id,
            name: name.into(),
            device_name: device_name.into(),
            token: enrolled.token,
            revoked_at: None,
        });
    }
    let (a, b) = (devices[0].id, devices[1].id);

    // Tablet 1: a course with three surveys, a roster code and a month of outreach, then a
    // second revision of the course. Tablet 2: another course with two surveys.
    let m1 = meeting(1, Uuid::now_v7());
    let mut m1b = m1.clone();
    m1b.revision = 2;
    m1b.attendance.participants.push("P002".into());
    m1b.attendance.anonymous = 5;
    let mut m2 = meeting(1, Uuid::now_v7());
    m2.date = chrono::NaiveDate::from_ymd_opt(2026, 4, 14).unwrap();
    m2.place = "Biblioteca".into();
    let mut first = vec![record(RecordBody::Meeting(m1.clone()))];
    first.extend((0..3).map(|i| record(RecordBody::Submission(satisfaction(m1.id, i)))));
    first.push(record(RecordBody::RosterCode(RosterCode {
        code: "P001".into(),
        consent: Vec::new(),
    })));
    first.push(record(RecordBody::Outreach(Outreach {
        period: "2026-03".into(),
        page_likes: 12,
        site_visits: 40,
        downloads: 7,
        new_patients_informed: 3,
    })));
    let mut second_tablet = vec![record(RecordBody::Meeting(m2.clone()))];
    second_tablet.extend((3..5).map(|i| record(RecordBody::Submission(satisfaction(m2.id, i)))));
    second_tablet.push(record(RecordBody::RosterCode(RosterCode {
        code: "P101".into(),
        consent: Vec::new(),
    })));
    let mut pushes = Vec::new();
    for (device, records) in [
        (a, first),
        (a, vec![record(RecordBody::Meeting(m1b))]),
        (b, second_tablet),
    ] {
        let token = &devices.iter().find(|d| d.id == device).unwrap().token;
        let request = batch(records);
        let response = push(&server, token, &request);
        assert!(response
            .results
            .iter()
            .all(|r| r.status == PushStatus::Stored));
        pushes.push(OldPush {
            device,
            request,
            response,
        });
    }
    server.stop();

    old(&["devices", "revoke", "--db", db_s, &b.to_string()]);
    set_admin_password(
        &bin,
        &["admin-password", "--db", db_s, "--password-stdin"],
        PASSWORD,
    );
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&old(&["devices", "list", "--db", db_s, "--json"])).unwrap();
    for d in &mut devices {
        let l = listed.iter().find(|l| l["id"] == d.id.to_string()).unwrap();
        d.revoked_at = serde_json::from_value(l["revoked_at"].clone()).unwrap();
    }
    assert!(devices[1].revoked_at.is_some() && devices[0].revoked_at.is_none());
    let report: serde_json::Value =
        serde_json::from_str(&old(&["report", "--db", db_s, "--format", "json"])).unwrap();

    // One small file: compacted, out of WAL mode.
    let out = fixtures().join("first-release.db");
    let _ = std::fs::remove_file(&out);
    std::fs::create_dir_all(fixtures()).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("VACUUM INTO ?1", [out.to_str().unwrap()])
        .unwrap();
    drop(conn);
    let copy = rusqlite::Connection::open(&out).unwrap();
    copy.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(copy);
    let sidecar = Sidecar {
        made_by: "campo-server of Campo's first release (commit 012dd1d)".into(),
        admin_password: PASSWORD.into(),
        devices,
        pushes,
        report,
    };
    std::fs::write(
        fixtures().join("first-release.json"),
        serde_json::to_string_pretty(&sidecar).unwrap() + "\n",
    )
    .unwrap();
}
