//! The office's notes reach the tablet that sent the submission, against the real binary on
//! both engines: a review set in the store is in the next pull of that tablet's vault (from
//! its last cursor, once per change, with the submission's meeting and instrument), never
//! in another tablet's, and paging with small limits loses none.

mod common;

use campo_server::store::NewReview;
use campo_wire::{PullResponse, PushStatus, RecordBody, ReviewNote, ReviewState};
use chrono::{DateTime, Utc};
use common::*;
use std::collections::BTreeMap;
use uuid::Uuid;

on_both_engines!(
    a_note_reaches_the_vault_that_sent_the_submission_and_no_other,
    paging_with_small_limits_loses_no_note,
);

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A meeting and `n` satisfaction forms at it, pushed by the tablet holding `token`.
fn push_meeting(server: &Server, token: &str, n: usize) -> (Uuid, Vec<Uuid>) {
    let m = meeting(1, Uuid::now_v7());
    let subs: Vec<_> = (0..n).map(|i| satisfaction(m.id, i)).collect();
    let records = std::iter::once(record(RecordBody::Meeting(m.clone())))
        .chain(
            subs.iter()
                .map(|s| record(RecordBody::Submission(s.clone()))),
        )
        .collect();
    let answer = push(server, token, &batch(records));
    assert!(
        answer
            .results
            .iter()
            .all(|r| r.status == PushStatus::Stored),
        "{answer:?}"
    );
    (m.id, subs.iter().map(|s| s.id).collect())
}

/// Sets a review through the store while the server runs; returns how many it found.
fn set_review(db: &TestDb, ids: &[Uuid], state: ReviewState, comment: &str, at: &str) -> u64 {
    let ids = ids.to_vec();
    let review = NewReview {
        state,
        comment: comment.into(),
        reviewer: "paola".into(),
    };
    let at = t(at);
    db.with_store(|store| async move {
        store
            .set_reviews("default", &ids, &review, at)
            .await
            .unwrap()
    })
}

/// Pulls from `since` until `more` is false; returns the pages.
fn pull_from(server: &Server, token: &str, since: u64, limit: Option<u32>) -> Vec<PullResponse> {
    let mut pages = Vec::new();
    let mut since = since;
    loop {
        let page = pull(server, token, since, limit);
        assert!(page.cursor >= since, "the cursor went back");
        since = page.cursor;
        let more = page.more;
        pages.push(page);
        if !more {
            return pages;
        }
        assert!(pages.len() < 10_000, "pull never ends");
    }
}

fn notes(pages: &[PullResponse]) -> Vec<ReviewNote> {
    pages.iter().flat_map(|p| p.notes.clone()).collect()
}

fn last_cursor(pages: &[PullResponse]) -> u64 {
    pages.last().unwrap().cursor
}

fn a_note_reaches_the_vault_that_sent_the_submission_and_no_other(db: TestDb) {
    add_project(&db, "altra-valle");
    let server = Server::start(&db);
    let a = enroll_device(&server, &db, "Tablet A");
    let b = enroll_device(&server, &db, "Tablet B");
    let elsewhere = enroll_device_in(&server, &db, "altra-valle", "Tablet C");
    let (m, subs) = push_meeting(&server, &a.token, 3);
    let (a_cursor, b_cursor) = (
        last_cursor(&pull_from(&server, &a.token, 0, None)),
        last_cursor(&pull_from(&server, &b.token, 0, None)),
    );

    assert_eq!(
        set_review(
            &db,
            &[subs[1]],
            ReviewState::HasIssues,
            "Il questionario è incompleto: rifallo con la partecipante",
            "2026-04-02T09:30:00Z"
        ),
        1
    );

    // A's next pull, from its last cursor, carries exactly that note.
    let pages = pull_from(&server, &a.token, a_cursor, None);
    assert_eq!(
        notes(&pages),
        vec![ReviewNote {
            submission_id: subs[1],
            meeting_id: m,
            instrument_id: "training_satisfaction".into(),
            state: ReviewState::HasIssues,
            comment: "Il questionario è incompleto: rifallo con la partecipante".into(),
            reviewed_at: t("2026-04-02T09:30:00Z"),
        }]
    );
    assert!(pages.iter().all(|p| p.meetings.is_empty()));
    let a_cursor = last_cursor(&pages);
    assert!(a_cursor > 0);
    // Once: the pull after it has nothing.
    assert!(notes(&pull_from(&server, &a.token, a_cursor, None)).is_empty());

    // Tablet B of the same project never gets it: not from its cursor, not from scratch;
    // nor does a tablet of another project.
    let b_pages = pull_from(&server, &b.token, b_cursor, None);
    assert!(notes(&b_pages).is_empty());
    assert!(notes(&pull_from(&server, &b.token, 0, None)).is_empty());
    assert!(notes(&pull_from(&server, &elsewhere.token, 0, None)).is_empty());
    let b_cursor = last_cursor(&b_pages);

    // A second change comes again, with the first note's new word and a new note.
    set_review(
        &db,
        &[subs[1], subs[2]],
        ReviewState::Approved,
        "",
        "2026-04-03T16:45:00Z",
    );
    let again = notes(&pull_from(&server, &a.token, a_cursor, None));
    assert_eq!(
        again
            .iter()
            .map(|n| (n.submission_id, n.state, n.comment.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (subs[1], ReviewState::Approved, ""),
            (subs[2], ReviewState::Approved, "")
        ]
    );
    assert!(again
        .iter()
        .all(|n| n.reviewed_at == t("2026-04-03T16:45:00Z") && n.meeting_id == m));
    assert!(notes(&pull_from(&server, &b.token, b_cursor, None)).is_empty());
    // A tablet starting over gets each review once, at its latest word.
    let from_scratch = notes(&pull_from(&server, &a.token, 0, None));
    assert_eq!(from_scratch, again);
}

fn paging_with_small_limits_loses_no_note(db: TestDb) {
    let server = Server::start(&db);
    let a = enroll_device(&server, &db, "Tablet A");
    let b = enroll_device(&server, &db, "Tablet B");
    let (_, subs) = push_meeting(&server, &a.token, 6);
    let start = last_cursor(&pull_from(&server, &a.token, 0, None));

    // Reviews and B's meetings interleave in the project's counter; some reviews change
    // twice (only their latest word is due).
    let mut latest: BTreeMap<Uuid, (ReviewState, String)> = BTreeMap::new();
    for (i, id) in subs.iter().enumerate() {
        let comment = format!("nota {i}");
        set_review(
            &db,
            &[*id],
            ReviewState::HasIssues,
            &comment,
            "2026-04-02T09:30:00Z",
        );
        latest.insert(*id, (ReviewState::HasIssues, comment));
        push_meeting(&server, &b.token, 0);
        if i % 2 == 0 {
            set_review(
                &db,
                &[*id],
                ReviewState::Excluded,
                "",
                "2026-04-03T16:45:00Z",
            );
            latest.insert(*id, (ReviewState::Excluded, String::new()));
        }
    }

    for limit in [1, 2, 3, 5] {
        let pages = pull_from(&server, &a.token, start, Some(limit));
        for p in &pages {
            let items = p.instruments.len() + p.meetings.len() + p.barriers.len() + p.notes.len();
            assert!(items <= limit as usize, "limit {limit}: a page of {items}");
            if p.more {
                assert_eq!(
                    items, limit as usize,
                    "limit {limit}: a short page before the last"
                );
            }
        }
        let got: BTreeMap<Uuid, (ReviewState, String)> = notes(&pages)
            .into_iter()
            .map(|n| (n.submission_id, (n.state, n.comment)))
            .collect();
        assert_eq!(got, latest, "limit {limit}");
        assert_eq!(notes(&pages).len(), subs.len(), "limit {limit}: each once");
        assert_eq!(
            pages.iter().map(|p| p.meetings.len()).sum::<usize>(),
            subs.len(),
            "limit {limit}: B's meetings too"
        );
    }
}
