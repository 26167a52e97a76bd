//! A workbook's sheets as rows of text under a header, with the row numbers a spreadsheet
//! shows, so every fault can be reported where its author will look for it.

use crate::Problem;
use calamine::{Cell, Data, Range, Reader, Xlsx};
use std::io::{Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub(crate) struct Sheet {
    /// As the workbook names it.
    pub name: String,
    /// Whether any cell, header included, holds a value.
    pub has_content: bool,
    /// 1-based.
    pub header_row: u32,
    /// The columns with a header and a value in at least one row: an empty column says
    /// nothing, whatever its header.
    pub columns: Vec<Column>,
    /// The rows below the header with a value in at least one of `columns`.
    pub rows: Vec<Row>,
}

pub(crate) struct Column {
    /// As written (trimmed).
    pub header: String,
    /// The part before `::`, lower case, spaces as underscores (`List name` → `list_name`).
    pub key: String,
    /// The part after the first `::` (a language, or `image::English (en)` for media).
    pub suffix: Option<String>,
}

pub(crate) struct Row {
    /// 1-based.
    pub number: u32,
    /// One per column of the sheet; a blank cell is "".
    pub cells: Vec<String>,
}

impl Row {
    pub fn get(&self, column: Option<usize>) -> &str {
        column.map_or("", |c| self.cells[c].as_str())
    }
}

impl Sheet {
    /// The column `key` without a suffix.
    pub fn column(&self, key: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.key == key && c.suffix.is_none())
    }

    pub fn header(&self, column: usize) -> &str {
        &self.columns[column].header
    }

    /// The first row holding a value in `column`.
    pub fn first_use(&self, column: usize) -> Option<u32> {
        self.rows
            .iter()
            .find(|r| !r.cells[column].is_empty())
            .map(|r| r.number)
    }

    /// How many rows hold a value in `column`.
    pub fn uses(&self, column: usize) -> usize {
        self.rows
            .iter()
            .filter(|r| !r.cells[column].is_empty())
            .count()
    }
}

/// Every sheet of the workbook in `bytes` (an .xlsx file), or the problems that stopped
/// it from being read.
pub(crate) fn load(bytes: &[u8], problems: &mut Vec<Problem>) -> Option<Vec<Sheet>> {
    // The file comes from whoever uploads it: a reader fault on a malformed file must
    // become a refusal, not take the server's request down with it.
    let loaded = catch_unwind(AssertUnwindSafe(|| load_sheets(bytes, problems)));
    match loaded {
        Ok(sheets) => sheets,
        Err(_) => {
            problems.push(file_problem(
                "the file could not be read as a spreadsheet (it may be damaged)".to_string(),
            ));
            None
        }
    }
}

fn file_problem(message: String) -> Problem {
    Problem {
        sheet: String::new(),
        row: None,
        column: None,
        message,
    }
}

/// What a form may hold: far more than any questionnaire needs, and little enough that a
/// file made to exhaust memory (a zip bomb, or one cell far out so that the sheet's grid
/// becomes enormous) is refused before it is expanded.
pub(crate) const MAX_UNPACKED_BYTES: u64 = 32 * 1024 * 1024;
const MAX_PARTS: usize = 1_000;
pub(crate) const MAX_ROWS: u32 = 5_000;
pub(crate) const MAX_COLUMNS: u32 = 128;

fn load_sheets(bytes: &[u8], problems: &mut Vec<Problem>) -> Option<Vec<Sheet>> {
    if let Err(message) = check_unpacked_size(bytes) {
        problems.push(file_problem(message));
        return None;
    }
    let mut workbook = match Xlsx::new(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(e) => {
            problems.push(file_problem(format!(
                "not a spreadsheet that can be read as .xlsx (save the XLSForm as .xlsx): {e}"
            )));
            return None;
        }
    };
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        match cells_of(&mut workbook, &name) {
            Ok(range) => sheets.push(sheet(name, &range, problems)),
            Err(message) => problems.push(Problem {
                sheet: name,
                row: None,
                column: None,
                message,
            }),
        }
    }
    Some(sheets)
}

/// Unpacks every part of the file without keeping it, counting the bytes it really gives
/// (the sizes a zip declares can lie), and refuses a file that unpacks to more than a
/// form ever needs.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        format!("not a spreadsheet that can be read as .xlsx (save the XLSForm as .xlsx): {e}")
    })?;
    if archive.len() > MAX_PARTS {
        return Err(format!(
            "the file holds {} parts: an .xlsx form has a few dozen",
            archive.len()
        ));
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        let part = archive
            .by_index(i)
            .map_err(|e| format!("the file is damaged: {e}"))?;
        let left = MAX_UNPACKED_BYTES - total;
        total += std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|e| format!("the file is damaged: {e}"))?;
        if total > MAX_UNPACKED_BYTES {
            return Err(format!(
                "the file unpacks to more than {} MiB: a form is far smaller",
                MAX_UNPACKED_BYTES / (1024 * 1024)
            ));
        }
    }
    Ok(())
}

/// The sheet's cells, read one by one so that a cell beyond the rows and columns a form
/// may use is refused before any grid is built for it.
fn cells_of(workbook: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Range<Data>, String> {
    let unreadable = |e: calamine::XlsxError| format!("the sheet could not be read: {e}");
    let mut reader = workbook.worksheet_cells_reader(name).map_err(unreadable)?;
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        if value == Data::Empty {
            continue; // formatting only
        }
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(format!(
                "cell {}{} is beyond what a form may use ({MAX_ROWS} rows, {MAX_COLUMNS} columns)",
                column_letters(column as usize),
                row + 1
            ));
        }
        cells.push(Cell::new((row, column), value));
    }
    Ok(Range::from_sparse(cells))
}

fn sheet(name: String, range: &Range<Data>, problems: &mut Vec<Problem>) -> Sheet {
    let Some((first_row, first_column)) = range.start() else {
        return Sheet {
            name,
            has_content: false,
            header_row: 1,
            columns: Vec::new(),
            rows: Vec::new(),
        };
    };
    // calamine's range begins at the first cell holding anything; its first row is the
    // header, and numbers are shifted back to the spreadsheet's own.
    let header_row = first_row + 1;
    let mut text = |data: &Data, row: u32, column: usize| -> String {
        match cell_text(data) {
            Ok(text) => text,
            Err(message) => {
                problems.push(Problem {
                    sheet: name.clone(),
                    row: Some(row),
                    column: None,
                    message: format!(
                        "cell {}{row} {message}",
                        column_letters(first_column as usize + column)
                    ),
                });
                String::new()
            }
        }
    };

    let mut rows_in = range.rows();
    let headers: Vec<String> = match rows_in.next() {
        Some(cells) => cells
            .iter()
            .enumerate()
            .map(|(j, cell)| text(cell, header_row, j).trim().to_string())
            .collect(),
        None => Vec::new(),
    };
    let mut raw_rows: Vec<(u32, Vec<String>)> = Vec::new();
    for (i, cells) in rows_in.enumerate() {
        let number = header_row + 1 + i as u32;
        let cells: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(j, cell)| {
                let value = text(cell, number, j);
                if value.trim().is_empty() {
                    String::new()
                } else {
                    value
                }
            })
            .collect();
        raw_rows.push((number, cells));
    }

    let mut kept: Vec<usize> = Vec::new();
    for (j, header) in headers.iter().enumerate() {
        let first_use = raw_rows
            .iter()
            .find(|(_, cells)| !cells[j].is_empty())
            .map(|(n, _)| *n);
        match (header.is_empty(), first_use) {
            (_, None) => {}
            (false, Some(_)) => kept.push(j),
            (true, Some(row)) => problems.push(Problem {
                sheet: name.clone(),
                row: Some(row),
                column: None,
                message: format!(
                    "column {} holds values but has no header in row {header_row}: name the column or empty it",
                    column_letters(first_column as usize + j)
                ),
            }),
        }
    }

    let columns: Vec<Column> = kept
        .iter()
        .map(|&j| {
            let header = headers[j].clone();
            let (base, suffix) = match header.split_once("::") {
                Some((base, suffix)) => (base, Some(suffix.trim().to_string())),
                None => (header.as_str(), None),
            };
            Column {
                key: base.trim().to_lowercase().replace(' ', "_"),
                suffix,
                header,
            }
        })
        .collect();
    for (a, column) in columns.iter().enumerate() {
        let twin = columns[..a].iter().any(|other| {
            other.key == column.key
                && other.suffix.as_deref().map(str::to_lowercase)
                    == column.suffix.as_deref().map(str::to_lowercase)
        });
        if twin {
            problems.push(Problem {
                sheet: name.clone(),
                row: Some(header_row),
                column: Some(column.header.clone()),
                message: "two columns have this header: keep one".to_string(),
            });
        }
    }

    let rows = raw_rows
        .into_iter()
        .filter_map(|(number, cells)| {
            let cells: Vec<String> = kept.iter().map(|&j| cells[j].clone()).collect();
            cells
                .iter()
                .any(|c| !c.is_empty())
                .then_some(Row { number, cells })
        })
        .collect();
    Sheet {
        name,
        has_content: true,
        header_row,
        columns,
        rows,
    }
}

/// A cell as the text a form author typed: numbers without a needless `.0` (a version
/// typed as 3 is stored as the float 3.0), booleans as `true`/`false`.
fn cell_text(data: &Data) -> Result<String, String> {
    Ok(match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::DateTime(_) => {
            return Err(
                "holds a date or time value: an XLSForm cell holds text (format the cell as text)"
                    .to_string(),
            )
        }
        Data::Error(e) => return Err(format!("holds the spreadsheet error {e}")),
    })
}

/// `A`, `B`, ..., `Z`, `AA`, ... for a 0-based column index.
fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_as_a_spreadsheet_shows_them() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn cells_as_typed() {
        assert_eq!(cell_text(&Data::Float(3.0)).unwrap(), "3");
        assert_eq!(cell_text(&Data::Float(2.5)).unwrap(), "2.5");
        assert_eq!(cell_text(&Data::Int(2024010101)).unwrap(), "2024010101");
        assert_eq!(cell_text(&Data::Bool(true)).unwrap(), "true");
        assert!(cell_text(&Data::Error(calamine::CellErrorType::NA))
            .unwrap_err()
            .contains("#N/A"));
    }
}
