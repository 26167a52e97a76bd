//! The project's targets, configurable per deployment, and how a figure is checked
//! against one.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// What the pilot promised its funders. Every field has the study's default, so a
/// configuration file only names what differs (`#[serde(default)]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    /// Family carers eligible in the valley.
    #[cfg_attr(feature = "openapi", schema(maximum = 1_000_000))]
    pub eligible_carers: u32,
    /// The share of them the pilot aims to reach (a third by default).
    #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0, maximum = 1))]
    pub reach_fraction: f64,
    /// Length of the pilot for the cadence targets. `None`: from `pilot_start` to
    /// `pilot_end` when both are set, otherwise from the month of the first meeting to the
    /// month of the last one, both included.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 600))]
    pub pilot_months: Option<u32>,
    /// First and last day of the pilot (the cadence counts their months, both included).
    pub pilot_start: Option<NaiveDate>,
    pub pilot_end: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub courses_per_month: u32,
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub peer_meetings_per_month: u32,
    /// Satisfaction (0..100) must be above this.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub satisfaction_min: f64,
    /// Mean post-quiz % correct must be above this.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub understanding_min: f64,
    /// Co-assessments are due one in the month before `pilot_start`, one in every period
    /// of this many months from `pilot_start` to `pilot_end`, and one in the month after
    /// `pilot_end`. 0: none during the pilot, only before and after. Without the pilot's
    /// dates no co-assessment can be placed, and none is due.
    ///
    /// Written only when it differs from the default: targets travel to tablets in pull,
    /// and a tablet of the release before the plan refuses fields it does not know, so
    /// the projects that keep the default stay readable to it.
    #[serde(skip_serializing_if = "is_default_co_assessment_every_months")]
    #[cfg_attr(feature = "openapi", schema(maximum = 120))]
    pub co_assessment_every_months: u32,
}

/// Co-assessments during the pilot every this many months, unless a project says otherwise.
pub const DEFAULT_CO_ASSESSMENT_EVERY_MONTHS: u32 = 4;

fn is_default_co_assessment_every_months(months: &u32) -> bool {
    *months == DEFAULT_CO_ASSESSMENT_EVERY_MONTHS
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            eligible_carers: 320,
            reach_fraction: 1.0 / 3.0,
            pilot_months: None,
            pilot_start: None,
            pilot_end: None,
            courses_per_month: 1,
            peer_meetings_per_month: 1,
            satisfaction_min: 75.0,
            understanding_min: 75.0,
            co_assessment_every_months: DEFAULT_CO_ASSESSMENT_EVERY_MONTHS,
        }
    }
}

impl Targets {
    /// The months the cadence is counted over when the targets fix them: `pilot_months`,
    /// else the months from `pilot_start` to `pilot_end` (both included). `None` leaves
    /// it to the span of the meetings held.
    pub fn fixed_months(&self) -> Option<u32> {
        if let Some(months) = self.pilot_months {
            return Some(months);
        }
        let (start, end) = (self.pilot_start?, self.pilot_end?);
        let index = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
        Some((index(end) - index(start) + 1).max(0) as u32)
    }

    /// Why these targets cannot be used, if they cannot: the checks a coordinator's
    /// input must pass before it is stored.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !(self.reach_fraction > 0.0 && self.reach_fraction <= 1.0) {
            out.push(format!(
                "reach_fraction {} is not in (0, 1]",
                self.reach_fraction
            ));
        }
        for (name, v) in [
            ("satisfaction_min", self.satisfaction_min),
            ("understanding_min", self.understanding_min),
        ] {
            if !(0.0..=100.0).contains(&v) {
                out.push(format!("{name} {v} is not a percentage (0..100)"));
            }
        }
        if self.eligible_carers > 1_000_000 {
            out.push(format!(
                "eligible_carers {} is over 1,000,000",
                self.eligible_carers
            ));
        }
        if matches!(self.pilot_months, Some(0) | Some(601..)) {
            out.push("pilot_months must be 1 to 600".into());
        }
        if self.co_assessment_every_months > 120 {
            out.push("co_assessment_every_months must be 0 to 120".into());
        }
        if self.courses_per_month > 100 || self.peer_meetings_per_month > 100 {
            out.push("a cadence over 100 meetings a month is not a target".into());
        }
        match (self.pilot_start, self.pilot_end) {
            (Some(s), Some(e)) if e < s => {
                out.push(format!("pilot_end {e} is before pilot_start {s}"))
            }
            (Some(_), None) | (None, Some(_)) => {
                out.push("pilot_start and pilot_end go together".into())
            }
            _ => {}
        }
        out
    }

    /// Carers to reach: the fraction of the eligible, rounded up (a third of 320 is 107:
    /// reaching 106 would fall short of a third). The tiny tolerance keeps 0.5 * 320 at 160
    /// despite binary floating point.
    pub fn reach_target(&self) -> u64 {
        let exact = f64::from(self.eligible_carers) * self.reach_fraction;
        (exact - 1e-9).ceil().max(0.0) as u64
    }
}

/// A figure against its target. `met` is `None` when the figure has no value yet (no
/// quiz answered, no satisfaction scale filled): "no data" is not "not met".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    pub target: f64,
    pub met: Option<bool>,
}

impl Check {
    /// A count that must reach the target (`value >= target`).
    pub fn at_least(value: u64, target: u64) -> Check {
        Check {
            target: target as f64,
            met: Some(value >= target),
        }
    }

    /// A percentage that must be above the threshold (the study says "above 75%", so
    /// exactly 75 is not enough).
    pub fn above(value: Option<f64>, threshold: f64) -> Check {
        Check {
            target: threshold,
            met: value.map(|v| v > threshold),
        }
    }
}
