//! The overview's trend: month by month, held meetings, attendances and satisfaction, each
//! month's figures from the same report computed over that month's meetings; a chart
//! (attendances as bars, satisfaction as a line) and the table that carries the same
//! figures for screen readers and print.

use super::labels::t;
use super::overview::Filters;
use crate::store::Project;
use campo_core::catalog::Catalog;
use campo_core::report::{compute_as_of, label, ReportInput, Value};
use campo_core::{Activity, Lang};
use chrono::{Datelike, Utc};
use maud::{html, Markup};
use std::collections::BTreeMap;

/// One month's figures.
struct Month {
    name: String,
    held: u64,
    attendances: u64,
    /// Mean satisfaction as a fraction (0..=1), when anyone answered.
    satisfaction: Option<f64>,
}

fn months(
    input: &ReportInput,
    catalog: &Catalog,
    project: &Project,
    peer_only: bool,
) -> Vec<Month> {
    let mut filters: BTreeMap<String, Filters> = BTreeMap::new();
    for m in &input.meetings {
        let first = m.date.with_day0(0).unwrap_or(m.date);
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(first);
        filters
            .entry(first.format("%Y-%m").to_string())
            .or_insert(Filters {
                from: Some(first),
                to: Some(last),
                activity: peer_only.then_some(Activity::PeerGroup),
                ..Filters::default()
            });
    }
    let today = Utc::now().date_naive();
    filters
        .into_iter()
        .map(|(name, f)| {
            let r = compute_as_of(&f.apply(input), catalog, &project.targets, today);
            Month {
                name,
                held: r.totals.meetings_held,
                attendances: r.totals.carers_involved,
                satisfaction: r.totals.satisfaction.mean,
            }
        })
        .collect()
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
/// Room for the axis labels below and the value labels above.
const TOP: f64 = 20.0;
const BOTTOM: f64 = 30.0;
/// The widest a month's bar is drawn.
const BAR_MAX: f64 = 48.0;

/// Attendances as bars against the highest month, satisfaction (0-100%) as a line. No
/// script and no inline style: presentation attributes only, which the CSP allows.
fn chart(months: &[Month], lang: Lang) -> Markup {
    let most = months
        .iter()
        .map(|m| m.attendances)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = WIDTH / months.len() as f64;
    let plot = HEIGHT - TOP - BOTTOM;
    let y_of = |fraction: f64| TOP + plot * (1.0 - fraction.clamp(0.0, 1.0));
    let line: Vec<String> = months
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            m.satisfaction
                .map(|s| format!("{:.1},{:.1}", slot * (i as f64 + 0.5), y_of(s)))
        })
        .collect();
    let name = format!(
        "{}: {} ({}), {} ({})",
        t("trend", lang),
        label("carers_involved", lang),
        t("chart_bars", lang),
        label("satisfaction", lang),
        t("chart_line", lang)
    );
    html! {
        svg.trend xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(name)
            width=(WIDTH) height=(HEIGHT) viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } {
            line x1="0" y1=(HEIGHT - BOTTOM) x2=(WIDTH) y2=(HEIGHT - BOTTOM) stroke="#8a8a8a" {}
            @for (i, m) in months.iter().enumerate() {
                @let h = plot * m.attendances as f64 / most;
                // Narrow bars however few the months, so the line's points stand clear.
                @let w = (slot * 0.6).min(BAR_MAX);
                @let x = slot * (i as f64 + 0.5) - w / 2.0;
                rect x=(format!("{x:.1}")) y=(format!("{:.1}", HEIGHT - BOTTOM - h))
                    width=(format!("{w:.1}")) height=(format!("{h:.1}")) fill="#1d4f91" {}
                text x=(format!("{:.1}", slot * (i as f64 + 0.5))) y=(format!("{:.1}", HEIGHT - BOTTOM - h - 4.0))
                    text-anchor="middle" { (m.attendances) }
                text x=(format!("{:.1}", slot * (i as f64 + 0.5))) y=(format!("{:.1}", HEIGHT - 10.0))
                    text-anchor="middle" { (m.name) }
            }
            @if line.len() > 1 {
                polyline points=(line.join(" ")) fill="none" stroke="#9b0000" stroke-width="2" {}
            }
            @for (i, m) in months.iter().enumerate() {
                @if let Some(s) = m.satisfaction {
                    circle cx=(format!("{:.1}", slot * (i as f64 + 0.5))) cy=(format!("{:.1}", y_of(s)))
                        r="4" fill="#9b0000" {}
                }
            }
        }
    }
}

/// The trend section, or nothing when no meeting is kept.
pub fn trend(
    input: &ReportInput,
    catalog: &Catalog,
    project: &Project,
    lang: Lang,
    peer_only: bool,
) -> Markup {
    let months = months(input, catalog, project, peer_only);
    if months.is_empty() {
        return html! {};
    }
    html! {
        section {
            h2 { (t("trend", lang)) }
            (chart(&months, lang))
            table {
                tr { th scope="col" { (t("month", lang)) } th scope="col" { (label("meetings_held", lang)) } th scope="col" { (label("carers_involved", lang)) } th scope="col" { (label("satisfaction", lang)) } }
                @for m in &months {
                    tr {
                        td { (m.name) }
                        td { (m.held) }
                        td { (m.attendances) }
                        td { (Value::Percent(m.satisfaction).format(lang, false)) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(name: &str, attendances: u64, satisfaction: Option<f64>) -> Month {
        Month {
            name: name.into(),
            held: 1,
            attendances,
            satisfaction,
        }
    }

    #[test]
    fn bars_scale_to_the_busiest_month_and_the_line_joins_answered_months() {
        let svg = chart(
            &[
                month("2026-01", 10, Some(0.5)),
                month("2026-02", 5, None),
                month("2026-03", 0, Some(1.0)),
            ],
            Lang::En,
        )
        .into_string();
        let plot = HEIGHT - TOP - BOTTOM;
        // The busiest month fills the plot; half as many, half as high; none, nothing.
        assert!(svg.contains(&format!("height=\"{plot:.1}\"")), "{svg}");
        assert!(
            svg.contains(&format!("height=\"{:.1}\"", plot / 2.0)),
            "{svg}"
        );
        assert!(svg.contains("height=\"0.0\""), "{svg}");
        // 50% sits half way up the plot, 100% at its top; the unanswered month has no point.
        let (x0, x2) = (WIDTH / 6.0, WIDTH / 6.0 * 5.0);
        assert!(
            svg.contains(&format!(
                "points=\"{x0:.1},{:.1} {x2:.1},{TOP:.1}\"",
                TOP + plot / 2.0
            )),
            "{svg}"
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("role=\"img\""));
        assert!(!svg.contains("style="), "the CSP forbids inline style");
    }

    #[test]
    fn one_answered_month_draws_a_point_and_no_line() {
        let svg = chart(&[month("2026-01", 3, Some(0.8))], Lang::It).into_string();
        assert!(!svg.contains("<polyline"));
        assert_eq!(svg.matches("<circle").count(), 1);
    }
}
