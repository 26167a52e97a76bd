//! The one CSV writer of Campo: the report's CSV and the exports' tables go through it
//! (the `csv` crate does the quoting). Text a person typed cannot become a formula in the
//! spreadsheet that opens the file: a text cell starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return gets a leading apostrophe, which spreadsheets show as plain text.
//! Numbers are written as numbers, never prefixed (a negative number stays one).

use std::borrow::Cow;

/// One cell of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number, already written as it should appear (e.g. `37.5`, `-2`).
    Number(String),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn number(v: f64) -> Cell {
        Cell::Number(if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        })
    }

    pub fn count(n: u64) -> Cell {
        Cell::Number(n.to_string())
    }

    /// What the cell holds, neutralised if it is text.
    pub fn written(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(t) => neutralise(t),
            Cell::Number(n) => Cow::Borrowed(n),
            Cell::Empty => Cow::Borrowed(""),
        }
    }
}

/// Text that a spreadsheet would run as a formula, made plain.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The rows as CSV (comma separated, CRLF line ends, quoted where needed).
pub fn to_csv<'a>(rows: impl IntoIterator<Item = &'a [Cell]>) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        // Writing to memory cannot fail.
        w.write_record(row.iter().map(|c| c.written().into_owned()))
            .expect("CSV into memory");
    }
    String::from_utf8(w.into_inner().expect("CSV into memory")).expect("CSV of UTF-8 text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_neutralised_numbers_are_not_and_quoting_is_the_crate_s() {
        let rows = [
            vec![
                Cell::text("=HYPERLINK(\"x\")"),
                Cell::text("+1"),
                Cell::text("-rain"),
                Cell::text("@me"),
            ],
            vec![
                Cell::text("\tx"),
                Cell::text("\rx"),
                Cell::number(-2.0),
                Cell::number(37.5),
            ],
            vec![
                Cell::text("a,b"),
                Cell::text("say \"hi\""),
                Cell::text("two\nlines"),
                Cell::Empty,
            ],
            vec![
                Cell::text("plain"),
                Cell::count(7),
                Cell::text("pioggia = acqua"),
                Cell::text(""),
            ],
        ];
        let csv = to_csv(rows.iter().map(Vec::as_slice));
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "\"'=HYPERLINK(\"\"x\"\")\",'+1,'-rain,'@me");
        assert_eq!(lines[1], "'\tx,\"'\rx\",-2,37.5");
        assert_eq!(lines[2], "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",");
        assert_eq!(lines[3], "plain,7,pioggia = acqua,");
        assert_eq!(lines[4], "");
    }
}
