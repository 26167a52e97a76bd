//! A carer's rights against the real binary, on a fresh SQLite file and a fresh PostgreSQL
//! database each: `carers forget` leaves no byte of the code anywhere (SQLite: not in the
//! file, its -wal or -shm; PostgreSQL: in no row of any table), keeps the report's totals
//! and drops the pairs the carer made, and the server stops serving figures computed
//! before; `carers export` lists everything held under a code; `retention apply` forgets
//! every carer once the period after the pilot is over. Data goes in through real pushes.

mod carers_support;
mod common;

use campo_core::erasure::{erase_in_meeting, erase_in_submission};
use campo_core::{Phase, Submission};
use campo_wire::{PullResponse, PushStatus};
use carers_support::*;
use chrono::{DateTime, Utc};
use common::*;
use serde_json::{json, Value};
use uuid::Uuid;

on_both_engines!(
    forgetting_a_carer_leaves_no_trace_and_keeps_the_figures,
    a_carer_of_another_project_is_untouched,
    the_export_lists_everything_held_under_the_code,
    retention_forgets_every_carer_once_the_period_is_over,
);

fn forgetting_a_carer_leaves_no_trace_and_keeps_the_figures(db: TestDb) {
    add_project(&db, "valle");
    let srv = LoggedServer::start(&db);
    let d = carer_data(&srv, &db, "default", CODE);
    // Another project's carer, with another code: untouched, and never in the way.
    let v = tablet(&srv, &db, "valle", "Tablet V");
    store_records(&srv, &v, vec![roster(Uuid::now_v7(), 1, "V-001", vec![])]);

    // Before: the code is there, the pairs are two, B's pull holds (and caches) the figures.
    if db.is_postgres() {
        assert!(db.dump().contains(CODE));
    } else {
        let held: usize = sqlite_files(&db).iter().map(|f| occurrences(f, CODE)).sum();
        assert!(held > 0, "the code is stored before it is forgotten");
    }
    let before = report(&db, "default");
    assert_eq!(before["training"]["gain"]["n"], 2, "{}", before["training"]);
    assert_eq!(before["totals"]["distinct_participants"], 3);
    let b_before = pull_from(&srv, &d.b, 0);
    let a_before = pull_from(&srv, &d.a, 0);
    let figures = |p: &PullResponse| {
        serde_json::to_value(&p.project_report.as_ref().unwrap().report).unwrap()
    };
    assert_eq!(figures(&b_before)["training"]["gain"]["n"], 2);

    let out = run_logged(&db, &["carers", "forget", CODE]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(!said.contains(CODE), "{said}");
    assert!(
        said.contains(
            "carer forgotten in project default: records changed 5 (7 revisions), deleted 2 \
             (3 revisions); review comments 1; push answers 1; erasure "
        ),
        "{said}"
    );

    // The erasure lists the roster entries that held the code, sorted: not the code, and
    // not the carer's answers, whose ids side by side would pair them again.
    let mut ids = vec![d.rosters[0], d.rosters[1]];
    ids.sort();
    assert_eq!(erasures(&db, "default"), vec![ids]);
    assert!(erasures(&db, "valle").is_empty());
    let audit = audit_lines(&db, "carer_forgotten");
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(
        audit[0].starts_with("command line|default|erasure ")
            && audit[0].ends_with(
                "|records changed 5 (7 revisions), deleted 2 (3 revisions); review comments 1; \
                 push answers 1"
            ),
        "{audit:?}"
    );

    // The figures keep their totals; the pairs the carer made are gone, and so is the code
    // from the participants (they count as anonymous).
    let after = report(&db, "default");
    for path in [
        ["totals", "carers_involved"],
        ["totals", "meetings_held"],
        ["training", "meetings"],
        ["peer", "meetings"],
        ["training", "satisfaction"],
        ["training", "understanding"],
        ["training", "pre"],
    ] {
        assert_eq!(
            after[path[0]][path[1]], before[path[0]][path[1]],
            "{path:?}"
        );
    }
    assert_eq!(after["training"]["gain"]["n"], 1);
    assert_eq!(after["totals"]["distinct_participants"], 2);
    // The server's cached figures are not served again: the forgetting moved the counter.
    let b_after = pull_from(&srv, &d.b, b_before.cursor);
    assert_eq!(figures(&b_after)["training"]["gain"]["n"], 1);
    assert_eq!(
        figures(&b_after)["totals"]["carers_involved"],
        figures(&b_before)["totals"]["carers_involved"]
    );
    // Tablets holding a copy of another tablet's meeting or barrier form pull the scrubbed
    // one; nothing they pull holds the code.
    let scrubbed_course = b_after
        .meetings
        .iter()
        .find(|m| m.id == d.course.id)
        .expect("B pulls A's scrubbed course");
    assert_eq!(scrubbed_course.attendance.participants, ["C-002", "C-003"]);
    assert_eq!(
        scrubbed_course.attendance.total(),
        d.course.attendance.total()
    );
    let a_after = pull_from(&srv, &d.a, a_before.cursor);
    assert!(a_after.meetings.iter().any(|m| m.id == d.peer.id));
    assert!(a_after.barriers.iter().any(|s| s.id == d.barrier.id));
    // The vault that sent the reviewed quiz pulls the scrubbed comment.
    let note = a_after
        .notes
        .iter()
        .find(|n| n.submission_id == d.post.id)
        .expect("A pulls the scrubbed review");
    assert_eq!(note.comment, "[…] ha risposto a caso");
    for pulled in [&b_after, &a_after] {
        assert!(!serde_json::to_string(pulled).unwrap().contains(CODE));
    }

    // A tablet that scrubbed its own copy by the same rules and sends it again: duplicate.
    let mut post = d.post.clone();
    assert!(erase_in_submission(
        &mut post,
        CODE,
        Some(&quiz_instrument())
    ));
    let mut peer = d.peer.clone();
    assert!(erase_in_meeting(&mut peer, CODE));
    let again = push_records(&srv, &d.a, vec![s_rec(&post)]);
    assert_eq!(again.results[0].status, PushStatus::Duplicate, "{again:?}");
    let again = push_records(&srv, &d.b, vec![m_rec(&peer)]);
    assert_eq!(again.results[0].status, PushStatus::Duplicate, "{again:?}");

    // No byte of the code anywhere, nor in what the server or the command logged.
    assert!(!db.dump().contains(CODE), "a row still holds the code");
    if !db.is_postgres() {
        for f in sqlite_files(&db) {
            assert_eq!(occurrences(&f, CODE), 0, "{} holds the code", f.display());
        }
    }
    assert!(!srv.log().contains(CODE), "the server logged the code");

    // Forgetting again: nothing is held, nothing changes, and the code is not repeated.
    let dump = db.dump();
    let out = run_logged(&db, &["carers", "forget", CODE]);
    let said = text(&out);
    assert!(!out.status.success());
    assert!(said.contains("nothing is held under this code"), "{said}");
    assert!(!said.contains(CODE), "{said}");
    assert_eq!(db.dump(), dump);
    let out = run_logged(&db, &["carers", "export", CODE]);
    assert!(!out.status.success());
    assert!(!text(&out).contains(CODE), "{}", text(&out));
    assert_eq!(db.dump(), dump);
}

fn a_carer_of_another_project_is_untouched(db: TestDb) {
    add_project(&db, "valle");
    let srv = LoggedServer::start(&db);
    carer_data(&srv, &db, "default", CODE);
    let v = carer_data(&srv, &db, "valle", CODE);
    let rows = |db: &TestDb| {
        db.query_text(
            "SELECT id || ' ' || revision || ' ' || hash || ' ' || body FROM records \
             WHERE project_id = 'valle' ORDER BY id, revision",
            "SELECT id || ' ' || revision || ' ' || hash || ' ' || body FROM records \
             WHERE project_id = 'valle' ORDER BY id, revision",
        )
    };
    let valle_rows = rows(&db);
    let valle_report = report(&db, "valle");
    let valle_reviews = db.query_text(
        "SELECT comment || seq FROM reviews WHERE project_id = 'valle'",
        "SELECT comment || seq FROM reviews WHERE project_id = 'valle'",
    );
    let valle_pull = pull_from(&srv, &v.a, 0);

    cli(&db, &["carers", "forget", CODE]);

    assert_eq!(rows(&db), valle_rows);
    assert_eq!(report(&db, "valle"), valle_report);
    assert_eq!(
        db.query_text(
            "SELECT comment || seq FROM reviews WHERE project_id = 'valle'",
            "SELECT comment || seq FROM reviews WHERE project_id = 'valle'",
        ),
        valle_reviews
    );
    assert!(erasures(&db, "valle").is_empty());
    // Valle's counter did not move: its tablets have nothing new to pull.
    assert_eq!(pull_from(&srv, &v.a, 0).cursor, valle_pull.cursor);
    let export: Value =
        serde_json::from_str(&cli(&db, &["carers", "export", CODE, "--project", "valle"])).unwrap();
    assert_eq!(export["consent"].as_array().unwrap().len(), 2);
    assert_eq!(export["submissions"].as_array().unwrap().len(), 2);
    // And the default project's carer is gone.
    assert!(cli_fails(&db, &["carers", "export", CODE]).contains("nothing is held"));
}

fn the_export_lists_everything_held_under_the_code(db: TestDb) {
    use campo_core::Activity::TrainingCourse;
    let started = Utc::now();
    let srv = LoggedServer::start(&db);
    let d = carer_data(&srv, &db, "default", CODE);
    // A correction of the post quiz, a meeting that listed the code only in an older
    // revision, and a carer whose code merely begins with this one: the correction is
    // exported, the other two are not.
    let mut corrected = quiz(
        d.course.id,
        CODE,
        Phase::Post,
        ["b", "c", "b"],
        "2026-03-11T08:00:00Z",
    );
    corrected.replaces = Some(d.post.id);
    let was_there = Uuid::now_v7();
    store_records(
        &srv,
        &d.a,
        vec![
            s_rec(&corrected),
            m_rec(&held_meeting(
                was_there,
                1,
                TrainingCourse,
                day(5, 5),
                &[CODE],
                "X",
            )),
            m_rec(&held_meeting(
                was_there,
                2,
                TrainingCourse,
                day(5, 5),
                &["C-002"],
                "X",
            )),
            roster(Uuid::now_v7(), 1, "ZQ-4417-CARER-B", vec![]),
            s_rec(&quiz(
                d.course.id,
                "ZQ-4417-CARER-B",
                Phase::Pre,
                ["a", "a", "a"],
                "2026-03-10T09:02:00Z",
            )),
        ],
    );

    let out = run_logged(&db, &["carers", "export", CODE]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stderr.is_empty() || !String::from_utf8_lossy(&out.stderr).contains(CODE));
    let mut got: Value = serde_json::from_slice(&out.stdout).unwrap();

    // The times the server stamped: checked, then set aside for the exact comparison.
    let stamp = |v: &mut Value| -> DateTime<Utc> {
        let t: DateTime<Utc> = v.as_str().unwrap().parse().unwrap();
        assert!(
            t >= started - chrono::Duration::seconds(1) && t <= Utc::now(),
            "{t}"
        );
        *v = Value::Null;
        t
    };
    stamp(&mut got["exported_at"]);
    let a_received = stamp(&mut got["consent"][0]["received_at"]);
    let b_received = stamp(&mut got["consent"][1]["received_at"]);
    assert!(a_received <= b_received);

    let quiz_json = |s: &Submission, review: Value| {
        json!({
            "id": s.id,
            "instrument_id": QUIZ,
            "instrument_version": 1,
            "meeting_id": d.course.id,
            "phase": serde_json::to_value(s.phase).unwrap(),
            "answers": serde_json::to_value(&s.answers).unwrap(),
            "created_at": serde_json::to_value(s.created_at).unwrap(),
            "replaces": serde_json::to_value(s.replaces).unwrap(),
            "review": review,
        })
    };
    let expected = json!({
        "project": "default",
        "code": CODE,
        "exported_at": null,
        "consent": [
            {
                "record_id": d.rosters[0],
                "revision": 2,
                "vault_id": d.a.vault,
                "device": "Tablet A",
                "received_at": null,
                "history": [
                    {"event": "given", "date": "2026-02-01", "sheet_version": "2026-01",
                     "covers": ["questionnaires", "contact"]},
                    {"event": "withdrawn", "date": "2026-04-01"},
                    {"event": "given", "date": "2026-04-10", "sheet_version": "2026-02",
                     "covers": ["questionnaires"]},
                ],
            },
            {
                "record_id": d.rosters[1],
                "revision": 1,
                "vault_id": d.b.vault,
                "device": "Tablet B",
                "received_at": null,
                "history": [
                    {"event": "given", "date": "2026-02-03", "sheet_version": "2026-01",
                     "covers": ["questionnaires"]},
                ],
            },
        ],
        "attendances": [
            {"meeting_id": d.course.id, "date": "2026-03-10", "activity": "training_course",
             "place": "Sala civica", "status": "held"},
            {"meeting_id": d.peer.id, "date": "2026-03-20", "activity": "peer_group",
             "place": "Sala civica", "status": "held"},
        ],
        "submissions": [
            quiz_json(&d.pre, Value::Null),
            quiz_json(&d.post, json!({
                "state": "has_issues",
                "comment": format!("{CODE} ha risposto a caso"),
                "reviewed_at": "2026-04-02T09:30:00Z",
            })),
            quiz_json(&corrected, Value::Null),
        ],
    });
    assert_eq!(
        got,
        expected,
        "{}",
        serde_json::to_string_pretty(&got).unwrap()
    );
    assert_eq!(expected["submissions"][0]["phase"], "pre");
    assert_eq!(expected["submissions"][2]["replaces"], json!(d.post.id));
    assert_eq!(
        expected["submissions"][0]["answers"],
        json!({"q1": "a", "q2": "c", "q3": "a"})
    );

    // Reading changes nothing but the audit log, which says an export happened (counts).
    let audit = audit_lines(&db, "carer_exported");
    assert_eq!(
        audit,
        vec!["command line|default||consent records 2, attendances 2, submissions 3"]
    );
    // Unknown code, project or a code that is no code: clear errors, the code not repeated.
    assert!(cli_fails(&db, &["carers", "export", "NO-SUCH-CODE"]).contains("nothing is held"));
    assert!(
        cli_fails(&db, &["carers", "export", CODE, "--project", "nope"]).contains("no project")
    );
    assert!(cli_fails(&db, &["carers", "export", " x"]).contains("a carer's code is 1 to 64"));
    assert!(!srv.log().contains(CODE));
}

fn retention_forgets_every_carer_once_the_period_is_over(db: TestDb) {
    use campo_core::Activity::TrainingCourse;
    cli(
        &db,
        &[
            "projects",
            "add",
            "valle",
            "--pilot-start",
            "2026-01-01",
            "--pilot-end",
            "2026-06-30",
        ],
    );
    let srv = LoggedServer::start(&db);
    let v = tablet(&srv, &db, "valle", "Tablet V");
    let course = Uuid::now_v7();
    store_records(
        &srv,
        &v,
        vec![
            roster(Uuid::now_v7(), 1, "R-1", vec![]),
            roster(Uuid::now_v7(), 1, "R-2", vec![]),
            m_rec(&held_meeting(
                course,
                1,
                TrainingCourse,
                day(3, 10),
                &["R-1", "R-2", "R-3"],
                "T",
            )),
            s_rec(&quiz(
                course,
                "R-1",
                Phase::Pre,
                ["a", "a", "a"],
                "2026-03-10T09:00:00Z",
            )),
            s_rec(&quiz(
                course,
                "R-1",
                Phase::Post,
                ["b", "c", "a"],
                "2026-03-10T12:00:00Z",
            )),
            s_rec(&satisfaction(course, 2)),
        ],
    );
    // The default project keeps its carers: it has no retention period.
    let d = tablet(&srv, &db, "default", "Tablet D");
    store_records(&srv, &d, vec![roster(Uuid::now_v7(), 1, "D-1", vec![])]);
    cli(
        &db,
        &["projects", "set-retention", "valle", "--months", "6"],
    );
    let codes = |db: &TestDb, p: &str| {
        let p = p.to_string();
        db.with_store(|s| async move { s.carer_codes(&p).await.unwrap() })
    };
    assert_eq!(codes(&db, "valle"), ["R-1", "R-2", "R-3"]);
    let before = report(&db, "valle");
    assert_eq!(before["training"]["gain"]["n"], 1);

    let dump = db.dump();
    let out = cli(&db, &["retention", "apply", "--today", "2026-12-29"]);
    assert_eq!(
        out,
        "project default: no retention period; nothing forgotten\n\
         project valle: carers are kept until 2026-12-30; nothing forgotten\n"
    );
    assert_eq!(db.dump(), dump, "before the day nothing changes");

    let out = cli(&db, &["retention", "apply", "--today", "2026-12-30"]);
    assert!(
        out.ends_with("project valle: retention over since 2026-12-30; 3 carers forgotten\n"),
        "{out}"
    );
    for code in ["R-1", "R-2", "R-3", "D-1"] {
        assert!(!out.contains(code), "{out}");
    }
    assert!(codes(&db, "valle").is_empty());
    assert_eq!(codes(&db, "default"), ["D-1"]);
    let after = report(&db, "valle");
    for path in [
        ["totals", "carers_involved"],
        ["training", "meetings"],
        ["training", "satisfaction"],
        ["training", "understanding"],
        ["training", "pre"],
    ] {
        assert_eq!(
            after[path[0]][path[1]], before[path[0]][path[1]],
            "{path:?}"
        );
    }
    assert_eq!(after["training"]["gain"]["n"], 0);
    assert_eq!(after["totals"]["distinct_participants"], 0);
    let audit = audit_lines(&db, "carer_forgotten");
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert!(
        audit
            .iter()
            .all(|l| l.starts_with("retention|valle|erasure ")),
        "{audit:?}"
    );
    assert_eq!(erasures(&db, "valle").len(), 3);
    let dump = db.dump();
    for code in ["R-1", "R-2", "R-3"] {
        assert!(!dump.contains(code), "{code} is still held");
    }

    // Run again (the timer fires daily): nothing is left, nothing changes.
    let dump = db.dump();
    let out = cli(
        &db,
        &[
            "retention",
            "apply",
            "--project",
            "valle",
            "--today",
            "2027-01-05",
        ],
    );
    assert_eq!(
        out,
        "project valle: retention over since 2026-12-30; 0 carers forgotten\n"
    );
    assert_eq!(db.dump(), dump);
    assert!(cli_fails(&db, &["retention", "apply", "--project", "nope"]).contains("no project"));
    // A project without a pilot end keeps its carers whatever the period.
    cli(
        &db,
        &["projects", "set-retention", "default", "--months", "0"],
    );
    let out = cli(&db, &["retention", "apply", "--project", "default"]);
    assert_eq!(
        out,
        "project default: retention 0 months, but the pilot has no end date; nothing forgotten\n"
    );
}

/// The help names the new commands and their subcommands (no database needed).
#[test]
fn the_help_lists_the_rights_commands() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(BIN)
            .args(args)
            .env_remove("CAMPO_DB")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let top = help(&["--help"]);
    for command in ["carers", "retention"] {
        assert!(
            top.lines().any(|l| l.trim_start().starts_with(command)),
            "{command}: {top}"
        );
    }
    let carers = help(&["carers", "--help"]);
    assert!(
        carers.contains("export") && carers.contains("forget"),
        "{carers}"
    );
    let projects = help(&["projects", "--help"]);
    for command in ["set-information-sheet", "set-retention", "set-targets"] {
        assert!(projects.contains(command), "{projects}");
    }
    assert!(help(&["retention", "--help"]).contains("apply"));
}
