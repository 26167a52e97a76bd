//! Two projects on one server, on both engines: a device of one never reads, changes or
//! counts in anything of the other, through any route.

mod common;

use campo_core::catalog::Catalog;
use campo_wire::{PushStatus, Record, RecordBody, RosterCode};
use common::*;
use std::collections::BTreeSet;
use uuid::Uuid;

on_both_engines!(a_device_of_one_project_gets_nothing_of_another);

const PASSWORD: &str = "ufficio-valle-2026";

fn a_device_of_one_project_gets_nothing_of_another(db: TestDb) {
    let server = Server::start(&db);
    cli(&db, &["projects", "add", "valle-a", "--name", "Valle A"]);
    cli(
        &db,
        &[
            "projects",
            "add",
            "valle-b",
            "--name",
            "Valle B",
            "--eligible-carers",
            "77",
            "--courses-per-month",
            "4",
        ],
    );
    // An instrument version only project A holds.
    let mut a_only = Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .clone();
    a_only.version = 99;
    let added = db.with_store(|s| {
        let a_only = a_only.clone();
        async move { s.add_instruments("valle-a", &[a_only]).await.unwrap() }
    });
    assert_eq!(added, 1);

    let a1 = enroll_device_in(&server, &db, "valle-a", "Tablet Alfa 1");
    let a2 = enroll_device_in(&server, &db, "valle-a", "Tablet Alfa 2");
    // B's enrollment code makes a device of B.
    let b_code = enroll_code_in(&db, "valle-b", "Tablet Beta");
    let b1 = enroll_with_code(&server, &b_code, "Tablet Beta");
    let listed: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &["devices", "list", "--project", "valle-b", "--json"],
    ))
    .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], b1.device_id.to_string());
    assert_eq!(listed[0]["project"], "valle-b");

    // A's data: a meeting, submissions (one against A's own version), outreach, roster.
    let ma = meeting(1, Uuid::now_v7());
    let sa = satisfaction(ma.id, 0);
    let mut sa99 = satisfaction(ma.id, 1);
    sa99.instrument_version = 99;
    let a_first_batch = batch(vec![
        record(RecordBody::Meeting(ma.clone())),
        record(RecordBody::Submission(sa.clone())),
        record(RecordBody::Submission(sa99.clone())),
        record(RecordBody::Outreach(campo_core::Outreach {
            period: "2026-03".into(),
            page_likes: 10,
            site_visits: 20,
            downloads: 3,
            new_patients_informed: 4,
        })),
        record(RecordBody::RosterCode(RosterCode {
            code: "P001".into(),
            consent: Vec::new(),
        })),
    ]);
    let answer = push(&server, &a1.token, &a_first_batch);
    assert!(
        answer
            .results
            .iter()
            .all(|r| r.status == PushStatus::Stored),
        "{answer:?}"
    );
    let a_report = cli(&db, &["report", "--project", "valle-a", "--format", "json"]);
    let a_input = db.with_store(|s| async move { s.report_input("valle-a").await.unwrap() });
    assert_eq!(a_input.meetings, vec![ma.clone()]);
    assert_eq!(a_input.submissions.len(), 2);
    // A's devices as B cannot change them (their own pulls move their last sync).
    let a_devices_of = |db: &TestDb| {
        let mut v: serde_json::Value = serde_json::from_str(&cli(
            db,
            &["devices", "list", "--project", "valle-a", "--json"],
        ))
        .unwrap();
        for d in v.as_array_mut().unwrap() {
            d.as_object_mut().unwrap().remove("last_seen_at");
        }
        v
    };
    let a_devices = a_devices_of(&db);

    // B pulls: none of A's meetings, not A's own instrument version, B's targets.
    let b_pages = pull_all(&server, &b1.token, Some(1));
    let b_meetings: Vec<_> = b_pages.iter().flat_map(|p| p.meetings.clone()).collect();
    assert!(b_meetings.is_empty(), "{b_meetings:?}");
    let b_instruments: BTreeSet<_> = b_pages
        .iter()
        .flat_map(|p| p.instruments.iter().map(|i| (i.id.clone(), i.version)))
        .collect();
    assert!(!b_instruments.contains(&("training_satisfaction".to_string(), 99)));
    let builtin: BTreeSet<_> = Catalog::builtin()
        .all()
        .map(|i| (i.id.clone(), i.version))
        .collect();
    assert_eq!(b_instruments, builtin, "B holds the pilot's instruments");
    for page in &b_pages {
        let t = page.targets.as_ref().expect("targets in every page");
        assert_eq!(t.eligible_carers, 77);
        assert_eq!(t.courses_per_month, 4);
    }
    // A's other device gets A's meeting, A's version and A's targets.
    let a2_first = pull(&server, &a2.token, 0, None);
    assert_eq!(a2_first.meetings, vec![ma.clone()]);
    assert!(a2_first
        .instruments
        .iter()
        .any(|i| i.id == "training_satisfaction" && i.version == 99));
    assert_eq!(
        a2_first.targets.as_ref().unwrap().eligible_carers,
        campo_core::report::Targets::default().eligible_carers
    );

    // B pushes records under ids A's device already used: the very same records, a new
    // revision, another kind, and a batch id A used. All refused, nothing of A changes.
    let mut ma2 = ma.clone();
    ma2.revision = 2;
    ma2.place = "Taken over".into();
    let sb_steal = satisfaction(ma.id, 2);
    let steal = campo_wire::PushRequest {
        batch_id: a_first_batch.batch_id,
        records: vec![
            record(RecordBody::Meeting(ma.clone())),
            record(RecordBody::Meeting(ma2)),
            record(RecordBody::Submission(sa.clone())),
            Record {
                id: sa99.id,
                revision: 1,
                body: RecordBody::Submission(campo_core::Submission {
                    id: sa99.id,
                    ..sb_steal
                }),
            },
            Record {
                id: ma.id,
                revision: 3,
                body: RecordBody::RosterCode(RosterCode {
                    code: "P999".into(),
                    consent: Vec::new(),
                }),
            },
        ],
    };
    let answer = push(&server, &b1.token, &steal);
    assert_ne!(
        answer,
        push(&server, &a1.token, &a_first_batch),
        "B got A's answer"
    );
    assert_eq!(
        answer.results.len(),
        5,
        "B's own batch, answered for B: {answer:?}"
    );
    for r in &answer.results {
        assert_eq!(r.status, PushStatus::Rejected, "{r:?}");
        assert_eq!(
            r.reason_code.as_deref(),
            Some("owned_by_another_device"),
            "{r:?}"
        );
    }
    // A submission against A's version is unknown in B.
    let mb = meeting(1, Uuid::now_v7());
    let mut sb99 = satisfaction(mb.id, 0);
    sb99.instrument_version = 99;
    let sb = satisfaction(mb.id, 3);
    let answer = push(
        &server,
        &b1.token,
        &batch(vec![
            record(RecordBody::Meeting(mb.clone())),
            record(RecordBody::Submission(sb.clone())),
            record(RecordBody::Submission(sb99)),
        ]),
    );
    let statuses: Vec<_> = answer.results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [PushStatus::Stored, PushStatus::Stored, PushStatus::Rejected]
    );
    assert_eq!(
        answer.results[2].reason_code.as_deref(),
        Some("unknown_instrument_version")
    );

    // A is exactly as it was: its report, its records, its devices' counts.
    assert_eq!(
        cli(&db, &["report", "--project", "valle-a", "--format", "json"]),
        a_report
    );
    let a_after = db.with_store(|s| async move { s.report_input("valle-a").await.unwrap() });
    assert_eq!(a_after, a_input);
    assert_eq!(a_devices_of(&db), a_devices);
    // A's devices never see B's meeting; B's report counts only B's.
    let a2_next = pull(&server, &a2.token, a2_first.cursor, None);
    assert!(a2_next.meetings.is_empty(), "{:?}", a2_next.meetings);
    let a1_all: Vec<_> = pull_all(&server, &a1.token, None)
        .into_iter()
        .flat_map(|p| p.meetings)
        .collect();
    assert!(a1_all.is_empty(), "{a1_all:?}");
    let b_input = db.with_store(|s| async move { s.report_input("valle-b").await.unwrap() });
    assert_eq!(b_input.meetings, vec![mb]);
    assert_eq!(b_input.submissions, vec![sb]);
    assert!(b_input.outreach.is_empty());
    let b_report: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &["report", "--project", "valle-b", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(b_report["training"]["meetings"]["held"], 1, "{b_report:#}");
    assert_eq!(b_report["training"]["satisfaction"]["n"], 1, "{b_report:#}");
    let b_subs = db.with_store(|s| async move { s.submissions("valle-b").await.unwrap() });
    assert_eq!(b_subs.len(), 1);
    assert_eq!(b_subs[0].device_id, b1.device_id);
    // The default project saw none of it.
    let default = db.with_store(|s| async move { s.report_input("default").await.unwrap() });
    assert!(default.meetings.is_empty() && default.submissions.is_empty());

    // B's export holds only B's submission.
    let out = db.dir().join("b-export");
    cli(
        &db,
        &[
            "export",
            "--project",
            "valle-b",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let mut exported = String::new();
    for f in std::fs::read_dir(&out).unwrap() {
        exported.push_str(&std::fs::read_to_string(f.unwrap().path()).unwrap());
    }
    assert!(exported.contains(&b_subs[0].submission.id.to_string()));
    assert!(!exported.contains(&sa.id.to_string()) && !exported.contains(&ma.id.to_string()));

    // In the office console a coordinator of B sees B's device only, and nothing of A.
    common::browser::add_user(&db, "coord-b", "coordinator", Some("valle-b"), PASSWORD);
    let mut b = common::browser::Browser::signed_in(&server, "coord-b", PASSWORD);
    let page = b.get("/devices?lang=en");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tablet Beta"), "{}", page.body);
    assert!(!page.body.contains("Tablet Alfa"), "{}", page.body);
    assert_eq!(b.get("/devices?project=default").status, 404);
    assert_eq!(b.get("/?project=nowhere").status, 404);
}
