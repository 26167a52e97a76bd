//! The outbox: every write queued in the same transaction, read in write order,
//! acknowledged per (id, revision).

mod common;

use campo_core::{Attendance, Participant};
use campo_store::{RecordData, Vault};
use common::*;

#[test]
fn pending_in_write_order_and_ack_per_revision() {
    let (dir, v) = new_vault();
    assert_eq!(v.pending_count().unwrap(), 0);
    v.add_participant(&Participant {
        code: "C01".into(),
        name: "Maria".into(),
        contact: None,
    })
    .unwrap();
    let m = v.create_meeting(new_meeting("Sala", "Topic", 3)).unwrap();
    let s = submission(m.id, &[("q1", "yes")]);
    v.save_final(&s).unwrap();
    v.set_attendance(
        m.id,
        Attendance {
            participants: vec!["C01".into()],
            anonymous: 0,
            roles: None,
        },
    )
    .unwrap();

    let pending = v.pending(10).unwrap();
    let kinds: Vec<_> = pending
        .iter()
        .map(|p| match &p.data {
            RecordData::Participant { .. } => "participant",
            RecordData::Meeting(_) => "meeting",
            RecordData::Submission(_) => "submission",
            RecordData::Outreach(_) => "outreach",
        })
        .collect();
    assert_eq!(kinds, ["participant", "meeting", "submission", "meeting"]);
    assert_eq!((pending[1].id, pending[1].revision), (m.id, 1));
    assert_eq!((pending[3].id, pending[3].revision), (m.id, 2));
    assert!(matches!(&pending[2].data, RecordData::Submission(x) if *x == s));
    assert_eq!(v.pending(2).unwrap(), pending[..2].to_vec());

    // The sync read revision 2; the meeting is edited again before the ack arrives.
    v.mark_held(m.id).unwrap();
    let acked: Vec<_> = pending.iter().map(|p| (p.id, p.revision)).collect();
    v.mark_acknowledged(&acked).unwrap();
    v.mark_acknowledged(&acked).unwrap(); // a repeated ack is harmless
    let left = v.pending(10).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!((left[0].id, left[0].revision), (m.id, 3));
    assert!(matches!(&left[0].data, RecordData::Meeting(x) if x.is_held()));

    // Acknowledgements survive a reopen.
    drop(v);
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    assert_eq!(v.pending_count().unwrap(), 1);
    v.mark_acknowledged(&[(m.id, 3), (uuid::Uuid::now_v7(), 1)])
        .unwrap();
    assert_eq!(v.pending_count().unwrap(), 0);
    assert!(v.pending(10).unwrap().is_empty());
}

#[test]
fn drafts_settings_and_instruments_are_not_sent() {
    let (_dir, v) = new_vault();
    let m = v.create_meeting(new_meeting("Sala", "Topic", 3)).unwrap();
    v.mark_acknowledged(&[(m.id, 1)]).unwrap();
    v.save_draft(&submission(m.id, &[("q1", "draft")])).unwrap();
    v.set_setting("language", "it").unwrap();
    assert_eq!(v.pending_count().unwrap(), 0);
}
