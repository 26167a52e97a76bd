//! The facilitator's barrier log form: what it opens with, and the submission it saves once
//! campo-core's validation (the same the server applies) finds no fault. Faults come back
//! one per item, so the form marks each next to its field.

use crate::asked::shown;
use crate::barrier_views::{kept_answers, UnsettledBarrier};
use crate::error::{AppError, AppResult};
use campo_core::barrier::BARRIER_LOG;
use campo_core::catalog::Catalog;
use campo_core::validate::{validate_submission, AnswerError, SubmissionError};
use campo_core::{Answers, Instrument, Submission};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the form opens with: empty for a new barrier, filled in from the barrier for a
/// follow-up.
#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BarrierForm {
    pub meeting_id: Uuid,
    /// The barrier log version the form is saved on (the latest on this tablet).
    pub instrument: Instrument,
    pub follows_up: Option<Uuid>,
    /// The barrier followed up, as the meeting screen lists it.
    pub barrier: Option<UnsettledBarrier>,
    pub answers: Answers,
    /// Items shown but not editable: what a followed-up barrier is.
    pub fixed: Vec<String>,
    /// The items asked given `answers`, in order.
    pub shown: Vec<String>,
}

/// The form as the facilitator saves it.
#[derive(Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct BarrierInput {
    pub meeting_id: Uuid,
    pub instrument_version: u32,
    pub follows_up: Option<Uuid>,
    pub answers: Answers,
}

/// One fault in one field: campo-core's stable code (the UI words it) and its message.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AnswerFault {
    pub item: String,
    pub code: String,
    pub message: String,
}

/// Saved (`id`), or refused with the faults to show next to their fields.
#[derive(Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BarrierSaved {
    pub id: Option<Uuid>,
    pub faults: Vec<AnswerFault>,
}

/// The final submission `input` makes, or the faults that keep it from being saved. An
/// error that no field can show (an unknown version, say) is an `AppError`.
pub fn barrier_submission(
    catalog: &Catalog,
    input: BarrierInput,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Result<Submission, Vec<AnswerFault>>> {
    let instrument = catalog
        .get(BARRIER_LOG, input.instrument_version)
        .ok_or_else(|| {
            AppError::new(
                "unknown_instrument",
                format!(
                    "barrier log v{} is not on this tablet",
                    input.instrument_version
                ),
            )
        })?;
    let answers = kept_answers(&input.answers, &shown(instrument, &input.answers));
    let submission = Submission {
        id,
        instrument_id: BARRIER_LOG.to_string(),
        instrument_version: input.instrument_version,
        meeting_id: input.meeting_id,
        // The barrier log is anonymous: it records what was said, never who said it.
        respondent: None,
        phase: None,
        answers,
        created_at: now,
        replaces: None,
        follows_up: input.follows_up,
    };
    match validate_submission(catalog, &submission) {
        Ok(()) => Ok(Ok(submission)),
        Err(SubmissionError::InvalidAnswers { errors, .. }) => {
            Ok(Err(errors.iter().map(fault).collect()))
        }
        Err(e) => Err(AppError::new(e.code(), e.to_string())),
    }
}

fn fault(e: &AnswerError) -> AnswerFault {
    AnswerFault {
        item: e.item().to_string(),
        code: e.code().to_string(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use campo_core::AnswerValue;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), AnswerValue::Text((*v).to_string())))
            .collect()
    }

    fn input(pairs: &[(&str, &str)], follows_up: Option<Uuid>) -> BarrierInput {
        BarrierInput {
            meeting_id: Uuid::from_u128(7),
            instrument_version: 1,
            follows_up,
            answers: answers(pairs),
        }
    }

    const COMPLETE: [(&str, &str); 6] = [
        ("cause", "mistakes"),
        ("stage", "during"),
        ("raised_by", "provider"),
        ("effect", "none_yet"),
        ("what_happened", "The minutes were sent to the wrong list"),
        ("status", "planned"),
    ];

    #[test]
    fn a_complete_form_becomes_an_anonymous_final_submission_of_the_barrier_log() {
        let catalog = Catalog::builtin();
        let id = Uuid::from_u128(42);
        let s = barrier_submission(&catalog, input(&COMPLETE, None), id, Utc::now())
            .unwrap()
            .unwrap();
        assert_eq!(s.id, id);
        assert_eq!(s.instrument_id, BARRIER_LOG);
        assert_eq!(s.meeting_id, Uuid::from_u128(7));
        assert_eq!(s.respondent, None);
        assert_eq!(s.follows_up, None);
        assert_eq!(s.answers.len(), 6);
    }

    #[test]
    fn every_fault_is_reported_against_its_item() {
        let catalog = Catalog::builtin();
        let long = "x".repeat(2001);
        let form = [
            ("cause", "other"),
            ("stage", "sometime"),
            ("what_happened", long.as_str()),
        ];
        let faults =
            barrier_submission(&catalog, input(&form, None), Uuid::from_u128(1), Utc::now())
                .unwrap()
                .unwrap_err();
        let by_item: Vec<(&str, &str)> = faults
            .iter()
            .map(|f| (f.item.as_str(), f.code.as_str()))
            .collect();
        assert_eq!(
            by_item,
            [
                ("cause_other", "answer_missing"),
                ("stage", "answer_unknown_option"),
                ("raised_by", "answer_missing"),
                ("effect", "answer_missing"),
                ("what_happened", "answer_too_long"),
            ]
        );
    }

    #[test]
    fn an_answer_left_on_an_item_no_longer_asked_is_dropped_not_refused() {
        let catalog = Catalog::builtin();
        let mut form = COMPLETE.to_vec();
        form.push(("cause_other", "typed before the cause changed"));
        form.push(("adjustment", "  "));
        let s = barrier_submission(&catalog, input(&form, None), Uuid::from_u128(1), Utc::now())
            .unwrap()
            .unwrap();
        assert!(!s.answers.contains_key("cause_other"));
        assert!(!s.answers.contains_key("adjustment"));
    }

    #[test]
    fn a_follow_up_names_its_barrier_and_may_not_name_itself() {
        let catalog = Catalog::builtin();
        let first = Uuid::from_u128(5);
        let s = barrier_submission(
            &catalog,
            input(&COMPLETE, Some(first)),
            Uuid::from_u128(6),
            Utc::now(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(s.follows_up, Some(first));
        let err = barrier_submission(&catalog, input(&COMPLETE, Some(first)), first, Utc::now())
            .expect_err("a form following itself up is refused");
        assert_eq!(err.code, "follows_up_mismatch");
    }

    #[test]
    fn a_version_not_on_the_tablet_is_an_error_not_a_fault() {
        let catalog = Catalog::builtin();
        let mut i = input(&COMPLETE, None);
        i.instrument_version = 99;
        let err =
            barrier_submission(&catalog, i, Uuid::from_u128(1), Utc::now()).expect_err("refused");
        assert_eq!(err.code, "unknown_instrument");
    }

    #[test]
    fn shown_items_follow_the_cause() {
        let catalog = Catalog::builtin();
        let inst = catalog.latest(BARRIER_LOG).unwrap();
        assert!(
            !shown(inst, &answers(&[("cause", "mistakes")])).contains(&"cause_other".to_string())
        );
        assert!(shown(inst, &answers(&[("cause", "other")])).contains(&"cause_other".to_string()));
    }
}
