//! A carer the office forgot: applied on the tablet from the ids of the records that held
//! the code. Nothing of it is left in any row of any table, decrypted, nor in the files'
//! bytes; the figures that never needed the code stay as they were.

mod common;

use campo_core::catalog::Catalog;
use campo_core::consent::{ConsentScope, InformationSheet};
use campo_core::erasure::erase_in_text;
use campo_core::report::{compute, Targets};
use campo_core::{AnswerValue, Attendance, Meeting, Participant, Phase, Submission, Text};
use campo_store::{RecordData, TextSetting, Vault};
use common::*;
use uuid::Uuid;

const CODE: &str = "ZQ-4417-CARER";
const NAME: &str = "Ottavia Quintilia";
const CONTACT: &str = "347 5550199";
const OTHER: &str = "C-002";
/// A setting of free text the caller names as such (campo-sync's review notes in the
/// app), scrubbed by the hook the caller gives.
const NOTES: &str = "test_notes";

fn scrub_notes(value: &str, code: &str) -> Option<String> {
    let mut v = value.to_string();
    erase_in_text(&mut v, code).then_some(v)
}

const TEXT_SETTINGS: [TextSetting; 1] = [TextSetting {
    key: NOTES,
    scrub: scrub_notes,
}];

fn quiz(meeting: Uuid, who: &str, phase: Phase, answers: [&str; 3]) -> Submission {
    let mut s = submission(
        meeting,
        &[("q1", answers[0]), ("q2", answers[1]), ("q3", answers[2])],
    );
    s.instrument_id = "quiz_carer_wellbeing".into();
    s.respondent = Some(who.into());
    s.phase = Some(phase);
    s
}

fn everything(v: &Vault) -> Vec<String> {
    v.decrypted_cells()
        .unwrap()
        .into_iter()
        .map(|c| c.text)
        .collect()
}

fn holds(v: &Vault, needle: &str) -> bool {
    everything(v).iter().any(|t| t.contains(needle))
}

fn totals(v: &Vault) -> Vec<(Uuid, u32)> {
    v.meetings()
        .unwrap()
        .into_iter()
        .map(|m| (m.id, m.attendance.total()))
        .collect()
}

fn pairs(v: &Vault) -> u64 {
    let report = compute(
        &v.own_report_input().unwrap(),
        &Catalog::builtin(),
        &Targets::default(),
    );
    report.training.gain.n
}

#[test]
fn a_forgotten_carer_leaves_nothing_in_the_vault() {
    let (dir, v) = new_vault();
    v.set_information_sheet(Some(&InformationSheet {
        version: "2026-01".into(),
        text: Text::new("Scheda", "Sheet"),
    }))
    .unwrap();
    for (code, name) in [(CODE, NAME), (OTHER, "Luca Verdi")] {
        v.add_participant(&Participant {
            code: code.into(),
            name: name.into(),
            contact: Some(CONTACT.into()),
        })
        .unwrap();
        v.record_consent(code, &[ConsentScope::Questionnaires], None)
            .unwrap();
    }
    // The roster entry's first revision reached the server, the second waits.
    let roster_revisions: Vec<(Uuid, u32)> = v
        .pending(100)
        .unwrap()
        .into_iter()
        .filter(|p| matches!(&p.data, RecordData::Participant { participant, .. } if participant.code == CODE))
        .map(|p| (p.id, p.revision))
        .collect();
    assert_eq!(roster_revisions.len(), 2);
    v.mark_acknowledged(&roster_revisions[..1]).unwrap();
    let roster_id = roster_revisions[0].0;

    // Two held courses listing the code, over several revisions; one's topic names it.
    let mut meetings = Vec::new();
    for (day, topic) in [(3, "Memoria"), (10, &*format!("Ripasso con {CODE}"))] {
        let m = v
            .create_meeting(new_meeting("Sala civica", topic, day))
            .unwrap();
        v.set_attendance(
            m.id,
            Attendance {
                participants: vec![CODE.into(), OTHER.into()],
                anonymous: 2,
                roles: None,
            },
        )
        .unwrap();
        v.mark_held(m.id).unwrap();
        meetings.push(m.id);
    }
    // Another tablet's meeting, pulled, listing the code too.
    let remote = Meeting {
        attendance: Attendance {
            participants: vec![CODE.into()],
            anonymous: 0,
            roles: None,
        },
        ..v.meeting(meetings[0]).unwrap().unwrap().meeting
    };
    let remote = Meeting {
        id: Uuid::new_v4(),
        revision: 4,
        ..remote
    };
    v.put_remote_meeting(&remote).unwrap();
    // Pre and post quizzes of both carers; a draft of the forgotten one.
    let pre = quiz(meetings[0], CODE, Phase::Pre, ["a", "a", "b"]);
    for s in [
        pre.clone(),
        quiz(meetings[0], CODE, Phase::Post, ["b", "c", "a"]),
        quiz(meetings[0], OTHER, Phase::Pre, ["a", "c", "a"]),
        quiz(meetings[0], OTHER, Phase::Post, ["b", "c", "a"]),
    ] {
        v.save_final(&s).unwrap();
    }
    v.save_draft(&quiz(meetings[1], CODE, Phase::Pre, ["a", "", ""]))
        .unwrap();
    // Another tablet's barrier form whose description names the code.
    let barrier = Catalog::builtin().latest("barrier_log").unwrap().clone();
    let mut form = submission(
        meetings[1],
        &[("what_happened", &format!("{CODE} non è venuta"))],
    );
    form.instrument_id = barrier.id.clone();
    form.instrument_version = barrier.version;
    v.put_remote_submission(&form).unwrap();
    v.set_setting(NOTES, &format!("Rifare con {CODE}, per favore"))
        .unwrap();

    assert!(
        holds(&v, CODE) && holds(&v, NAME) && holds(&v, CONTACT),
        "the scan finds what is there"
    );
    let before_totals = totals(&v);
    assert_eq!(pairs(&v), 2);

    // Neither an unknown record nor a meeting (whose attendance lists many codes) teaches
    // the code: nothing changes.
    let files = vault_files(dir.path());
    for ids in [vec![Uuid::new_v4()], meetings.clone(), vec![]] {
        let done = v.apply_erasures(&[&ids], &TEXT_SETTINGS).unwrap();
        assert!(!done.applied());
        assert_eq!(done.erasures, 0);
    }
    assert_eq!(vault_files(dir.path()), files, "not a byte changed");

    // With another erasure on the same page that names nothing held here.
    let named: [&[Uuid]; 2] = [&[roster_id, pre.id, Uuid::new_v4()], &[Uuid::new_v4()]];
    let done = v.apply_erasures(&named, &TEXT_SETTINGS).unwrap();
    assert!(done.applied());
    assert_eq!((done.erasures, done.codes), (1, 1));
    assert_eq!(done.roster_revisions, 2, "the entry and its consent step");
    assert_eq!(done.settings_scrubbed, 1);
    // The revisions listing the code (2 + 2), the first revision of the course whose topic
    // names it, the remote meeting, 2 quizzes, the draft, the barrier form.
    assert_eq!(done.revisions_scrubbed, 10);

    let cells = v.decrypted_cells().unwrap();
    for c in &cells {
        for needle in [CODE, NAME] {
            assert!(
                !c.text.contains(needle),
                "{needle} in {}.{}",
                c.table,
                c.column
            );
        }
        // Every body was opened, so the scan read what it says it read.
        if ["records", "settings", "instruments"].contains(&c.table.as_str()) {
            assert!(!c.opaque, "{}.{} not opened", c.table, c.column);
        }
    }
    assert!(
        cells.iter().any(|c| c.table == "records"),
        "the scan saw the records"
    );
    assert_nowhere_in_files(dir.path(), &[CODE, NAME], "after the erasure");
    let wal = dir.path().join(format!("{}-wal", campo_store::FILE_NAME));
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);

    // The counts that never needed the code stay; the pair that needed it is gone.
    assert_eq!(totals(&v), before_totals);
    assert_eq!(pairs(&v), 1);
    // The roster no longer lists the carer, nor does the outbox hold anything of theirs.
    let roster: Vec<String> = v
        .participants()
        .unwrap()
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(roster, [OTHER]);
    assert!(v.pending(1000).unwrap().iter().all(|p| p.id != roster_id));
    assert!(v.consent_history(CODE).is_err());
    // The draft stays, without its respondent; the other carer is untouched.
    let drafts = v.unfinished_drafts().unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].respondent, None);
    assert_eq!(v.consent_history(OTHER).unwrap().len(), 1);
    assert_eq!(
        v.setting(NOTES).unwrap().unwrap(),
        "Rifare con […], per favore"
    );
    let form = v.submission(form.id).unwrap().unwrap();
    assert_eq!(
        form.answers["what_happened"],
        AnswerValue::Text("[…] non è venuta".into())
    );

    // Pulled again, the same erasure names nothing held any more.
    let files = vault_files(dir.path());
    assert!(!v
        .apply_erasures(&[&[roster_id, pre.id]], &TEXT_SETTINGS)
        .unwrap()
        .applied());
    assert_eq!(vault_files(dir.path()), files);
}
