//! The report as CSV (RFC 4180 quoting, `\n` line ends), one row per figure, for
//! spreadsheets: section, activity, figure, value, n, target, met.

use super::figures::{figures, Value};
use super::labels::label;
use super::Report;
use crate::i18n::Lang;

pub fn render_csv(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let header = [
        "col_section",
        "col_activity",
        "col_figure",
        "col_value",
        "col_n",
        "col_target",
        "col_met",
    ];
    line(&mut out, header.iter().map(|k| label(k, lang).to_string()));
    for f in figures(report, lang) {
        let value = match &f.value {
            // Free text (a cancellation reason) typed by a facilitator must not run as a
            // spreadsheet formula.
            Value::Text(t) => defuse_formula(t),
            v => v.format(lang, true),
        };
        let met = f
            .met
            .map(|m| label(if m { "yes" } else { "no" }, lang).to_string())
            .unwrap_or_default();
        line(
            &mut out,
            [
                f.section,
                f.activity,
                f.figure,
                value,
                f.n.map(|n| n.to_string()).unwrap_or_default(),
                f.target.map(|t| t.to_string()).unwrap_or_default(),
                met,
            ]
            .into_iter(),
        );
    }
    out
}

fn line(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&quote(&field));
    }
    out.push('\n');
}

/// Quotes a field when it holds a separator, a quote or a line break; quotes are doubled.
pub(crate) fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Spreadsheets run a cell starting with = + - @ as a formula: prefix such text with an
/// apostrophe, which they show as plain text.
fn defuse_formula(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(defuse_formula("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(defuse_formula("rain"), "rain");
    }
}
