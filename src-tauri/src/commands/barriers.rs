//! The barrier log at a co-assessment meeting: the facilitator records each barrier raised
//! and follows up the project's unsettled ones (this tablet's and those pulled from the
//! server). The words and rules are campo-core's; see barrier_views.rs and barrier_form.rs.

use crate::asked::shown;
use crate::barrier_form::{barrier_submission, BarrierForm, BarrierInput, BarrierSaved};
use crate::barrier_views::{
    follow_up_prefill, recorded_at, unsettled, RecordedBarrier, UnsettledBarrier,
    FIXED_IN_FOLLOW_UP,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use campo_core::barrier::{chains_of, BARRIER_LOG};
use campo_core::catalog::Catalog;
use campo_core::{Activity, Answers, Instrument, Meeting, Submission};
use campo_store::Vault;
use serde::Serialize;
use tauri::State;
use uuid::Uuid;

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BarrierLogView {
    /// The forms recorded at this meeting, oldest first.
    pub recorded: Vec<RecordedBarrier>,
    /// The project's barriers still to follow up, in the order they were first raised.
    pub unsettled: Vec<UnsettledBarrier>,
}

#[tauri::command]
pub fn barrier_log_view(state: State<'_, AppState>, meeting_id: Uuid) -> AppResult<BarrierLogView> {
    state.with(|v| {
        let catalog = crate::catalog::of(v)?;
        let log = v.barrier_log()?;
        let chains = chains_of(&log);
        Ok(BarrierLogView {
            recorded: recorded_at(&catalog, &log, meeting_id),
            unsettled: unsettled(&catalog, &chains.chains),
        })
    })
}

/// The form for a new barrier (`follows_up` None) or for a follow-up of the barrier whose
/// first submission is `follows_up`.
#[tauri::command]
pub fn barrier_form(
    state: State<'_, AppState>,
    meeting_id: Uuid,
    follows_up: Option<Uuid>,
) -> AppResult<BarrierForm> {
    state.with(|v| {
        co_assessment_meeting(v, meeting_id)?;
        let catalog = crate::catalog::of(v)?;
        let instrument = offered_barrier_log(v, &catalog)?;
        let (answers, barrier, fixed) = match follows_up {
            None => (Answers::new(), None, Vec::new()),
            Some(first) => {
                let log = v.barrier_log()?;
                let chains = chains_of(&log);
                let chain = chains
                    .chains
                    .iter()
                    .find(|c| c.first.id == first)
                    .ok_or_else(barrier_not_found)?;
                let listed = unsettled(&catalog, std::slice::from_ref(chain)).pop();
                let fixed = FIXED_IN_FOLLOW_UP.map(String::from).to_vec();
                (follow_up_prefill(chain), listed, fixed)
            }
        };
        Ok(BarrierForm {
            meeting_id,
            shown: shown(&instrument, &answers),
            instrument,
            follows_up,
            barrier,
            answers,
            fixed,
        })
    })
}

/// Validates the form with campo-core and saves it as a final submission, queued for sync.
/// Faults come back in `faults` (nothing is saved then).
#[tauri::command]
pub fn save_barrier(state: State<'_, AppState>, input: BarrierInput) -> AppResult<BarrierSaved> {
    let saved = state.with(|v| {
        co_assessment_meeting(v, input.meeting_id)?;
        if let Some(first) = input.follows_up {
            check_barrier(&v.barrier_log()?, first)?;
        }
        let catalog = crate::catalog::of(v)?;
        let id = campo_store::new_record_id();
        match barrier_submission(&catalog, input, id, chrono::Utc::now())? {
            Ok(submission) => {
                v.save_final(&submission)?;
                Ok(BarrierSaved {
                    id: Some(id),
                    faults: Vec::new(),
                })
            }
            Err(faults) => Ok(BarrierSaved { id: None, faults }),
        }
    })?;
    if saved.id.is_some() {
        state.sync_wake.notify_one();
    }
    Ok(saved)
}

/// The meeting a barrier is recorded at: this tablet's own co-assessment, planned or held.
fn co_assessment_meeting(v: &Vault, id: Uuid) -> AppResult<Meeting> {
    let detail = v
        .meeting(id)?
        .ok_or_else(|| AppError::new("meeting_not_found", "no meeting with this id"))?;
    if detail.remote {
        return Err(AppError::new(
            "remote_meeting",
            "this meeting belongs to another tablet",
        ));
    }
    if detail.meeting.activity != Activity::CoAssessment {
        return Err(AppError::new(
            "not_co_assessment",
            "barriers are recorded at co-assessment meetings only",
        ));
    }
    if detail.meeting.is_cancelled() {
        return Err(AppError::new(
            "meeting_cancelled",
            "nothing is recorded at a cancelled meeting",
        ));
    }
    Ok(detail.meeting)
}

/// A follow-up names the first submission of a barrier held on this tablet.
fn check_barrier(log: &[Submission], first: Uuid) -> AppResult<()> {
    if chains_of(log).chains.iter().any(|c| c.first.id == first) {
        Ok(())
    } else {
        Err(barrier_not_found())
    }
}

fn barrier_not_found() -> AppError {
    AppError::new(
        "barrier_not_found",
        "no barrier on this tablet starts with this form",
    )
}

/// The barrier log version a new form is saved on: the latest the office has not retired.
fn offered_barrier_log(v: &campo_store::Vault, catalog: &Catalog) -> AppResult<Instrument> {
    if catalog.latest(BARRIER_LOG).is_none() {
        return Err(AppError::new(
            "unknown_instrument",
            "the barrier log is not on this tablet",
        ));
    }
    crate::catalog::offered(v, catalog)?
        .into_iter()
        .find(|i| i.id == BARRIER_LOG)
        .ok_or_else(|| {
            AppError::new(
                "instrument_retired",
                "every version of the barrier log on this tablet is retired",
            )
        })
}
