//! Checking answers and submissions against their instrument before they are stored or
//! accepted by the server. Both ends run the same checks, so a record the tablet accepted
//! is never refused later.

mod error;
mod submission;

pub use error::{AnswerError, SubmissionError};
pub use submission::validate_submission;

use crate::answer::{AnswerValue, Answers};
use crate::instrument::{Instrument, Item, ItemType};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Checks `answers` against `instrument`, reporting at most one error per item (in item
/// order, then answers to unknown items), so a form can mark every faulty field at once.
///
/// A blank answer (empty or whitespace-only text, empty list) counts as no answer: a
/// cleared field on the tablet must not make an optional item invalid.
pub fn validate_answers(
    instrument: &Instrument,
    answers: &Answers,
) -> Result<(), Vec<AnswerError>> {
    let mut errors = Vec::new();
    let relevance = relevance(instrument, answers);

    for item in &instrument.items {
        let answer = answers.get(&item.id).filter(|a| !is_blank(a));
        let relevant = relevance[item.id.as_str()];
        let error = match (answer, relevant) {
            (None, true) if item.required => Some(AnswerError::Missing {
                item: item.id.clone(),
            }),
            (None, _) => None,
            (Some(_), false) => Some(AnswerError::NotRelevant {
                item: item.id.clone(),
            }),
            (Some(answer), true) => check_value(item, answer).err(),
        };
        errors.extend(error);
    }
    for id in answers.keys() {
        if instrument.item(id).is_none() {
            errors.push(AnswerError::UnknownItem { item: id.clone() });
        }
    }

    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Whether each item is asked, given the answers. Items are visited in order and a
/// condition only looks back (the loader guarantees it), so one pass settles every item.
/// An item whose condition looks at an item that was itself not asked is not asked either.
pub fn relevance<'a>(instrument: &'a Instrument, answers: &Answers) -> HashMap<&'a str, bool> {
    let mut asked: HashMap<&str, bool> = HashMap::with_capacity(instrument.items.len());
    for item in &instrument.items {
        let is_asked = match &item.relevant {
            None => true,
            Some(condition) => {
                // Only an answer of the shape the earlier item takes counts: a malformed one
                // is reported on that item and must not switch later items on.
                let multiple = instrument.item(&condition.item).map(|i| i.item_type)
                    == Some(ItemType::MultipleChoice);
                asked.get(condition.item.as_str()).copied().unwrap_or(false)
                    && match (answers.get(&condition.item), multiple) {
                        (Some(AnswerValue::Text(value)), false) => condition.any_of.contains(value),
                        (Some(AnswerValue::Many(values)), true) => {
                            values.iter().any(|v| condition.any_of.contains(v))
                        }
                        _ => false,
                    }
            }
        };
        asked.insert(item.id.as_str(), is_asked);
    }
    asked
}

fn is_blank(answer: &AnswerValue) -> bool {
    match answer {
        AnswerValue::Text(text) => text.trim().is_empty(),
        AnswerValue::Many(values) => values.is_empty(),
        AnswerValue::Number(_) => false,
    }
}

fn check_value(item: &Item, answer: &AnswerValue) -> Result<(), AnswerError> {
    let id = || item.id.clone();
    let wrong_shape = |expected: &'static str| AnswerError::WrongShape {
        item: id(),
        expected,
    };
    match (item.item_type, answer) {
        (ItemType::SingleChoice | ItemType::Scale, AnswerValue::Text(value)) => {
            if item.option(value).is_none() {
                return Err(AnswerError::UnknownOption {
                    item: id(),
                    value: value.clone(),
                });
            }
        }
        (ItemType::SingleChoice | ItemType::Scale, _) => {
            return Err(wrong_shape("one option value"))
        }
        (ItemType::MultipleChoice, AnswerValue::Many(values)) => {
            for (n, value) in values.iter().enumerate() {
                if item.option(value).is_none() {
                    return Err(AnswerError::UnknownOption {
                        item: id(),
                        value: value.clone(),
                    });
                }
                if values[..n].contains(value) {
                    return Err(AnswerError::RepeatedOption {
                        item: id(),
                        value: value.clone(),
                    });
                }
            }
        }
        (ItemType::MultipleChoice, _) => return Err(wrong_shape("a list of option values")),
        (ItemType::Text, AnswerValue::Text(text)) => {
            let length = text.chars().count();
            if let Some(max) = item.max_length {
                if length > max as usize {
                    return Err(AnswerError::TooLong {
                        item: id(),
                        length,
                        max,
                    });
                }
            }
        }
        (ItemType::Text, _) => return Err(wrong_shape("a text")),
        (ItemType::Number, AnswerValue::Number(value)) => {
            let value = *value;
            let below = item.min.is_some_and(|min| value < min);
            let above = item.max.is_some_and(|max| value > max);
            if !value.is_finite() || below || above {
                return Err(AnswerError::OutOfRange {
                    item: id(),
                    value,
                    min: item.min,
                    max: item.max,
                });
            }
        }
        (ItemType::Number, _) => return Err(wrong_shape("a number")),
        (ItemType::Date, AnswerValue::Text(text)) => {
            // Exactly YYYY-MM-DD: chrono alone would also take unpadded months and days.
            let shaped =
                text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
            if !shaped || NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() {
                return Err(AnswerError::BadDate {
                    item: id(),
                    value: text.clone(),
                });
            }
        }
        (ItemType::Date, _) => return Err(wrong_shape("a date as YYYY-MM-DD")),
        (ItemType::Note, _) => return Err(wrong_shape("no answer: a note is only shown")),
    }
    Ok(())
}
