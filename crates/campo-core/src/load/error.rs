//! Why an instrument was refused. Every message names the instrument, the item (where the
//! fault lies in one) and the rule broken, because the reader is the person editing the file.

use std::fmt;
use thiserror::Error;

/// Where a fault lies: `instrument "quiz_x" item "q2"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub instrument: String,
    pub item: Option<String>,
}

impl Location {
    pub fn instrument(instrument: &str) -> Location {
        Location {
            instrument: instrument.to_string(),
            item: None,
        }
    }

    pub fn item(instrument: &str, item: &str) -> Location {
        Location {
            instrument: instrument.to_string(),
            item: Some(item.to_string()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.instrument.is_empty() {
            write!(f, "instrument (no valid id)")?;
        } else {
            write!(f, "instrument \"{}\"", self.instrument)?;
        }
        if let Some(item) = &self.item {
            write!(f, " item \"{item}\"")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Error)]
pub enum InstrumentError {
    #[error("instrument is not valid JSON: {message}")]
    Json { message: String },

    #[error("{at}: does not match the instrument schema at {pointer}: {message}")]
    Schema {
        at: Location,
        pointer: String,
        message: String,
    },

    #[error("instrument \"{instrument}\": cannot be read as an instrument: {message}")]
    Format { instrument: String, message: String },

    #[error("{at}: the {field} text is empty or blank")]
    EmptyText { at: Location, field: String },

    #[error("{at}: duplicate item id (item ids must be unique)")]
    DuplicateItemId { at: Location },

    #[error(
        "{at}: duplicate option value \"{value}\" (option values must be unique within an item)"
    )]
    DuplicateOptionValue { at: Location, value: String },

    #[error("{at}: a {item_type} item needs at least one option")]
    MissingOptions {
        at: Location,
        item_type: &'static str,
    },

    #[error("{at}: `{field}` does not apply to a {item_type} item")]
    FieldNotForType {
        at: Location,
        field: &'static str,
        item_type: &'static str,
    },

    #[error(
        "{at}: scale option \"{value}\" has no score (every scale option needs a score 0..100)"
    )]
    MissingScore { at: Location, value: String },

    #[error("{at}: no option is marked correct (a quiz item needs exactly one)")]
    NoCorrectOption { at: Location },

    #[error("{at}: {count} options are marked correct (a quiz item needs exactly one)")]
    SeveralCorrectOptions { at: Location, count: usize },

    #[error("{at}: option \"{value}\" is marked correct, but only percent_correct instruments have correct options")]
    CorrectOutsideQuiz { at: Location, value: String },

    #[error("{at}: no item has a correct option, so percent_correct scoring has nothing to score")]
    NothingToScore { at: Location },

    #[error("{at}: relevant refers to unknown item \"{target}\"")]
    RelevantUnknownItem { at: Location, target: String },

    #[error(
        "{at}: relevant refers to item \"{target}\", which is not an earlier item (conditions may only look back)"
    )]
    RelevantNotEarlier { at: Location, target: String },

    #[error("{at}: relevant refers to item \"{target}\", a {target_type} item; conditions need a single_choice, multiple_choice or scale item")]
    RelevantNotChoice {
        at: Location,
        target: String,
        target_type: &'static str,
    },

    #[error(
        "{at}: relevant refers to value \"{value}\", which is not an option of item \"{target}\""
    )]
    RelevantUnknownValue {
        at: Location,
        target: String,
        value: String,
    },

    #[error("{at}: min {min} is greater than max {max}")]
    MinAboveMax { at: Location, min: f64, max: f64 },
}

impl InstrumentError {
    /// A stable code for the UI and the server's API (`{code, message}`); the message may
    /// be reworded, the code may not.
    pub fn code(&self) -> &'static str {
        match self {
            InstrumentError::Json { .. } => "instrument_not_json",
            InstrumentError::Schema { .. } => "instrument_schema",
            InstrumentError::Format { .. } => "instrument_format",
            InstrumentError::EmptyText { .. } => "instrument_empty_text",
            InstrumentError::DuplicateItemId { .. } => "instrument_duplicate_item",
            InstrumentError::DuplicateOptionValue { .. } => "instrument_duplicate_option",
            InstrumentError::MissingOptions { .. } => "instrument_missing_options",
            InstrumentError::FieldNotForType { .. } => "instrument_field_not_for_type",
            InstrumentError::MissingScore { .. } => "instrument_missing_score",
            InstrumentError::NoCorrectOption { .. } => "instrument_no_correct_option",
            InstrumentError::SeveralCorrectOptions { .. } => "instrument_several_correct_options",
            InstrumentError::CorrectOutsideQuiz { .. } => "instrument_correct_outside_quiz",
            InstrumentError::NothingToScore { .. } => "instrument_nothing_to_score",
            InstrumentError::RelevantUnknownItem { .. } => "instrument_relevant_unknown_item",
            InstrumentError::RelevantNotEarlier { .. } => "instrument_relevant_not_earlier",
            InstrumentError::RelevantNotChoice { .. } => "instrument_relevant_not_choice",
            InstrumentError::RelevantUnknownValue { .. } => "instrument_relevant_unknown_value",
            InstrumentError::MinAboveMax { .. } => "instrument_min_above_max",
        }
    }
}
