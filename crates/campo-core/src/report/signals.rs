//! Signals: figures that suggest a barrier to co-production may be forming, computed as of
//! the report's date so that the next co-assessment can discuss them while something can
//! still be adjusted.
//!
//! What each signal looks at is code; its thresholds, texts and suggested causes are a
//! table (`schemas/co_assessment_signals.json`, Italian and English), compiled in like the
//! instruments so a fresh tablet computes the same signals as the server.

use super::{PlanState, PlannedCoAssessment, Report, Signal, SignalFigure, Targets};
use crate::barrier::CAUSES;
use crate::domain::{Activity, Meeting};
use crate::i18n::Text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const TABLE_JSON: &str = include_str!("../../../../schemas/co_assessment_signals.json");

/// The signal table: the note every rendering shows with the signals, and each signal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct SignalTable {
    /// "A signal is a prompt, never a verdict", in both languages.
    pub note: Text,
    pub signals: Vec<SignalSpec>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct SignalSpec {
    pub code: String,
    pub title: Text,
    /// Thresholds by name (a signal on a target reads the target from `Targets` instead).
    pub thresholds: BTreeMap<String, f64>,
    /// The label of each evidence figure and threshold the signal states, by name.
    pub labels: BTreeMap<String, Text>,
    /// Cause codes of the barrier log to discuss when it is raised.
    pub causes: Vec<String>,
}

/// Each signal the code computes: its code, the thresholds it reads from the table, and
/// every figure name it may state (evidence and thresholds), which the table must label.
const KNOWN: &[(&str, &[&str], &[&str])] = &[
    (
        CANCELLATIONS_HIGH,
        &["min_meetings", "cancelled_percent_above"],
        &["meetings", "cancelled", "cancelled_percent"],
    ),
    (
        ATTENDANCE_FALLING,
        &["falls"],
        &["attendance_before", "attendance_latest"],
    ),
    (
        REACH_BEHIND,
        &[],
        &[
            "carers_reached",
            "reach_target",
            "elapsed_percent",
            "expected",
        ],
    ),
    (UNDERSTANDING_BELOW_TARGET, &[], &["mean", "n", "target"]),
    (SATISFACTION_BELOW_TARGET, &[], &["mean", "n", "target"]),
    (
        OUTREACH_WITHOUT_PATIENTS,
        &["min_site_visits", "max_new_patients_informed"],
        &["site_visits", "new_patients_informed"],
    ),
    (
        COMMITTEE_GOALS_UNFULFILLED,
        &["unfulfilled_percent_at_least"],
        &["goals", "unfulfilled", "unfulfilled_percent"],
    ),
    (CO_ASSESSMENT_MISSING, &["min_missing"], &["missing", "due"]),
];

pub const CANCELLATIONS_HIGH: &str = "cancellations_high";
pub const ATTENDANCE_FALLING: &str = "attendance_falling";
pub const REACH_BEHIND: &str = "reach_behind";
pub const UNDERSTANDING_BELOW_TARGET: &str = "understanding_below_target";
pub const SATISFACTION_BELOW_TARGET: &str = "satisfaction_below_target";
pub const OUTREACH_WITHOUT_PATIENTS: &str = "outreach_without_patients";
pub const COMMITTEE_GOALS_UNFULFILLED: &str = "committee_goals_unfulfilled";
pub const CO_ASSESSMENT_MISSING: &str = "co_assessment_missing";

/// The goal state of the committee's checklist that counts as unfulfilled
/// (`schemas/instruments/committee_goals.json`).
const UNFULFILLED: &str = "unfulfilled";

/// The compiled-in signal table.
///
/// # Panics
/// If the shipped table does not parse or does not fit the code: a defect of the shipped
/// file, caught by the test suite.
pub fn signal_table() -> &'static SignalTable {
    static TABLE: OnceLock<SignalTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let table: SignalTable = serde_json::from_str(TABLE_JSON)
            .unwrap_or_else(|e| panic!("the signal table is broken: {e}"));
        let problems = table.problems();
        assert!(
            problems.is_empty(),
            "the signal table is broken: {problems:?}"
        );
        table
    })
}

impl SignalTable {
    pub fn get(&self, code: &str) -> Option<&SignalSpec> {
        self.signals.iter().find(|s| s.code == code)
    }

    /// Why the table does not fit the signals computed here, if it does not.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (code, thresholds, evidence) in KNOWN {
            let Some(spec) = self.get(code) else {
                out.push(format!("{code}: missing"));
                continue;
            };
            for name in *thresholds {
                match spec.thresholds.get(*name) {
                    Some(v) if v.is_finite() && *v >= 0.0 => {}
                    _ => out.push(format!("{code}: threshold {name} missing or negative")),
                }
            }
            for name in thresholds.iter().chain(evidence.iter()) {
                match spec.labels.get(*name) {
                    Some(l) if !l.it.is_empty() && !l.en.is_empty() => {}
                    _ => out.push(format!("{code}: no label for {name}")),
                }
            }
            for cause in &spec.causes {
                if !CAUSES.contains(&cause.as_str()) {
                    out.push(format!("{code}: unknown cause {cause}"));
                }
            }
            if spec.title.it.is_empty() || spec.title.en.is_empty() {
                out.push(format!("{code}: title missing"));
            }
        }
        for (i, spec) in self.signals.iter().enumerate() {
            if !KNOWN.iter().any(|(code, _, _)| *code == spec.code) {
                out.push(format!("{}: no such signal", spec.code));
            }
            if self.signals[..i].iter().any(|s| s.code == spec.code) {
                out.push(format!("{}: listed twice", spec.code));
            }
        }
        if self.note.it.is_empty() || self.note.en.is_empty() {
            out.push("note missing".into());
        }
        out
    }
}

impl SignalSpec {
    fn threshold(&self, name: &str) -> f64 {
        // Present: `problems` checked every threshold the code reads.
        self.thresholds.get(name).copied().unwrap_or_default()
    }

    fn raise(&self, activity: Option<Activity>, evidence: &[(&str, f64)]) -> Signal {
        let figures = |pairs: &mut dyn Iterator<Item = (&str, f64)>| {
            pairs
                .map(|(name, value)| SignalFigure {
                    name: name.to_string(),
                    value,
                })
                .collect()
        };
        Signal {
            code: self.code.clone(),
            activity,
            evidence: figures(&mut evidence.iter().copied()),
            thresholds: figures(&mut self.thresholds.iter().map(|(k, v)| (k.as_str(), *v))),
            causes: self.causes.clone(),
        }
    }
}

/// What the signals are computed from, all as of `as_of`.
pub(crate) struct SignalInput<'a> {
    pub as_of: NaiveDate,
    /// Current meetings dated on or before `as_of`.
    pub meetings: &'a [&'a Meeting],
    /// The service figures over records dated on or before `as_of`.
    pub services: &'a Report,
    pub targets: &'a Targets,
    pub plan: &'a [PlannedCoAssessment],
}

/// The signals raised, in the table's order (per activity within a signal).
pub(crate) fn signals(input: &SignalInput) -> Vec<Signal> {
    let table = signal_table();
    let mut out = Vec::new();
    for spec in &table.signals {
        match spec.code.as_str() {
            CANCELLATIONS_HIGH => cancellations(spec, input, &mut out),
            ATTENDANCE_FALLING => attendance_falling(spec, input, &mut out),
            REACH_BEHIND => out.extend(reach_behind(spec, input)),
            UNDERSTANDING_BELOW_TARGET => {
                let t = &input.services.training;
                if t.understanding_check.met == Some(false) {
                    out.push(below_target(
                        spec,
                        Activity::TrainingCourse,
                        t.understanding.mean,
                        t.understanding.n,
                        input.targets.understanding_min,
                    ));
                }
            }
            SATISFACTION_BELOW_TARGET => {
                let (t, p) = (&input.services.training, &input.services.peer);
                let checks = [
                    (
                        Activity::TrainingCourse,
                        t.satisfaction.mean,
                        t.satisfaction.n,
                        &t.satisfaction_check,
                    ),
                    (
                        Activity::PeerGroup,
                        p.satisfaction.mean,
                        p.satisfaction.n,
                        &p.satisfaction_check,
                    ),
                ];
                for (activity, mean, n, check) in checks {
                    if check.met == Some(false) {
                        out.push(below_target(
                            spec,
                            activity,
                            mean,
                            n,
                            input.targets.satisfaction_min,
                        ));
                    }
                }
            }
            OUTREACH_WITHOUT_PATIENTS => {
                let total = &input.services.outreach.total;
                if total.site_visits as f64 >= spec.threshold("min_site_visits")
                    && total.new_patients_informed as f64
                        <= spec.threshold("max_new_patients_informed")
                {
                    out.push(spec.raise(
                        None,
                        &[
                            ("site_visits", total.site_visits as f64),
                            ("new_patients_informed", total.new_patients_informed as f64),
                        ],
                    ));
                }
            }
            COMMITTEE_GOALS_UNFULFILLED => out.extend(committee_goals(spec, input)),
            CO_ASSESSMENT_MISSING => {
                let missing = count(input.plan, |p| p.state == PlanState::Missing);
                let due = count(input.plan, |p| p.state != PlanState::NotYetDue);
                if missing > 0 && missing as f64 >= spec.threshold("min_missing") {
                    out.push(spec.raise(None, &[("missing", missing as f64), ("due", due as f64)]));
                }
            }
            // `problems` refuses a table naming a signal the code does not compute.
            _ => {}
        }
    }
    out
}

fn count(plan: &[PlannedCoAssessment], f: impl Fn(&PlannedCoAssessment) -> bool) -> u64 {
    plan.iter().filter(|p| f(p)).count() as u64
}

/// Cancelled share of an activity's decided meetings (held or cancelled; a planned one has
/// not happened either way).
fn cancellations(spec: &SignalSpec, input: &SignalInput, out: &mut Vec<Signal>) {
    for activity in Activity::SERVICES {
        let of = || input.meetings.iter().filter(|m| m.activity == activity);
        let held = of().filter(|m| m.is_held()).count() as u64;
        let cancelled = of().filter(|m| m.is_cancelled()).count() as u64;
        let meetings = held + cancelled;
        // Compared as products, so 3 of 10 is exactly 30% and does not pass "above 30%".
        let above =
            cancelled as f64 * 100.0 > spec.threshold("cancelled_percent_above") * meetings as f64;
        if meetings > 0 && meetings as f64 >= spec.threshold("min_meetings") && above {
            out.push(spec.raise(
                Some(activity),
                &[
                    ("meetings", meetings as f64),
                    ("cancelled", cancelled as f64),
                    (
                        "cancelled_percent",
                        cancelled as f64 * 100.0 / meetings as f64,
                    ),
                ],
            ));
        }
    }
}

/// Attendance lower at each of the last `falls` held meetings of an activity than at the
/// held meeting before it.
fn attendance_falling(spec: &SignalSpec, input: &SignalInput, out: &mut Vec<Signal>) {
    let needed = spec.threshold("falls");
    for activity in Activity::SERVICES {
        let mut held: Vec<&&Meeting> = input
            .meetings
            .iter()
            .filter(|m| m.activity == activity && m.is_held())
            .collect();
        held.sort_by_key(|m| (m.date, m.id));
        let attendance: Vec<u32> = held.iter().map(|m| m.attendance.total()).collect();
        let falls = attendance
            .windows(2)
            .rev()
            .take_while(|w| w[1] < w[0])
            .count();
        if falls > 0 && falls as f64 >= needed {
            let latest = attendance.len() - 1;
            out.push(spec.raise(
                Some(activity),
                &[
                    ("falls", falls as f64),
                    ("attendance_before", f64::from(attendance[latest - falls])),
                    ("attendance_latest", f64::from(attendance[latest])),
                ],
            ));
        }
    }
}

/// Carers reached against the reach target times the share of the pilot's days elapsed.
fn reach_behind(spec: &SignalSpec, input: &SignalInput) -> Option<Signal> {
    let (start, end) = (input.targets.pilot_start?, input.targets.pilot_end?);
    if input.as_of < start || end < start {
        return None;
    }
    let days = (end - start).num_days() + 1;
    let elapsed = ((input.as_of - start).num_days() + 1).min(days);
    let share = elapsed as f64 / days as f64;
    let target = input.targets.reach_target();
    let expected = target as f64 * share;
    let reached = input.services.totals.carers_reached;
    // The tolerance keeps a whole expected count (53.0) from failing on its last bit.
    (reached as f64 + 1e-9 < expected).then(|| {
        spec.raise(
            None,
            &[
                ("carers_reached", reached as f64),
                ("reach_target", target as f64),
                ("elapsed_percent", share * 100.0),
                ("expected", expected),
            ],
        )
    })
}

fn below_target(
    spec: &SignalSpec,
    activity: Activity,
    mean: Option<f64>,
    n: u64,
    target: f64,
) -> Signal {
    let mut signal = spec.raise(
        Some(activity),
        &[("mean", mean.unwrap_or_default()), ("n", n as f64)],
    );
    signal.thresholds.push(SignalFigure {
        name: "target".into(),
        value: target,
    });
    signal
}

/// The share of the committee's goals left unfulfilled at its latest evaluation (goals
/// not evaluated count among the goals, not among the unfulfilled).
fn committee_goals(spec: &SignalSpec, input: &SignalInput) -> Option<Signal> {
    let latest = input.services.committee.latest.as_ref()?;
    let goals = latest.goals.len() as u64;
    let unfulfilled = latest
        .goals
        .iter()
        .filter(|g| g.state.as_deref() == Some(UNFULFILLED))
        .count() as u64;
    let at_least = spec.threshold("unfulfilled_percent_at_least");
    (goals > 0 && unfulfilled > 0 && unfulfilled as f64 * 100.0 >= at_least * goals as f64).then(
        || {
            spec.raise(
                None,
                &[
                    ("goals", goals as f64),
                    ("unfulfilled", unfulfilled as f64),
                    (
                        "unfulfilled_percent",
                        unfulfilled as f64 * 100.0 / goals as f64,
                    ),
                ],
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_fits_the_code() {
        let table: SignalTable = serde_json::from_str(TABLE_JSON).unwrap();
        assert_eq!(table.problems(), Vec::<String>::new());
        assert_eq!(table.signals.len(), KNOWN.len());
        signal_table();
    }

    #[test]
    fn a_table_that_does_not_fit_is_named() {
        let mut table: SignalTable = serde_json::from_str(TABLE_JSON).unwrap();
        table.signals[0].thresholds.clear();
        table.signals[1].causes.push("bad_luck".into());
        table.signals.pop();
        let problems = table.problems();
        assert_eq!(problems.len(), 4, "{problems:?}");
    }
}
