//! Nothing a carer or facilitator typed may be readable from the vault's files: the
//! database, its -wal and its -shm, checked both while the WAL still holds the pages and
//! after the vault is closed and checkpointed.

mod common;

use campo_core::{Attendance, Outreach, Participant};
use campo_store::{Vault, FILE_NAME};
use common::*;
use std::path::Path;

const CANARIES: &[&str] = &[
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
];

fn assert_clean(dir: &Path, when: &str) {
    let mut checked = 0;
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.join(format!("{FILE_NAME}{suffix}"));
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        checked += 1;
        for canary in CANARIES {
            // Also as UTF-16, in case anything ever stored text that way.
            let utf16: Vec<u8> = canary
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes())
                .collect();
            for needle in [canary.as_bytes(), &utf16[..]] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{canary} found in {} {when}",
                    path.display()
                );
            }
        }
    }
    assert!(checked >= 1, "no vault file found");
}

#[test]
fn no_canary_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let (v, _) = create(dir.path());
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
        },
    )
    .unwrap();
    let mut s = submission(
        m.id,
        &[("q1", "CANARYANSWERqzx"), ("note", "CANARYNOTEqzx")],
    );
    s.respondent = Some("CANARYCODEqzx".into());
    v.save_final(&s).unwrap();
    let d = submission(m.id, &[("q1", "CANARYDRAFTqzx")]);
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
    assert_clean(dir.path(), "with the vault open");

    // The data really is there, under the key.
    let input = v.report_input().unwrap();
    assert!(input.submissions[0]
        .answers
        .values()
        .any(|a| *a == campo_core::AnswerValue::Text("CANARYANSWERqzx".into())));

    drop(v);
    assert_clean(dir.path(), "after closing");
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    assert_eq!(v.participants().unwrap()[0].name, "CANARYNAMEqzx");
    v.finalize(d.id).unwrap();
    drop(v);
    assert_clean(dir.path(), "after finalizing the draft");
}
