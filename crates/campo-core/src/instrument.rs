//! The instrument format: what `schemas/instrument.schema.json` describes, as Rust types.

use crate::domain::Activity;
use crate::i18n::Text;
use serde::{Deserialize, Serialize};

/// A questionnaire, quiz, scale or checklist, identified by `id` and `version`.
/// A submission names the exact version it answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[a-z][a-z0-9_]*$", max_length = 64)
    )]
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 4294967295_u64))]
    pub version: u32,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// The activities whose meetings use this instrument.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::instrument::openapi::activities_schema))]
    pub activities: Vec<Activity>,
    /// For course quizzes: the course topic the quiz belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Text>,
    /// Never linked to a respondent: submissions carry no respondent code.
    pub anonymous: bool,
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub items: Vec<Item>,
    pub scoring: Scoring,
}

/// How a submission of an instrument is scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    SingleChoice,
    MultipleChoice,
    /// Ordered options, each with a `score`, shown as large buttons (faces where `faces`).
    Scale,
    Text,
    Number,
    Date,
    /// Display only: its label (and help) are shown between questions, nothing is
    /// answered, so it is never required and never scored.
    Note,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Item {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[a-z][a-z0-9_]*$", max_length = 64)
    )]
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
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 4294967295_u64))]
    pub max_length: Option<u32>,
    /// Asked only when an earlier item was answered with one of the given values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<Relevant>,
}

/// One option of a choice or scale item. `value` is the stable code stored in answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_]+$", max_length = 32))]
    pub value: String,
    pub label: Text,
    /// Scale options: 0..100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub score: Option<u8>,
    /// Quiz items: the one correct option.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub correct: bool,
}

/// `{"item": "q1", "any_of": ["yes"]}`: the item is asked only if the earlier item `q1`
/// was answered with one of `any_of` (for multiple choice: if any of them was chosen).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Relevant {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[a-z][a-z0-9_]*$", max_length = 64)
    )]
    pub item: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::instrument::openapi::any_of_schema))]
    pub any_of: Vec<String>,
}

impl Item {
    /// A note: text shown between questions, nothing to answer.
    pub fn note(id: impl Into<String>, label: Text) -> Item {
        Item {
            id: id.into(),
            item_type: ItemType::Note,
            label,
            help: None,
            required: false,
            options: Vec::new(),
            faces: false,
            min: None,
            max: None,
            max_length: None,
            relevant: None,
        }
    }
}

impl Instrument {
    /// The items that take an answer: all but notes (the columns of an export).
    pub fn answerable_items(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.item_type != ItemType::Note)
    }

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

/// Field schemas the derive cannot state (`uniqueItems`, constraints on array items), as
/// `schemas/instrument.schema.json` has them.
#[cfg(feature = "openapi")]
pub(crate) mod openapi {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
    use utoipa::openapi::Ref;

    /// `Instrument::activities`: at least one, each once.
    pub fn activities_schema() -> Schema {
        ArrayBuilder::new()
            .description(Some("The activities whose meetings use this instrument."))
            .items(Ref::from_schema_name("Activity"))
            .min_items(Some(1))
            .unique_items(true)
            .into()
    }

    /// `Relevant::any_of`: at least one option value, none empty.
    pub fn any_of_schema() -> Schema {
        ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1)),
            )
            .min_items(Some(1))
            .into()
    }
}
