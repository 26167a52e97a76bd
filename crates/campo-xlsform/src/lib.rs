//! Campo instruments from XLSForm spreadsheets and back.
//!
//! Field teams already write their forms as XLSForm (ODK, KoboToolbox and SurveyCTO all
//! read it through pyxform). [`read_xlsform`] turns such a form into a Campo
//! [`Instrument`](campo_core::Instrument), and [`write_xlsform`] writes an instrument as a
//! form those tools open. Both are pure: bytes in, bytes out, no files and no network.
//!
//! Only the part of XLSForm that Campo can honour is read. Everything else (groups,
//! repeats, calculations, media, choice filters, expressions Campo cannot evaluate, ...)
//! is refused with a [`Problem`] naming the sheet, the row and the column, never dropped:
//! a form that loses a skip rule or a constraint on the way in would collect different
//! data than its author meant.
//!
//! # The subset
//!
//! Sheets: `survey`, `choices` and `settings` (names compared without case). Any other
//! sheet holding a value is refused. `settings` is always needed: `form_id` and `version`
//! have no default.
//!
//! `survey` columns:
//!
//! | column | meaning in Campo |
//! | --- | --- |
//! | `type` | `select_one L` → single_choice, or scale with `appearance` `likert`; `select_multiple L` → multiple_choice; `integer`, `decimal` → number; `text`; `date`; `note` |
//! | `name` | item id (`^[a-z][a-z0-9_]*$`, at most 64 characters) |
//! | `label`, `label::Italian (it)`, `label::English (en)` | label |
//! | `hint`, `hint::…` | help |
//! | `required` | `yes`, `true`, `TRUE()`, `1` or `no`, `false`, `FALSE()`, `0`, empty |
//! | `constraint` | numbers: `. >= A`, `. <= B`, `. >= A and . <= B` (min, max); text: `string-length(.) <= N` (max_length) |
//! | `relevant` | `${q} = 'v'` and `selected(${q}, 'v')` joined with `or`, all on one earlier choice question `q` |
//! | `appearance` | `likert` on a `select_one` (a scale), or empty |
//! | `campo_faces` | `yes`/`no`: a face on each button of a likert scale |
//!
//! `choices` columns: `list_name`, `name` (the option value: `^[a-z0-9_]+$`, at most 32
//! characters), `label` in each language, `campo_score` (0..100, needed on every option of
//! a likert question) and `campo_correct` (`yes`/`no`: the right answer of a quiz item).
//!
//! `settings` columns (read from its first row of values): `form_id`, `version` (an
//! integer from 1 to 4294967295), `default_language`, `form_title`,
//! `campo_title::…`, `campo_description::…`, `campo_topic::…` (each in both
//! languages), `campo_activities` (`training_course`, `peer_group`, `committee`, separated
//! by spaces or commas), `campo_anonymous` (`yes`/`no`) and `campo_scoring`
//! (`percent_correct`, `mean_score`, `count_per_state`, `none`).
//!
//! Columns that exist but are empty in every row are ignored, whatever their name.
//!
//! # Languages
//!
//! Campo shows every text in Italian and English. A text column names its language as
//! XLSForm does, `label::Italian (it)`: the code in parentheses decides (`it`, `en`, or a
//! regional form such as `en-GB`), and without one the name does (Italian, Italiano,
//! English, Inglese). A column in any other language is refused. A column without a
//! language (`label`, `hint`, `campo_title`, ...) is in the form's `default_language`.
//! Where a text exists in only one of the two languages, the other gets a copy and the
//! copy is listed in [`Converted::untranslated`] with its place, so it can be translated.
//!
//! # Defaults
//!
//! - `default_language` absent: Italian, Campo's own first language.
//! - `form_title`: the title in the default language, where the matching
//!   `campo_title::…` column is absent. A form needs one of them.
//! - `campo_scoring` absent: `none` (a form that is not scored).
//! - `required`, `campo_faces`, `campo_correct` empty: no.
//! - `campo_activities` and `campo_anonymous` have no default: guessing the activity would
//!   put the instrument in the wrong meetings, and guessing "not anonymous" would link the
//!   answers of a survey promised as anonymous to the people who gave them.
//!
//! # Writing
//!
//! [`write_xlsform`] writes exactly the forms above: `label::Italian (it)` and
//! `label::English (en)` (same for `hint`), one choice list per choice item named after
//! the item, `appearance` `likert` and `campo_faces` for scales, numbers as `decimal`,
//! `default_language` `Italian (it)`, `form_title` the Italian title and every `campo_*`
//! setting. Reading the result gives back an instrument equal to the one written; the
//! writer checks this before returning the bytes.
//!
//! One direction loses a distinction: Campo's numbers have bounds only, so both `integer`
//! and `decimal` become a number that accepts decimals, and a number is written back as
//! `decimal`.

mod expr;
mod lang;
mod read;
mod sheet;
mod write;

use std::fmt;

pub use read::read_xlsform;
pub use write::{write_xlsform, WriteError};

/// An instrument read from an XLSForm.
#[derive(Clone, Debug, PartialEq)]
pub struct Converted {
    /// Checked against the JSON schema and campo-core's rules: it loads as it is.
    pub instrument: campo_core::Instrument,
    /// Warnings, not faults: each text that existed in only one language and was copied
    /// into the other, at the place (sheet, row, column) of the text that was copied.
    pub untranslated: Vec<Problem>,
}

/// A fault in a form (or, in [`Converted::untranslated`], a warning), where a spreadsheet
/// user finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The sheet as the workbook names it (`survey`, `choices`, `settings`, ...); empty when
    /// the fault is the file itself (not a spreadsheet).
    pub sheet: String,
    /// 1-based, as a spreadsheet shows it; `None` for a fault of a whole sheet.
    pub row: Option<u32>,
    /// The header text of the column, as written in the form.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    /// `survey, row 7, column relevant: ...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if !self.sheet.is_empty() {
            place.push(self.sheet.clone());
        }
        if let Some(row) = self.row {
            place.push(format!("row {row}"));
        }
        if let Some(column) = &self.column {
            place.push(format!("column {column}"));
        }
        if place.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", place.join(", "), self.message)
        }
    }
}

impl std::error::Error for Problem {}
