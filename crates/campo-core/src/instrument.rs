//! The instrument format: what `schemas/instrument.schema.json` describes, as Rust types.

use crate::domain::Activity;
use crate::i18n::Text;
use serde::{Deserialize, Serialize};

/// A questionnaire, quiz, scale or checklist, identified by `id` and `version`.
/// A submission names the exact version it answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub version: u32,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// The activities whose meetings use this instrument.
    pub activities: Vec<Activity>,
    /// For course quizzes: the course topic the quiz belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Text>,
    /// Never linked to a respondent: submissions carry no respondent code.
    pub anonymous: bool,
    pub items: Vec<Item>,
    pub scoring: Scoring,
}

/// How a submission of an instrument is scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Quizzes: % of the items with a `correct` option answered correctly.
    PercentCorrect,
    /// Satisfaction scales: mean of the answered options' `score` (0..100).
    MeanScore,
    /// Checklists: how many items were answered with each option value.
    CountPerState,
    /// Not scored (forms).
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    SingleChoice,
    MultipleChoice,
    /// Ordered options, each with a `score`, shown as large buttons (faces where `faces`).
    Scale,
    Text,
    Number,
    Date,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
    #[serde(default)]
    pub required: bool,
    /// Choices of single_choice, multiple_choice and scale items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Scale items: show a face on each button.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub faces: bool,
    /// Number items: inclusive bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Text items: longest answer accepted, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Asked only when an earlier item was answered with one of the given values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<Relevant>,
}

/// One option of a choice or scale item. `value` is the stable code stored in answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: Text,
    /// Scale options: 0..100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    /// Quiz items: the one correct option.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub correct: bool,
}

/// `{"item": "q1", "any_of": ["yes"]}`: the item is asked only if the earlier item `q1`
/// was answered with one of `any_of` (for multiple choice: if any of them was chosen).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct Relevant {
    pub item: String,
    pub any_of: Vec<String>,
}

impl Instrument {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

impl Item {
    pub fn option(&self, value: &str) -> Option<&Choice> {
        self.options.iter().find(|o| o.value == value)
    }

    pub fn correct_option(&self) -> Option<&Choice> {
        self.options.iter().find(|o| o.correct)
    }
}
