//! The report flattened into rows, one per figure, with labels in one language. The text
//! table and the CSV are both drawn from these rows, so they can never disagree.

use super::labels::{label, try_label};
use super::signals::signal_table;
use super::{Check, CoAssessmentReport, Level, Mean, MeetingCounts, PlanState, Report};
use crate::domain::Activity;
use crate::i18n::Lang;
use chrono::NaiveDate;

#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Section title (an activity, totals, outreach, left out).
    pub section: String,
    /// Activity code for activity sections (`training_course`...), the period for outreach
    /// (or "all periods"), empty otherwise: a stable key for spreadsheets.
    pub activity: String,
    pub figure: String,
    pub value: Value,
    pub n: Option<u64>,
    pub target: Option<f64>,
    pub met: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Count(u64),
    /// 0..100; `None`: no data.
    Percent(Option<f64>),
    /// Percentage points (may be negative).
    Points(Option<f64>),
    Number(Option<f64>),
    /// "a out of b".
    Ratio(u64, u64),
    Date(NaiveDate),
    Text(String),
}

impl Value {
    /// `csv`: plain machine-readable numbers (dot decimals, 2 places); otherwise one
    /// decimal with the language's separator (Italian writes 83,3).
    pub fn format(&self, lang: Lang, csv: bool) -> String {
        let real = |v: &Option<f64>, signed: bool| match v {
            None if csv => String::new(),
            None => label("no_data", lang).to_string(),
            Some(v) if csv => format!("{v:.2}"),
            Some(v) => {
                let s = if signed {
                    format!("{v:+.1}")
                } else {
                    format!("{v:.1}")
                };
                if lang == Lang::It {
                    s.replace('.', ",")
                } else {
                    s
                }
            }
        };
        match self {
            Value::Count(c) => c.to_string(),
            Value::Percent(v) | Value::Number(v) => real(v, false),
            Value::Points(v) => real(v, true),
            Value::Ratio(a, b) => format!("{a}/{b}"),
            Value::Date(d) => d.to_string(),
            Value::Text(t) => t.clone(),
        }
    }
}

struct Rows {
    lang: Lang,
    section: String,
    activity: String,
    rows: Vec<Figure>,
}

impl Rows {
    fn section(&mut self, key: &str, activity: &str) {
        self.section = label(key, self.lang).to_string();
        self.activity = activity.to_string();
    }

    fn push(&mut self, figure: impl Into<String>, value: Value) -> &mut Figure {
        self.rows.push(Figure {
            section: self.section.clone(),
            activity: self.activity.clone(),
            figure: figure.into(),
            value,
            n: None,
            target: None,
            met: None,
        });
        self.rows.last_mut().expect("just pushed")
    }

    fn key(&mut self, key: &str, value: Value) -> &mut Figure {
        let text = label(key, self.lang).to_string();
        self.push(text, value)
    }

    fn mean(&mut self, figure: impl Into<String>, mean: &Mean, points: bool) -> &mut Figure {
        let value = if points {
            Value::Points(mean.mean)
        } else {
            Value::Percent(mean.mean)
        };
        let row = self.push(figure, value);
        row.n = Some(mean.n);
        row
    }

    fn meetings(&mut self, m: &MeetingCounts, cadence: Option<&Check>) {
        self.key("meetings_planned", Value::Count(m.planned));
        let held = self.key("meetings_held", Value::Count(m.held));
        checked(held, cadence);
        self.key("meetings_cancelled", Value::Count(m.cancelled.len() as u64));
        for c in &m.cancelled {
            let figure = format!("{} {}", label("cancelled_on", self.lang), c.date);
            self.push(figure, Value::Text(c.reason.clone()));
        }
        self.key(
            "average_participants",
            Value::Number(m.average_participants),
        );
        self.key("attendances", Value::Count(m.attendances));
    }

    fn levels(&mut self, prefix: &str, levels: &[Level]) {
        for level in levels {
            let figure = format!(
                "{}: {}",
                label(prefix, self.lang),
                level.label.get(self.lang)
            );
            self.push(figure, Value::Count(level.count));
        }
    }
}

fn checked(row: &mut Figure, check: Option<&Check>) {
    if let Some(c) = check {
        row.target = Some(c.target);
        row.met = c.met;
    }
}

/// The report's figures in display order.
pub fn figures(report: &Report, lang: Lang) -> Vec<Figure> {
    let mut r = Rows {
        lang,
        section: String::new(),
        activity: String::new(),
        rows: Vec::new(),
    };

    let t = &report.training;
    r.section(
        Activity::TrainingCourse.code(),
        Activity::TrainingCourse.code(),
    );
    r.meetings(&t.meetings, Some(&t.cadence));
    let understanding = label("understanding", lang);
    checked(
        r.mean(understanding, &t.understanding, false),
        Some(&t.understanding_check),
    );
    r.key(
        "post_answered",
        Value::Ratio(t.understanding.n, t.understanding_out_of),
    );
    r.mean(label("pre", lang), &t.pre, false);
    r.mean(label("gain", lang), &t.gain, true);
    checked(
        r.mean(label("satisfaction", lang), &t.satisfaction, false),
        Some(&t.satisfaction_check),
    );
    for q in &t.quizzes {
        let title = q.title.get(lang);
        let title = if title.is_empty() {
            q.instrument_id.as_str()
        } else {
            title
        };
        r.mean(
            format!("{title}: {}", label("quiz_pre", lang)),
            &q.pre,
            false,
        );
        r.mean(
            format!("{title}: {}", label("quiz_post", lang)),
            &q.post,
            false,
        );
        r.mean(
            format!("{title}: {}", label("quiz_gain", lang)),
            &q.gain,
            true,
        );
    }

    let p = &report.peer;
    r.section(Activity::PeerGroup.code(), Activity::PeerGroup.code());
    r.meetings(&p.meetings, Some(&p.cadence));
    let satisfaction = Mean {
        mean: p.satisfaction.mean,
        n: p.satisfaction.n,
    };
    checked(
        r.mean(label("satisfaction", lang), &satisfaction, false),
        Some(&p.satisfaction_check),
    );
    r.levels("answers_level", &p.satisfaction.levels);

    let c = &report.committee;
    r.section(Activity::Committee.code(), Activity::Committee.code());
    r.meetings(&c.meetings, None);
    r.key("evaluations", Value::Count(c.evaluations));
    if let Some(latest) = &c.latest {
        r.key("latest_evaluation", Value::Date(latest.date));
        r.levels("goals_in_state", &latest.states);
        for goal in &latest.goals {
            let state = match &goal.state_label {
                Some(l) => l.get(lang).to_string(),
                None => label("not_evaluated", lang).to_string(),
            };
            let figure = format!("{}: {}", label("goal", lang), goal.label.get(lang));
            r.push(figure, Value::Text(state));
        }
    }

    let s = &report.totals;
    r.section("totals", "");
    r.key("meetings_held", Value::Count(s.meetings_held));
    r.key("meetings_cancelled", Value::Count(s.meetings_cancelled));
    r.key("carers_involved", Value::Count(s.carers_involved));
    r.key(
        "distinct_participants",
        Value::Count(s.distinct_participants),
    );
    r.key(
        "anonymous_attendances",
        Value::Count(s.anonymous_attendances),
    );
    checked(
        r.key("carers_reached", Value::Count(s.carers_reached)),
        Some(&s.reach),
    );
    checked(
        r.mean(label("mean_satisfaction", lang), &s.satisfaction, false),
        Some(&s.satisfaction_check),
    );
    r.key("months", Value::Count(u64::from(report.months)));

    let periods = std::iter::once((
        label("all_periods", lang).to_string(),
        &report.outreach.total,
    ))
    .chain(
        report
            .outreach
            .periods
            .iter()
            .map(|p| (p.period.clone(), &p.counters)),
    );
    for (period, counters) in periods {
        r.section("outreach", &period);
        r.key("page_likes", Value::Count(counters.page_likes));
        r.key("site_visits", Value::Count(counters.site_visits));
        r.key("downloads", Value::Count(counters.downloads));
        r.key(
            "new_patients_informed",
            Value::Count(counters.new_patients_informed),
        );
    }

    co_assessment(&mut r, &report.co_assessment);

    let i = &report.ignored;
    r.section("ignored", "");
    r.key("replaced", Value::Count(i.replaced));
    r.key("unknown_meeting", Value::Count(i.unknown_meeting));
    r.key("meeting_not_held", Value::Count(i.meeting_not_held));
    r.key("unknown_instrument", Value::Count(i.unknown_instrument));
    r.key("wrong_activity", Value::Count(i.wrong_activity));
    r.key("quiz_without_phase", Value::Count(i.quiz_without_phase));
    r.key(
        "follow_up_without_barrier",
        Value::Count(i.follow_up_without_barrier),
    );
    r.key("ignored_total", Value::Count(i.total()));

    r.rows
}

/// A code's label (`prefix_code`), or the code itself when the table has none: a value
/// from a later instrument version is shown rather than dropped.
fn code_label(prefix: &str, code: &str, lang: Lang) -> String {
    try_label(&format!("{prefix}_{code}"), lang)
        .unwrap_or(code)
        .to_string()
}

/// A signal's figure: whole numbers as such, others with one decimal in the language's
/// style.
fn signal_number(v: f64, lang: Lang) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        Value::Number(Some(v)).format(lang, false)
    }
}

fn co_assessment(r: &mut Rows, c: &CoAssessmentReport) {
    let lang = r.lang;
    let code = Activity::CoAssessment.code();
    r.section(code, code);
    r.meetings(&c.meetings, None);
    r.key("roles_carers", Value::Count(c.roles.carers));
    r.key("roles_provider_staff", Value::Count(c.roles.provider_staff));
    r.key("roles_researchers", Value::Count(c.roles.researchers));

    r.section("barriers", "");
    r.key("barriers_total", Value::Count(c.total));
    r.key("follow_ups", Value::Count(c.follow_ups));
    for b in &c.barriers {
        let cause = code_label("cause", &b.cause, lang);
        r.push(cause.clone(), Value::Count(b.total));
        let stages = [
            ("before", b.by_stage.before),
            ("during", b.by_stage.during),
            ("after", b.by_stage.after),
        ];
        for (stage, n) in stages {
            let figure = format!("{cause}: {}", code_label("stage", stage, lang));
            r.push(figure, Value::Count(n));
        }
        let statuses = [
            ("open", b.by_status.open),
            ("planned", b.by_status.planned),
            ("done", b.by_status.done),
            ("not_possible", b.by_status.not_possible),
        ];
        for (status, n) in statuses {
            let figure = format!("{cause}: {}", code_label("status", status, lang));
            r.push(figure, Value::Count(n));
        }
    }
    let raised = [
        ("carer", c.by_raised_by.carer),
        ("provider", c.by_raised_by.provider),
        ("researcher", c.by_raised_by.researcher),
    ];
    for (who, n) in raised {
        let figure = format!(
            "{}: {}",
            label("raised_by", lang),
            code_label("raised_by", who, lang)
        );
        r.push(figure, Value::Count(n));
    }
    let effects = [
        ("none_yet", c.by_effect.none_yet),
        ("value_diminished", c.by_effect.value_diminished),
        ("irreparable_loss", c.by_effect.irreparable_loss),
    ];
    for (effect, n) in effects {
        let figure = format!(
            "{}: {}",
            label("effect", lang),
            code_label("effect", effect, lang)
        );
        r.push(figure, Value::Count(n));
    }

    r.section("plan", "");
    r.key("as_of", Value::Date(c.as_of));
    if c.plan.is_empty() {
        r.key("plan_no_dates", Value::Text(String::new()));
    }
    for p in &c.plan {
        let figure = format!(
            "{} ({} – {})",
            code_label("plan", p.stage.code(), lang),
            p.from,
            p.to
        );
        let state = code_label("plan", p.state.code(), lang);
        let value = match p.held_on {
            Some(day) => format!("{state} {day}"),
            None => state,
        };
        let row = r.push(figure, Value::Text(value));
        row.met = match p.state {
            PlanState::Done => Some(true),
            PlanState::Missing => Some(false),
            PlanState::NotYetDue => None,
        };
    }

    let table = signal_table();
    r.section("signals", "");
    r.key("signals_count", Value::Count(c.signals.len() as u64));
    // Said with the signals wherever they are shown: they open a discussion, they do not
    // close one.
    r.push(table.note.get(lang), Value::Text(String::new()));
    for signal in &c.signals {
        let spec = table.get(&signal.code);
        let title = spec.map_or(signal.code.as_str(), |s| s.title.get(lang));
        let title = match signal.activity {
            Some(activity) => format!("{title} — {}", label(activity.code(), lang)),
            None => title.to_string(),
        };
        let named = |figures: &[super::SignalFigure]| {
            figures
                .iter()
                .map(|f| {
                    let name = spec
                        .and_then(|s| s.labels.get(&f.name))
                        .map_or(f.name.as_str(), |l| l.get(lang));
                    format!("{name} {}", signal_number(f.value, lang))
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut evidence = named(&signal.evidence);
        if !signal.thresholds.is_empty() {
            evidence = format!(
                "{evidence} ({}: {})",
                label("signal_thresholds", lang),
                named(&signal.thresholds)
            );
        }
        r.push(title.clone(), Value::Text(evidence));
        let causes = signal
            .causes
            .iter()
            .map(|c| code_label("cause", c, lang))
            .collect::<Vec<_>>()
            .join(", ");
        r.push(
            format!("{title}: {}", label("signal_causes", lang)),
            Value::Text(causes),
        );
    }
}
