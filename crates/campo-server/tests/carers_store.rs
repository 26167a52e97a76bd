//! A carer's rights in the store, through the trait, on a fresh SQLite file and a fresh
//! PostgreSQL database each: a forgetting is numbered last in the project's counter, a
//! rewritten body is hashed as a push hashes it, a code held only in a review comment is
//! forgotten too; the project's information sheet and retention period refuse bad input
//! (from the command line or the store) and change nothing.

mod carers_support;
mod common;

use campo_core::catalog::Catalog;
use campo_core::erasure::{erase_in_meeting, erase_in_submission};
use campo_server::http::sync::prepare;
use campo_server::store::{NewReview, StorageError, Store};
use campo_wire::ReviewState;
use carers_support::*;
use chrono::{TimeZone, Utc};
use common::*;
use std::sync::Arc;

on_both_engines!(
    settings_refuse_bad_input_and_change_nothing,
    the_store_forgets_in_one_numbered_step,
);

fn settings_refuse_bad_input_and_change_nothing(db: TestDb) {
    let dir = db.dir();
    let write = |name: &str, content: &str| {
        let p = dir.join(name);
        std::fs::write(&p, content).unwrap();
        p.to_str().unwrap().to_string()
    };
    let it = write("it.txt", "Scheda informativa.\n");
    let en = write("en.txt", "Information sheet.\n");
    let blank = write("blank.txt", "  \n");
    let missing = dir.join("missing.txt").to_str().unwrap().to_string();
    let settings =
        |db: &TestDb| db.with_store(|s| async move { s.carer_settings("default").await.unwrap() });
    cli(&db, &["projects", "list"]);
    let dump = db.dump();
    for (args, why) in [
        (
            vec!["--version", " v1", "--it", &it, "--en", &en],
            "an information sheet's version",
        ),
        (
            vec!["--version", "v1", "--it", &blank, "--en", &en],
            "an information sheet's text",
        ),
        (
            vec!["--version", "v1", "--it", &missing, "--en", &en],
            "cannot read",
        ),
        (vec!["--version", "v1", "--it", &it], "--en"),
        (vec!["--none", "--version", "v1"], "cannot be used with"),
    ] {
        let mut full = vec!["projects", "set-information-sheet", "default"];
        full.extend(args.iter().copied());
        let err = cli_fails(&db, &full);
        assert!(err.contains(why), "{full:?}: {err}");
        assert_eq!(db.dump(), dump, "{full:?} changed something");
    }
    let err = cli_fails(
        &db,
        &[
            "projects",
            "set-information-sheet",
            "nope",
            "--version",
            "v1",
            "--it",
            &it,
            "--en",
            &en,
        ],
    );
    assert!(err.contains("no project"), "{err}");
    for (args, why) in [
        (
            vec!["default", "--months", "1201"],
            "0 to 1200 months, not 1201",
        ),
        (vec!["default", "--months", "x"], "--months"),
        (vec!["default"], "--months"),
        (
            vec!["default", "--months", "3", "--none"],
            "cannot be used with",
        ),
        (vec!["nope", "--months", "3"], "no project"),
    ] {
        let mut full = vec!["projects", "set-retention"];
        full.extend(args.iter().copied());
        let err = cli_fails(&db, &full);
        assert!(err.contains(why), "{full:?}: {err}");
        assert_eq!(db.dump(), dump, "{full:?} changed something");
    }
    assert_eq!(settings(&db), Default::default());

    // Good input is kept, read back, and cleared with --none.
    let out = cli(
        &db,
        &[
            "projects",
            "set-information-sheet",
            "default",
            "--version",
            "2026-01",
            "--it",
            &it,
            "--en",
            &en,
        ],
    );
    assert!(out.contains("set to version 2026-01"), "{out}");
    cli(
        &db,
        &["projects", "set-retention", "default", "--months", "24"],
    );
    let s = settings(&db);
    let sheet = s.information_sheet.clone().unwrap();
    assert_eq!(
        (
            sheet.version.as_str(),
            sheet.text.it.as_str(),
            sheet.text.en.as_str()
        ),
        ("2026-01", "Scheda informativa.", "Information sheet.")
    );
    assert_eq!(s.retention_months, Some(24));
    let read = db.with_store(|st| async move { st.information_sheet("default").await.unwrap() });
    assert_eq!(read, Some(sheet.clone()));

    // The store refuses alike, whoever calls it, and changes nothing.
    let dump = db.dump();
    db.with_store(|st| async move {
        let bad = campo_core::consent::InformationSheet {
            version: String::new(),
            text: sheet.text.clone(),
        };
        assert!(matches!(
            st.set_information_sheet("default", Some(&bad)).await,
            Err(StorageError::Invalid(_))
        ));
        assert!(matches!(
            st.set_information_sheet("nope", Some(&sheet)).await,
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            st.set_retention_months("default", Some(1201)).await,
            Err(StorageError::Invalid(_))
        ));
        assert!(matches!(
            st.set_retention_months("nope", Some(1)).await,
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            st.carer_settings("nope").await,
            Err(StorageError::NotFound(_))
        ));
    });
    assert_eq!(db.dump(), dump);

    cli(
        &db,
        &["projects", "set-information-sheet", "default", "--none"],
    );
    cli(&db, &["projects", "set-retention", "default", "--none"]);
    assert_eq!(settings(&db), Default::default());
}

/// The store's own promises, through the trait: the forgetting is numbered last in the
/// project's counter, a rewritten body is hashed as a push hashes it, bad input and an
/// unknown project change nothing, and a code held only in a review comment is forgotten.
fn the_store_forgets_in_one_numbered_step(db: TestDb) {
    let srv = LoggedServer::start(&db);
    let d = carer_data(&srv, &db, "default", CODE);
    let store_of = |db: &TestDb| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let store: Arc<dyn Store> = runtime.block_on(db.open());
        (runtime, store)
    };
    let (rt, store) = store_of(&db);

    let dump = db.dump();
    for bad in ["", " X", "X\n"] {
        assert!(matches!(
            rt.block_on(store.forget_carer("default", bad, Utc::now())),
            Err(StorageError::Invalid(_))
        ));
        assert!(matches!(
            rt.block_on(store.carer_export("default", bad, Utc::now())),
            Err(StorageError::Invalid(_))
        ));
    }
    assert!(matches!(
        rt.block_on(store.forget_carer("nope", CODE, Utc::now())),
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        rt.block_on(store.carer_codes("nope")),
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(db.dump(), dump);

    let counter = pull_from(&srv, &d.a, 0).cursor;
    let at_ = Utc.with_ymd_and_hms(2026, 9, 1, 12, 0, 0).unwrap();
    let summary = rt
        .block_on(store.forget_carer("default", CODE, at_))
        .unwrap();
    // The three records other vaults pull renumbered (two meetings, the barrier form; not
    // the quizzes), one review, then the erasure: the counter's new top.
    assert_eq!(summary.seq, counter + 3 + 1 + 1);
    assert_eq!(pull_from(&srv, &d.a, 0).cursor, summary.seq);
    // The two roster entries, and nothing that would pair the carer's answers again.
    assert_eq!(summary.records.len(), 2);
    assert_eq!(summary.erased_at, at_);
    let erased_at = db.query_text(
        "SELECT erased_at FROM erasures",
        "SELECT to_char(erased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM erasures",
    );
    assert!(erased_at[0].starts_with("2026-09-01"), "{erased_at:?}");

    // Each rewritten revision's hash is the one a push computes for the scrubbed record.
    let catalog = Catalog::builtin();
    let mut course = d.course.clone();
    erase_in_meeting(&mut course, CODE);
    let mut barrier = d.barrier.clone();
    erase_in_submission(&mut barrier, CODE, catalog.get("barrier_log", 1));
    assert!(!serde_json::to_string(&barrier).unwrap().contains(CODE));
    for (rec, id) in [(m_rec(&course), course.id), (s_rec(&barrier), barrier.id)] {
        let pushed = prepare(&rec, &catalog).unwrap();
        let held = db.query_text(
            &format!(
                "SELECT hash || ' ' || body FROM records WHERE id = '{id}' AND revision = {}",
                rec.revision
            ),
            &format!(
                "SELECT hash || ' ' || body FROM records WHERE id = '{id}' AND revision = {}",
                rec.revision
            ),
        );
        assert_eq!(held, vec![format!("{} {}", pushed.hash, pushed.body)]);
    }

    // A code held only in a review comment is forgotten too (no record changes).
    rt.block_on(store.set_reviews(
        "default",
        &[d.pre.id],
        &NewReview {
            state: ReviewState::Approved,
            comment: "ok, disse W-77".into(),
            reviewer: "paola".into(),
        },
        Utc::now(),
    ))
    .unwrap();
    let only_comment = rt
        .block_on(store.forget_carer("default", "W-77", Utc::now()))
        .unwrap();
    assert_eq!(
        (only_comment.records.len(), only_comment.reviews_changed),
        (0, 1)
    );
    assert_eq!(
        rt.block_on(store.reviews("default"))
            .unwrap()
            .iter()
            .find(|r| r.submission_id == d.pre.id)
            .unwrap()
            .comment,
        "ok, disse […]"
    );
    drop(store);
    drop(rt);
}
