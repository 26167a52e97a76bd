//! The entities the app stores: roster, meetings with revisions, drafts and finals,
//! outreach, settings, instruments and the report input, read back from a reopened file.

mod common;

use campo_core::catalog::Catalog;
use campo_core::{Attendance, MeetingStatus, Outreach, Participant};
use campo_store::{StoreError, Vault};
use common::*;

#[test]
fn meetings_keep_every_revision_and_list_current_ones_by_date() {
    let (dir, v) = new_vault();
    let later = v
        .create_meeting(new_meeting("Sala civica", "Stress", 20))
        .unwrap();
    let earlier = v
        .create_meeting(new_meeting("Biblioteca", "Memoria", 5))
        .unwrap();
    assert_eq!(
        (later.revision, later.status.clone()),
        (1, MeetingStatus::Planned)
    );

    let att = Attendance {
        participants: vec!["C01".into(), "C02".into()],
        anonymous: 3,
        roles: None,
    };
    let m = v.set_attendance(later.id, att.clone()).unwrap();
    assert_eq!((m.revision, &m.attendance), (2, &att));
    let m = v.mark_held(later.id).unwrap();
    assert_eq!((m.revision, m.is_held()), (3, true));
    let c = v.cancel_meeting(earlier.id, "Neve sulla strada").unwrap();
    assert_eq!(
        c.status,
        MeetingStatus::Cancelled {
            reason: "Neve sulla strada".into()
        }
    );

    let mut edit = m.clone();
    edit.topic = "Stress e riposo".into();
    let edited = v.update_meeting(&edit).unwrap();
    assert_eq!(edited.revision, 4);
    // Editing from a stale revision would undo the edit above: refused, nothing stored.
    let stale = v.update_meeting(&m).unwrap_err();
    assert!(
        matches!(
            stale,
            StoreError::StaleRevision {
                given: 3,
                current: 4,
                ..
            }
        ),
        "{stale}"
    );
    assert!(matches!(
        v.mark_held(uuid::Uuid::now_v7()),
        Err(StoreError::MeetingNotFound(_))
    ));

    drop(v);
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    let list = v.meetings().unwrap();
    assert_eq!(
        list.iter().map(|m| (m.id, m.revision)).collect::<Vec<_>>(),
        vec![(earlier.id, 2), (later.id, 4)]
    );
    assert_eq!(list[1].topic, "Stress e riposo");
    assert_eq!(list[1].attendance, att);
    assert!(list[1].is_held());
}

#[test]
fn drafts_then_finals_and_corrections() {
    let (_dir, v) = new_vault();
    let m = v.create_meeting(new_meeting("Sala", "Topic", 1)).unwrap();
    let mut s = submission(m.id, &[("q1", "first try")]);
    v.save_draft(&s).unwrap();
    s.answers.insert(
        "q1".into(),
        campo_core::AnswerValue::Text("second try".into()),
    );
    v.save_draft(&s).unwrap();
    let before = v.pending_count().unwrap();
    let detail = v.meeting(m.id).unwrap().unwrap();
    assert!(detail.submissions.is_empty());
    assert_eq!(detail.drafts, vec![s.clone()]);
    assert!(
        v.report_input().unwrap().submissions.is_empty(),
        "drafts never count"
    );

    v.finalize(s.id).unwrap();
    assert_eq!(v.pending_count().unwrap(), before + 1);
    let detail = v.meeting(m.id).unwrap().unwrap();
    assert_eq!(detail.submissions, vec![s.clone()]);
    assert!(detail.drafts.is_empty());

    // A final submission is immutable.
    assert!(matches!(v.finalize(s.id), Err(StoreError::SubmissionFinal(id)) if id == s.id));
    assert!(matches!(
        v.save_final(&s),
        Err(StoreError::SubmissionFinal(_))
    ));
    assert!(matches!(
        v.save_draft(&s),
        Err(StoreError::SubmissionFinal(_))
    ));
    assert!(matches!(
        v.finalize(uuid::Uuid::now_v7()),
        Err(StoreError::SubmissionNotFound(_))
    ));
    assert_eq!(v.submission(s.id).unwrap().unwrap(), s);

    // A correction is a new submission naming the one it replaces.
    let mut fix = submission(m.id, &[("q1", "corrected")]);
    fix.replaces = Some(s.id);
    v.save_final(&fix).unwrap();
    let input = v.report_input().unwrap();
    assert_eq!(input.submissions.len(), 2);
    assert!(input.submissions.contains(&fix));
    assert_eq!(v.meeting(m.id).unwrap().unwrap().submissions.len(), 2);
}

#[test]
fn roster_outreach_settings_and_instruments() {
    let (dir, v) = new_vault();
    let p = Participant {
        code: "C07".into(),
        name: "Maria Rossi".into(),
        contact: Some("333 1234567".into()),
    };
    v.add_participant(&p).unwrap();
    v.add_participant(&Participant {
        code: "C02".into(),
        name: "Luca".into(),
        contact: None,
    })
    .unwrap();
    let n = v.pending_count().unwrap();
    v.add_participant(&p).unwrap(); // same entry again: nothing new to send
    assert_eq!(v.pending_count().unwrap(), n);
    let renamed = Participant {
        name: "Maria Bianchi".into(),
        ..p.clone()
    };
    v.add_participant(&renamed).unwrap();
    assert_eq!(v.pending_count().unwrap(), n + 1);

    let o = Outreach {
        period: "2026-03".into(),
        page_likes: 10,
        site_visits: 200,
        downloads: 3,
        new_patients_informed: 4,
    };
    v.save_outreach(&o).unwrap();
    v.save_outreach(&Outreach {
        page_likes: 12,
        ..o.clone()
    })
    .unwrap();

    assert_eq!(v.setting("server_url").unwrap(), None);
    v.set_setting("server_url", "http://127.0.0.1:8080")
        .unwrap();
    v.set_setting("server_url", "http://127.0.0.1:9090")
        .unwrap();

    let catalog = Catalog::builtin();
    let inst = catalog.all().next().unwrap().clone();
    v.put_instrument(&inst).unwrap();
    v.put_instrument(&inst).unwrap();
    let mut broken = inst.clone();
    broken.items.clear();
    assert!(matches!(
        v.put_instrument(&broken),
        Err(StoreError::InvalidInstrument(_))
    ));

    drop(v);
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    let codes: Vec<_> = v
        .participants()
        .unwrap()
        .into_iter()
        .map(|p| (p.code, p.name))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("C02".into(), "Luca".into()),
            ("C07".into(), "Maria Bianchi".into())
        ]
    );
    assert_eq!(
        v.outreach().unwrap(),
        vec![Outreach {
            page_likes: 12,
            ..o
        }]
    );
    assert_eq!(v.report_input().unwrap().outreach.len(), 1);
    assert_eq!(
        v.setting("server_url").unwrap().as_deref(),
        Some("http://127.0.0.1:9090")
    );
    assert_eq!(v.instruments().unwrap(), vec![inst]);
}

#[test]
fn remote_meetings_count_in_the_report_but_are_never_sent() {
    let (_dir, v) = new_vault();
    let other = v
        .create_meeting(new_meeting("Altrove", "Remote", 2))
        .unwrap();
    // Pretend it came from another device: a different id, revisions 1 and 2.
    let mut remote = other.clone();
    remote.id = campo_store::new_record_id();
    remote.topic = "From the other tablet".into();
    v.mark_acknowledged(&[(other.id, 1)]).unwrap();
    let before = v.pending_count().unwrap();
    v.put_remote_meeting(&remote).unwrap();
    let mut r2 = remote.clone();
    r2.revision = 2;
    r2.status = MeetingStatus::Held;
    v.put_remote_meeting(&r2).unwrap();
    v.put_remote_meeting(&remote).unwrap(); // pulled again: harmless
    assert_eq!(v.pending_count().unwrap(), before);
    let input = v.report_input().unwrap();
    assert_eq!(input.meetings.len(), 2);
    assert!(input.meetings.contains(&r2));
    let detail = v.meeting(remote.id).unwrap().unwrap();
    assert_eq!(detail.meeting, r2);
    assert!(detail.remote);
    assert!(!v.meeting(other.id).unwrap().unwrap().remote);
}

#[test]
fn create_refuses_an_existing_vault_and_short_passphrases() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!Vault::exists(dir.path()));
    assert!(matches!(
        Vault::open(dir.path()),
        Err(StoreError::NotFound(_))
    ));
    let err = Vault::create(dir.path(), "Anna", "short").err().unwrap();
    assert!(matches!(
        err,
        StoreError::WeakPassphrase(campo_store::PassphraseProblem::TooShort)
    ));
    assert_eq!(err.code(), "too_short");
    assert!(err.to_string().contains("at least 10 characters"));
    assert!(!Vault::exists(dir.path()), "a refused setup leaves no file");
    let (v, _) = create(dir.path());
    assert!(Vault::exists(dir.path()));
    let id = v.device_id();
    drop(v);
    let again =
        Vault::create_with_iterations(dir.path(), "Bruno", PASS, campo_store::MIN_ITERATIONS);
    assert!(matches!(again, Err(StoreError::AlreadyExists(_))));
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    assert_eq!(v.device_id(), id);
}

#[test]
fn save_finals_is_all_or_nothing() {
    let (_dir, v) = new_vault();
    let m = v.create_meeting(new_meeting("Sala", "Topic", 1)).unwrap();
    let a = submission(m.id, &[("q1", "a")]);
    let b = submission(m.id, &[("q1", "b")]);
    v.save_final(&b).unwrap();
    let before = v.pending_count().unwrap();
    assert!(
        matches!(v.save_finals(&[a.clone(), b.clone()]), Err(StoreError::SubmissionFinal(id)) if id == b.id)
    );
    assert_eq!(
        v.submission(a.id).unwrap(),
        None,
        "the refused batch stored nothing"
    );
    assert_eq!(v.pending_count().unwrap(), before);
    let c = submission(m.id, &[("q1", "c")]);
    v.save_finals(&[a.clone(), c.clone()]).unwrap();
    assert_eq!(v.report_input().unwrap().submissions.len(), 3);
}

#[test]
fn an_interrupted_setup_is_finished_by_create() {
    let dir = tempfile::tempdir().unwrap();
    // The file as a setup killed after the migration but before the slots' commit leaves it.
    let conn = rusqlite::Connection::open(dir.path().join(campo_store::FILE_NAME)).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA user_version=0;")
        .unwrap();
    drop(conn);
    assert!(!Vault::exists(dir.path()));
    assert!(matches!(
        Vault::open(dir.path()),
        Err(StoreError::NotFound(_))
    ));
    let (v, _) = create(dir.path());
    drop(v);
    assert!(Vault::exists(dir.path()));
    Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
}
