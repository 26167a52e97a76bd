//! Campo → XLSForm, in exactly the forms `read_xlsform` reads, so a form written here and
//! read back is the same instrument.

use crate::expr::{format_bounds, format_max_length, format_relevant};
use crate::lang::column_language;
use crate::read::read_xlsform;
use campo_core::load::{check_instrument, InstrumentError};
use campo_core::{Activity, Instrument, ItemType, Lang, Scoring, Text};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum WriteError {
    /// Only instruments Campo would load are written: anything else could not be read back.
    #[error("the instrument is not valid: {0}")]
    Invalid(#[from] InstrumentError),

    /// A text XLSForm tools would not show as written.
    #[error("instrument \"{instrument}\" {place}: {message}")]
    Unsupported {
        instrument: String,
        /// `item "q1" label`, `title`, ...
        place: String,
        message: String,
    },

    /// The spreadsheet library refused a value (e.g. a text over Excel's 32,767 characters).
    #[error("the spreadsheet could not be written: {0}")]
    Spreadsheet(String),

    /// Reading the written form back did not give the same instrument; writing it would
    /// lose something, so nothing is written.
    #[error("instrument \"{instrument}\" does not read back unchanged from XLSForm: {detail}")]
    NotExact { instrument: String, detail: String },
}

impl From<XlsxError> for WriteError {
    fn from(error: XlsxError) -> Self {
        WriteError::Spreadsheet(error.to_string())
    }
}

const SURVEY_COLUMNS: [&str; 11] = [
    "type",
    "name",
    "label::Italian (it)",
    "label::English (en)",
    "hint::Italian (it)",
    "hint::English (en)",
    "required",
    "constraint",
    "relevant",
    "appearance",
    "campo_faces",
];

const CHOICES_COLUMNS: [&str; 6] = [
    "list_name",
    "name",
    "label::Italian (it)",
    "label::English (en)",
    "campo_score",
    "campo_correct",
];

/// Writes `instrument` as an XLSForm workbook (.xlsx) that pyxform, ODK, KoboToolbox and
/// SurveyCTO accept and that [`read_xlsform`](crate::read_xlsform) reads back unchanged.
pub fn write_xlsform(instrument: &Instrument) -> Result<Vec<u8>, WriteError> {
    check_instrument(instrument)?;
    check_xlsform_limits(instrument)?;

    let mut workbook = Workbook::new();
    write_survey(workbook.add_worksheet(), instrument)?;
    write_choices(workbook.add_worksheet(), instrument)?;
    write_settings(workbook.add_worksheet(), instrument)?;
    let bytes = workbook.save_to_buffer()?;

    // The guarantee callers rely on: what is written reads back as the same instrument.
    let not_exact = |detail: String| WriteError::NotExact {
        instrument: instrument.id.clone(),
        detail,
    };
    match read_xlsform(&bytes) {
        Ok(read) if read.instrument == *instrument => Ok(bytes),
        Ok(_) => Err(not_exact("the instrument read back differs".to_string())),
        Err(problems) => Err(not_exact(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )),
    }
}

/// What XLSForm tools would not take as Campo means it: `${name}` in a text is replaced
/// with an answer, and pyxform keeps the name `meta` for the form's metadata.
fn check_xlsform_limits(instrument: &Instrument) -> Result<(), WriteError> {
    if let Some(item) = instrument.items.iter().find(|i| i.id == "meta") {
        return Err(WriteError::Unsupported {
            instrument: instrument.id.clone(),
            place: format!("item \"{}\"", item.id),
            message: "XLSForm keeps the name meta for the form's metadata: rename the item"
                .to_string(),
        });
    }
    let mut texts: Vec<(String, &Text)> = vec![("title".to_string(), &instrument.title)];
    texts.extend(
        instrument
            .description
            .iter()
            .map(|t| ("description".to_string(), t)),
    );
    texts.extend(instrument.topic.iter().map(|t| ("topic".to_string(), t)));
    for item in &instrument.items {
        texts.push((format!("item \"{}\" label", item.id), &item.label));
        texts.extend(
            item.help
                .iter()
                .map(|t| (format!("item \"{}\" help", item.id), t)),
        );
        for option in &item.options {
            texts.push((
                format!("item \"{}\" option \"{}\" label", item.id, option.value),
                &option.label,
            ));
        }
    }
    for (place, text) in texts {
        if text.it.contains("${") || text.en.contains("${") {
            return Err(WriteError::Unsupported {
                instrument: instrument.id.clone(),
                place,
                message: "the text contains \"${\", which XLSForm tools replace with an answer"
                    .to_string(),
            });
        }
    }
    Ok(())
}

fn header(sheet: &mut Worksheet, name: &str, columns: &[&str]) -> Result<(), WriteError> {
    sheet.set_name(name)?;
    for (c, title) in columns.iter().enumerate() {
        sheet.write_string(0, c as u16, *title)?;
        let width = if title.starts_with("label") || title.starts_with("hint") {
            40
        } else {
            14
        };
        sheet.set_column_width(c as u16, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Writes a non-empty string (an empty cell stays blank, as XLSForm authors leave it).
fn put(sheet: &mut Worksheet, row: u32, column: usize, text: &str) -> Result<(), WriteError> {
    if !text.is_empty() {
        sheet.write_string(row, column as u16, text)?;
    }
    Ok(())
}

fn put_text(
    sheet: &mut Worksheet,
    row: u32,
    first_column: usize,
    text: Option<&Text>,
) -> Result<(), WriteError> {
    if let Some(text) = text {
        put(sheet, row, first_column, &text.it)?;
        put(sheet, row, first_column + 1, &text.en)?;
    }
    Ok(())
}

fn write_survey(sheet: &mut Worksheet, instrument: &Instrument) -> Result<(), WriteError> {
    header(sheet, "survey", &SURVEY_COLUMNS)?;
    for (index, item) in instrument.items.iter().enumerate() {
        let row = index as u32 + 1;
        let type_text = match item.item_type {
            ItemType::SingleChoice | ItemType::Scale => format!("select_one {}", item.id),
            ItemType::MultipleChoice => format!("select_multiple {}", item.id),
            // Campo's numbers take decimals; `integer` would refuse answers Campo accepts.
            ItemType::Number => "decimal".to_string(),
            ItemType::Text => "text".to_string(),
            ItemType::Date => "date".to_string(),
            ItemType::Note => "note".to_string(),
        };
        put(sheet, row, 0, &type_text)?;
        put(sheet, row, 1, &item.id)?;
        put_text(sheet, row, 2, Some(&item.label))?;
        put_text(sheet, row, 4, item.help.as_ref())?;
        put(sheet, row, 6, if item.required { "yes" } else { "" })?;
        let constraint = match item.item_type {
            ItemType::Number => format_bounds(item.min, item.max),
            ItemType::Text => item.max_length.map(format_max_length).unwrap_or_default(),
            _ => String::new(),
        };
        put(sheet, row, 7, &constraint)?;
        if let Some(relevant) = &item.relevant {
            let multiple = instrument.item(&relevant.item).map(|i| i.item_type)
                == Some(ItemType::MultipleChoice);
            put(sheet, row, 8, &format_relevant(relevant, multiple))?;
        }
        if item.item_type == ItemType::Scale {
            put(sheet, row, 9, "likert")?;
            put(sheet, row, 10, if item.faces { "yes" } else { "" })?;
        }
    }
    Ok(())
}

fn write_choices(sheet: &mut Worksheet, instrument: &Instrument) -> Result<(), WriteError> {
    header(sheet, "choices", &CHOICES_COLUMNS)?;
    let mut row = 0u32;
    // One list per item, named after it: lists are per question in Campo, and an item's
    // options may change without touching another's.
    for item in &instrument.items {
        for option in &item.options {
            row += 1;
            put(sheet, row, 0, &item.id)?;
            put(sheet, row, 1, &option.value)?;
            put_text(sheet, row, 2, Some(&option.label))?;
            if let Some(score) = option.score {
                sheet.write_number(row, 4, f64::from(score))?;
            }
            put(sheet, row, 5, if option.correct { "yes" } else { "" })?;
        }
    }
    Ok(())
}

fn write_settings(sheet: &mut Worksheet, instrument: &Instrument) -> Result<(), WriteError> {
    let mut columns: Vec<String> = ["form_id", "version", "default_language", "form_title"]
        .map(str::to_string)
        .to_vec();
    let mut values: Vec<String> = vec![
        instrument.id.clone(),
        instrument.version.to_string(),
        column_language(Lang::It).to_string(),
        instrument.title.it.clone(),
    ];
    for (base, text) in [
        ("campo_title", Some(&instrument.title)),
        ("campo_description", instrument.description.as_ref()),
        ("campo_topic", instrument.topic.as_ref()),
    ] {
        for lang in Lang::ALL {
            columns.push(format!("{base}::{}", column_language(lang)));
            values.push(text.map(|t| t.get(lang).to_string()).unwrap_or_default());
        }
    }
    columns.extend(["campo_activities", "campo_anonymous", "campo_scoring"].map(str::to_string));
    values.push(
        instrument
            .activities
            .iter()
            .map(|a: &Activity| a.code())
            .collect::<Vec<_>>()
            .join(" "),
    );
    values.push(if instrument.anonymous { "yes" } else { "no" }.to_string());
    values.push(scoring_code(instrument.scoring).to_string());

    let titles: Vec<&str> = columns.iter().map(String::as_str).collect();
    header(sheet, "settings", &titles)?;
    for (c, value) in values.iter().enumerate() {
        // Written as text: XLSForm's version is a string, and a number cell would show
        // large versions (2024010101) in scientific notation.
        put(sheet, 1, c, value)?;
    }
    Ok(())
}

fn scoring_code(scoring: Scoring) -> &'static str {
    match scoring {
        Scoring::PercentCorrect => "percent_correct",
        Scoring::MeanScore => "mean_score",
        Scoring::CountPerState => "count_per_state",
        Scoring::None => "none",
    }
}
