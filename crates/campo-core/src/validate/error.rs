//! Why answers or a submission were refused, in words a facilitator can act on.

use thiserror::Error;

/// One fault in one item's answer.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum AnswerError {
    #[error("item \"{item}\": no such item in this instrument")]
    UnknownItem { item: String },

    #[error("item \"{item}\": an answer is required")]
    Missing { item: String },

    #[error("item \"{item}\": \"{value}\" is not one of its options")]
    UnknownOption { item: String, value: String },

    #[error("item \"{item}\": option \"{value}\" is chosen more than once")]
    RepeatedOption { item: String, value: String },

    #[error("item \"{item}\": expected {expected}")]
    WrongShape {
        item: String,
        expected: &'static str,
    },

    #[error("item \"{item}\": {value} is outside the allowed range {}", range(*.min, *.max))]
    OutOfRange {
        item: String,
        value: f64,
        min: Option<f64>,
        max: Option<f64>,
    },

    #[error("item \"{item}\": the text is {length} characters long, the limit is {max}")]
    TooLong {
        item: String,
        length: usize,
        max: u32,
    },

    #[error("item \"{item}\": \"{value}\" is not a date written as YYYY-MM-DD")]
    BadDate { item: String, value: String },

    #[error("item \"{item}\": answered, but the item is not asked given the earlier answers")]
    NotRelevant { item: String },
}

impl AnswerError {
    /// The item the error is about, for marking the field on a form.
    pub fn item(&self) -> &str {
        match self {
            AnswerError::UnknownItem { item }
            | AnswerError::Missing { item }
            | AnswerError::UnknownOption { item, .. }
            | AnswerError::RepeatedOption { item, .. }
            | AnswerError::WrongShape { item, .. }
            | AnswerError::OutOfRange { item, .. }
            | AnswerError::TooLong { item, .. }
            | AnswerError::BadDate { item, .. }
            | AnswerError::NotRelevant { item } => item,
        }
    }
}

impl AnswerError {
    /// A stable code for the UI (`{code, message}`), e.g. to mark a field without parsing text.
    pub fn code(&self) -> &'static str {
        match self {
            AnswerError::UnknownItem { .. } => "answer_unknown_item",
            AnswerError::Missing { .. } => "answer_missing",
            AnswerError::UnknownOption { .. } => "answer_unknown_option",
            AnswerError::RepeatedOption { .. } => "answer_repeated_option",
            AnswerError::WrongShape { .. } => "answer_wrong_shape",
            AnswerError::OutOfRange { .. } => "answer_out_of_range",
            AnswerError::TooLong { .. } => "answer_too_long",
            AnswerError::BadDate { .. } => "answer_bad_date",
            AnswerError::NotRelevant { .. } => "answer_not_relevant",
        }
    }
}

fn range(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("{min}..{max}"),
        (Some(min), None) => format!("{min} or more"),
        (None, Some(max)) => format!("up to {max}"),
        (None, None) => "of finite numbers".to_string(),
    }
}

/// Why a whole submission was refused.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum SubmissionError {
    #[error("unknown instrument \"{instrument}\"")]
    UnknownInstrument { instrument: String },

    #[error("instrument \"{instrument}\" has no version {version}")]
    UnknownVersion { instrument: String, version: u32 },

    #[error("instrument \"{instrument}\" is anonymous, but the submission names a respondent")]
    RespondentOnAnonymous { instrument: String },

    #[error("instrument \"{instrument}\" is a quiz: the submission must say whether it was taken before (pre) or after (post) the course")]
    PhaseMissing { instrument: String },

    #[error(
        "instrument \"{instrument}\" is not a quiz, but the submission gives a pre/post phase"
    )]
    PhaseNotAllowed { instrument: String },

    #[error("instrument \"{instrument}\" is not the barrier log: only a barrier log form can follow up a barrier")]
    FollowsUpNotBarrier { instrument: String },

    #[error("a barrier log form cannot follow up itself")]
    FollowsUpItself,

    #[error("instrument \"{instrument}\": {} invalid answer(s): {}", .errors.len(), join(.errors))]
    InvalidAnswers {
        instrument: String,
        errors: Vec<AnswerError>,
    },
}

impl SubmissionError {
    /// A stable code for the UI and the server's API (`{code, message}`).
    pub fn code(&self) -> &'static str {
        match self {
            SubmissionError::UnknownInstrument { .. } => "unknown_instrument",
            SubmissionError::UnknownVersion { .. } => "unknown_instrument_version",
            SubmissionError::RespondentOnAnonymous { .. } => "respondent_on_anonymous",
            SubmissionError::PhaseMissing { .. } => "phase_missing",
            SubmissionError::PhaseNotAllowed { .. } => "phase_not_allowed",
            SubmissionError::FollowsUpNotBarrier { .. } => "follows_up_not_barrier",
            SubmissionError::FollowsUpItself => "follows_up_mismatch",
            SubmissionError::InvalidAnswers { .. } => "invalid_answers",
        }
    }
}

fn join(errors: &[AnswerError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
