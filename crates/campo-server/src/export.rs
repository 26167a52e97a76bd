//! Exports for the project's analysts: one file per instrument version, one row per current
//! submission (a corrected submission replaces the one it names), one column per item, with
//! item and option labels in the chosen language. Cells are typed: numbers are written as
//! numbers (numeric cells in XLSX, JSON numbers), text goes through Campo's one CSV writer,
//! which keeps typed text from running as a spreadsheet formula.

use crate::store::StoredSubmission;
use campo_core::catalog::Catalog;
use campo_core::csv_table::{to_csv as cells_to_csv, Cell};
use campo_core::report::ReportInput;
use campo_core::{AnswerValue, Instrument, Lang, Meeting};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use thiserror::Error;
use uuid::Uuid;

#[derive(Debug, Error)]
pub enum ExportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the spreadsheet {path}: {source}")]
    Xlsx {
        path: PathBuf,
        source: rust_xlsxwriter::XlsxError,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

/// One instrument version's table.
pub struct Table {
    pub instrument_id: String,
    pub version: u32,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

const FIXED: [(&str, &str); 7] = [
    ("submission_id", "submission_id"),
    ("device_id", "device_id"),
    ("meeting_id", "meeting_id"),
    ("meeting_date", "data_incontro"),
    ("respondent", "codice_partecipante"),
    ("phase", "fase"),
    ("created_at", "creato_il"),
];

fn answer_cell(instrument: &Instrument, item_id: &str, value: &AnswerValue, lang: Lang) -> Cell {
    let option_label = |v: &str| {
        instrument
            .item(item_id)
            .and_then(|i| i.option(v))
            .map(|c| c.label.get(lang).to_string())
            .unwrap_or_else(|| v.to_string())
    };
    match value {
        AnswerValue::Number(n) => Cell::number(*n),
        AnswerValue::Text(t) => {
            let is_choice = instrument
                .item(item_id)
                .is_some_and(|i| !i.options.is_empty());
            Cell::Text(if is_choice {
                option_label(t)
            } else {
                t.clone()
            })
        }
        AnswerValue::Many(vs) => Cell::Text(
            vs.iter()
                .map(|v| option_label(v))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

/// Builds the tables; submissions whose instrument version is unknown are skipped (they
/// cannot have been accepted by the server in the first place).
pub fn tables(
    submissions: &[StoredSubmission],
    input: &ReportInput,
    catalog: &Catalog,
    lang: Lang,
) -> Vec<Table> {
    let meetings: HashMap<Uuid, &Meeting> = input.meetings.iter().map(|m| (m.id, m)).collect();
    let replaced: HashSet<Uuid> = submissions
        .iter()
        .filter_map(|s| s.submission.replaces)
        .collect();
    let mut by_instrument: BTreeMap<(String, u32), Vec<&StoredSubmission>> = BTreeMap::new();
    for s in submissions
        .iter()
        .filter(|s| !replaced.contains(&s.submission.id))
    {
        by_instrument
            .entry((
                s.submission.instrument_id.clone(),
                s.submission.instrument_version,
            ))
            .or_default()
            .push(s);
    }
    let mut out = Vec::new();
    for ((id, version), subs) in by_instrument {
        let Some(instrument) = catalog.get(&id, version) else {
            continue;
        };
        let mut headers: Vec<String> = FIXED
            .iter()
            .map(|(en, it)| if lang == Lang::En { *en } else { *it }.to_string())
            .collect();
        headers.extend(
            instrument
                .answerable_items()
                .map(|i| format!("{}: {}", i.id, i.label.get(lang))),
        );
        let rows = subs
            .iter()
            .map(|s| {
                let sub = &s.submission;
                let mut row: Vec<Cell> = [
                    sub.id.to_string(),
                    s.device_id.to_string(),
                    sub.meeting_id.to_string(),
                    meetings
                        .get(&sub.meeting_id)
                        .map(|m| m.date.to_string())
                        .unwrap_or_default(),
                    sub.respondent.clone().unwrap_or_default(),
                    sub.phase
                        .map(|p| {
                            serde_json::to_value(p)
                                .ok()
                                .and_then(|v| v.as_str().map(String::from))
                                .unwrap_or_default()
                        })
                        .unwrap_or_default(),
                    sub.created_at.to_rfc3339(),
                ]
                .into_iter()
                .map(Cell::Text)
                .collect();
                row.extend(instrument.answerable_items().map(|item| {
                    sub.answers
                        .get(&item.id)
                        .map(|v| answer_cell(instrument, &item.id, v, lang))
                        .unwrap_or(Cell::Empty)
                }));
                row
            })
            .collect();
        out.push(Table {
            instrument_id: id,
            version,
            headers,
            rows,
        });
    }
    out
}

pub fn to_csv(table: &Table) -> String {
    let headers: Vec<Cell> = table.headers.iter().cloned().map(Cell::Text).collect();
    cells_to_csv(std::iter::once(headers.as_slice()).chain(table.rows.iter().map(Vec::as_slice)))
}

pub fn to_json(table: &Table) -> serde_json::Value {
    serde_json::Value::Array(
        table
            .rows
            .iter()
            .map(|row| {
                serde_json::Value::Object(
                    table
                        .headers
                        .iter()
                        .zip(row)
                        .map(|(h, v)| (h.clone(), json_cell(v)))
                        .collect(),
                )
            })
            .collect(),
    )
}

fn json_cell(c: &Cell) -> serde_json::Value {
    match c {
        Cell::Number(n) => n
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|| serde_json::Value::String(n.clone())),
        Cell::Text(t) => serde_json::Value::String(t.clone()),
        Cell::Empty => serde_json::Value::String(String::new()),
    }
}

/// The sheet is named after the instrument (Excel allows 31 characters).
pub fn sheet_name(table: &Table) -> String {
    let name = format!("{}_v{}", table.instrument_id, table.version);
    name.chars().take(31).collect()
}

fn write_xlsx(table: &Table, path: &Path) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    add_sheet(&mut book, table)?;
    book.save(path)
}

/// Every table as a sheet of one workbook, in memory (the console's download).
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for table in tables {
        add_sheet(&mut book, table)?;
    }
    if tables.is_empty() {
        book.add_worksheet();
    }
    book.save_to_buffer()
}

fn add_sheet(
    book: &mut rust_xlsxwriter::Workbook,
    table: &Table,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(table))?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            // A string cell is never evaluated in XLSX: text needs no neutralising here.
            match v {
                Cell::Number(n) => match n.parse::<f64>() {
                    Ok(x) => sheet.write_number(r, c, x)?,
                    Err(_) => sheet.write_string(r, c, n)?,
                },
                Cell::Text(t) => sheet.write_string(r, c, t)?,
                Cell::Empty => sheet,
            };
        }
    }
    Ok(())
}

/// Writes one file per table into `dir` (created if missing); returns the paths.
pub fn write(tables: &[Table], format: Format, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io {
        path: dir.into(),
        source,
    })?;
    let mut written = Vec::new();
    for table in tables {
        let stem = format!("{}_v{}", table.instrument_id, table.version);
        let path = match format {
            Format::Csv => dir.join(format!("{stem}.csv")),
            Format::Xlsx => dir.join(format!("{stem}.xlsx")),
            Format::Json => dir.join(format!("{stem}.json")),
        };
        let io = |source| ExportError::Io {
            path: path.clone(),
            source,
        };
        match format {
            Format::Csv => std::fs::write(&path, to_csv(table)).map_err(io)?,
            Format::Json => std::fs::write(
                &path,
                serde_json::to_string_pretty(&to_json(table)).unwrap_or_default(),
            )
            .map_err(io)?,
            Format::Xlsx => write_xlsx(table, &path).map_err(|source| ExportError::Xlsx {
                path: path.clone(),
                source,
            })?,
        }
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            instrument_id: "i".into(),
            version: 1,
            headers: vec!["note".into(), "score".into()],
            rows: vec![
                vec![Cell::text("=1+1"), Cell::number(-2.5)],
                vec![Cell::text("a,b"), Cell::Empty],
            ],
        }
    }

    #[test]
    fn csv_defuses_typed_formulas_and_keeps_numbers() {
        assert_eq!(to_csv(&table()), "note,score\r\n'=1+1,-2.5\r\n\"a,b\",\r\n");
    }

    #[test]
    fn json_keeps_numbers_as_numbers() {
        let j = to_json(&table());
        assert_eq!(j[0]["score"], serde_json::json!(-2.5));
        assert_eq!(j[0]["note"], "=1+1");
        assert_eq!(j[1]["score"], "");
    }
}
