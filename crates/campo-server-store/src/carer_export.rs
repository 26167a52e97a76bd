//! A carer's right of access: everything a project holds under a carer's code, in a
//! stable JSON shape (documented field by field in docs/server.md). The engines read the
//! candidate rows in one snapshot ([`ExportRows`]); this keeps only the code's own and
//! shapes them, the same for both.

use crate::carers::{check_code, nothing_held};
use crate::reviews::Review;
use crate::StorageError;
use campo_core::consent::ConsentEvent;
use campo_core::{Activity, Answers, Meeting, MeetingStatus, Phase, Submission};
use campo_wire::{ReviewState, RosterCode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// Everything the project holds under one carer's code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CarerExport {
    pub project: String,
    pub code: String,
    pub exported_at: DateTime<Utc>,
    /// The consent history of each roster code record of the code (each tablet's vault
    /// keeps its own), at its current revision.
    pub consent: Vec<ConsentHeld>,
    /// The meetings whose current revision lists the code as a participant.
    pub attendances: Vec<AttendanceHeld>,
    /// The current revisions of the submissions whose respondent is the code.
    pub submissions: Vec<SubmissionHeld>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsentHeld {
    pub record_id: Uuid,
    pub revision: u32,
    /// The tablet's vault that holds the roster entry.
    pub vault_id: Uuid,
    /// The office's name of the device that sent this revision.
    pub device: String,
    pub received_at: DateTime<Utc>,
    pub history: Vec<ConsentEvent>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttendanceHeld {
    pub meeting_id: Uuid,
    pub date: NaiveDate,
    pub activity: Activity,
    pub place: String,
    /// `planned`, `held` or `cancelled` (a cancellation's reason is about the meeting,
    /// not the carer, and is left out).
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubmissionHeld {
    pub id: Uuid,
    pub instrument_id: String,
    pub instrument_version: u32,
    pub meeting_id: Uuid,
    pub phase: Option<Phase>,
    pub answers: Answers,
    pub created_at: DateTime<Utc>,
    /// The submission this one corrects, if it is a correction.
    pub replaces: Option<Uuid>,
    /// The office's review; `None` while it has none (`received`).
    pub review: Option<ReviewHeld>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewHeld {
    pub state: ReviewState,
    pub comment: String,
    pub reviewed_at: DateTime<Utc>,
}

/// A roster code record's current revision as an engine reads it for the export.
#[derive(Clone, Debug)]
pub struct HeldRoster {
    pub record_id: Uuid,
    pub revision: u32,
    pub vault_id: Uuid,
    pub device: String,
    pub received_at: DateTime<Utc>,
    pub body: String,
}

/// What an engine reads, in one snapshot, for an export: the current revisions (of the
/// project) whose body contains [`Forgetting::in_json`]'s text, and the project's reviews.
/// The rows may hold more than the code's (another code containing it): the export keeps
/// only the code's own.
#[derive(Clone, Debug, Default)]
pub struct ExportRows {
    pub roster: Vec<HeldRoster>,
    pub meetings: Vec<String>,
    pub submissions: Vec<String>,
    pub reviews: Vec<Review>,
}

/// The export of `code` from what the engine read; [`nothing_held`] when nothing is.
pub fn carer_export(
    project: &str,
    code: &str,
    exported_at: DateTime<Utc>,
    rows: ExportRows,
) -> Result<CarerExport, StorageError> {
    check_code(code)?;
    let mut consent = Vec::new();
    for r in rows.roster {
        let roster: RosterCode = serde_json::from_str(&r.body)?;
        if roster.code == code {
            consent.push(ConsentHeld {
                record_id: r.record_id,
                revision: r.revision,
                vault_id: r.vault_id,
                device: r.device,
                received_at: r.received_at,
                history: roster.consent,
            });
        }
    }
    consent.sort_by_key(|c| (c.received_at, c.record_id));

    let mut attendances = Vec::new();
    for body in &rows.meetings {
        let m: Meeting = serde_json::from_str(body)?;
        if m.attendance.participants.iter().any(|p| p == code) {
            attendances.push(AttendanceHeld {
                meeting_id: m.id,
                date: m.date,
                activity: m.activity,
                place: m.place,
                status: match m.status {
                    MeetingStatus::Planned => "planned",
                    MeetingStatus::Held => "held",
                    MeetingStatus::Cancelled { .. } => "cancelled",
                }
                .into(),
            });
        }
    }
    attendances.sort_by_key(|a| (a.date, a.meeting_id));

    let reviews: HashMap<Uuid, Review> = rows
        .reviews
        .into_iter()
        .map(|r| (r.submission_id, r))
        .collect();
    let mut submissions = Vec::new();
    for body in &rows.submissions {
        let s: Submission = serde_json::from_str(body)?;
        if s.respondent.as_deref() != Some(code) {
            continue;
        }
        submissions.push(SubmissionHeld {
            review: reviews.get(&s.id).map(|r| ReviewHeld {
                state: r.state,
                comment: r.comment.clone(),
                reviewed_at: r.reviewed_at,
            }),
            id: s.id,
            instrument_id: s.instrument_id,
            instrument_version: s.instrument_version,
            meeting_id: s.meeting_id,
            phase: s.phase,
            answers: s.answers,
            created_at: s.created_at,
            replaces: s.replaces,
        });
    }
    submissions.sort_by_key(|s| (s.created_at, s.id));

    if consent.is_empty() && attendances.is_empty() && submissions.is_empty() {
        return Err(nothing_held(project));
    }
    Ok(CarerExport {
        project: project.to_string(),
        code: code.to_string(),
        exported_at,
        consent,
        attendances,
        submissions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use campo_core::consent::ConsentScope;
    use campo_core::{AnswerValue, Attendance};
    use chrono::TimeZone;

    const CODE: &str = "ZQ-4417";

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
    }

    fn meeting(participants: &[&str]) -> Meeting {
        Meeting {
            id: Uuid::from_u128(1),
            revision: 1,
            activity: Activity::TrainingCourse,
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            place: "Sala".into(),
            topic: "T".into(),
            facilitator: "F".into(),
            status: MeetingStatus::Held,
            attendance: Attendance {
                participants: participants.iter().map(|p| p.to_string()).collect(),
                anonymous: 1,
                roles: None,
            },
            updated_at: at(),
        }
    }

    fn barrier(text: &str, respondent: Option<&str>) -> Submission {
        Submission {
            id: Uuid::from_u128(2),
            instrument_id: "quiz_carer_wellbeing".into(),
            instrument_version: 1,
            meeting_id: Uuid::from_u128(1),
            respondent: respondent.map(str::to_string),
            phase: Some(Phase::Pre),
            answers: [("q1".to_string(), AnswerValue::Text(text.into()))]
                .into_iter()
                .collect(),
            created_at: at(),
            replaces: None,
            follows_up: None,
        }
    }

    #[test]
    fn an_export_keeps_only_the_codes_own_rows() {
        let given = ConsentEvent::Given {
            date: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            sheet_version: "2026-01".into(),
            covers: vec![ConsentScope::Questionnaires],
        };
        let roster = |code: &str| HeldRoster {
            record_id: Uuid::from_u128(5),
            revision: 2,
            vault_id: Uuid::from_u128(6),
            device: "Tablet 1".into(),
            received_at: at(),
            body: serde_json::to_string(&RosterCode {
                code: code.into(),
                consent: vec![given.clone()],
            })
            .unwrap(),
        };
        let mut mine = barrier("x", Some(CODE));
        mine.id = Uuid::from_u128(8);
        let rows = ExportRows {
            roster: vec![roster(CODE), roster("ZQ-4417-B")],
            meetings: vec![
                serde_json::to_string(&meeting(&[CODE])).unwrap(),
                serde_json::to_string(&meeting(&["ZQ-4417-B"])).unwrap(),
            ],
            submissions: vec![
                serde_json::to_string(&mine).unwrap(),
                serde_json::to_string(&barrier("x", Some("ZQ-4417-B"))).unwrap(),
            ],
            reviews: vec![Review {
                submission_id: mine.id,
                state: ReviewState::HasIssues,
                comment: "check".into(),
                reviewer: "paola".into(),
                reviewed_at: at(),
            }],
        };
        let export = carer_export("p", CODE, at(), rows).unwrap();
        assert_eq!(export.consent.len(), 1);
        assert_eq!(export.consent[0].history, vec![given]);
        assert_eq!(export.attendances.len(), 1);
        assert_eq!(export.attendances[0].status, "held");
        assert_eq!(export.submissions.len(), 1);
        assert_eq!(
            export.submissions[0].review.as_ref().unwrap().state,
            ReviewState::HasIssues
        );
        // The reviewer's name is the office's, not the carer's: it is not exported.
        assert!(!serde_json::to_string(&export).unwrap().contains("paola"));
        assert!(matches!(
            carer_export("p", CODE, at(), ExportRows::default()),
            Err(StorageError::NotFound(_))
        ));
    }
}
