//! The office's reviews in the store (`set_reviews`, `reviews`), against a fresh SQLite file
//! and a fresh PostgreSQL database: both engines must answer alike. A review counts only
//! for a submission the project holds, is numbered anew in the project's counter at every
//! change (so the tablet that sent the submission pulls it), and a refused one changes
//! nothing at all.
//!
//! Time is passed in, so the dates here are fixed and far from today: a store that read the
//! wall clock instead of `now` would fail them.

mod common;

use campo_server::secret::sha256_hex;
use campo_server::store::{
    DeviceIdentity, IncomingRecord, NewReview, Project, Review, StorageError, Store,
    SubmissionKeys, VaultClaim,
};
use campo_wire::{PushStatus, RecordBody, ReviewState, REVIEW_COMMENT_MAX};
use chrono::{DateTime, Duration, Utc};
use common::*;
use std::sync::Arc;
use uuid::Uuid;

on_both_engines!(
    reviews_are_set_overwritten_and_numbered_for_submissions_of_the_project_only,
    a_refused_review_changes_nothing,
    the_database_keeps_a_review_to_its_four_states_and_its_comment_limit,
);

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

const T1: &str = "2026-04-02T09:30:00Z";
const T2: &str = "2026-04-03T16:45:00Z";

/// A record as the server hands it to the store: canonical body and its hash.
fn incoming(body: RecordBody) -> IncomingRecord {
    let rec = record(body);
    let json = match &rec.body {
        RecordBody::Meeting(m) => serde_json::to_string(m),
        RecordBody::Submission(s) => serde_json::to_string(s),
        _ => unreachable!("meetings and submissions only"),
    }
    .unwrap();
    IncomingRecord {
        id: rec.id,
        revision: rec.revision,
        kind: rec.body.kind(),
        hash: sha256_hex(json.as_bytes()),
        body: json,
        rejection: None,
        submission: match &rec.body {
            RecordBody::Submission(s) => Some(SubmissionKeys::of(s)),
            _ => None,
        },
    }
}

async fn add_project(store: &Arc<dyn Store>, id: &str) {
    store
        .add_project(&Project {
            id: id.into(),
            name: format!("Project {id}"),
            targets: Default::default(),
            created_at: t("2026-01-01T00:00:00Z"),
        })
        .await
        .unwrap();
}

/// A device of a new vault in `project`.
async fn device(store: &Arc<dyn Store>, project: &str) -> DeviceIdentity {
    let code = format!("code-{}", Uuid::now_v7());
    let now = t("2026-03-01T08:00:00Z");
    store
        .add_enroll_code(project, &code, "Tablet", now + Duration::minutes(15))
        .await
        .unwrap();
    let claim = VaultClaim {
        id: Uuid::now_v7(),
        secret_hash: sha256_hex(Uuid::now_v7().as_bytes()),
    };
    store
        .enroll(&code, "Tablet", &format!("token-{code}"), &claim, now)
        .await
        .unwrap()
        .device()
        .expect("a fresh code enrolls")
}

/// What a device of `project` pushed: a meeting's id and the ids of `n` submissions at it.
struct Pushed {
    device: DeviceIdentity,
    meeting: Uuid,
    submissions: Vec<Uuid>,
}

async fn push_meeting(store: &Arc<dyn Store>, project: &str, n: usize) -> Pushed {
    let device = device(store, project).await;
    let m = meeting(1, Uuid::now_v7());
    let subs: Vec<_> = (0..n).map(|i| satisfaction(m.id, i)).collect();
    let records = std::iter::once(incoming(RecordBody::Meeting(m.clone())))
        .chain(
            subs.iter()
                .map(|s| incoming(RecordBody::Submission(s.clone()))),
        )
        .collect();
    let answer = store
        .push(&device, Uuid::now_v7(), records, t("2026-03-10T18:00:00Z"))
        .await
        .unwrap();
    assert!(answer
        .results
        .iter()
        .all(|r| r.status == PushStatus::Stored));
    Pushed {
        device,
        meeting: m.id,
        submissions: subs.iter().map(|s| s.id).collect(),
    }
}

fn review(state: ReviewState, comment: &str, reviewer: &str) -> NewReview {
    NewReview {
        state,
        comment: comment.into(),
        reviewer: reviewer.into(),
    }
}

/// The project's counter, as a device's pull from the start reports it.
async fn counter(store: &Arc<dyn Store>, device: &DeviceIdentity) -> u64 {
    store.pull(device, 0, 5000).await.unwrap().cursor
}

fn reviews_are_set_overwritten_and_numbered_for_submissions_of_the_project_only(db: TestDb) {
    db.with_store(|store| async move {
        add_project(&store, "valle-a").await;
        add_project(&store, "valle-b").await;
        let a = push_meeting(&store, "valle-a", 3).await;
        let b = push_meeting(&store, "valle-b", 1).await;
        let [s1, s2, s3] = a.submissions[..] else {
            unreachable!()
        };
        let before = counter(&store, &a.device).await;
        assert!(store.reviews("valle-a").await.unwrap().is_empty());

        // Of what is named, only the project's submissions count: not an unknown id, not a
        // meeting, not another project's submission; an id named twice counts once.
        let named = [s1, Uuid::now_v7(), a.meeting, b.submissions[0], s2, s1];
        let issues = review(ReviewState::HasIssues, "Manca la data di nascita", "paola");
        let found = store
            .set_reviews("valle-a", &named, &issues, t(T1))
            .await
            .unwrap();
        assert_eq!(found, 2);
        let has_issues = |id| Review {
            submission_id: id,
            state: ReviewState::HasIssues,
            comment: "Manca la data di nascita".into(),
            reviewer: "paola".into(),
            reviewed_at: t(T1),
        };
        assert_eq!(
            store.reviews("valle-a").await.unwrap(),
            vec![has_issues(s1), has_issues(s2)]
        );
        assert!(
            store.reviews("valle-b").await.unwrap().is_empty(),
            "another project's submission named in valle-a is not reviewed"
        );
        // One fresh number per review changed.
        assert_eq!(counter(&store, &a.device).await, before + 2);

        // The latest word replaces the last, numbered anew and listed last; the others stay.
        let approved = review(ReviewState::Approved, "", "marco");
        assert_eq!(
            store
                .set_reviews("valle-a", &[s1], &approved, t(T2))
                .await
                .unwrap(),
            1
        );
        let s1_approved = Review {
            submission_id: s1,
            state: ReviewState::Approved,
            comment: String::new(),
            reviewer: "marco".into(),
            reviewed_at: t(T2),
        };
        assert_eq!(
            store.reviews("valle-a").await.unwrap(),
            vec![has_issues(s2), s1_approved.clone()]
        );
        assert_eq!(counter(&store, &a.device).await, before + 3);

        // Nothing of the project named: nothing changes, no number is used.
        let found = store
            .set_reviews(
                "valle-a",
                &[Uuid::now_v7(), b.submissions[0]],
                &issues,
                t(T2),
            )
            .await
            .unwrap();
        assert_eq!(found, 0);
        assert_eq!(counter(&store, &a.device).await, before + 3);
        assert_eq!(store.reviews("valle-a").await.unwrap().len(), 2);

        // Every state can be set, `received` too (the office takes a word back).
        for state in ReviewState::ALL {
            store
                .set_reviews("valle-a", &[s3], &review(state, "", "paola"), t(T2))
                .await
                .unwrap();
            let listed = store.reviews("valle-a").await.unwrap();
            assert_eq!(listed.last().unwrap().submission_id, s3);
            assert_eq!(listed.last().unwrap().state, state);
        }
        assert_eq!(store.reviews("valle-a").await.unwrap().len(), 3);
        assert_eq!(counter(&store, &a.device).await, before + 7);
        // The other project's counter never moved for valle-a's reviews.
        let b_counter = counter(&store, &b.device).await;
        store
            .set_reviews("valle-b", &b.submissions, &issues, t(T1))
            .await
            .unwrap();
        assert_eq!(counter(&store, &b.device).await, b_counter + 1);
        assert_eq!(store.reviews("valle-b").await.unwrap().len(), 1);

        assert!(matches!(
            store
                .set_reviews("no-such-project", &[s1], &issues, t(T1))
                .await,
            Err(StorageError::NotFound(_))
        ));
    });
}

fn a_refused_review_changes_nothing(db: TestDb) {
    let (device, ids) = db.with_store(|store| async move {
        add_project(&store, "valle-a").await;
        let a = push_meeting(&store, "valle-a", 2).await;
        store
            .set_reviews(
                "valle-a",
                &a.submissions[..1],
                &review(ReviewState::HasIssues, "Da ricontrollare", "paola"),
                t(T1),
            )
            .await
            .unwrap();
        (a.device, a.submissions)
    });
    let before = db.dump();
    let too_long = "è".repeat(REVIEW_COMMENT_MAX + 1);
    let refused = db.with_store(|store| {
        let ids = ids.clone();
        async move {
            store
                .set_reviews(
                    "valle-a",
                    &ids,
                    &review(ReviewState::Excluded, &too_long, "paola"),
                    t(T2),
                )
                .await
        }
    });
    match refused {
        Err(StorageError::Invalid(why)) => assert!(!why.contains('è'), "quotes no comment"),
        other => panic!("a comment over the limit: {other:?}"),
    }
    assert_eq!(db.dump(), before, "a refused review changed the database");

    // At the limit, in characters not bytes, it is taken.
    let at_limit = "è".repeat(REVIEW_COMMENT_MAX);
    let (found, listed, cursor) = db.with_store(|store| async move {
        let found = store
            .set_reviews(
                "valle-a",
                &ids,
                &review(ReviewState::Excluded, &at_limit, "paola"),
                t(T2),
            )
            .await
            .unwrap();
        let listed = store.reviews("valle-a").await.unwrap();
        (found, listed, counter(&store, &device).await)
    });
    assert_eq!(found, 2);
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(
        |r| r.state == ReviewState::Excluded && r.comment.chars().count() == REVIEW_COMMENT_MAX
    ));
    assert!(cursor > 0);
}

fn the_database_keeps_a_review_to_its_four_states_and_its_comment_limit(db: TestDb) {
    let migrations = match db.engine {
        Engine::Sqlite => campo_server_sqlite::MIGRATIONS,
        Engine::Postgres => campo_server_postgres::MIGRATIONS,
    };
    assert!(migrations
        .iter()
        .any(|m| (m.version, m.name) == (7, "reviews")));
    let id = db.with_store(|store| async move {
        add_project(&store, "valle-a").await;
        push_meeting(&store, "valle-a", 1).await.submissions[0]
    });
    let insert = |state: &str, comment: &str, seq: u32| {
        db.try_execute_both(&format!(
            "INSERT INTO reviews (project_id, submission_id, state, comment, reviewer, reviewed_at, seq) \
             VALUES ('valle-a', '{id}', '{state}', '{comment}', 'paola', '{T1}', {seq})"
        ))
    };
    // Written by hand past the store: the tables' checks still refuse it.
    assert!(insert("rejected", "", 1000).is_err(), "not one of the four");
    assert!(insert("approved", &"x".repeat(REVIEW_COMMENT_MAX + 1), 1001).is_err());
    assert!(insert("approved", "", 1002).is_ok());
    assert!(
        insert("excluded", "", 1003).is_err(),
        "one review per submission"
    );
    assert_eq!(
        db.with_store(|store| async move { store.reviews("valle-a").await.unwrap() })
            .len(),
        1
    );
}
