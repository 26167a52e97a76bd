//! The report as CSV (Campo's one CSV writer, `crate::csv_table`), one row per figure, for
//! spreadsheets: section, activity, figure, value, n, target, met.

use super::figures::{figures, Value};
use super::labels::label;
use super::Report;
use crate::csv_table::{to_csv, Cell};
use crate::i18n::Lang;

pub fn render_csv(report: &Report, lang: Lang) -> String {
    let header = [
        "col_section",
        "col_activity",
        "col_figure",
        "col_value",
        "col_n",
        "col_target",
        "col_met",
    ];
    let mut rows: Vec<Vec<Cell>> =
        vec![header.iter().map(|k| Cell::text(label(k, lang))).collect()];
    for f in figures(report, lang) {
        let value = match &f.value {
            // Free text (a cancellation reason) typed by a facilitator: the writer keeps it
            // from running as a spreadsheet formula.
            Value::Text(t) => Cell::text(t.clone()),
            Value::Date(d) => Cell::text(d.to_string()),
            v => Cell::Number(v.format(lang, true)),
        };
        let met = f
            .met
            .map(|m| Cell::text(label(if m { "yes" } else { "no" }, lang)))
            .unwrap_or(Cell::Empty);
        rows.push(vec![
            Cell::text(f.section),
            Cell::text(f.activity),
            Cell::text(f.figure),
            value,
            f.n.map(Cell::count).unwrap_or(Cell::Empty),
            f.target.map(Cell::number).unwrap_or(Cell::Empty),
            met,
        ]);
    }
    to_csv(rows.iter().map(Vec::as_slice))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_cannot_become_a_formula_and_figures_stay_numbers() {
        let mut report = crate::report::compute(
            &crate::report::ReportInput::default(),
            &crate::catalog::Catalog::builtin(),
            &crate::report::Targets::default(),
        );
        report
            .training
            .meetings
            .cancelled
            .push(crate::report::Cancellation {
                meeting_id: uuid::Uuid::nil(),
                date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                reason: "=HYPERLINK(\"http://x\")".into(),
            });
        let csv = render_csv(&report, Lang::En);
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        assert!(!csv.contains(",=HYPERLINK"), "{csv}");
        assert!(
            csv.starts_with("section,activity,figure,value,n,target,met\r\n"),
            "{csv}"
        );
    }
}
