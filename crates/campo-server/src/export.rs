//! Exports for the project's analysts: one file per instrument version, one row per current
//! submission (a corrected submission replaces the one it names), one column per item, with
//! item and option labels in the chosen language.

use crate::store::StoredSubmission;
use campo_core::catalog::Catalog;
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
    pub rows: Vec<Vec<String>>,
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

fn answer_text(instrument: &Instrument, item_id: &str, value: &AnswerValue, lang: Lang) -> String {
    let option_label = |v: &str| {
        instrument
            .item(item_id)
            .and_then(|i| i.option(v))
            .map(|c| c.label.get(lang).to_string())
            .unwrap_or_else(|| v.to_string())
    };
    match value {
        AnswerValue::Number(n) => n.to_string(),
        AnswerValue::Text(t) => {
            let is_choice = instrument
                .item(item_id)
                .is_some_and(|i| !i.options.is_empty());
            if is_choice {
                option_label(t)
            } else {
                t.clone()
            }
        }
        AnswerValue::Many(vs) => vs
            .iter()
            .map(|v| option_label(v))
            .collect::<Vec<_>>()
            .join("; "),
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
                let mut row = vec![
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
                ];
                row.extend(instrument.answerable_items().map(|item| {
                    sub.answers
                        .get(&item.id)
                        .map(|v| answer_text(instrument, &item.id, v, lang))
                        .unwrap_or_default()
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

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn to_csv(table: &Table) -> String {
    let mut out = String::new();
    for row in std::iter::once(&table.headers).chain(table.rows.iter()) {
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
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
                        .map(|(h, v)| (h.clone(), serde_json::Value::String(v.clone())))
                        .collect(),
                )
            })
            .collect(),
    )
}

/// The sheet is named after the instrument (Excel allows 31 characters).
pub fn sheet_name(table: &Table) -> String {
    let name = format!("{}_v{}", table.instrument_id, table.version);
    name.chars().take(31).collect()
}

fn write_xlsx(table: &Table, path: &Path) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(table))?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, v)?;
        }
    }
    book.save(path)
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

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
