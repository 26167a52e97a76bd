//! Nothing a carer or facilitator typed, no facilitator's name and no instrument a carer
//! answered may be readable from the vault's files: the database, its -wal and its -shm,
//! checked both while the WAL still holds the pages and after the vault is closed and
//! checkpointed. Nor may any clear column hold a time.

mod common;

#[allow(dead_code)]
#[path = "../examples/fill_vault.rs"]
mod fill_vault;

use campo_core::{AnswerValue, Attendance, Outreach, Participant, Submission};
use campo_store::{Vault, FILE_NAME, MIN_ITERATIONS};
use common::*;
use std::path::Path;

const CANARIES: &[&str] = &[
    "CANARYSLOTqzx",
    "CANARYSLOTTWOqzx",
    "CANARYNAMEqzx",
    "CANARYCONTACTqzx",
    "CANARYCODEqzx",
    "CANARYPLACEqzx",
    "CANARYTOPICqzx",
    "CANARYFACILITATORqzx",
    "CANARYREASONqzx",
    "CANARYANSWERqzx",
    "CANARYNOTEqzx",
    "CANARYDRAFTqzx",
    "CANARYTOKENqzx",
    "CANARYPERIODqzx",
    "CANARYINSTRUMENTqzx",
    "CANARYDRAFTINSTRUMENTqzx",
];

/// No clear column is a time, and none names an instrument outside the catalogue table.
fn assert_no_clear_time_or_instrument(dir: &Path) {
    let db = rusqlite::Connection::open(dir.join(FILE_NAME)).unwrap();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(tables.contains(&"records".to_string()));
    for table in &tables {
        let columns: Vec<String> = db
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for c in &columns {
            assert!(
                !c.ends_with("_at") && !c.contains("time") && !c.contains("date"),
                "{table}.{c} looks like a time"
            );
            assert!(
                table == "instruments" || !c.contains("instrument"),
                "{table}.{c} names an instrument"
            );
        }
    }
    let meta_keys: Vec<String> = db
        .prepare("SELECT key FROM meta")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for key in &meta_keys {
        assert!(
            !key.ends_with("_at") && !key.contains("retry_at"),
            "meta {key} looks like a time"
        );
    }
}

#[test]
fn no_canary_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let (v, _) =
        Vault::create_with_iterations(dir.path(), "CANARYSLOTqzx", PASS, MIN_ITERATIONS).unwrap();
    v.add_slot("CANARYSLOTTWOqzx", "another facilitator's passphrase")
        .unwrap();
    v.add_participant(&Participant {
        code: "CANARYCODEqzx".into(),
        name: "CANARYNAMEqzx".into(),
        contact: Some("CANARYCONTACTqzx".into()),
    })
    .unwrap();
    let mut new = new_meeting("CANARYPLACEqzx", "CANARYTOPICqzx", 9);
    new.facilitator = "CANARYFACILITATORqzx".into();
    let m = v.create_meeting(new.clone()).unwrap();
    v.set_attendance(
        m.id,
        Attendance {
            participants: vec!["CANARYCODEqzx".into()],
            anonymous: 2,
            roles: None,
        },
    )
    .unwrap();
    let mut s = submission(
        m.id,
        &[("q1", "CANARYANSWERqzx"), ("note", "CANARYNOTEqzx")],
    );
    s.respondent = Some("CANARYCODEqzx".into());
    s.instrument_id = "CANARYINSTRUMENTqzx".into();
    v.save_final(&s).unwrap();
    let mut d = submission(m.id, &[("q1", "CANARYDRAFTqzx")]);
    d.instrument_id = "CANARYDRAFTINSTRUMENTqzx".into();
    v.save_draft(&d).unwrap();
    v.mark_held(m.id).unwrap();
    let c = v.create_meeting(new).unwrap();
    v.cancel_meeting(c.id, "CANARYREASONqzx").unwrap();
    v.set_setting("device_token", "CANARYTOKENqzx").unwrap();
    v.save_outreach(&Outreach {
        period: "CANARYPERIODqzx".into(),
        page_likes: 1,
        ..Outreach::default()
    })
    .unwrap();

    // The WAL still holds the freshly written pages: check before any checkpoint.
    assert!(dir.path().join(format!("{FILE_NAME}-wal")).exists());
    assert_nowhere_in_files(dir.path(), CANARIES, "with the vault open");
    assert_no_clear_time_or_instrument(dir.path());

    // The data really is there, under the key.
    let input = v.report_input().unwrap();
    assert!(input.submissions[0]
        .answers
        .values()
        .any(|a| *a == AnswerValue::Text("CANARYANSWERqzx".into())));
    let names: Vec<_> = v.slots().unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["CANARYSLOTqzx", "recovery", "CANARYSLOTTWOqzx"]);

    drop(v);
    assert_nowhere_in_files(dir.path(), CANARIES, "after closing");
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    assert_eq!(v.unlocked_slot(), "CANARYSLOTqzx");
    assert_eq!(v.participants().unwrap()[0].name, "CANARYNAMEqzx");
    v.finalize(d.id).unwrap();
    drop(v);
    assert_nowhere_in_files(dir.path(), CANARIES, "after finalizing the draft");
}

/// Every string `fill_vault` stored that must not be in clear: its TEXT, each answer and
/// each instrument id of its submission and draft.
fn secrets_of(text: &str, subs: &[&Submission]) -> Vec<String> {
    let mut out = vec![text.to_string()];
    for s in subs {
        out.push(s.instrument_id.clone());
        for answer in s.answers.values() {
            if let AnswerValue::Text(t) = answer {
                out.push(t.clone());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn fill_vault_leaves_nothing_in_clear() {
    const TEXT: &str = "CANARYFILLqzx";
    let dir = tempfile::tempdir().unwrap();
    let v = fill_vault::open_or_create(dir.path(), Some(TEXT), "the example's passphrase").unwrap();
    assert_eq!(v.unlocked_slot(), TEXT, "the key slot is named TEXT");
    let filled = fill_vault::fill(&v, TEXT).unwrap();
    let needles = secrets_of(TEXT, &[&filled.submission, &filled.draft]);
    assert!(needles.contains(&"committee_goals".to_string()));
    assert!(needles.len() >= 3, "{needles:?}");
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();

    // The draft is there, unfinished, with its TEXT answer.
    let drafts = v.unfinished_drafts().unwrap();
    assert_eq!(drafts, vec![filled.draft.clone()]);
    assert!(drafts[0]
        .answers
        .values()
        .all(|a| *a == AnswerValue::Text(TEXT.into())));
    // A scan finds what is in clear: the example's meeting id is a clear column.
    assert!(somewhere_in_files(
        dir.path(),
        &filled.submission.meeting_id.to_string()
    ));

    assert!(dir.path().join(format!("{FILE_NAME}-wal")).exists());
    assert_nowhere_in_files(dir.path(), &needles, "after filling, the vault open");
    drop(v);
    assert_nowhere_in_files(dir.path(), &needles, "after filling and closing");
    assert_no_clear_time_or_instrument(dir.path());

    // Filling again (the vault exists: it is opened) adds to it, still nothing in clear.
    let v = fill_vault::open_or_create(dir.path(), Some(TEXT), "the example's passphrase").unwrap();
    fill_vault::fill(&v, TEXT).unwrap();
    assert_eq!(v.unfinished_drafts().unwrap().len(), 2);
    assert_nowhere_in_files(dir.path(), &needles, "after filling twice");
    assert!(
        fill_vault::open_or_create(dir.path(), None, "not the passphrase").is_err(),
        "a wrong passphrase opens nothing"
    );
}
