//! Forgetting a carer: what their code becomes in each record. The server and the tablet
//! apply the same rules, so a record scrubbed on either side reads the same on both.
//!
//! - an attendance keeps its count: the code leaves the list and the carer is counted
//!   among those who came without a code;
//! - a submission loses its respondent (it still counts in the anonymous figures, but can
//!   no longer be paired);
//! - free text (a meeting's place, topic, facilitator, cancellation reason; the answers to
//!   text questions) has the code replaced wherever it stands as a word of its own, so a
//!   short code never eats into other words.

use crate::domain::{Meeting, MeetingStatus, Submission};
use crate::instrument::{Instrument, ItemType};
use crate::AnswerValue;

/// What stands where a forgotten code was written in free text.
pub const ERASED: &str = "[…]";

/// Replaces every occurrence of `code` in `text` that is a word of its own (no letter or
/// digit right before or after it). Whether anything changed.
pub fn erase_in_text(text: &mut String, code: &str) -> bool {
    if code.is_empty() || !text.contains(code) {
        return false;
    }
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    let mut changed = false;
    while let Some(at) = rest.find(code) {
        // What precedes the match: in `rest`, or (at its start) the end of what was
        // already copied.
        let before = rest[..at].chars().last().or_else(|| out.chars().last());
        let after = rest[at + code.len()..].chars().next();
        out.push_str(&rest[..at]);
        if is_word(before) || is_word(after) {
            out.push_str(code);
        } else {
            out.push_str(ERASED);
            changed = true;
        }
        rest = &rest[at + code.len()..];
    }
    out.push_str(rest);
    if changed {
        *text = out;
    }
    changed
}

/// Takes `code` out of a meeting: its attendance (counted as anonymous instead, so the
/// meeting's total is the same) and its free text. Whether anything changed.
pub fn erase_in_meeting(meeting: &mut Meeting, code: &str) -> bool {
    let attendance = &mut meeting.attendance;
    let before = attendance.participants.len();
    attendance.participants.retain(|c| c != code);
    let mut changed = attendance.participants.len() != before;
    if changed {
        // The total counts a code once however often it is listed.
        attendance.anonymous = attendance.anonymous.saturating_add(1);
    }
    for text in [
        &mut meeting.place,
        &mut meeting.topic,
        &mut meeting.facilitator,
    ] {
        changed |= erase_in_text(text, code);
    }
    if let MeetingStatus::Cancelled { reason } = &mut meeting.status {
        changed |= erase_in_text(reason, code);
    }
    changed
}

/// Takes `code` out of a submission: its respondent, and the answers to the text
/// questions of `instrument` (without it, only the respondent: a choice's value is never
/// free text). Whether anything changed.
pub fn erase_in_submission(
    submission: &mut Submission,
    code: &str,
    instrument: Option<&Instrument>,
) -> bool {
    let mut changed = false;
    if submission.respondent.as_deref() == Some(code) {
        submission.respondent = None;
        changed = true;
    }
    let Some(instrument) = instrument else {
        return changed;
    };
    for item in instrument
        .items
        .iter()
        .filter(|i| i.item_type == ItemType::Text)
    {
        if let Some(AnswerValue::Text(text)) = submission.answers.get_mut(&item.id) {
            changed |= erase_in_text(text, code);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::domain::{Activity, Attendance};
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    #[test]
    fn text_loses_the_code_where_it_is_a_word() {
        let mut t = "C-017 came; ask C-017, not XC-017 or C-0171.".to_string();
        assert!(erase_in_text(&mut t, "C-017"));
        assert_eq!(t, "[…] came; ask […], not XC-017 or C-0171.");
        let mut short = "Valle Alta, gruppo A".to_string();
        assert!(erase_in_text(&mut short, "A"));
        assert_eq!(short, "Valle Alta, gruppo […]");
        let mut accents = "èC1è C1".to_string();
        assert!(erase_in_text(&mut accents, "C1"));
        assert_eq!(accents, "èC1è […]");
        let mut none = "nothing here".to_string();
        assert!(!erase_in_text(&mut none, "C-017"));
        assert!(!erase_in_text(&mut none, ""));
        assert_eq!(none, "nothing here");
    }

    fn meeting(status: MeetingStatus) -> Meeting {
        Meeting {
            id: Uuid::nil(),
            revision: 1,
            activity: Activity::TrainingCourse,
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            place: "Sala C-017".into(),
            topic: "Memoria".into(),
            facilitator: "F".into(),
            status,
            attendance: Attendance {
                participants: vec!["C-017".into(), "C-002".into(), "C-017".into()],
                anonymous: 2,
                roles: None,
            },
            updated_at: Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_meeting_keeps_its_total() {
        let mut m = meeting(MeetingStatus::Cancelled {
            reason: "C-017 ill".into(),
        });
        let total = m.attendance.total();
        assert!(erase_in_meeting(&mut m, "C-017"));
        assert_eq!(m.attendance.participants, vec!["C-002".to_string()]);
        assert_eq!(m.attendance.anonymous, 3);
        assert_eq!(m.attendance.total(), total);
        assert_eq!(m.place, "Sala […]");
        assert_eq!(
            m.status,
            MeetingStatus::Cancelled {
                reason: "[…] ill".into()
            }
        );
        assert!(!erase_in_meeting(&mut m, "C-017"), "nothing left to take");
        assert!(!erase_in_meeting(&mut m, "C-999"));
    }

    #[test]
    fn a_submission_loses_its_respondent_and_the_code_in_text_answers_only() {
        let catalog = Catalog::builtin();
        let barrier = catalog.latest("barrier_log").unwrap();
        let text_item = barrier
            .items
            .iter()
            .find(|i| i.item_type == ItemType::Text)
            .expect("the barrier log has a description");
        let choice_item = barrier
            .items
            .iter()
            .find(|i| i.item_type == ItemType::SingleChoice)
            .unwrap();
        let mut s = Submission {
            id: Uuid::nil(),
            instrument_id: barrier.id.clone(),
            instrument_version: barrier.version,
            meeting_id: Uuid::nil(),
            respondent: Some("C".into()),
            phase: None,
            answers: [
                (
                    text_item.id.clone(),
                    AnswerValue::Text("asked C twice".into()),
                ),
                (choice_item.id.clone(), AnswerValue::Text("C".into())),
            ]
            .into_iter()
            .collect(),
            created_at: Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap(),
            replaces: None,
            follows_up: None,
        };
        let mut without_instrument = s.clone();
        assert!(erase_in_submission(&mut without_instrument, "C", None));
        assert_eq!(without_instrument.respondent, None);
        assert_eq!(without_instrument.answers, s.answers);

        assert!(erase_in_submission(&mut s, "C", Some(barrier)));
        assert_eq!(s.respondent, None);
        assert_eq!(
            s.answers[&text_item.id],
            AnswerValue::Text("asked […] twice".into())
        );
        assert_eq!(s.answers[&choice_item.id], AnswerValue::Text("C".into()));
        assert!(!erase_in_submission(&mut s, "C", Some(barrier)));
    }
}
