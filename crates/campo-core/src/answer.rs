//! Answers as a respondent gives them. The item's type says how a value is read:
//! single_choice and scale hold an option `value`, multiple_choice a list of them,
//! text a string, date a `YYYY-MM-DD` string, number a number. Kept untagged so a
//! 13-item scale submission stays small on the wire.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(untagged)]
pub enum AnswerValue {
    Number(f64),
    Text(String),
    Many(Vec<String>),
}

/// Item id -> answer. Ordered so that the same answers always serialize the same way
/// (the server's duplicate check hashes them).
pub type Answers = BTreeMap<String, AnswerValue>;

/// The OpenAPI schemas of an answer and of a submission's answers, written by hand: the
/// derive cannot say that an untagged number is any finite `f64`, nor describe the
/// `Answers` alias. Which items and values an instrument takes is checked by the server
/// against the stored instrument, not by the schema.
#[cfg(feature = "openapi")]
mod openapi {
    use super::AnswerValue;
    use utoipa::openapi::schema::{
        ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
    };
    use utoipa::openapi::{Ref, RefOr};

    impl utoipa::PartialSchema for AnswerValue {
        fn schema() -> RefOr<Schema> {
            let text = || ObjectBuilder::new().schema_type(Type::String);
            OneOfBuilder::new()
                .description(Some(
                    "An answer: a number (number items), a text (an option `value` for single_choice \
                     and scale items, free text for text items, `YYYY-MM-DD` for date items) or a \
                     list of option values (multiple_choice items).",
                ))
                .item(
                    ObjectBuilder::new()
                        .schema_type(Type::Number)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
                        .minimum(Some(f64::MIN))
                        .maximum(Some(f64::MAX)),
                )
                .item(text())
                .item(ArrayBuilder::new().items(text()))
                .into()
        }
    }

    impl utoipa::ToSchema for AnswerValue {}

    /// `Answers`: item id -> answer. Register `AnswerValue` beside it in the document.
    pub fn answers_schema() -> Schema {
        ObjectBuilder::new()
            .description(Some("Item id -> answer."))
            .additional_properties(Some(Ref::from_schema_name("AnswerValue")))
            .into()
    }
}

#[cfg(feature = "openapi")]
pub use openapi::answers_schema;
