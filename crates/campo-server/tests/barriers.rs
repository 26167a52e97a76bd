//! The barrier log across tablets, against the real binary on both engines: a follow-up
//! must name the first form of a barrier of its own project (any tablet's), every tablet
//! of the project is sent the others' barrier forms in pull (and nothing else they
//! answered), and the report counts each barrier once, where its latest form leaves it.

mod common;

use campo_core::Submission;
use campo_wire::{PushStatus, RecordBody};
use common::*;
use uuid::Uuid;

on_both_engines!(
    follow_ups_name_a_barrier_of_the_project_and_barriers_reach_every_tablet,
    a_database_of_schema_4_shares_the_barriers_it_already_held,
);

fn submission(s: &Submission) -> campo_wire::Record {
    record(RecordBody::Submission(s.clone()))
}

fn outcome(r: &campo_wire::PushResult) -> (PushStatus, Option<&str>) {
    (r.status, r.reason_code.as_deref())
}

fn barrier_ids(page: &campo_wire::PullResponse) -> Vec<Uuid> {
    page.barriers.iter().map(|s| s.id).collect()
}

fn follow_ups_name_a_barrier_of_the_project_and_barriers_reach_every_tablet(db: TestDb) {
    add_project(&db, "altra-valle");
    let server = Server::start(&db);
    let a = enroll_device(&server, &db, "Tablet A");
    let b = enroll_device(&server, &db, "Tablet B");
    let elsewhere = enroll_device_in(&server, &db, "altra-valle", "Tablet C");

    // Tablet A: a workshop, a barrier, its follow-up in the same batch, and a course with
    // a carer's satisfaction form (never shared with other tablets).
    let w = workshop(Uuid::now_v7());
    let first = barrier_form(w.id, "mistakes", Some("planned"), None);
    let a_follow = barrier_form(w.id, "mistakes", Some("planned"), Some(first.id));
    let course = meeting(1, Uuid::now_v7());
    let carer = satisfaction(course.id, 0);
    let answer = push(
        &server,
        &a.token,
        &batch(vec![
            record(RecordBody::Meeting(w.clone())),
            submission(&first),
            submission(&a_follow),
            record(RecordBody::Meeting(course.clone())),
            submission(&carer),
        ]),
    );
    assert!(
        answer
            .results
            .iter()
            .all(|r| r.status == PushStatus::Stored),
        "{answer:?}"
    );

    // Tablet B is sent A's two barrier forms and meetings, not the carer's answers.
    let pulled = pull(&server, &b.token, 0, None);
    assert_eq!(barrier_ids(&pulled), vec![first.id, a_follow.id]);
    assert_eq!(pulled.barriers[0], first, "sent as stored");
    assert_eq!(pulled.meetings.len(), 2);
    // A tablet of another project is sent none of it; A is not sent its own.
    assert!(pull(&server, &elsewhere.token, 0, None).barriers.is_empty());
    assert!(pull(&server, &a.token, 0, None).barriers.is_empty());

    // B follows A's barrier up; what cannot be followed up is refused with its reason.
    let b_workshop = workshop(Uuid::now_v7());
    let done = barrier_form(b_workshop.id, "mistakes", Some("done"), Some(first.id));
    let of_a_follow_up = barrier_form(b_workshop.id, "mistakes", None, Some(a_follow.id));
    let of_nothing = barrier_form(b_workshop.id, "mistakes", None, Some(Uuid::now_v7()));
    let of_a_carer = barrier_form(b_workshop.id, "mistakes", None, Some(carer.id));
    let of_itself = {
        let mut s = barrier_form(b_workshop.id, "mistakes", None, None);
        s.follows_up = Some(s.id);
        s
    };
    let mut not_a_barrier = satisfaction(b_workshop.id, 1);
    not_a_barrier.follows_up = Some(first.id);
    let before = db.counts();
    let answer = push(
        &server,
        &b.token,
        &batch(vec![
            record(RecordBody::Meeting(b_workshop.clone())),
            submission(&done),
            submission(&of_a_follow_up),
            submission(&of_nothing),
            submission(&of_a_carer),
            submission(&of_itself),
            submission(&not_a_barrier),
        ]),
    );
    let outcomes: Vec<_> = answer.results.iter().map(outcome).collect();
    assert_eq!(
        outcomes,
        [
            (PushStatus::Stored, None),
            (PushStatus::Stored, None),
            (PushStatus::Rejected, Some("follows_up_not_first")),
            (PushStatus::Rejected, Some("follows_up_unknown")),
            (PushStatus::Rejected, Some("follows_up_unknown")),
            (PushStatus::Rejected, Some("follows_up_mismatch")),
            (PushStatus::Rejected, Some("follows_up_not_barrier")),
        ]
    );
    let after = db.counts();
    assert_eq!(
        after.record_revisions,
        before.record_revisions + 2,
        "only the meeting and the follow-up were stored"
    );

    // A barrier of another project cannot be followed up from this one.
    let c_workshop = workshop(Uuid::now_v7());
    let theirs = barrier_form(c_workshop.id, "blaming", None, None);
    push(
        &server,
        &elsewhere.token,
        &batch(vec![
            record(RecordBody::Meeting(c_workshop)),
            submission(&theirs),
        ]),
    );
    let across = barrier_form(b_workshop.id, "blaming", None, Some(theirs.id));
    let answer = push(&server, &b.token, &batch(vec![submission(&across)]));
    assert_eq!(
        outcome(&answer.results[0]),
        (PushStatus::Rejected, Some("follows_up_unknown"))
    );

    // A is sent B's follow-up, and nothing of its own.
    let a_pull = pull(&server, &a.token, 0, None);
    assert_eq!(barrier_ids(&a_pull), vec![done.id]);

    // The report: one barrier, two follow-ups, done by its latest form (B's).
    let report: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &["report", "--format", "json", "--as-of", "2026-03-31"],
    ))
    .unwrap();
    let c = &report["co_assessment"];
    assert_eq!(c["total"], 1, "{c}");
    assert_eq!(c["follow_ups"], 2, "{c}");
    assert_eq!(c["as_of"], "2026-03-31", "{c}");
    let mistakes = &c["barriers"][0];
    assert_eq!(mistakes["cause"], "mistakes");
    assert_eq!(mistakes["by_status"]["done"], 1, "{mistakes}");
    assert_eq!(mistakes["by_status"]["planned"], 0, "{mistakes}");
    // The same section in the HTML report, in Italian.
    let html = cli(&db, &["report", "--format", "html", "--lang", "it"]);
    assert!(html.contains("<h2>Co-valutazione</h2>"), "{html}");
}

/// Brings a fresh database to schema `n` by running this build's first `n` migrations by
/// hand, as a server of that version would have.
fn at_schema(db: &TestDb, n: usize) {
    db.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        "CREATE TABLE schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    let engines = campo_server_sqlite::MIGRATIONS
        .iter()
        .zip(campo_server_postgres::MIGRATIONS)
        .take(n);
    for (s, p) in engines {
        assert_eq!(s.version, p.version);
        db.execute(s.sql, p.sql);
        db.execute(
            &format!(
                "INSERT INTO schema_version (version, applied_at) VALUES ({}, '2026-05-01T00:00:00Z')",
                s.version
            ),
            &format!("INSERT INTO schema_version (version) VALUES ({})", p.version),
        );
    }
}

/// Adds a record as a schema-4 server stored it (no instrument column yet).
fn insert_v4_record(db: &TestDb, seq: i64, device: Uuid, kind: &str, id: Uuid, body: &str) {
    let body = body.replace('\'', "''");
    db.execute(
        &format!(
            "INSERT INTO records (seq, pseq, id, revision, device_id, kind, body, hash, received_at, project_id, vault_id) \
             VALUES ({seq}, {seq}, '{id}', 1, '{device}', '{kind}', '{body}', 'h{seq}', '2026-05-01T10:00:00+00:00', 'default', '{device}')"
        ),
        &format!(
            "INSERT INTO records (seq, id, revision, device_id, kind, body, hash, received_at, project_id, vault_id) \
             VALUES ({seq}, '{id}', 1, '{device}', '{kind}', '{body}', 'h{seq}', '2026-05-01T10:00:00+00:00', 'default', '{device}')"
        ),
    );
}

fn a_database_of_schema_4_shares_the_barriers_it_already_held(db: TestDb) {
    // Records stored by a server of schema 4: a workshop, a barrier form, a carer's form.
    at_schema(&db, 4);
    let device = Uuid::now_v7();
    let w = workshop(Uuid::now_v7());
    let first = barrier_form(w.id, "insufficient_trust", None, None);
    let carer = satisfaction(w.id, 0);
    insert_v4_record(
        &db,
        1,
        device,
        "meeting",
        w.id,
        &serde_json::to_string(&w).unwrap(),
    );
    insert_v4_record(
        &db,
        2,
        device,
        "submission",
        first.id,
        &serde_json::to_string(&first).unwrap(),
    );
    insert_v4_record(
        &db,
        3,
        device,
        "submission",
        carer.id,
        &serde_json::to_string(&carer).unwrap(),
    );
    db.execute_both("UPDATE projects SET seq = 3 WHERE id = 'default'");

    // Upgraded at start: each submission's instrument is read from its body, so the
    // barrier form is found by pull and can be followed up.
    let server = Server::start(&db);
    let kinds = db.query_text(
        "SELECT kind || ':' || COALESCE(instrument_id, '-') FROM records ORDER BY seq",
        "SELECT kind || ':' || COALESCE(instrument_id, '-') FROM records ORDER BY seq",
    );
    assert_eq!(
        kinds,
        [
            "meeting:-",
            "submission:barrier_log",
            "submission:training_satisfaction"
        ]
    );
    let b = enroll_device(&server, &db, "Tablet B");
    assert_eq!(
        barrier_ids(&pull(&server, &b.token, 0, None)),
        vec![first.id]
    );
    let later = barrier_form(w.id, "insufficient_trust", Some("planned"), Some(first.id));
    let answer = push(&server, &b.token, &batch(vec![submission(&later)]));
    assert_eq!(outcome(&answer.results[0]), (PushStatus::Stored, None));
}
