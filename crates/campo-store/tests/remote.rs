//! Meetings pulled from other tablets are read-only here; a newer revision from the
//! server replaces the stored copy, an older or equal one changes nothing.

mod common;

use campo_core::{Attendance, Meeting, MeetingStatus};
use campo_store::{new_record_id, StoreError, FILE_NAME};
use common::*;

fn remote_meeting(v: &campo_store::Vault, revision: u32, topic: &str) -> Meeting {
    let mut m = v
        .create_meeting(new_meeting("Altrove", "template", 12))
        .unwrap();
    m.id = new_record_id();
    m.revision = revision;
    m.topic = topic.into();
    m
}

#[test]
fn remote_meetings_are_read_only_and_follow_newer_revisions() {
    let (dir, v) = new_vault();
    let m = remote_meeting(&v, 2, "A");
    v.mark_acknowledged(
        &v.pending(10)
            .unwrap()
            .iter()
            .map(|p| (p.id, p.revision))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    v.put_remote_meeting(&m).unwrap();
    let detail = v.meeting(m.id).unwrap().unwrap();
    assert!(detail.remote);
    assert_eq!(detail.meeting, m);

    let refused = |e: StoreError| {
        assert!(
            matches!(e, StoreError::RemoteMeeting(id) if id == m.id),
            "{e}"
        );
        assert_eq!(e.code(), "remote_meeting");
    };
    let mut edit = m.clone();
    edit.topic = "edited here".into();
    refused(v.update_meeting(&edit).unwrap_err());
    refused(
        v.set_attendance(
            m.id,
            Attendance {
                participants: vec![],
                anonymous: 4,
                roles: None,
            },
        )
        .unwrap_err(),
    );
    refused(v.mark_held(m.id).unwrap_err());
    refused(v.cancel_meeting(m.id, "rain").unwrap_err());
    assert_eq!(
        v.meeting(m.id).unwrap().unwrap().meeting,
        m,
        "nothing changed"
    );
    assert_eq!(v.pending_count().unwrap(), 0, "nothing queued");

    // The owner's later revision replaces the stored copy.
    let mut newer = m.clone();
    newer.revision = 3;
    newer.topic = "B".into();
    newer.status = MeetingStatus::Held;
    v.put_remote_meeting(&newer).unwrap();
    assert_eq!(v.meeting(m.id).unwrap().unwrap().meeting, newer);
    let rows: i64 = rusqlite::Connection::open(dir.path().join(FILE_NAME))
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM records WHERE id = ?1",
            [m.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 1, "the older copy is replaced, not kept");
    // Older or equal revisions (a page pulled again) change nothing.
    let mut older = m.clone();
    older.topic = "C".into();
    v.put_remote_meeting(&older).unwrap();
    let mut equal = newer.clone();
    equal.topic = "D".into();
    v.put_remote_meeting(&equal).unwrap();
    assert_eq!(v.meeting(m.id).unwrap().unwrap().meeting, newer);
    assert_eq!(
        v.meetings()
            .unwrap()
            .iter()
            .filter(|x| x.id == m.id)
            .count(),
        1
    );
    assert_eq!(v.pending_count().unwrap(), 0);
}

#[test]
fn a_pulled_copy_never_overwrites_this_tablets_meeting() {
    let (_dir, v) = new_vault();
    let mine = v.create_meeting(new_meeting("Sala", "Mine", 3)).unwrap();
    let pending = v.pending_count().unwrap();
    let mut pulled = mine.clone();
    pulled.revision = 9;
    pulled.topic = "from the server".into();
    v.put_remote_meeting(&pulled).unwrap();
    let detail = v.meeting(mine.id).unwrap().unwrap();
    assert_eq!(detail.meeting, mine);
    assert!(!detail.remote);
    assert_eq!(v.pending_count().unwrap(), pending);
    // Still this tablet's to edit.
    assert_eq!(v.mark_held(mine.id).unwrap().revision, 2);
}

#[test]
fn this_tablets_report_input_leaves_pulled_meetings_out() {
    let (_dir, v) = new_vault();
    let mine = v.create_meeting(new_meeting("Sala", "Mine", 3)).unwrap();
    let theirs = remote_meeting(&v, 1, "Another tablet's");
    v.put_remote_meeting(&theirs).unwrap();
    let all: Vec<_> = v
        .report_input()
        .unwrap()
        .meetings
        .iter()
        .map(|m| m.id)
        .collect();
    assert!(all.contains(&mine.id) && all.contains(&theirs.id));
    let own: Vec<_> = v
        .own_report_input()
        .unwrap()
        .meetings
        .iter()
        .map(|m| m.id)
        .collect();
    assert!(own.contains(&mine.id));
    assert!(!own.contains(&theirs.id));
    assert_eq!(own.len(), all.len() - 1);
}

fn barrier_form(meeting: uuid::Uuid, cause: &str) -> campo_core::Submission {
    let mut s = submission(
        meeting,
        &[
            ("cause", cause),
            ("stage", "during"),
            ("raised_by", "carer"),
            ("effect", "none_yet"),
            ("what_happened", "segnalato al laboratorio"),
        ],
    );
    s.instrument_id = campo_core::barrier::BARRIER_LOG.into();
    s
}

#[test]
fn pulled_barriers_join_the_log_unqueued_and_stay_out_of_this_tablets_report() {
    let (_dir, v) = new_vault();
    let mine = v
        .create_meeting(new_meeting("Sala", "Workshop", 3))
        .unwrap();
    let own = barrier_form(mine.id, "mistakes");
    v.save_final(&own).unwrap();
    let theirs = remote_meeting(&v, 1, "Another tablet's workshop");
    let pending = v.pending_count().unwrap();
    v.put_remote_meeting(&theirs).unwrap();
    let mut pulled = barrier_form(theirs.id, "insufficient_trust");
    pulled.created_at = own.created_at - chrono::Duration::hours(1);
    v.put_remote_submission(&pulled).unwrap();
    // Pulled again (a page sent twice), or a copy of this tablet's own: nothing changes.
    v.put_remote_submission(&pulled).unwrap();
    let mut echo = own.clone();
    echo.answers.clear();
    v.put_remote_submission(&echo).unwrap();
    assert_eq!(v.pending_count().unwrap(), pending, "nothing queued");

    // The log holds both, oldest first, each once, this tablet's as it wrote it.
    assert_eq!(v.barrier_log().unwrap(), vec![pulled.clone(), own.clone()]);
    let detail = v.meeting(theirs.id).unwrap().unwrap();
    assert_eq!(detail.submissions, vec![pulled.clone()]);
    let own_input = v.own_report_input().unwrap();
    assert!(own_input.submissions.iter().any(|s| s.id == own.id));
    assert!(!own_input.submissions.iter().any(|s| s.id == pulled.id));

    // Only the barrier log is shared: anything else from the server is refused, unstored.
    let mut other = pulled.clone();
    other.id = new_record_id();
    other.instrument_id = "training_satisfaction".into();
    assert!(matches!(
        v.put_remote_submission(&other).unwrap_err(),
        StoreError::Damaged(_)
    ));
    assert_eq!(v.submission(other.id).unwrap(), None);
}
