//! Respondent mode: every answer is saved as a sealed draft before the next question
//! shows, so a crash, a flat battery or the idle lock loses nothing; Submit makes the draft
//! final. Which items are asked is campo-core's rule, the same the server applies.

use crate::asked::shown;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use campo_core::catalog::Catalog;
use campo_core::{Answers, Instrument, Phase, Submission, Text};
use campo_store::Vault;
use serde::{Deserialize, Serialize};
use tauri::State;
use uuid::Uuid;

/// A questionnaire in progress, as the respondent screen sends it after each answer.
#[derive(Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct DraftInput {
    /// None for the first answer: the draft is made then.
    pub id: Option<Uuid>,
    pub meeting_id: Uuid,
    pub instrument_id: String,
    pub instrument_version: u32,
    pub respondent: Option<String>,
    pub phase: Option<Phase>,
    /// The final submission this one corrects.
    pub replaces: Option<Uuid>,
    pub answers: Answers,
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DraftSaved {
    pub id: Uuid,
    /// The items asked given the answers so far, in order.
    pub shown: Vec<String>,
}

/// An unfinished questionnaire, as the facilitator sees it after unlock: what and for whom,
/// never the answers (an anonymous carer's answers are not the facilitator's to read).
#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct UnfinishedDraft {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub title: Text,
    pub respondent: Option<String>,
    pub phase: Option<Phase>,
    pub answered: u32,
}

/// What the respondent screen needs to carry on where the carer stopped.
#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ResumedDraft {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub instrument_id: String,
    pub instrument_version: u32,
    pub respondent: Option<String>,
    pub phase: Option<Phase>,
    pub replaces: Option<Uuid>,
    pub answers: Answers,
    pub shown: Vec<String>,
    /// The index (among `shown`) of the question to show: the one after the last answered.
    pub position: u32,
}

fn instrument<'a>(catalog: &'a Catalog, id: &str, version: u32) -> AppResult<&'a Instrument> {
    catalog.get(id, version).ok_or_else(|| {
        AppError::new(
            "unknown_instrument",
            format!("instrument {id} v{version} is not on this tablet"),
        )
    })
}

fn draft(v: &Vault, id: Uuid) -> AppResult<Submission> {
    v.unfinished_drafts()?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| AppError::new("no_draft", "no unfinished questionnaire with this id"))
}

/// The exact version a questionnaire was started on (an unfinished draft or a correction
/// keeps its version after a sync brought a newer one).
#[tauri::command]
pub fn instrument_version(
    state: State<'_, AppState>,
    instrument_id: String,
    instrument_version: u32,
) -> AppResult<Instrument> {
    state.with(|v| {
        let catalog = crate::catalog::of(v)?;
        Ok(instrument(&catalog, &instrument_id, instrument_version)?.clone())
    })
}

/// The items asked for these answers (the respondent screen asks before each question).
#[tauri::command]
pub fn shown_items(
    state: State<'_, AppState>,
    instrument_id: String,
    instrument_version: u32,
    answers: Answers,
) -> AppResult<Vec<String>> {
    state.with(|v| {
        let catalog = crate::catalog::of(v)?;
        Ok(shown(
            instrument(&catalog, &instrument_id, instrument_version)?,
            &answers,
        ))
    })
}

/// Saves the answers so far as a sealed draft (never synced).
#[tauri::command]
pub fn save_answers(state: State<'_, AppState>, draft: DraftInput) -> AppResult<DraftSaved> {
    state.with(|v| {
        let catalog = crate::catalog::of(v)?;
        let inst = instrument(&catalog, &draft.instrument_id, draft.instrument_version)?;
        // A new questionnaire on a retired version is refused (a screen opened before the
        // sync that retired it could still ask); a draft or a correction goes on.
        let starts = draft.id.is_none() && draft.replaces.is_none();
        if starts
            && v.retired_instruments()?
                .contains(&(draft.instrument_id.clone(), draft.instrument_version))
        {
            return Err(AppError::new(
                "instrument_retired",
                format!(
                    "instrument {} v{} was retired by the office",
                    draft.instrument_id, draft.instrument_version
                ),
            ));
        }
        let id = draft.id.unwrap_or_else(campo_store::new_record_id);
        let respondent = if inst.anonymous {
            None
        } else {
            draft.respondent
        };
        let submission = Submission {
            id,
            instrument_id: draft.instrument_id,
            instrument_version: draft.instrument_version,
            meeting_id: draft.meeting_id,
            respondent,
            phase: draft.phase,
            answers: draft.answers,
            created_at: chrono::Utc::now(),
            replaces: draft.replaces,
            follows_up: None,
        };
        v.save_draft(&submission)?;
        Ok(DraftSaved {
            id,
            shown: shown(inst, &submission.answers),
        })
    })
}

/// Makes the draft final: only the answers to items asked are kept, campo-core validates,
/// and a correction goes through the vault's correction rule.
#[tauri::command]
pub fn submit(state: State<'_, AppState>, id: Uuid) -> AppResult<()> {
    state.with(|v| {
        let catalog = crate::catalog::of(v)?;
        let mut submission = draft(v, id)?;
        let inst = instrument(
            &catalog,
            &submission.instrument_id,
            submission.instrument_version,
        )?;
        let asked = shown(inst, &submission.answers);
        submission.answers.retain(|item, _| asked.contains(item));
        campo_core::validate::validate_submission(&catalog, &submission)
            .map_err(|e| AppError::new("invalid_submission", e.to_string()))?;
        if submission.replaces.is_some() {
            v.save_correction(&submission)?;
            v.discard_draft(id)?;
        } else {
            v.save_draft(&submission)?;
            v.finalize(id)?;
        }
        Ok(())
    })?;
    state.sync_wake.notify_one();
    Ok(())
}

/// Unfinished questionnaires, newest first, without their answers.
#[tauri::command]
pub fn unfinished(state: State<'_, AppState>) -> AppResult<Vec<UnfinishedDraft>> {
    state.with(|v| {
        let catalog = crate::catalog::of(v)?;
        Ok(v.unfinished_drafts()?
            .into_iter()
            .map(|d| UnfinishedDraft {
                id: d.id,
                meeting_id: d.meeting_id,
                title: catalog
                    .get(&d.instrument_id, d.instrument_version)
                    .map(|i| i.title.clone())
                    .unwrap_or_else(|| Text::new(&d.instrument_id, &d.instrument_id)),
                respondent: d.respondent,
                phase: d.phase,
                answered: u32::try_from(d.answers.len()).unwrap_or(u32::MAX),
            })
            .collect())
    })
}

/// The draft with its answers, for the respondent screen (the tablet is in the carer's
/// hands by then).
#[tauri::command]
pub fn resume_draft(state: State<'_, AppState>, id: Uuid) -> AppResult<ResumedDraft> {
    state.with(|v| {
        let catalog = crate::catalog::of(v)?;
        let d = draft(v, id)?;
        let inst = instrument(&catalog, &d.instrument_id, d.instrument_version)?;
        let shown = shown(inst, &d.answers);
        let position = shown
            .iter()
            .rposition(|item| d.answers.contains_key(item))
            .map_or(0, |last| last + 1);
        Ok(ResumedDraft {
            id: d.id,
            meeting_id: d.meeting_id,
            instrument_id: d.instrument_id,
            instrument_version: d.instrument_version,
            respondent: d.respondent,
            phase: d.phase,
            replaces: d.replaces,
            answers: d.answers,
            position: u32::try_from(position).unwrap_or(u32::MAX),
            shown,
        })
    })
}

/// Throws an unfinished questionnaire away: a facilitator's passphrase is needed.
#[tauri::command]
pub fn discard_draft(state: State<'_, AppState>, id: Uuid, passphrase: String) -> AppResult<()> {
    state.with(|v| {
        if !v.verify_passphrase(&passphrase)? {
            return Err(AppError::new("wrong_passphrase", "wrong passphrase"));
        }
        Ok(v.discard_draft(id)?)
    })
}
