//! The rules an instrument must follow that JSON Schema cannot state: they relate one
//! field to another or one item to another. Checked in item order, so the first fault
//! reported is the first one in the file.

use super::error::{InstrumentError, Location};
use crate::i18n::Text;
use crate::instrument::{Instrument, Item, ItemType, Scoring};
use std::collections::HashSet;

pub(crate) fn type_name(item_type: ItemType) -> &'static str {
    match item_type {
        ItemType::SingleChoice => "single_choice",
        ItemType::MultipleChoice => "multiple_choice",
        ItemType::Scale => "scale",
        ItemType::Text => "text",
        ItemType::Number => "number",
        ItemType::Date => "date",
        ItemType::Note => "note",
    }
}

pub(crate) fn has_options(item_type: ItemType) -> bool {
    matches!(
        item_type,
        ItemType::SingleChoice | ItemType::MultipleChoice | ItemType::Scale
    )
}

pub(crate) fn check(instrument: &Instrument) -> Result<(), InstrumentError> {
    let top = Location::instrument(&instrument.id);
    check_text(&instrument.title, &top, "title")?;
    if let Some(text) = &instrument.description {
        check_text(text, &top, "description")?;
    }
    if let Some(text) = &instrument.topic {
        check_text(text, &top, "topic")?;
    }

    let mut seen: HashSet<&str> = HashSet::new();
    for (index, item) in instrument.items.iter().enumerate() {
        let at = Location::item(&instrument.id, &item.id);
        if !seen.insert(item.id.as_str()) {
            return Err(InstrumentError::DuplicateItemId { at });
        }
        check_item_texts(item, &at)?;
        check_fields_fit_type(item, &at)?;
        check_options(instrument, item, &at)?;
        check_relevant(instrument, index, item, &at)?;
    }

    if instrument.scoring == Scoring::PercentCorrect
        && !instrument
            .items
            .iter()
            .any(|item| item.correct_option().is_some())
    {
        return Err(InstrumentError::NothingToScore { at: top });
    }
    Ok(())
}

/// The schema asks for non-empty strings; this also refuses blank ones, which would show
/// as an empty button or label on the tablet.
fn check_text(text: &Text, at: &Location, field: &str) -> Result<(), InstrumentError> {
    for (lang, value) in [("it", &text.it), ("en", &text.en)] {
        if value.trim().is_empty() {
            return Err(InstrumentError::EmptyText {
                at: at.clone(),
                field: format!("{field}.{lang}"),
            });
        }
    }
    Ok(())
}

fn check_item_texts(item: &Item, at: &Location) -> Result<(), InstrumentError> {
    check_text(&item.label, at, "label")?;
    if let Some(help) = &item.help {
        check_text(help, at, "help")?;
    }
    for option in &item.options {
        check_text(
            &option.label,
            at,
            &format!("option \"{}\" label", option.value),
        )?;
    }
    Ok(())
}

/// Each item type reads only some fields; one set on the wrong type is an authoring
/// mistake (e.g. `max` meant for a number put on a text item) that would silently do nothing.
fn check_fields_fit_type(item: &Item, at: &Location) -> Result<(), InstrumentError> {
    let t = item.item_type;
    let misplaced = if !has_options(t) && !item.options.is_empty() {
        Some("options")
    } else if t != ItemType::Scale && item.faces {
        Some("faces")
    } else if t != ItemType::Number && item.min.is_some() {
        Some("min")
    } else if t != ItemType::Number && item.max.is_some() {
        Some("max")
    } else if t != ItemType::Text && item.max_length.is_some() {
        Some("max_length")
    } else if t == ItemType::Note && item.required {
        // Nothing can be answered to a note: "required" could never be met.
        Some("required")
    } else {
        None
    };
    if let Some(field) = misplaced {
        return Err(InstrumentError::FieldNotForType {
            at: at.clone(),
            field,
            item_type: type_name(t),
        });
    }
    if let (Some(min), Some(max)) = (item.min, item.max) {
        if min > max {
            return Err(InstrumentError::MinAboveMax {
                at: at.clone(),
                min,
                max,
            });
        }
    }
    Ok(())
}

fn check_options(
    instrument: &Instrument,
    item: &Item,
    at: &Location,
) -> Result<(), InstrumentError> {
    if !has_options(item.item_type) {
        return Ok(());
    }
    if item.options.is_empty() {
        return Err(InstrumentError::MissingOptions {
            at: at.clone(),
            item_type: type_name(item.item_type),
        });
    }
    let mut values: HashSet<&str> = HashSet::new();
    for option in &item.options {
        if !values.insert(option.value.as_str()) {
            return Err(InstrumentError::DuplicateOptionValue {
                at: at.clone(),
                value: option.value.clone(),
            });
        }
        if item.item_type == ItemType::Scale && option.score.is_none() {
            return Err(InstrumentError::MissingScore {
                at: at.clone(),
                value: option.value.clone(),
            });
        }
    }

    let correct: Vec<&str> = item
        .options
        .iter()
        .filter(|o| o.correct)
        .map(|o| o.value.as_str())
        .collect();
    let is_quiz = instrument.scoring == Scoring::PercentCorrect;
    if !is_quiz {
        if let Some(value) = correct.first() {
            return Err(InstrumentError::CorrectOutsideQuiz {
                at: at.clone(),
                value: value.to_string(),
            });
        }
    } else if matches!(
        item.item_type,
        ItemType::SingleChoice | ItemType::MultipleChoice
    ) {
        match correct.len() {
            0 => return Err(InstrumentError::NoCorrectOption { at: at.clone() }),
            1 => {}
            count => {
                return Err(InstrumentError::SeveralCorrectOptions {
                    at: at.clone(),
                    count,
                })
            }
        }
    }
    Ok(())
}

/// A condition may only look at an earlier choice item: the tablet asks items in order, so
/// an item's relevance must be known when it is reached, and no cycle can form.
fn check_relevant(
    instrument: &Instrument,
    index: usize,
    item: &Item,
    at: &Location,
) -> Result<(), InstrumentError> {
    let Some(relevant) = &item.relevant else {
        return Ok(());
    };
    let target_id = &relevant.item;
    let Some(position) = instrument.items.iter().position(|i| &i.id == target_id) else {
        return Err(InstrumentError::RelevantUnknownItem {
            at: at.clone(),
            target: target_id.clone(),
        });
    };
    if position >= index {
        return Err(InstrumentError::RelevantNotEarlier {
            at: at.clone(),
            target: target_id.clone(),
        });
    }
    let target = &instrument.items[position];
    if !has_options(target.item_type) {
        return Err(InstrumentError::RelevantNotChoice {
            at: at.clone(),
            target: target_id.clone(),
            target_type: type_name(target.item_type),
        });
    }
    if let Some(value) = relevant.any_of.iter().find(|v| target.option(v).is_none()) {
        return Err(InstrumentError::RelevantUnknownValue {
            at: at.clone(),
            target: target_id.clone(),
            value: value.clone(),
        });
    }
    Ok(())
}
