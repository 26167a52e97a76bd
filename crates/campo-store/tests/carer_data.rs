//! A carer's right of access on the tablet: everything held under their code.

mod common;

use campo_core::consent::{ConsentScope, InformationSheet};
use campo_core::{Attendance, Meeting, Participant, Phase, Text};
use campo_store::StoreError;
use common::*;
use uuid::Uuid;

#[test]
fn everything_held_under_a_code() {
    let (_dir, v) = new_vault();
    v.set_information_sheet(Some(&InformationSheet {
        version: "v1".into(),
        text: Text::new("Scheda", "Sheet"),
    }))
    .unwrap();
    let maria = Participant {
        code: "C01".into(),
        name: "Maria Rossi".into(),
        contact: Some("333 1234567".into()),
    };
    v.add_participant(&maria).unwrap();
    v.add_participant(&Participant {
        code: "C02".into(),
        name: "Luca".into(),
        contact: None,
    })
    .unwrap();
    let given = v
        .record_consent("C01", &[ConsentScope::Questionnaires], None)
        .unwrap();
    v.record_consent("C02", &[ConsentScope::Questionnaires], None)
        .unwrap();
    let attend = |day, codes: &[&str]| -> Meeting {
        let m = v.create_meeting(new_meeting("Sala", "Tema", day)).unwrap();
        v.set_attendance(
            m.id,
            Attendance {
                participants: codes.iter().map(|c| c.to_string()).collect(),
                anonymous: 1,
                roles: None,
            },
        )
        .unwrap()
    };
    let late = attend(9, &["C01", "C02"]);
    let early = attend(2, &["C01"]);
    let without = attend(5, &["C02"]);
    let coded = |meeting: Uuid, who: &str| {
        let mut s = submission(meeting, &[("q1", "b")]);
        s.instrument_id = "quiz_carer_wellbeing".into();
        s.respondent = Some(who.into());
        s.phase = Some(Phase::Pre);
        s
    };
    let mine = coded(early.id, "C01");
    v.save_final(&mine).unwrap();
    v.save_final(&coded(early.id, "C02")).unwrap();
    let draft = coded(late.id, "C01");
    v.save_draft(&draft).unwrap();
    v.save_final(&submission(early.id, &[("q1", "4")])).unwrap();

    let held = v.carer_records("C01").unwrap();
    assert_eq!(held.code, "C01");
    assert_eq!(held.participant, Some(maria));
    assert_eq!(held.consent, vec![given.clone()]);
    let ids: Vec<Uuid> = held.attendances.iter().map(|m| m.id).collect();
    assert_eq!(ids, [early.id, late.id], "by date, and only where listed");
    assert!(!ids.contains(&without.id));
    assert_eq!(held.submissions, vec![mine]);
    assert_eq!(held.drafts, vec![draft]);

    // Removed from the roster: the name and contact are gone, the rest is still held.
    v.remove_participant("C01").unwrap();
    let held = v.carer_records("C01").unwrap();
    assert_eq!(held.participant, None);
    assert_eq!(held.consent, vec![given]);
    assert_eq!(held.submissions.len(), 1);

    assert!(matches!(
        v.carer_records("C99"),
        Err(StoreError::ParticipantNotFound(c)) if c == "C99"
    ));
}
