//! XLSForm → Campo. Each sheet is read whole and every fault found is kept, so an author
//! fixes a form in one pass instead of one upload per mistake.

use crate::expr::{self, Constraint, Test};
use crate::lang::{language_name, parse_language};
use crate::sheet::{self, Row, Sheet};
use crate::{Converted, Problem};
use campo_core::load::{check_instrument, load_instrument, InstrumentError, Location};
use campo_core::{Activity, Choice, Instrument, Item, ItemType, Lang, Relevant, Scoring, Text};
use std::collections::HashMap;

mod choices;
mod settings;
mod survey;

const SURVEY: &str = "survey";
const CHOICES: &str = "choices";
const SETTINGS: &str = "settings";

/// Reads the XLSForm in `bytes` (an .xlsx file) as a Campo
/// instrument, or names every problem found, each with its sheet, row and column.
///
/// The instrument returned has passed campo-core's JSON schema and rules, so it loads
/// wherever Campo loads instruments.
pub fn read_xlsform(bytes: &[u8]) -> Result<Converted, Vec<Problem>> {
    let mut reader = Reading::default();
    let Some(sheets) = sheet::load(bytes, &mut reader.problems) else {
        return Err(reader.problems);
    };
    let result = reader.read(&sheets);
    let mut problems = reader.problems;
    match result {
        Some(instrument) if problems.is_empty() => {
            let mut untranslated = reader.untranslated;
            in_reading_order(&mut untranslated);
            return Ok(Converted {
                instrument,
                untranslated,
            });
        }
        // Every refusal above records its reason; this only guards against one that does not.
        None if problems.is_empty() => problems.push(Problem {
            sheet: String::new(),
            row: None,
            column: None,
            message: "the form could not be read as an instrument".to_string(),
        }),
        _ => {}
    }
    in_reading_order(&mut problems);
    Err(problems)
}

/// Sheet by sheet in the order an author reads a form, row by row within each (a stable
/// sort: columns stay in the order they were checked).
fn in_reading_order(problems: &mut [Problem]) {
    let rank = |p: &Problem| match p.sheet.to_lowercase().as_str() {
        "" => 0,
        SURVEY => 1,
        CHOICES => 2,
        SETTINGS => 3,
        _ => 4,
    };
    problems.sort_by_key(|p| (rank(p), p.row.unwrap_or(0)));
}

#[derive(Default)]
struct Reading {
    problems: Vec<Problem>,
    untranslated: Vec<Problem>,
    /// Each item's survey row, for placing campo-core's faults (which name items).
    item_rows: HashMap<String, u32>,
}

/// A column's text in each of Campo's languages: the index of the column holding it.
#[derive(Clone, Copy, Default)]
struct TextColumns {
    it: Option<usize>,
    en: Option<usize>,
}

/// What `settings` says.
struct Settings {
    /// The sheet's name and the row its values were read from.
    sheet: String,
    row: u32,
    id: Option<String>,
    version: Option<u32>,
    title: Option<Text>,
    description: Option<Text>,
    topic: Option<Text>,
    activities: Option<Vec<Activity>>,
    anonymous: Option<bool>,
    scoring: Option<Scoring>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Select { multiple: bool, list: String },
    Number,
    Text,
    Date,
    Note,
}

/// One survey row, before its list and its condition are resolved.
struct Draft {
    row: u32,
    name: String,
    kind: Kind,
    likert: bool,
    faces: bool,
    label: Option<Text>,
    help: Option<Text>,
    required: bool,
    min: Option<f64>,
    max: Option<f64>,
    max_length: Option<u32>,
    relevant: Option<(expr::Condition, String)>,
}

/// One choices row.
struct ChoiceDraft {
    row: u32,
    name: String,
    label: Option<Text>,
    score: Option<u8>,
    correct: bool,
}

impl Reading {
    /// A yes/no cell (`key` names it in the message, `text` as the author wrote it), or
    /// `None` with the problem recorded at its place.
    fn flag(
        &mut self,
        sheet: &str,
        row: Option<u32>,
        column: Option<&str>,
        key: &str,
        text: &str,
    ) -> Option<bool> {
        let parsed = yes_no(text);
        if parsed.is_none() {
            self.problem(
                sheet,
                row,
                column,
                format!("{key} \"{text}\" is not yes or no"),
            );
        }
        parsed
    }

    fn problem(
        &mut self,
        sheet: &str,
        row: Option<u32>,
        column: Option<&str>,
        message: impl Into<String>,
    ) {
        self.problems.push(Problem {
            sheet: sheet.to_string(),
            row,
            column: column.map(str::to_string),
            message: message.into(),
        });
    }

    fn read(&mut self, sheets: &[Sheet]) -> Option<Instrument> {
        let mut survey = None;
        let mut choices = None;
        let mut settings = None;
        for sheet in sheets {
            match sheet.name.trim().to_lowercase().as_str() {
                SURVEY => survey = Some(sheet),
                CHOICES => choices = Some(sheet),
                SETTINGS => settings = Some(sheet),
                other if sheet.has_content => {
                    let what = match other {
                        "external_choices" => {
                            "external choices (choice filters over a file) are not supported"
                        }
                        "entities" => "entities (records shared between forms) are not supported",
                        "osm" => "OpenStreetMap questions are not supported",
                        _ => "",
                    };
                    let message = if what.is_empty() {
                        format!("sheet {} is not part of the XLSForm subset Campo reads (survey, choices, settings); remove it or empty it", sheet.name)
                    } else {
                        format!("sheet {}: {what}; remove it or empty it", sheet.name)
                    };
                    self.problem(&sheet.name, None, None, message);
                }
                _ => {}
            }
        }

        let default_language = match settings {
            Some(s) => self.default_language(s),
            None => Lang::It,
        };
        let settings = match settings {
            Some(sheet) => self.settings(sheet, default_language),
            None => {
                self.problem(
                    SETTINGS,
                    None,
                    None,
                    "no settings sheet: Campo needs form_id, version, campo_activities and campo_anonymous from it",
                );
                None
            }
        };
        let scoring = settings.as_ref().and_then(|s| s.scoring);
        let lists = match choices {
            Some(sheet) => self.choices(sheet, default_language, scoring),
            None => HashMap::new(),
        };
        let Some(survey) = survey else {
            self.problem(
                SURVEY,
                None,
                None,
                "no survey sheet: it holds the questions",
            );
            return None;
        };
        let items = self.survey(
            survey,
            default_language,
            &lists,
            choices.map(|c| c.name.as_str()),
            scoring,
        );

        let settings = settings?;
        let mut instrument = Instrument {
            id: settings.id?,
            version: settings.version?,
            title: settings.title?,
            description: settings.description,
            activities: settings.activities?,
            topic: settings.topic,
            anonymous: settings.anonymous?,
            items: items?,
            scoring: settings.scoring.unwrap_or(Scoring::None),
        };
        if !self.problems.is_empty() {
            return None;
        }
        let rows: HashMap<String, u32> = self.item_rows.drain().collect();
        let survey_name = survey.name.clone();
        let place = |error: &InstrumentError| -> Problem {
            core_problem(error, &rows, &survey_name, &settings.sheet, settings.row)
        };
        // The same checks as every other way an instrument enters Campo, so a converted form
        // is never accepted here and refused later.
        if let Err(error) = check_instrument(&instrument) {
            self.problems.push(place(&error));
            return None;
        }
        let json = serde_json::to_string(&instrument).expect("an instrument serializes");
        match load_instrument(&json) {
            Ok(loaded) => instrument = loaded,
            Err(error) => {
                self.problems.push(place(&error));
                return None;
            }
        }
        Some(instrument)
    }
}

impl TextColumns {
    fn get(&self, lang: Lang) -> Option<usize> {
        match lang {
            Lang::It => self.it,
            Lang::En => self.en,
        }
    }

    fn set(&mut self, lang: Lang, column: Option<usize>) {
        match lang {
            Lang::It => self.it = column,
            Lang::En => self.en = column,
        }
    }
}

/// `yes`, `true`, `TRUE()`, `1` / `no`, `false`, `FALSE()`, `0`, empty.
fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "yes" | "true" | "true()" | "1" => Some(true),
        "no" | "false" | "false()" | "0" | "" => Some(false),
        _ => None,
    }
}

/// Campo's item and instrument ids: `^[a-z][a-z0-9_]*$`, at most 64 characters.
fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    text.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Campo's option values: `^[a-z0-9_]+$`, at most 32 characters.
fn is_option_value(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A campo-core fault placed on the sheet: on the item's survey row where it names an item,
/// on the settings row otherwise.
fn core_problem(
    error: &InstrumentError,
    rows: &HashMap<String, u32>,
    survey: &str,
    settings: &str,
    settings_row: u32,
) -> Problem {
    let (location, column) = match error {
        InstrumentError::Json { .. } | InstrumentError::Format { .. } => (None, None),
        InstrumentError::Schema { at, .. } | InstrumentError::EmptyText { at, .. } => {
            (Some(at), None)
        }
        InstrumentError::DuplicateItemId { at } => (Some(at), Some("name")),
        InstrumentError::DuplicateOptionValue { at, .. }
        | InstrumentError::MissingOptions { at, .. }
        | InstrumentError::MissingScore { at, .. }
        | InstrumentError::NoCorrectOption { at }
        | InstrumentError::SeveralCorrectOptions { at, .. }
        | InstrumentError::CorrectOutsideQuiz { at, .. } => (Some(at), Some("type")),
        InstrumentError::FieldNotForType { at, .. } => (Some(at), None),
        InstrumentError::NothingToScore { at } => (Some(at), Some("campo_scoring")),
        InstrumentError::RelevantUnknownItem { at, .. }
        | InstrumentError::RelevantNotEarlier { at, .. }
        | InstrumentError::RelevantNotChoice { at, .. }
        | InstrumentError::RelevantUnknownValue { at, .. } => (Some(at), Some("relevant")),
        InstrumentError::MinAboveMax { at, .. } => (Some(at), Some("constraint")),
    };
    let item_row = location
        .and_then(|at: &Location| at.item.as_ref())
        .and_then(|item| rows.get(item));
    match item_row {
        Some(row) => Problem {
            sheet: survey.to_string(),
            row: Some(*row),
            column: column.map(str::to_string),
            message: error.to_string(),
        },
        None => Problem {
            sheet: settings.to_string(),
            row: Some(settings_row),
            column: column.filter(|c| *c == "campo_scoring").map(str::to_string),
            message: error.to_string(),
        },
    }
}

/// The XLSForm type in `text` (whitespace already collapsed), or why Campo cannot take it.
fn parse_type(text: &str) -> Result<Kind, String> {
    let words: Vec<&str> = text.split(' ').collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    // pyxform also reads the spelled-out forms `select one L`, `begin group`.
    let (head, rest) = match lower.as_slice() {
        [a, b, ..] if a == "select" && (b == "one" || b == "multiple") => {
            (format!("select_{b}"), &words[2..])
        }
        [a, b, ..] if (a == "begin" || a == "end") && (b == "group" || b == "repeat") => {
            (format!("{a}_{b}"), &words[2..])
        }
        [a, ..] => (a.clone(), &words[1..]),
        [] => (String::new(), &words[..]),
    };
    let unsupported = |what: &str| Err(format!("type {text} is not supported: {what}"));
    match head.as_str() {
        "select_one" | "select_multiple" => match rest {
            [list] => Ok(Kind::Select {
                multiple: head == "select_multiple",
                list: list.to_string(),
            }),
            [] => Err(format!(
                "type {text}: {head} needs the name of its list in the choices sheet ({head} LIST)"
            )),
            [_, extra, ..] if extra.eq_ignore_ascii_case("or_other") => unsupported(
                "or_other (an \"other\" option with a text box) cannot be expressed: add an option \"other\" and a text question relevant to it",
            ),
            _ => Err(format!("type {text}: {head} takes one list name")),
        },
        // Campo's numbers have bounds only, no integer kind: an integer question becomes a
        // number that also accepts decimals (and is written back as decimal).
        "integer" | "int" | "decimal" if rest.is_empty() => Ok(Kind::Number),
        "text" if rest.is_empty() => Ok(Kind::Text),
        "date" if rest.is_empty() => Ok(Kind::Date),
        "note" if rest.is_empty() => Ok(Kind::Note),
        "begin_group" | "end_group" => {
            unsupported("Campo's instruments have no groups (a flat list of questions); remove the group's begin and end rows")
        }
        "begin_repeat" | "end_repeat" => {
            unsupported("Campo's instruments have no repeats (each question is asked once)")
        }
        "calculate" => unsupported("Campo computes no values in a form (calculate)"),
        "geopoint" | "geotrace" | "geoshape" | "start-geopoint" => {
            unsupported("Campo records no locations")
        }
        "image" | "audio" | "video" | "file" | "background-audio" | "background-recording" => {
            unsupported("Campo takes no media or file answers")
        }
        "barcode" => unsupported("Campo scans no barcodes"),
        "acknowledge" => unsupported("use a select_one with a single option, or a note"),
        "range" => unsupported("use an integer with a constraint, or a select_one with appearance likert"),
        "rank" => unsupported("Campo has no ranking questions"),
        "time" | "datetime" => unsupported("Campo takes dates, not times of day"),
        "start" | "end" | "today" | "deviceid" | "subscriberid" | "simserial" | "phonenumber"
        | "username" | "email" | "audit" => {
            unsupported("metadata is not collected by forms: Campo records who answered and when itself")
        }
        "hidden" | "trigger" | "xml-external" | "csv-external" | "select_one_from_file"
        | "select_multiple_from_file" | "select_one_external" | "osm" => {
            unsupported("it is outside the XLSForm subset Campo reads")
        }
        _ => Err(format!(
            "type {text} is not a type Campo reads (select_one, select_multiple, integer, decimal, text, date, note)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campo_core_faults_are_placed_on_the_item_s_row() {
        let rows: HashMap<String, u32> = [("q2".to_string(), 7)].into_iter().collect();
        let error = InstrumentError::RelevantNotEarlier {
            at: Location::item("form", "q2"),
            target: "q3".to_string(),
        };
        let problem = core_problem(&error, &rows, "survey", "settings", 2);
        assert_eq!(
            problem.to_string(),
            format!("survey, row 7, column relevant: {error}")
        );

        let error = InstrumentError::EmptyText {
            at: Location::instrument("form"),
            field: "title.en".to_string(),
        };
        let problem = core_problem(&error, &rows, "survey", "Settings", 2);
        assert_eq!((problem.sheet.as_str(), problem.row), ("Settings", Some(2)));
    }

    #[test]
    fn types_and_their_spellings() {
        assert_eq!(
            parse_type("select one yn"),
            Ok(Kind::Select {
                multiple: false,
                list: "yn".to_string()
            })
        );
        assert_eq!(parse_type("int"), Ok(Kind::Number));
        assert!(parse_type("select_one")
            .unwrap_err()
            .contains("needs the name of its list"));
        assert!(parse_type("text area")
            .unwrap_err()
            .contains("not a type Campo reads"));
        assert!(parse_type("begin group").unwrap_err().contains("no groups"));
        assert!(parse_type("start").unwrap_err().contains("metadata"));
    }
}
