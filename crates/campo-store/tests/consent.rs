//! A carer's consent on the roster, the project's information sheet, and the gate they
//! make for coded questionnaires.

mod common;

use campo_core::consent::{ConsentEvent, ConsentScope, InformationSheet};
use campo_core::{Attendance, Participant, Text};
use campo_store::{RecordData, StoreError, Vault};
use chrono::{Days, Local, NaiveDate};
use common::*;
use ConsentScope::{Contact, Questionnaires};

fn sheet(version: &str) -> InformationSheet {
    InformationSheet {
        version: version.into(),
        text: Text::new("Scheda informativa", "Information sheet"),
    }
}

fn carer(code: &str, name: &str) -> Participant {
    Participant {
        code: code.into(),
        name: name.into(),
        contact: Some("333 1234567".into()),
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn code_of(e: &StoreError) -> &'static str {
    e.code()
}

/// The consent histories the outbox would send, by code, in write order.
fn pending_histories(v: &Vault, code: &str) -> Vec<Vec<ConsentEvent>> {
    v.pending(1000)
        .unwrap()
        .into_iter()
        .filter_map(|p| match p.data {
            RecordData::Participant {
                participant,
                consent,
            } if participant.code == code => Some(consent),
            _ => None,
        })
        .collect()
}

#[test]
fn consent_needs_the_projects_sheet_and_keeps_the_rules_of_a_history() {
    let (_dir, v) = new_vault();
    v.add_participant(&carer("C01", "Maria Rossi")).unwrap();
    let pending = v.pending_count().unwrap();

    // No sheet: nothing can be recorded (a consent names the sheet's version).
    let e = v
        .record_consent("C01", &[Questionnaires], None)
        .unwrap_err();
    assert!(matches!(e, StoreError::NoInformationSheet), "{e:?}");
    assert_eq!(code_of(&e), "no_information_sheet");
    assert_eq!(v.pending_count().unwrap(), pending);

    // A sheet that breaks its rules is refused and changes nothing.
    let mut bad = sheet("v1");
    bad.text.en = " ".into();
    let e = v.set_information_sheet(Some(&bad)).unwrap_err();
    assert_eq!(code_of(&e), "information_sheet_invalid");
    assert_eq!(v.information_sheet().unwrap(), None);

    assert!(v.set_information_sheet(Some(&sheet("2026-01"))).unwrap());
    assert!(
        !v.set_information_sheet(Some(&sheet("2026-01"))).unwrap(),
        "the same sheet again"
    );
    assert_eq!(v.information_sheet().unwrap(), Some(sheet("2026-01")));

    let given = v
        .record_consent("C01", &[Questionnaires, Contact], Some(day(2)))
        .unwrap();
    assert_eq!(
        given,
        ConsentEvent::Given {
            date: day(2),
            sheet_version: "2026-01".into(),
            covers: vec![Questionnaires, Contact],
        }
    );
    // A new roster revision, queued with the history (the name never goes: campo-sync).
    assert_eq!(v.pending_count().unwrap(), pending + 1);
    assert_eq!(
        pending_histories(&v, "C01").last().unwrap(),
        &vec![given.clone()]
    );

    // Refusals change nothing: a later date only, never after today, something covered
    // once each, a carer on the roster.
    let before = v.consent_history("C01").unwrap();
    let tomorrow = Local::now()
        .date_naive()
        .checked_add_days(Days::new(1))
        .unwrap();
    for (result, code) in [
        (
            v.record_consent("C01", &[Contact], Some(day(1))),
            "consent_date_order",
        ),
        (
            v.record_consent("C01", &[Contact], Some(tomorrow)),
            "consent_in_future",
        ),
        (v.record_consent("C01", &[], None), "consent_covers_nothing"),
        (
            v.record_consent("C01", &[Contact, Contact], None),
            "consent_covers_nothing",
        ),
        (
            v.record_consent("C99", &[Contact], None),
            "participant_not_found",
        ),
        (
            v.withdraw_consent("C01", Some(day(1))),
            "consent_date_order",
        ),
    ] {
        assert_eq!(code_of(&result.unwrap_err()), code);
    }
    assert_eq!(v.consent_history("C01").unwrap(), before);
    assert_eq!(v.pending_count().unwrap(), pending + 1);

    // A correction of the name keeps the history; so does a removal and a return.
    v.update_participant(&carer("C01", "Maria Bianchi"))
        .unwrap();
    assert_eq!(v.consent_history("C01").unwrap(), before);
    v.remove_participant("C01").unwrap();
    v.add_participant(&carer("C01", "Maria Bianchi")).unwrap();
    assert_eq!(v.consent_history("C01").unwrap(), before);

    // Withdrawn today; again is refused. A withdrawal needs no sheet.
    v.set_information_sheet(None).unwrap();
    assert_eq!(v.information_sheet().unwrap(), None);
    let withdrawn = v.withdraw_consent("C01", None).unwrap();
    assert_eq!(
        withdrawn,
        ConsentEvent::Withdrawn {
            date: Local::now().date_naive()
        }
    );
    assert_eq!(
        code_of(&v.withdraw_consent("C01", None).unwrap_err()),
        "no_consent_to_withdraw"
    );
    assert_eq!(
        v.consent_history("C01").unwrap(),
        vec![given, withdrawn.clone()]
    );
    let carers = v.roster_carers().unwrap();
    assert_eq!(carers[0].consent.last(), Some(&withdrawn));
    assert_eq!(carers[0].participant.name, "Maria Bianchi");
}

#[test]
fn the_roster_file_carries_consent_to_a_new_tablet() {
    let (_a, old) = new_vault();
    old.set_information_sheet(Some(&sheet("v2"))).unwrap();
    old.add_participant(&carer("C01", "Maria")).unwrap();
    old.add_participant(&carer("C02", "Luca")).unwrap();
    old.record_consent("C01", &[Questionnaires], Some(day(3)))
        .unwrap();
    let history = old.consent_history("C01").unwrap();
    let (file, pass) = old.export_roster().unwrap();

    let (_b, new) = new_vault();
    // Consent recorded here stands over the file's, whose name for the code is taken.
    new.set_information_sheet(Some(&sheet("v2"))).unwrap();
    new.add_participant(&carer("C02", "Luca V.")).unwrap();
    new.record_consent("C02", &[Contact], Some(day(5))).unwrap();
    let here = new.consent_history("C02").unwrap();
    let counts = new.import_roster(&file, pass.as_str()).unwrap();
    assert_eq!((counts.added, counts.updated), (1, 1));
    assert_eq!(new.consent_history("C01").unwrap(), history);
    assert_eq!(new.consent_history("C02").unwrap(), here);
    assert_eq!(new.roster_carers().unwrap()[1].participant.name, "Luca");
    assert_eq!(pending_histories(&new, "C01"), vec![history]);
}

#[test]
fn coded_questionnaires_need_consent_while_the_project_has_a_sheet() {
    let (_dir, v) = new_vault();
    v.add_participant(&carer("C01", "Maria")).unwrap();
    let m = v.create_meeting(new_meeting("Sala", "Tema", 3)).unwrap();
    let coded = |respondent: &str| {
        let mut s = submission(m.id, &[("q1", "b")]);
        s.instrument_id = "quiz_carer_wellbeing".into();
        s.respondent = Some(respondent.into());
        s
    };

    // Without a sheet no consent is required.
    let early = coded("C01");
    v.save_final(&early).unwrap();

    v.set_information_sheet(Some(&sheet("v1"))).unwrap();
    let pending = v.pending_count().unwrap();
    let s = coded("C01");
    for e in [v.save_draft(&s).unwrap_err(), v.save_final(&s).unwrap_err()] {
        assert!(
            matches!(&e, StoreError::ConsentMissing(c) if c == "C01"),
            "{e:?}"
        );
        assert_eq!(code_of(&e), "consent_missing");
        assert!(!e.to_string().contains("C01"), "the message names no one");
    }
    assert!(v.unfinished_drafts().unwrap().is_empty(), "nothing saved");
    assert_eq!(v.pending_count().unwrap(), pending);
    // Not a carer of the roster: no consent either.
    assert_eq!(
        code_of(&v.save_draft(&coded("C77")).unwrap_err()),
        "consent_missing"
    );

    // Anonymous answers, attendance (the anonymous count too) need none.
    v.save_final(&submission(m.id, &[("q1", "4")])).unwrap();
    v.set_attendance(
        m.id,
        Attendance {
            participants: vec!["C01".into()],
            anonymous: 3,
            roles: None,
        },
    )
    .unwrap();

    // Consent for contact only does not cover questionnaires.
    v.record_consent("C01", &[Contact], Some(day(1))).unwrap();
    assert_eq!(code_of(&v.save_draft(&s).unwrap_err()), "consent_missing");
    v.record_consent("C01", &[Questionnaires], Some(day(2)))
        .unwrap();
    v.save_draft(&s).unwrap();

    // Withdrawn: the draft started before keeps its answers but is not finished, and
    // nothing new starts; a correction of a submission made before is refused too.
    v.withdraw_consent("C01", Some(day(3))).unwrap();
    let mut more = s.clone();
    more.answers
        .insert("q2".into(), campo_core::AnswerValue::Text("c".into()));
    v.save_draft(&more).unwrap();
    assert_eq!(code_of(&v.finalize(s.id).unwrap_err()), "consent_missing");
    assert_eq!(
        code_of(&v.save_draft(&coded("C01")).unwrap_err()),
        "consent_missing"
    );
    let mut correction = coded("C01");
    correction.replaces = Some(early.id);
    assert_eq!(
        code_of(&v.save_correction(&correction).unwrap_err()),
        "consent_missing"
    );
    assert_eq!(v.unfinished_drafts().unwrap(), vec![more]);

    // Given again: the draft is finished.
    v.record_consent("C01", &[Questionnaires], Some(day(4)))
        .unwrap();
    v.finalize(s.id).unwrap();
    v.save_correction(&correction).unwrap();

    // A removed carer's consent no longer opens anything.
    v.remove_participant("C01").unwrap();
    assert_eq!(
        code_of(&v.save_final(&coded("C01")).unwrap_err()),
        "consent_missing"
    );
    // Nor does a project without a sheet require any.
    v.set_information_sheet(None).unwrap();
    v.save_final(&coded("C01")).unwrap();
}
