//! The report's co-assessment section as a screen draws it: every figure already labelled
//! in the UI language with the report's labels and signal table, so the tablet's Report
//! screen says what the server's text report says.

use super::{label, signal_table, CoAssessmentReport, PlanState, SignalFigure, Value};
use crate::barrier::{CAUSES, EFFECTS, RAISED_BY, STAGES};
use crate::Lang;
use chrono::NaiveDate;
use serde::Serialize;

/// A figure and its count.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LabelledCount {
    pub label: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
}

/// One cause: its barriers, by when they arose (in `stages` order) and by the status of
/// their adjustment (in `statuses` order).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CauseRow {
    pub cause: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub by_stage: Vec<u64>,
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub by_status: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PlanRow {
    /// Before, during or after the pilot.
    pub stage: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub state: PlanState,
    /// The state in words ("done", "missing", "not yet due").
    pub state_label: String,
    pub held_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SignalRow {
    pub code: String,
    /// The signal's title, with the activity it is about when it is about one.
    pub title: String,
    /// "name value" for each figure it rests on.
    pub evidence: Vec<String>,
    pub thresholds: Vec<String>,
    /// The barrier log's causes it suggests discussing, in words.
    pub causes: Vec<String>,
}

/// Headings and column names, from campo-core's report labels.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CoAssessmentLabels {
    pub section: String,
    pub barriers: String,
    pub raised_by: String,
    pub effect: String,
    pub plan: String,
    pub as_of: String,
    pub signals: String,
    pub signal_causes: String,
    pub signal_thresholds: String,
    /// One per stage, in `CauseRow::by_stage` order.
    pub stages: Vec<String>,
    /// One per status, in `CauseRow::by_status` order (open first).
    pub statuses: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CoAssessmentView {
    pub labels: CoAssessmentLabels,
    /// Planned, held and cancelled co-assessments.
    pub meetings: Vec<LabelledCount>,
    /// Why each cancelled one was cancelled: "date: reason".
    pub cancelled: Vec<String>,
    /// Who took part in the held ones, by side.
    pub roles: Vec<LabelledCount>,
    /// Barriers logged and follow-ups.
    pub totals: Vec<LabelledCount>,
    pub causes: Vec<CauseRow>,
    pub by_raised_by: Vec<LabelledCount>,
    pub by_effect: Vec<LabelledCount>,
    pub as_of: NaiveDate,
    pub plan: Vec<PlanRow>,
    /// Said instead of the plan when the pilot's dates are not set.
    pub plan_none: Option<String>,
    /// A signal is a prompt for the next co-assessment, never a verdict.
    pub signals_note: String,
    pub signals: Vec<SignalRow>,
}

/// "Open" first: the order of `StatusCounts` and of the labels.
const STATUS_COLUMNS: [&str; 4] = ["open", "planned", "done", "not_possible"];

pub fn co_assessment_view(c: &CoAssessmentReport, lang: Lang) -> CoAssessmentView {
    let count = |key: &str, count: u64| LabelledCount {
        label: label(key, lang).to_string(),
        count,
    };
    let coded = |prefix: &str, known: &[&str], code: &str, count: u64| LabelledCount {
        label: code_label(prefix, known, code, lang),
        count,
    };
    let table = signal_table();
    CoAssessmentView {
        labels: CoAssessmentLabels {
            section: label("co_assessment", lang).to_string(),
            barriers: label("barriers", lang).to_string(),
            raised_by: label("raised_by", lang).to_string(),
            effect: label("effect", lang).to_string(),
            plan: label("plan", lang).to_string(),
            as_of: label("as_of", lang).to_string(),
            signals: label("signals", lang).to_string(),
            signal_causes: label("signal_causes", lang).to_string(),
            signal_thresholds: label("signal_thresholds", lang).to_string(),
            stages: STAGES
                .iter()
                .map(|s| code_label("stage", &STAGES, s, lang))
                .collect(),
            statuses: STATUS_COLUMNS
                .iter()
                .map(|s| code_label("status", &STATUS_COLUMNS, s, lang))
                .collect(),
        },
        meetings: vec![
            count("meetings_planned", c.meetings.planned),
            count("meetings_held", c.meetings.held),
            count("meetings_cancelled", c.meetings.cancelled.len() as u64),
        ],
        cancelled: c
            .meetings
            .cancelled
            .iter()
            .map(|m| format!("{}: {}", m.date, m.reason))
            .collect(),
        roles: vec![
            count("roles_carers", c.roles.carers),
            count("roles_provider_staff", c.roles.provider_staff),
            count("roles_researchers", c.roles.researchers),
        ],
        totals: vec![
            count("barriers_total", c.total),
            count("follow_ups", c.follow_ups),
        ],
        causes: c
            .barriers
            .iter()
            .map(|b| CauseRow {
                cause: code_label("cause", &CAUSES, &b.cause, lang),
                total: b.total,
                by_stage: vec![b.by_stage.before, b.by_stage.during, b.by_stage.after],
                by_status: vec![
                    b.by_status.open,
                    b.by_status.planned,
                    b.by_status.done,
                    b.by_status.not_possible,
                ],
            })
            .collect(),
        by_raised_by: vec![
            coded("raised_by", &RAISED_BY, "carer", c.by_raised_by.carer),
            coded("raised_by", &RAISED_BY, "provider", c.by_raised_by.provider),
            coded(
                "raised_by",
                &RAISED_BY,
                "researcher",
                c.by_raised_by.researcher,
            ),
        ],
        by_effect: vec![
            coded("effect", &EFFECTS, "none_yet", c.by_effect.none_yet),
            coded(
                "effect",
                &EFFECTS,
                "value_diminished",
                c.by_effect.value_diminished,
            ),
            coded(
                "effect",
                &EFFECTS,
                "irreparable_loss",
                c.by_effect.irreparable_loss,
            ),
        ],
        as_of: c.as_of,
        plan: c
            .plan
            .iter()
            .map(|p| PlanRow {
                stage: label(&format!("plan_{}", p.stage.code()), lang).to_string(),
                from: p.from,
                to: p.to,
                state: p.state,
                state_label: label(&format!("plan_{}", p.state.code()), lang).to_string(),
                held_on: p.held_on,
            })
            .collect(),
        plan_none: c
            .plan
            .is_empty()
            .then(|| label("plan_no_dates", lang).to_string()),
        signals_note: table.note.get(lang).to_string(),
        signals: c
            .signals
            .iter()
            .map(|s| {
                let spec = table.get(&s.code);
                let title = spec.map_or(s.code.as_str(), |spec| spec.title.get(lang));
                let named = |figures: &[SignalFigure]| -> Vec<String> {
                    figures
                        .iter()
                        .map(|f| {
                            let name = spec
                                .and_then(|spec| spec.labels.get(&f.name))
                                .map_or(f.name.as_str(), |l| l.get(lang));
                            format!("{name} {}", number(f.value, lang))
                        })
                        .collect()
                };
                SignalRow {
                    code: s.code.clone(),
                    title: match s.activity {
                        Some(a) => format!("{title} — {}", label(a.code(), lang)),
                        None => title.to_string(),
                    },
                    evidence: named(&s.evidence),
                    thresholds: named(&s.thresholds),
                    causes: s
                        .causes
                        .iter()
                        .map(|code| code_label("cause", &CAUSES, code, lang))
                        .collect(),
                }
            })
            .collect(),
    }
}

/// The label of a barrier log code, or the code itself when it is not one campo-core
/// labels (a cause added by a later instrument version is shown, not dropped).
fn code_label(prefix: &str, known: &[&str], code: &str, lang: Lang) -> String {
    if known.contains(&code) {
        label(&format!("{prefix}_{code}"), lang).to_string()
    } else {
        code.to_string()
    }
}

/// A signal's figure: whole numbers as such, others with one decimal in the language's style.
fn number(v: f64, lang: Lang) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        Value::Number(Some(v)).format(lang, false)
    }
}

/// The co-assessment's sections in the flat table of figures: the screen draws them as
/// this view instead, so the table leaves them out.
pub fn section_titles(lang: Lang) -> [&'static str; 4] {
    ["co_assessment", "barriers", "plan", "signals"].map(|k| label(k, lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{
        BarrierCount, Cancellation, EffectCounts, MeetingCounts, PlannedCoAssessment,
        RaisedByCounts, RoleTotals, Signal, Stage, StageCounts, StatusCounts,
    };
    use crate::Activity;
    use uuid::Uuid;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn report() -> CoAssessmentReport {
        CoAssessmentReport {
            as_of: day(6, 30),
            meetings: MeetingCounts {
                planned: 1,
                held: 2,
                cancelled: vec![Cancellation {
                    meeting_id: Uuid::nil(),
                    date: day(4, 2),
                    reason: "Flooded hall".into(),
                }],
                attendances: 9,
                average_participants: Some(4.5),
            },
            roles: RoleTotals {
                carers: 9,
                provider_staff: 3,
                researchers: 2,
            },
            total: 3,
            follow_ups: 1,
            barriers: vec![
                BarrierCount {
                    cause: "absence_of_information".into(),
                    total: 2,
                    by_stage: StageCounts {
                        before: 1,
                        during: 1,
                        after: 0,
                    },
                    by_status: StatusCounts {
                        open: 0,
                        planned: 1,
                        done: 1,
                        not_possible: 0,
                    },
                },
                BarrierCount {
                    cause: "a_cause_of_version_two".into(),
                    total: 1,
                    by_stage: StageCounts::default(),
                    by_status: StatusCounts {
                        open: 1,
                        ..StatusCounts::default()
                    },
                },
            ],
            by_raised_by: RaisedByCounts {
                carer: 2,
                provider: 1,
                researcher: 0,
            },
            by_effect: EffectCounts {
                none_yet: 1,
                value_diminished: 2,
                irreparable_loss: 0,
            },
            plan: vec![
                PlannedCoAssessment {
                    stage: Stage::Before,
                    from: day(1, 1),
                    to: day(1, 31),
                    state: PlanState::Done,
                    held_on: Some(day(1, 20)),
                },
                PlannedCoAssessment {
                    stage: Stage::During,
                    from: day(2, 1),
                    to: day(4, 30),
                    state: PlanState::Missing,
                    held_on: None,
                },
            ],
            signals: vec![Signal {
                code: "cancellations_high".into(),
                activity: Some(Activity::PeerGroup),
                evidence: vec![
                    SignalFigure {
                        name: "cancelled_percent".into(),
                        value: 37.5,
                    },
                    SignalFigure {
                        name: "meetings".into(),
                        value: 8.0,
                    },
                ],
                thresholds: vec![SignalFigure {
                    name: "cancelled_percent_above".into(),
                    value: 30.0,
                }],
                causes: vec!["mistakes".into()],
            }],
        }
    }

    #[test]
    fn every_figure_is_labelled_in_the_language_asked() {
        let en = co_assessment_view(&report(), Lang::En);
        assert_eq!(en.labels.section, "Co-assessment");
        assert_eq!(en.meetings[1].label, "Meetings held");
        assert_eq!(en.meetings[1].count, 2);
        assert_eq!(en.meetings[2].count, 1);
        assert_eq!(en.cancelled, ["2026-04-02: Flooded hall"]);
        assert_eq!(en.roles[1].label, "Participants: provider staff");
        assert_eq!(en.roles[1].count, 3);
        assert_eq!(en.totals[0].count, 3);
        assert_eq!(en.totals[1].count, 1);
        assert_eq!(en.by_raised_by[0].label, "carers");
        assert_eq!(en.by_effect[1].label, "value diminished");
        assert_eq!(en.by_effect[1].count, 2);
        let it = co_assessment_view(&report(), Lang::It);
        assert_eq!(it.labels.section, "Co-valutazione");
        assert_eq!(it.causes[0].cause, "Mancanza di informazione");
        assert_eq!(it.labels.statuses[2], "correttivo attuato");
    }

    #[test]
    fn causes_keep_their_stage_and_status_counts_in_the_columns_order() {
        let v = co_assessment_view(&report(), Lang::En);
        assert_eq!(
            v.labels.stages,
            ["arose before", "arose during", "arose after"]
        );
        assert_eq!(v.labels.statuses[0], "open (no adjustment decided yet)");
        assert_eq!(v.causes[0].cause, "Absence of information");
        assert_eq!(v.causes[0].total, 2);
        assert_eq!(v.causes[0].by_stage, [1, 1, 0]);
        assert_eq!(v.causes[0].by_status, [0, 1, 1, 0]);
        // A cause campo-core has no label for is shown by its code, not dropped.
        assert_eq!(v.causes[1].cause, "a_cause_of_version_two");
        assert_eq!(v.causes[1].by_status, [1, 0, 0, 0]);
    }

    #[test]
    fn the_plan_says_each_due_co_assessments_state_in_words() {
        let v = co_assessment_view(&report(), Lang::En);
        assert_eq!(v.plan.len(), 2);
        assert_eq!(v.plan[0].stage, "Before the pilot");
        assert_eq!(v.plan[0].state_label, "done");
        assert_eq!(v.plan[0].held_on, Some(day(1, 20)));
        assert_eq!(v.plan[1].state_label, "missing");
        assert_eq!(v.plan_none, None);
        let mut no_dates = report();
        no_dates.plan.clear();
        let v = co_assessment_view(&no_dates, Lang::En);
        assert_eq!(
            v.plan_none.as_deref(),
            Some("No co-assessment planned: the pilot's dates are not set")
        );
    }

    #[test]
    fn a_signal_states_its_evidence_its_thresholds_and_the_causes_to_discuss() {
        let v = co_assessment_view(&report(), Lang::En);
        assert!(v
            .signals_note
            .starts_with("A signal is a prompt for the next co-assessment, never a verdict"));
        let s = &v.signals[0];
        assert_eq!(s.title, "Many meetings cancelled — Peer groups");
        assert_eq!(
            s.evidence,
            ["% cancelled 37.5", "meetings held or cancelled 8"]
        );
        assert_eq!(s.thresholds, ["% cancelled above 30"]);
        assert_eq!(s.causes, ["Mistakes"]);
        let it = co_assessment_view(&report(), Lang::It);
        assert_eq!(it.signals[0].evidence[0], "% annullati 37,5");
    }

    #[test]
    fn the_flat_tables_co_assessment_sections_are_named_as_figures_names_them() {
        let rows = crate::report::figures(
            &crate::report::compute(
                &Default::default(),
                &crate::catalog::Catalog::builtin(),
                &Default::default(),
            ),
            Lang::En,
        );
        let titles = section_titles(Lang::En);
        for t in titles {
            assert!(rows.iter().any(|r| r.section == t), "no section {t}");
        }
    }
}
