//! The report as a plain text table, for the server's terminal and the app's printout.

use super::figures::{figures, Figure};
use super::labels::label;
use super::Report;
use crate::domain::Activity;
use crate::i18n::Lang;

/// One table per section: figure, value, n, target, met.
pub fn render_text(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    out.push_str(label("title", lang));
    out.push('\n');
    let period = match &report.period {
        Some(p) => format!("{} – {}", p.first, p.last),
        None => label("no_meetings", lang).to_string(),
    };
    out.push_str(&format!("{}: {period}\n", label("period", lang)));

    let rows = figures(report, lang);
    let mut start = 0;
    while start < rows.len() {
        let key = (&rows[start].section, &rows[start].activity);
        let end = start
            + rows[start..]
                .iter()
                .take_while(|r| (&r.section, &r.activity) == key)
                .count();
        section(&mut out, &rows[start..end], lang);
        start = end;
    }
    out
}

fn section(out: &mut String, rows: &[Figure], lang: Lang) {
    let first = &rows[0];
    // Activity sections are titled by the activity already; outreach names its period.
    let is_activity = Activity::ALL.iter().any(|a| a.code() == first.activity);
    let title = if first.activity.is_empty() || is_activity {
        first.section.clone()
    } else {
        format!("{} — {}", first.section, first.activity)
    };
    out.push('\n');
    out.push_str(&title);
    out.push('\n');
    out.push_str(&"=".repeat(title.chars().count()));
    out.push('\n');

    let header = ["col_figure", "col_value", "col_n", "col_target", "col_met"]
        .map(|k| label(k, lang).to_string());
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.figure.clone(),
                r.value.format(lang, false),
                r.n.map(|n| n.to_string()).unwrap_or_default(),
                r.target.map(|t| number(t, lang)).unwrap_or_default(),
                match (r.target, r.met) {
                    (_, Some(true)) => label("yes", lang).to_string(),
                    (_, Some(false)) => label("no", lang).to_string(),
                    (Some(_), None) => label("no_data", lang).to_string(),
                    (None, None) => String::new(),
                },
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&cells) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            let pad = w - cell.chars().count();
            if i == 0 {
                // Labels read left-aligned, numbers right-aligned.
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("  ");
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// Targets: whole numbers as such (107 carers), others with one decimal.
fn number(v: f64, lang: Lang) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else if lang == Lang::It {
        format!("{v:.1}").replace('.', ",")
    } else {
        format!("{v:.1}")
    }
}
