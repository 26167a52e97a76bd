//! Forgetting a carer end to end: the real server binary, two real vaults and the real sync
//! client. A carer's code is written into attendances, pre and post quizzes and a review
//! note on the server and on both tablets; after `campo-server carers forget` and a sync of
//! each tablet, the code (and the carer's name) is in no file of the server's database
//! (SQLite) or no row of any table (PostgreSQL), in no file of either vault (database,
//! -wal, -shm) and in nothing either vault opens; the report's attendance and satisfaction
//! totals are unchanged, the pre/post pair of that carer is gone, and the audit log has the
//! erasure without the code.

use campo_core::catalog::Catalog;
use campo_core::{Activity, Attendance, Participant, Phase};
use campo_store::NewMeeting;
use campo_sync::{sync_once, ClientOptions};
use campo_tests::{cli_with_env, data, Database, Device, Server};
use chrono::NaiveDate;
use rand::SeedableRng;
use std::sync::Arc;

/// Distinctive, so that finding it anywhere means it was left there.
const CODE: &str = "ZQ-4417-CARER";
const NAME: &str = "Zelinda Quarantotto";
const OTHER: &str = "ZQ-0001-ALTRA";

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

/// A held meeting on `vault` with `codes` (and one carer without a code) in attendance.
fn held_meeting(d: &Device, activity: Activity, topic: &str, codes: &[&str]) -> uuid::Uuid {
    let v = d.vault.lock().unwrap();
    let m = v
        .create_meeting(NewMeeting {
            activity,
            date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            place: "Sala civica".into(),
            topic: topic.into(),
            facilitator: "Facilitatrice di prova".into(),
        })
        .unwrap();
    v.set_attendance(
        m.id,
        Attendance {
            participants: codes.iter().map(|c| c.to_string()).collect(),
            anonymous: 1,
            roles: None,
        },
    )
    .unwrap();
    v.mark_held(m.id).unwrap();
    m.id
}

fn add_carer(d: &Device, code: &str, name: &str) {
    d.vault
        .lock()
        .unwrap()
        .add_participant(&Participant {
            code: code.into(),
            name: name.into(),
            contact: Some("0165 000 000".into()),
        })
        .unwrap();
}

/// The course on tablet A: both carers' pre and post quizzes and two satisfaction scales.
/// Returns the id of the carer's post quiz.
fn course(d: &Device) -> uuid::Uuid {
    let catalog = Catalog::builtin();
    let quiz = catalog.latest(data::QUIZZES[0]).unwrap();
    let sat = catalog.latest("training_satisfaction").unwrap();
    let meeting = held_meeting(
        d,
        Activity::TrainingCourse,
        data::QUIZZES[0],
        &[CODE, OTHER],
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let v = d.vault.lock().unwrap();
    let mut post = None;
    for code in [CODE, OTHER] {
        for phase in [Phase::Pre, Phase::Post] {
            let s = data::submission(quiz, meeting, Some(code.into()), Some(phase), &mut rng);
            if code == CODE && phase == Phase::Post {
                post = Some(s.id);
            }
            v.save_final(&s).unwrap();
        }
        v.save_final(&data::submission(sat, meeting, None, None, &mut rng))
            .unwrap();
    }
    post.unwrap()
}

async fn sync(d: &Device) -> campo_sync::SyncSummary {
    sync_once(&d.client, &d.vault, &|_| {}).await.unwrap()
}

fn vault_files(d: &Device) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(d.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains(".sqlite3"))
        })
        .collect()
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

/// Whether anything the vault opens (every cell of every table, bodies decrypted) holds
/// `text`.
fn vault_opens(d: &Device, text: &str) -> bool {
    d.vault
        .lock()
        .unwrap()
        .decrypted_cells()
        .unwrap()
        .iter()
        .any(|c| c.text.contains(text))
}

/// Every row of every table of the server's database, as text.
fn server_rows(db: &Database) -> Vec<String> {
    let tables: Vec<String> = match db.engine {
        campo_tests::Engine::Sqlite => db
            .query("SELECT name FROM sqlite_master WHERE type = 'table'")
            .into_iter()
            .filter_map(|r| r[0].clone())
            .collect(),
        campo_tests::Engine::Postgres => db
            .query(
                "SELECT table_name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            )
            .into_iter()
            .filter_map(|r| r[0].clone())
            .collect(),
    };
    assert!(tables.iter().any(|t| t == "records"), "{tables:?}");
    tables
        .iter()
        .flat_map(|t| db.query(&format!("SELECT * FROM \"{t}\"")))
        .map(|row| {
            row.into_iter()
                .map(|c| c.unwrap_or_default())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn report(server: &Server) -> serde_json::Value {
    server.report_json(as_of())
}

async fn forgetting_on(db: Arc<Database>) {
    let server = Server::start(&db);
    let a = Device::enrolled(&server, &server.url(), "tablet-a", ClientOptions::default()).await;
    let b = Device::enrolled(&server, &server.url(), "tablet-b", ClientOptions::default()).await;
    // Both tablets know the carer; A ran the course, B a peer group she came to.
    for d in [&a, &b] {
        add_carer(d, CODE, NAME);
    }
    add_carer(&a, OTHER, "Altra Persona");
    let post = course(&a);
    let peer = held_meeting(&b, Activity::PeerGroup, "Gruppo di mutuo aiuto", &[CODE]);
    let sat = Catalog::builtin()
        .latest("peer_satisfaction")
        .unwrap()
        .clone();
    b.vault
        .lock()
        .unwrap()
        .save_final(&data::submission(
            &sat,
            peer,
            None,
            None,
            &mut rand::rngs::StdRng::seed_from_u64(3),
        ))
        .unwrap();
    for d in [&a, &b] {
        sync(d).await;
        assert_eq!(d.pending(), 0);
    }
    // The office marks the carer's post quiz: the comment names her code.
    campo_tests::review(
        &db,
        "default",
        post,
        &format!("Chiedere a {CODE} di ripetere"),
    )
    .await;
    for d in [&a, &b] {
        sync(d).await;
    }
    // Everything holds the code before: the test would see it.
    assert!(vault_opens(&a, CODE) && vault_opens(&a, NAME) && vault_opens(&b, CODE));
    assert!(
        vault_opens(&a, &format!("Chiedere a {CODE}")),
        "A has the note"
    );
    assert!(server_rows(&db).iter().any(|r| r.contains(CODE)));
    let before = report(&server);
    assert_eq!(before["training"]["gain"]["n"], 2, "{}", before["training"]);

    let out = cli_with_env(&["carers", "forget", CODE], &[("CAMPO_DB", db.arg())]);
    let printed =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!printed.contains(CODE), "{printed}");
    for d in [&a, &b] {
        let s = sync(d).await;
        assert!(s.erasures_applied >= 1, "{}: {s:?}", d.name);
    }

    // The server: no row holds the code; SQLite's files hold no byte of it.
    let rows = server_rows(&db);
    assert!(
        !rows.iter().any(|r| r.contains(CODE)),
        "the server still holds the code"
    );
    assert!(
        rows.iter().any(|r| r.contains("carer_forgotten")),
        "the audit log has the erasure"
    );
    if db.engine == campo_tests::Engine::Sqlite {
        for suffix in ["", "-wal", "-shm"] {
            let path = format!("{}{suffix}", db.arg());
            if let Ok(bytes) = std::fs::read(&path) {
                assert!(!holds(&bytes, CODE), "{path} holds the code");
            }
        }
    }
    // Each vault: its files hold neither the code nor the name, and nothing it opens does.
    for d in [&a, &b] {
        let files = vault_files(d);
        assert!(!files.is_empty());
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            assert!(!holds(&bytes, CODE) && !holds(&bytes, NAME), "{f:?}");
        }
        assert!(!vault_opens(d, CODE), "{} opens the code", d.name);
        assert!(!vault_opens(d, NAME), "{} opens the name", d.name);
        let roster = d.vault.lock().unwrap().participants().unwrap();
        assert!(roster.iter().all(|p| p.code != CODE), "{}", d.name);
    }
    assert!(vault_opens(&a, OTHER), "the other carer is untouched");
    // The report: attendance and satisfaction as before, her pre/post pair gone.
    let after = report(&server);
    assert_eq!(
        after["totals"]["carers_involved"],
        before["totals"]["carers_involved"]
    );
    assert_eq!(
        after["totals"]["satisfaction"],
        before["totals"]["satisfaction"]
    );
    assert_eq!(
        after["training"]["satisfaction"],
        before["training"]["satisfaction"]
    );
    assert_eq!(after["peer"], before["peer"]);
    assert_eq!(after["training"]["gain"]["n"], 1, "{}", after["training"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_carer_is_in_no_file_of_the_server_or_either_tablet_sqlite() {
    forgetting_on(Database::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_carer_is_in_no_row_of_the_server_or_either_tablet_postgres() {
    let Some(db) = Database::postgres("the PostgreSQL carer erasure test").await else {
        return;
    };
    forgetting_on(db).await;
}
