//! The office's notes on this tablet's submissions (kept by campo-sync at each pull): the
//! ones still waiting for the facilitator, with what the screens show of each.

use crate::error::AppResult;
use crate::state::AppState;
use campo_core::{Activity, Lang, Meeting, Submission};
use campo_sync::wire::{ReviewNote, ReviewState};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use tauri::State;
use uuid::Uuid;

/// A note the facilitator still has to act on, as the Meetings and meeting screens show it.
#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct OfficeNote {
    pub submission_id: Uuid,
    pub meeting_id: Uuid,
    /// The meeting as this tablet holds it; `None` if it is not here (the note is on one of
    /// this tablet's own submissions, so it always should be).
    pub meeting_date: Option<NaiveDate>,
    pub meeting_topic: Option<String>,
    pub activity: Option<Activity>,
    /// The instrument's title in the asked language; its id when this tablet does not know it.
    pub instrument_title: String,
    pub comment: String,
    pub reviewed_at: DateTime<Utc>,
}

/// The notes that matter: the office says the submission has issues, and no final
/// submission held here corrects it yet (one whose `replaces` names it). Drafts do not
/// answer a note: a correction counts once it is final, as it is then on its way to the
/// office. Newest review first.
pub fn notes_that_matter(notes: Vec<ReviewNote>, finals: &[Submission]) -> Vec<ReviewNote> {
    let answered: HashSet<Uuid> = finals.iter().filter_map(|s| s.replaces).collect();
    let mut out: Vec<ReviewNote> = notes
        .into_iter()
        .filter(|n| n.state == ReviewState::HasIssues && !answered.contains(&n.submission_id))
        .collect();
    out.sort_by_key(|n| std::cmp::Reverse((n.reviewed_at, n.submission_id)));
    out
}

#[tauri::command]
pub fn office_notes(state: State<'_, AppState>, lang: Lang) -> AppResult<Vec<OfficeNote>> {
    state.with(|v| {
        let finals = v.final_submissions()?;
        let notes = notes_that_matter(campo_sync::review_notes(v)?, &finals);
        if notes.is_empty() {
            return Ok(Vec::new());
        }
        let meetings: HashMap<Uuid, Meeting> =
            v.meetings()?.into_iter().map(|m| (m.id, m)).collect();
        let versions: HashMap<Uuid, u32> = finals
            .iter()
            .map(|s| (s.id, s.instrument_version))
            .collect();
        let catalog = crate::catalog::of(v)?;
        Ok(notes
            .into_iter()
            .map(|n| {
                let meeting = meetings.get(&n.meeting_id);
                // The version the submission was answered on; the latest if it is not here.
                let instrument = versions
                    .get(&n.submission_id)
                    .and_then(|version| catalog.get(&n.instrument_id, *version))
                    .or_else(|| catalog.latest(&n.instrument_id));
                OfficeNote {
                    submission_id: n.submission_id,
                    meeting_id: n.meeting_id,
                    meeting_date: meeting.map(|m| m.date),
                    meeting_topic: meeting.map(|m| m.topic.clone()),
                    activity: meeting.map(|m| m.activity),
                    instrument_title: instrument.map_or_else(
                        || n.instrument_id.clone(),
                        |i| i.title.get(lang).to_string(),
                    ),
                    comment: n.comment,
                    reviewed_at: n.reviewed_at,
                }
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use campo_core::Answers;

    fn submission(replaces: Option<Uuid>) -> Submission {
        Submission {
            id: Uuid::now_v7(),
            instrument_id: "training_satisfaction".into(),
            instrument_version: 1,
            meeting_id: Uuid::now_v7(),
            respondent: Some("P001".into()),
            phase: None,
            answers: Answers::new(),
            created_at: Utc::now(),
            replaces,
            follows_up: None,
        }
    }

    fn note(submission: &Submission, state: ReviewState, at: &str) -> ReviewNote {
        ReviewNote {
            submission_id: submission.id,
            meeting_id: submission.meeting_id,
            instrument_id: submission.instrument_id.clone(),
            state,
            comment: "Rifare con la partecipante".into(),
            reviewed_at: at.parse().unwrap(),
        }
    }

    #[test]
    fn a_correction_answers_a_note_and_only_issues_matter() {
        let (flagged, answered, approved, excluded, received) = (
            submission(None),
            submission(None),
            submission(None),
            submission(None),
            submission(None),
        );
        let older = submission(None);
        let correction = submission(Some(answered.id));
        let notes = vec![
            note(&older, ReviewState::HasIssues, "2026-04-01T10:00:00Z"),
            note(&flagged, ReviewState::HasIssues, "2026-04-02T10:00:00Z"),
            note(&answered, ReviewState::HasIssues, "2026-04-02T11:00:00Z"),
            note(&approved, ReviewState::Approved, "2026-04-02T12:00:00Z"),
            note(&excluded, ReviewState::Excluded, "2026-04-02T12:00:00Z"),
            note(&received, ReviewState::Received, "2026-04-02T12:00:00Z"),
        ];
        let finals = [
            older.clone(),
            flagged.clone(),
            answered.clone(),
            correction,
            approved,
            excluded,
            received,
        ];
        let ids = |notes: Vec<ReviewNote>| -> Vec<Uuid> {
            notes.into_iter().map(|n| n.submission_id).collect()
        };
        // The corrected one is answered; the newest review comes first.
        assert_eq!(
            ids(notes_that_matter(notes.clone(), &finals)),
            vec![flagged.id, older.id]
        );
        // Without the correction on the tablet, the note waits again.
        assert_eq!(
            ids(notes_that_matter(notes.clone(), &finals[..3])),
            vec![answered.id, flagged.id, older.id]
        );
        // A correction of another submission answers nothing else.
        let elsewhere = [submission(Some(Uuid::now_v7()))];
        assert_eq!(ids(notes_that_matter(notes, &elsewhere)).len(), 3);
    }
}
