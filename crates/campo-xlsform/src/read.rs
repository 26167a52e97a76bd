//! XLSForm → Campo. Each sheet is read whole and every fault found is kept, so an author
//! fixes a form in one pass instead of one upload per mistake.

use crate::expr::{self, Constraint, Test};
use crate::lang::{language_name, parse_language};
use crate::sheet::{self, Row, Sheet};
use crate::{Converted, Problem};
use campo_core::load::{check_instrument, load_instrument, InstrumentError, Location};
use campo_core::{Activity, Choice, Instrument, Item, ItemType, Lang, Relevant, Scoring, Text};
use std::collections::HashMap;

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

impl Reading {
    fn settings(&mut self, sheet: &Sheet, default_language: Lang) -> Option<Settings> {
        let known = [
            "form_id",
            "version",
            "default_language",
            "form_title",
            "campo_activities",
            "campo_anonymous",
            "campo_scoring",
        ];
        let texts = ["campo_title", "campo_description", "campo_topic"];
        let title_columns = self.text_columns(sheet, "campo_title", default_language);
        let description_columns = self.text_columns(sheet, "campo_description", default_language);
        let topic_columns = self.text_columns(sheet, "campo_topic", default_language);
        self.refuse_unknown_columns(sheet, &known, &texts);

        let Some(row) = sheet.rows.first() else {
            self.problem(
                &sheet.name,
                Some(sheet.header_row + 1),
                None,
                "the settings sheet has no values: Campo needs form_id, version, campo_activities and campo_anonymous",
            );
            return None;
        };
        if let Some(extra) = sheet.rows.get(1) {
            self.problem(
                &sheet.name,
                Some(extra.number),
                None,
                format!(
                    "settings are read from one row (row {}); this row would be ignored: empty it",
                    row.number
                ),
            );
        }
        let place = Some(row.number);
        let value = |key: &str| -> (&str, Option<&str>) {
            match sheet.column(key) {
                Some(c) => (row.get(Some(c)).trim(), Some(sheet.header(c))),
                None => ("", None),
            }
        };

        let id = match value("form_id") {
            ("", _) => {
                self.problem(
                    &sheet.name,
                    place,
                    Some("form_id"),
                    "form_id is missing: it becomes the instrument's id",
                );
                None
            }
            (id, _) if is_identifier(id) => Some(id.to_string()),
            (id, column) => {
                self.problem(
                    &sheet.name,
                    place,
                    column,
                    format!("form_id \"{id}\" is not a Campo id: lower-case letters, digits and _, starting with a letter, at most 64 characters"),
                );
                None
            }
        };

        let version = match value("version") {
            ("", _) => {
                self.problem(
                    &sheet.name,
                    place,
                    Some("version"),
                    "version is missing: Campo needs an integer from 1, raised with each change",
                );
                None
            }
            (text, column) => match text.parse::<u32>() {
                Ok(v) if v >= 1 => Some(v),
                _ => {
                    self.problem(
                        &sheet.name,
                        place,
                        column,
                        format!("version \"{text}\" is not an integer from 1 to 4294967295"),
                    );
                    None
                }
            },
        };

        // form_title is the title in the default language, where campo_title does not give it.
        let mut title_columns = title_columns;
        let default_title = title_columns
            .get(default_language)
            .map_or("", |c| row.get(Some(c)));
        if default_title.is_empty() {
            if let Some(column) = sheet.column("form_title") {
                title_columns.set(default_language, Some(column));
            }
        }
        let title = self.bilingual(sheet, row, title_columns, "title");
        if title.is_none() {
            self.problem(
                &sheet.name,
                place,
                Some("form_title"),
                "the form has no title: give form_title, or campo_title::Italian (it) and campo_title::English (en)",
            );
        }
        let description = self.bilingual(sheet, row, description_columns, "description");
        let topic = self.bilingual(sheet, row, topic_columns, "topic");

        let activities = match value("campo_activities") {
            ("", _) => {
                self.problem(
                    &sheet.name,
                    place,
                    Some("campo_activities"),
                    "campo_activities is missing: the activities whose meetings use this instrument (training_course, peer_group, committee)",
                );
                None
            }
            (text, column) => {
                let mut activities = Vec::new();
                let mut fine = true;
                for word in text.split([' ', ',', ';']).filter(|w| !w.is_empty()) {
                    match Activity::ALL
                        .iter()
                        .find(|a| a.code() == word.to_lowercase())
                    {
                        Some(a) if activities.contains(a) => {
                            fine = false;
                            self.problem(
                                &sheet.name,
                                place,
                                column,
                                format!("campo_activities names {word} twice"),
                            );
                        }
                        Some(a) => activities.push(*a),
                        None => {
                            fine = false;
                            self.problem(
                                &sheet.name,
                                place,
                                column,
                                format!("campo_activities: \"{word}\" is not an activity (training_course, peer_group, committee)"),
                            );
                        }
                    }
                }
                if fine && activities.is_empty() {
                    fine = false;
                    self.problem(
                        &sheet.name,
                        place,
                        column,
                        "campo_activities names no activity (training_course, peer_group, committee)",
                    );
                }
                fine.then_some(activities)
            }
        };

        let anonymous = match value("campo_anonymous") {
            ("", _) => {
                self.problem(
                    &sheet.name,
                    place,
                    Some("campo_anonymous"),
                    "campo_anonymous is missing: yes if answers must never be linked to a respondent, no otherwise",
                );
                None
            }
            (text, column) => {
                let parsed = yes_no(text);
                if parsed.is_none() {
                    self.problem(
                        &sheet.name,
                        place,
                        column,
                        format!("campo_anonymous \"{text}\" is not yes or no"),
                    );
                }
                parsed
            }
        };

        let scoring = match value("campo_scoring") {
            ("", _) => Some(Scoring::None),
            (text, column) => {
                let parsed = match text.to_lowercase().as_str() {
                    "percent_correct" => Some(Scoring::PercentCorrect),
                    "mean_score" => Some(Scoring::MeanScore),
                    "count_per_state" => Some(Scoring::CountPerState),
                    "none" => Some(Scoring::None),
                    _ => None,
                };
                if parsed.is_none() {
                    self.problem(
                        &sheet.name,
                        place,
                        column,
                        format!("campo_scoring \"{text}\" is not percent_correct, mean_score, count_per_state or none"),
                    );
                }
                parsed
            }
        };

        Some(Settings {
            sheet: sheet.name.clone(),
            row: row.number,
            id,
            version,
            title,
            description,
            topic,
            activities,
            anonymous,
            scoring,
        })
    }

    /// The language of the form's plain columns (`label`, `hint`, ...).
    fn default_language(&mut self, sheet: &Sheet) -> Lang {
        let Some(column) = sheet.column("default_language") else {
            return Lang::It;
        };
        let Some(row) = sheet.rows.first() else {
            return Lang::It;
        };
        let text = row.get(Some(column)).trim();
        if text.is_empty() {
            return Lang::It;
        }
        parse_language(text).unwrap_or_else(|| {
            self.problem(
                &sheet.name,
                Some(row.number),
                Some(sheet.header(column)),
                format!("default_language \"{text}\" is not Italian or English, the languages of Campo's texts"),
            );
            Lang::It
        })
    }

    /// The columns holding `base` in Italian and in English. Columns in other languages, and
    /// two columns giving the same language, are refused.
    fn text_columns(&mut self, sheet: &Sheet, base: &str, default_language: Lang) -> TextColumns {
        let mut found = TextColumns::default();
        for (index, column) in sheet.columns.iter().enumerate() {
            if column.key != base {
                continue;
            }
            let lang = match &column.suffix {
                None => default_language,
                Some(suffix) => match parse_language(suffix) {
                    Some(lang) => lang,
                    None => {
                        self.problem(
                            &sheet.name,
                            sheet.first_use(index),
                            Some(&column.header),
                            format!("language \"{suffix}\" is not Italian or English: Campo's texts are in Italian and English only; remove the column or empty it"),
                        );
                        continue;
                    }
                },
            };
            match found.get(lang) {
                Some(other) => self.problem(
                    &sheet.name,
                    Some(sheet.header_row),
                    Some(&column.header),
                    format!(
                        "this column and column {} both give the {} {base}{}",
                        sheet.header(other),
                        language_name(lang),
                        if column.suffix.is_none() || sheet.columns[other].suffix.is_none() {
                            " (a column without a language is in the default_language)"
                        } else {
                            ""
                        }
                    ),
                ),
                None => found.set(lang, Some(index)),
            }
        }
        found
    }

    /// Refuses every column with a value that this reader would not read, so nothing in the
    /// form is lost without its author knowing.
    fn refuse_unknown_columns(&mut self, sheet: &Sheet, plain: &[&str], texts: &[&str]) {
        for (index, column) in sheet.columns.iter().enumerate() {
            let known = if texts.contains(&column.key.as_str()) {
                true // languages are checked by text_columns
            } else {
                plain.contains(&column.key.as_str()) && column.suffix.is_none()
            };
            if known {
                continue;
            }
            let reason = match column.key.as_str() {
                "constraint_message" | "required_message" => {
                    "custom messages are not supported (Campo words its own message for an answer it refuses)"
                }
                "calculation" => "calculations are not supported",
                "choice_filter" => "choice filters are not supported (Campo shows every option of a question)",
                "default" => "default answers are not supported",
                "read_only" => "read-only questions are not supported (use a note)",
                "media" | "image" | "big-image" | "big_image" | "audio" | "video" => {
                    "media (pictures, sound, video) are not supported"
                }
                "guidance_hint" => "guidance hints are not supported (use hint)",
                "repeat_count" => "repeats are not supported",
                "trigger" => "triggers are not supported",
                "parameters" => "parameters are not supported",
                _ if plain.contains(&column.key.as_str()) => {
                    "this column takes no language: remove the :: part"
                }
                _ => "",
            };
            let uses = sheet.uses(index);
            let more = if uses > 1 {
                format!(" (used in {uses} rows)")
            } else {
                String::new()
            };
            let message = if reason.is_empty() {
                format!(
                    "column {} is not part of the XLSForm subset Campo reads; remove it or empty it{more}",
                    column.header
                )
            } else {
                format!(
                    "column {}: {reason}; remove it or empty it{more}",
                    column.header
                )
            };
            self.problem(
                &sheet.name,
                sheet.first_use(index),
                Some(&column.header),
                message,
            );
        }
    }

    /// A text in both languages from `columns`; one missing is copied from the other and
    /// listed as untranslated.
    fn bilingual(
        &mut self,
        sheet: &Sheet,
        row: &Row,
        columns: TextColumns,
        what: &str,
    ) -> Option<Text> {
        let it = columns
            .it
            .map(|c| row.get(Some(c)))
            .filter(|t| !t.is_empty());
        let en = columns
            .en
            .map(|c| row.get(Some(c)))
            .filter(|t| !t.is_empty());
        let (present, source, missing) = match (it, en) {
            (Some(it), Some(en)) => return Some(Text::new(it, en)),
            (None, None) => return None,
            (Some(it), None) => (it, columns.it, Lang::En),
            (None, Some(en)) => (en, columns.en, Lang::It),
        };
        let from = if missing == Lang::En {
            Lang::It
        } else {
            Lang::En
        };
        self.untranslated.push(Problem {
            sheet: sheet.name.clone(),
            row: Some(row.number),
            column: source.map(|c| sheet.header(c).to_string()),
            message: format!(
                "no {} {what}: the {} text was copied (untranslated)",
                language_name(missing),
                language_name(from)
            ),
        });
        Some(Text::new(present, present))
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

impl Reading {
    fn choices(
        &mut self,
        sheet: &Sheet,
        default_language: Lang,
        scoring: Option<Scoring>,
    ) -> HashMap<String, Vec<ChoiceDraft>> {
        let labels = self.text_columns(sheet, "label", default_language);
        self.refuse_unknown_columns(
            sheet,
            &["list_name", "name", "campo_score", "campo_correct"],
            &["label"],
        );
        let list_column = sheet.column("list_name");
        let name_column = sheet.column("name");
        let score_column = sheet.column("campo_score");
        let correct_column = sheet.column("campo_correct");
        let header = |column: Option<usize>, fallback: &'static str| -> String {
            column.map_or(fallback.to_string(), |c| sheet.header(c).to_string())
        };

        let mut lists: HashMap<String, Vec<ChoiceDraft>> = HashMap::new();
        for row in &sheet.rows {
            let place = Some(row.number);
            let list = row.get(list_column).trim();
            let name = row.get(name_column).trim();
            if list.is_empty() {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(list_column, "list_name")),
                    "this option has no list_name: it names the list a select_one or select_multiple uses",
                );
                continue;
            }
            if name.is_empty() {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(name_column, "name")),
                    format!("an option of list {list} has no name: the name is the value stored in answers"),
                );
            } else if !is_option_value(name) {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(name_column, "name")),
                    format!("option name \"{name}\" is not a Campo option value: lower-case letters, digits and _ only (no spaces), at most 32 characters"),
                );
            } else if let Some(first) = lists
                .get(list)
                .and_then(|options| options.iter().find(|o| o.name == name))
            {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(name_column, "name")),
                    format!(
                        "option name \"{name}\" appears twice in list {list} (first in row {})",
                        first.row
                    ),
                );
            }
            let label = self.bilingual(sheet, row, labels, "label");
            if label.is_none() {
                self.problem(
                    &sheet.name,
                    place,
                    Some("label"),
                    format!("option \"{name}\" of list {list} has no label"),
                );
            }
            let score = match row.get(score_column).trim() {
                "" => None,
                text => {
                    let score = text.parse::<u8>().ok().filter(|s| *s <= 100);
                    if score.is_none() {
                        self.problem(
                            &sheet.name,
                            place,
                            Some(&header(score_column, "campo_score")),
                            format!("campo_score \"{text}\" is not an integer from 0 to 100"),
                        );
                    }
                    score
                }
            };
            let correct_text = row.get(correct_column);
            let correct = yes_no(correct_text).unwrap_or_else(|| {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(correct_column, "campo_correct")),
                    format!("campo_correct \"{}\" is not yes or no", correct_text.trim()),
                );
                false
            });
            if correct && scoring.is_some_and(|s| s != Scoring::PercentCorrect) {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(correct_column, "campo_correct")),
                    "campo_correct marks the right answer of a quiz, but campo_scoring is not percent_correct",
                );
            }
            lists
                .entry(list.to_string())
                .or_default()
                .push(ChoiceDraft {
                    row: row.number,
                    name: name.to_string(),
                    label,
                    score,
                    correct,
                });
        }
        lists
    }

    fn survey(
        &mut self,
        sheet: &Sheet,
        default_language: Lang,
        lists: &HashMap<String, Vec<ChoiceDraft>>,
        choices_sheet: Option<&str>,
        scoring: Option<Scoring>,
    ) -> Option<Vec<Item>> {
        let labels = self.text_columns(sheet, "label", default_language);
        let hints = self.text_columns(sheet, "hint", default_language);
        self.refuse_unknown_columns(
            sheet,
            &[
                "type",
                "name",
                "required",
                "constraint",
                "relevant",
                "appearance",
                "campo_faces",
            ],
            &["label", "hint"],
        );
        let columns: HashMap<&str, Option<usize>> = [
            "type",
            "name",
            "required",
            "constraint",
            "relevant",
            "appearance",
            "campo_faces",
        ]
        .into_iter()
        .map(|key| (key, sheet.column(key)))
        .collect();
        let header = |key: &'static str| -> String {
            columns[key].map_or(key.to_string(), |c| sheet.header(c).to_string())
        };

        let mut drafts: Vec<Draft> = Vec::new();
        let mut names: HashMap<String, u32> = HashMap::new();
        for row in &sheet.rows {
            let place = Some(row.number);
            let cell = |key: &str| row.get(columns[key]).trim();
            let type_text = cell("type")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if type_text.is_empty() {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("type")),
                    "this row has no type: give one (select_one, select_multiple, integer, decimal, text, date, note) or empty the row",
                );
                continue;
            }
            let kind = match parse_type(&type_text) {
                Ok(kind) => kind,
                Err(message) => {
                    self.problem(&sheet.name, place, Some(&header("type")), message);
                    continue;
                }
            };

            let name = cell("name");
            if name.is_empty() {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("name")),
                    format!("the {type_text} question has no name: it becomes the item's id"),
                );
            } else if !is_identifier(name) {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("name")),
                    format!("name \"{name}\" is not a Campo id: lower-case letters, digits and _, starting with a letter, at most 64 characters"),
                );
            } else if let Some(first) = names.get(name) {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("name")),
                    format!("name \"{name}\" is used twice (first in row {first}): names must be unique"),
                );
            }
            names.entry(name.to_string()).or_insert(row.number);

            let label = self.bilingual(sheet, row, labels, "label");
            if label.is_none() {
                self.problem(
                    &sheet.name,
                    place,
                    Some("label"),
                    format!("question \"{name}\" has no label"),
                );
            }
            let help = self.bilingual(sheet, row, hints, "hint");

            let required = yes_no(cell("required")).unwrap_or_else(|| {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("required")),
                    format!("required \"{}\" is not yes or no", cell("required")),
                );
                false
            });
            if required && kind == Kind::Note {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("required")),
                    "a note is never answered, so it cannot be required",
                );
            }

            let single = matches!(
                kind,
                Kind::Select {
                    multiple: false,
                    ..
                }
            );
            let likert = match cell("appearance").to_lowercase().as_str() {
                "" => false,
                "likert" if single => true,
                "likert" => {
                    self.problem(
                        &sheet.name,
                        place,
                        Some(&header("appearance")),
                        format!("appearance likert applies to a select_one question, not to {type_text}"),
                    );
                    false
                }
                other => {
                    self.problem(
                        &sheet.name,
                        place,
                        Some(&header("appearance")),
                        format!("appearance \"{other}\" is not supported: Campo reads likert (on select_one) only"),
                    );
                    false
                }
            };
            let faces = yes_no(cell("campo_faces")).unwrap_or_else(|| {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("campo_faces")),
                    format!("campo_faces \"{}\" is not yes or no", cell("campo_faces")),
                );
                false
            });
            if faces && !likert {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("campo_faces")),
                    "campo_faces puts faces on the buttons of a likert scale, and this question has no appearance likert",
                );
            }

            let (mut min, mut max, mut max_length) = (None, None, None);
            let constraint = cell("constraint");
            if !constraint.is_empty() {
                let fault = match (&kind, expr::parse_constraint(constraint)) {
                    (Kind::Number, Ok(Constraint::Bounds { min: lo, max: hi })) => {
                        (min, max) = (lo, hi);
                        match (lo, hi) {
                            (Some(lo), Some(hi)) if lo > hi => Some(format!(
                                "constraint \"{constraint}\": the lower bound {lo} is above the upper bound {hi}"
                            )),
                            _ => None,
                        }
                    }
                    (Kind::Text, Ok(Constraint::MaxLength(n))) => {
                        max_length = Some(n);
                        None
                    }
                    (Kind::Number | Kind::Text, Ok(_)) => Some(format!(
                        "constraint \"{constraint}\" does not apply to a {type_text} question: numbers take . >= A and . <= B, texts string-length(.) <= N"
                    )),
                    (Kind::Number | Kind::Text, Err(message)) => Some(message),
                    (_, _) => Some(format!(
                        "constraint \"{constraint}\" on a {type_text} question is not supported: Campo checks bounds on numbers and the length of texts only"
                    )),
                };
                if let Some(message) = fault {
                    self.problem(&sheet.name, place, Some(&header("constraint")), message);
                }
            }

            let relevant_text = cell("relevant");
            let relevant = if relevant_text.is_empty() {
                None
            } else {
                match expr::parse_relevant(relevant_text) {
                    Ok(condition) => Some((condition, relevant_text.to_string())),
                    Err(message) => {
                        self.problem(&sheet.name, place, Some(&header("relevant")), message);
                        None
                    }
                }
            };

            drafts.push(Draft {
                row: row.number,
                name: name.to_string(),
                kind,
                likert,
                faces,
                label,
                help,
                required,
                min,
                max,
                max_length,
                relevant,
            });
        }

        if drafts.is_empty() {
            if sheet.rows.is_empty() {
                self.problem(&sheet.name, None, None, "the survey sheet has no questions");
            }
            return None;
        }

        let mut items = Vec::new();
        let mut scoreless_lists: Vec<&str> = Vec::new();
        for (index, draft) in drafts.iter().enumerate() {
            let place = Some(draft.row);
            let mut options = Vec::new();
            if let Kind::Select { list, .. } = &draft.kind {
                match lists.get(list) {
                    None => self.problem(
                        &sheet.name,
                        place,
                        Some(&header("type")),
                        if choices_sheet.is_some() {
                            format!("list {list} is not in the choices sheet")
                        } else {
                            format!("list {list} is not in the choices sheet (the form has no choices sheet)")
                        },
                    ),
                    Some(choices) => {
                        if draft.likert && !scoreless_lists.contains(&list.as_str()) {
                            let mut reported = false;
                            for choice in choices.iter().filter(|c| c.score.is_none()) {
                                reported = true;
                                self.problem(
                                    choices_sheet.unwrap_or(CHOICES),
                                    Some(choice.row),
                                    Some("campo_score"),
                                    format!(
                                        "option \"{}\" of list {list} has no campo_score: question \"{}\" is a likert scale, and each option of a scale needs a score from 0 to 100",
                                        choice.name, draft.name
                                    ),
                                );
                            }
                            if reported {
                                scoreless_lists.push(list);
                            }
                        }
                        if scoring == Some(Scoring::PercentCorrect) && !draft.likert {
                            let correct = choices.iter().filter(|c| c.correct).count();
                            if correct != 1 {
                                self.problem(
                                    &sheet.name,
                                    place,
                                    Some(&header("type")),
                                    format!(
                                        "question \"{}\" of a quiz (campo_scoring percent_correct) needs exactly one option with campo_correct yes in list {list}; it has {correct}",
                                        draft.name
                                    ),
                                );
                            }
                        }
                        options = choices
                            .iter()
                            .map(|c| Choice {
                                value: c.name.clone(),
                                label: c.label.clone().unwrap_or_default(),
                                score: c.score,
                                correct: c.correct,
                            })
                            .collect();
                    }
                }
            }

            let relevant = draft.relevant.as_ref().and_then(|(condition, text)| {
                self.relevant(
                    sheet,
                    &drafts[..index],
                    draft,
                    condition,
                    text,
                    lists,
                    &names,
                )
            });

            let item_type = match &draft.kind {
                Kind::Select { multiple: true, .. } => ItemType::MultipleChoice,
                Kind::Select { .. } if draft.likert => ItemType::Scale,
                Kind::Select { .. } => ItemType::SingleChoice,
                Kind::Number => ItemType::Number,
                Kind::Text => ItemType::Text,
                Kind::Date => ItemType::Date,
                Kind::Note => ItemType::Note,
            };
            self.item_rows
                .entry(draft.name.clone())
                .or_insert(draft.row);
            items.push(Item {
                id: draft.name.clone(),
                item_type,
                label: draft.label.clone().unwrap_or_default(),
                help: draft.help.clone(),
                required: draft.required,
                options,
                faces: draft.faces,
                min: draft.min,
                max: draft.max,
                max_length: draft.max_length,
                relevant,
            });
        }
        Some(items)
    }

    /// A parsed `relevant` checked against the questions before it.
    #[allow(clippy::too_many_arguments)]
    fn relevant(
        &mut self,
        sheet: &Sheet,
        earlier: &[Draft],
        draft: &Draft,
        condition: &expr::Condition,
        text: &str,
        lists: &HashMap<String, Vec<ChoiceDraft>>,
        names: &HashMap<String, u32>,
    ) -> Option<Relevant> {
        let place = Some(draft.row);
        let column = sheet
            .column("relevant")
            .map_or("relevant".to_string(), |c| sheet.header(c).to_string());
        let q = &condition.item;
        let Some(target) = earlier.iter().find(|d| &d.name == q) else {
            let message = match names.get(q) {
                Some(row) => format!(
                    "relevant \"{text}\" looks at ${{{q}}} (row {row}), which is not an earlier question: conditions may only look back"
                ),
                None => format!("relevant \"{text}\" looks at ${{{q}}}, which is not a question of this form"),
            };
            self.problem(&sheet.name, place, Some(&column), message);
            return None;
        };
        let Kind::Select { multiple, list } = &target.kind else {
            self.problem(
                &sheet.name,
                place,
                Some(&column),
                format!("relevant \"{text}\" looks at ${{{q}}}, which is not a select_one or select_multiple question: Campo's conditions look at the answer to a choice"),
            );
            return None;
        };
        let mut fine = true;
        if *multiple && condition.clauses.iter().any(|(t, _)| *t == Test::Equals) {
            fine = false;
            self.problem(
                &sheet.name,
                place,
                Some(&column),
                format!("relevant \"{text}\": on the select_multiple ${{{q}}}, = is true only when that option is the whole answer, which Campo cannot express; write selected(${{{q}}}, 'v') for \"v is among the answers\""),
            );
        }
        if let Some(options) = lists.get(list) {
            for (_, value) in &condition.clauses {
                if !options.iter().any(|o| &o.name == value) {
                    fine = false;
                    self.problem(
                        &sheet.name,
                        place,
                        Some(&column),
                        format!("relevant \"{text}\": '{value}' is not an option of ${{{q}}} (list {list})"),
                    );
                }
            }
        }
        fine.then(|| Relevant {
            item: q.clone(),
            any_of: condition.clauses.iter().map(|(_, v)| v.clone()).collect(),
        })
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
