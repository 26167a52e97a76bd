//! Meetings, their attendance and status, and the roster.

use super::FACILITATOR;
use crate::error::AppResult;
use crate::state::AppState;
use campo_core::consent::{covers, ConsentScope};
use campo_core::{Activity, Attendance, Instrument, Meeting, Participant, Submission};
use campo_store::NewMeeting;
use chrono::NaiveDate;
use serde::Serialize;
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub fn list_meetings(state: State<'_, AppState>) -> AppResult<Vec<Meeting>> {
    state.with(|v| Ok(v.meetings()?))
}

#[tauri::command]
pub fn create_meeting(
    state: State<'_, AppState>,
    activity: Activity,
    date: NaiveDate,
    place: String,
    topic: String,
) -> AppResult<Meeting> {
    state.with(|v| {
        // The facilitator whose passphrase opened the tablet; the first facilitator's name
        // when it was opened with the recovery code and no passphrase was set yet.
        let facilitator = match state.facilitator() {
            Some(name) => name,
            None => v.setting(FACILITATOR)?.unwrap_or_default(),
        };
        Ok(v.create_meeting(NewMeeting {
            activity,
            date,
            place,
            topic,
            facilitator,
        })?)
    })
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub submissions: Vec<Submission>,
    /// The instruments that fit the meeting's activity, latest versions, built-in and pulled.
    pub instruments: Vec<Instrument>,
    pub roster: Vec<Participant>,
    /// A meeting another tablet owns: shown, never edited here.
    pub remote: bool,
    /// Submissions the server refused: not offered for correction (the server would refuse
    /// a correction of a submission it does not hold).
    pub refused: Vec<Uuid>,
    /// While the project has an information sheet, the codes whose consent in force covers
    /// questionnaires: only they may answer a coded one. `None` without a sheet (anyone
    /// may).
    pub may_answer: Option<Vec<String>>,
}

#[tauri::command]
pub fn meeting_view(state: State<'_, AppState>, id: Uuid) -> AppResult<Option<MeetingView>> {
    let refused: Vec<Uuid> = campo_sync::rejected(&*state.vault()?)?
        .into_iter()
        .map(|r| r.id)
        .collect();
    state.with(|v| {
        let Some(detail) = v.meeting(id)? else {
            return Ok(None);
        };
        let catalog = crate::catalog::of(v)?;
        // Retired versions are not offered; an earlier version still in use is.
        let activity = detail.meeting.activity;
        let instruments = crate::catalog::offered(v, &catalog)?
            .into_iter()
            .filter(|i| i.activities.contains(&activity))
            .collect();
        let carers = v.roster_carers()?;
        let may_answer = v.information_sheet()?.map(|_| {
            carers
                .iter()
                .filter(|c| covers(&c.consent, ConsentScope::Questionnaires))
                .map(|c| c.participant.code.clone())
                .collect()
        });
        Ok(Some(MeetingView {
            meeting: detail.meeting,
            submissions: detail.submissions,
            instruments,
            roster: carers.into_iter().map(|c| c.participant).collect(),
            remote: detail.remote,
            refused,
            may_answer,
        }))
    })
}

#[tauri::command]
pub fn set_attendance(
    state: State<'_, AppState>,
    id: Uuid,
    attendance: Attendance,
) -> AppResult<Meeting> {
    state.with(|v| Ok(v.set_attendance(id, attendance)?))
}

#[tauri::command]
pub fn mark_held(state: State<'_, AppState>, id: Uuid) -> AppResult<Meeting> {
    let m = state.with(|v| Ok(v.mark_held(id)?))?;
    state.sync_wake.notify_one();
    Ok(m)
}

#[tauri::command]
pub fn cancel_meeting(state: State<'_, AppState>, id: Uuid, reason: String) -> AppResult<Meeting> {
    if reason.trim().is_empty() {
        return Err(crate::error::AppError::new(
            "reason_required",
            "a cancelled meeting needs a reason",
        ));
    }
    let m = state.with(|v| Ok(v.cancel_meeting(id, reason.trim())?))?;
    state.sync_wake.notify_one();
    Ok(m)
}
