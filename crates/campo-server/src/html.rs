//! The report as a self-contained HTML page: the same figures as the text and CSV renderings
//! (campo-core's `figures`), with inline SVG bar charts for the percentages. No scripts, no
//! fonts, no network assets: it opens from a USB stick in the office.

use campo_core::report::{figures, label, Figure, Report, Value};
use campo_core::Lang;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#111;max-width:60rem}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #999;padding:.3rem .6rem;text-align:left}\
th{background:#eee}.met{color:#0a5c0a}.unmet{color:#a30000}svg text{font-size:12px;font-family:sans-serif}";

/// A horizontal bar chart of percentages (0..100), one bar per figure that has a value.
fn bar_chart(rows: &[&Figure], lang: Lang) -> String {
    let bars: Vec<(&str, f64)> = rows
        .iter()
        .filter_map(|f| match f.value {
            Value::Percent(Some(v)) => Some((f.figure.as_str(), v.clamp(0.0, 100.0))),
            _ => None,
        })
        .collect();
    if bars.is_empty() {
        return String::new();
    }
    let (label_w, bar_w, row_h) = (280.0, 300.0, 24.0);
    let height = bars.len() as f64 * row_h + 10.0;
    // An image's name is all a screen reader says of it: every bar, in full.
    let name = bars
        .iter()
        .map(|(name, v)| format!("{name}: {}%", Value::Percent(Some(*v)).format(lang, false)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{name}\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\">",
        w = label_w + bar_w + 60.0,
        name = escape(&name),
    );
    for (i, (name, v)) in bars.iter().enumerate() {
        let y = i as f64 * row_h + 5.0;
        let width = bar_w * v / 100.0;
        let shown = Value::Percent(Some(*v)).format(lang, false);
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\">{name}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"16\" fill=\"#e4e4e4\"/>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{width:.1}\" height=\"16\" fill=\"#2b6cb0\"><title>{name}: {shown}%</title></rect>\
             <text x=\"{tx}\" y=\"{ty}\">{shown}%</text>",
            ty = y + 13.0,
            tx = label_w + bar_w + 6.0,
            name = escape(&truncate(name, 40)),
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

/// The report body (sections with a table and a chart each), to embed in a page.
pub fn report_fragment(report: &Report, lang: Lang) -> String {
    report_fragment_of(report, lang, |_| true)
}

/// The report body with only the figures `keep` accepts (a role's share of it).
pub fn report_fragment_of(report: &Report, lang: Lang, keep: impl Fn(&Figure) -> bool) -> String {
    let all: Vec<Figure> = figures(report, lang)
        .into_iter()
        .filter(|f| keep(f))
        .collect();
    let mut sections: Vec<(&str, Vec<&Figure>)> = Vec::new();
    for f in &all {
        match sections.last_mut() {
            Some((s, rows)) if *s == f.section => rows.push(f),
            _ => sections.push((f.section.as_str(), vec![f])),
        }
    }
    let mut out = String::new();
    for (section, rows) in sections {
        out.push_str(&format!("<section><h2>{}</h2>", escape(section)));
        out.push_str(&bar_chart(&rows, lang));
        out.push_str("<table><tr><th></th><th></th><th>n</th><th></th></tr>");
        for f in rows {
            let met = match f.met {
                Some(true) => "<span class=\"met\">✔</span>",
                Some(false) => "<span class=\"unmet\">✘</span>",
                None => "",
            };
            let target = f.target.map(|t| format!(" (≥ {t})")).unwrap_or_default();
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{met}</td></tr>",
                escape(&f.figure),
                escape(&f.value.format(lang, false)),
                escape(&target),
                f.n.map(|n| n.to_string()).unwrap_or_default(),
            ));
        }
        out.push_str("</table></section>");
    }
    out
}

/// A whole page around `body`.
pub fn page(title: &str, lang: Lang, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body><h1>{t}</h1>{body}</body></html>",
        lang.code(),
        t = escape(title)
    )
}

pub fn report_page(report: &Report, lang: Lang) -> String {
    page(label("title", lang), lang, &report_fragment(report, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn chart_draws_one_bar_per_percentage() {
        let f = |name: &str, v| Figure {
            section: "s".into(),
            activity: String::new(),
            figure: name.into(),
            value: Value::Percent(v),
            n: None,
            target: None,
            met: None,
        };
        let rows = [f("a", Some(50.0)), f("b", None), f("c", Some(100.0))];
        let refs: Vec<&Figure> = rows.iter().collect();
        let svg = bar_chart(&refs, Lang::En);
        assert_eq!(svg.matches("fill=\"#2b6cb0\"").count(), 2);
        assert!(svg.contains("width=\"150.0\""));
    }
}
