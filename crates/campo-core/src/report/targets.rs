//! The project's targets, configurable per deployment, and how a figure is checked
//! against one.

use serde::{Deserialize, Serialize};

/// What the pilot promised its funders. Every field has the study's default, so a
/// configuration file only names what differs (`#[serde(default)]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    /// Family carers eligible in the valley.
    pub eligible_carers: u32,
    /// The share of them the pilot aims to reach (a third by default).
    pub reach_fraction: f64,
    /// Length of the pilot for the cadence targets. `None`: counted from the month of the
    /// first meeting to the month of the last one, both included.
    pub pilot_months: Option<u32>,
    pub courses_per_month: u32,
    pub peer_meetings_per_month: u32,
    /// Satisfaction (0..100) must be above this.
    pub satisfaction_min: f64,
    /// Mean post-quiz % correct must be above this.
    pub understanding_min: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            eligible_carers: 320,
            reach_fraction: 1.0 / 3.0,
            pilot_months: None,
            courses_per_month: 1,
            peer_meetings_per_month: 1,
            satisfaction_min: 75.0,
            understanding_min: 75.0,
        }
    }
}

impl Targets {
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
