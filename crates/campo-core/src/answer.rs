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
