//! A submission is checked against the exact instrument version it names.

use super::error::SubmissionError;
use super::validate_answers;
use crate::barrier::BARRIER_LOG;
use crate::catalog::Catalog;
use crate::domain::Submission;
use crate::instrument::Scoring;

pub fn validate_submission(
    catalog: &Catalog,
    submission: &Submission,
) -> Result<(), SubmissionError> {
    let id = &submission.instrument_id;
    let Some(instrument) = catalog.get(id, submission.instrument_version) else {
        return Err(if catalog.latest(id).is_some() {
            SubmissionError::UnknownVersion {
                instrument: id.clone(),
                version: submission.instrument_version,
            }
        } else {
            SubmissionError::UnknownInstrument {
                instrument: id.clone(),
            }
        });
    };
    // Anonymity is a promise made to the respondent: refuse rather than drop the code, so the
    // bug that attached it is found.
    if instrument.anonymous && submission.respondent.is_some() {
        return Err(SubmissionError::RespondentOnAnonymous {
            instrument: id.clone(),
        });
    }
    // The pre->post gain pairs a carer's two quizzes, so a quiz without its phase is useless.
    let is_quiz = instrument.scoring == Scoring::PercentCorrect;
    match (is_quiz, submission.phase) {
        (true, None) => {
            return Err(SubmissionError::PhaseMissing {
                instrument: id.clone(),
            })
        }
        (false, Some(_)) => {
            return Err(SubmissionError::PhaseNotAllowed {
                instrument: id.clone(),
            })
        }
        _ => {}
    }
    // Only a barrier moves over time; whether the barrier it names exists is the server's
    // to say (it may be another tablet's).
    match submission.follows_up {
        Some(_) if *id != BARRIER_LOG => {
            return Err(SubmissionError::FollowsUpNotBarrier {
                instrument: id.clone(),
            })
        }
        Some(first) if first == submission.id => return Err(SubmissionError::FollowsUpItself),
        _ => {}
    }
    validate_answers(instrument, &submission.answers).map_err(|errors| {
        SubmissionError::InvalidAnswers {
            instrument: id.clone(),
            errors,
        }
    })
}
