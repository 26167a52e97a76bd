//! The instruments a device or the server knows, by id and version.
//!
//! Submissions name the exact version they answered, so old versions stay in the catalog
//! after a new one arrives: a report over last year's quizzes still scores them correctly.

use crate::domain::Activity;
use crate::instrument::Instrument;
use crate::load::load_instrument;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The study's instruments, embedded at build time so a fresh tablet can collect offline
/// before its first sync. Every file in `schemas/instruments/` must be listed here (a test
/// checks the directory against this list).
pub(crate) const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "quiz_moving_transfers",
        include_str!("../../../schemas/instruments/quiz_moving_transfers.json"),
    ),
    (
        "quiz_eating_swallowing",
        include_str!("../../../schemas/instruments/quiz_eating_swallowing.json"),
    ),
    (
        "quiz_dementia_behaviour",
        include_str!("../../../schemas/instruments/quiz_dementia_behaviour.json"),
    ),
    (
        "quiz_medicines_home",
        include_str!("../../../schemas/instruments/quiz_medicines_home.json"),
    ),
    (
        "quiz_carer_wellbeing",
        include_str!("../../../schemas/instruments/quiz_carer_wellbeing.json"),
    ),
    (
        "training_satisfaction",
        include_str!("../../../schemas/instruments/training_satisfaction.json"),
    ),
    (
        "peer_satisfaction",
        include_str!("../../../schemas/instruments/peer_satisfaction.json"),
    ),
    (
        "committee_goals",
        include_str!("../../../schemas/instruments/committee_goals.json"),
    ),
    (
        "barrier_log",
        include_str!("../../../schemas/instruments/barrier_log.json"),
    ),
];

/// Instruments keyed by id, then version (ordered, so `all()` and reports are stable).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    by_id: BTreeMap<String, BTreeMap<u32, Instrument>>,
}

impl Catalog {
    pub fn new(instruments: Vec<Instrument>) -> Catalog {
        let mut catalog = Catalog::default();
        for instrument in instruments {
            catalog.insert(instrument);
        }
        catalog
    }

    /// The study's instruments from `schemas/instruments/`.
    ///
    /// # Panics
    /// If a built-in file does not load: that is a defect in the shipped files, caught by
    /// the test suite, never something a user can cause.
    pub fn builtin() -> Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Catalog::new(
                    BUILTIN_FILES
                        .iter()
                        .map(|(name, json)| {
                            load_instrument(json).unwrap_or_else(|e| {
                                panic!("built-in instrument {name} is broken: {e}")
                            })
                        })
                        .collect(),
                )
            })
            .clone()
    }

    pub fn get(&self, id: &str, version: u32) -> Option<&Instrument> {
        self.by_id.get(id)?.get(&version)
    }

    /// The highest version of `id`.
    pub fn latest(&self, id: &str) -> Option<&Instrument> {
        self.by_id.get(id)?.values().next_back()
    }

    /// Every version of every instrument, by id then version.
    pub fn all(&self) -> impl Iterator<Item = &Instrument> {
        self.by_id.values().flat_map(|versions| versions.values())
    }

    /// Adds an instrument, replacing one with the same id and version.
    pub fn insert(&mut self, instrument: Instrument) {
        self.by_id
            .entry(instrument.id.clone())
            .or_default()
            .insert(instrument.version, instrument);
    }

    /// The latest version of each instrument used at meetings of `activity`, by id.
    pub fn for_activity(&self, activity: Activity) -> Vec<&Instrument> {
        self.by_id
            .keys()
            .filter_map(|id| self.latest(id))
            .filter(|instrument| instrument.activities.contains(&activity))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.by_id.values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_loads_every_instrument() {
        let catalog = Catalog::builtin();
        assert_eq!(catalog.len(), BUILTIN_FILES.len());
        for (name, _) in BUILTIN_FILES {
            assert!(catalog.latest(name).is_some(), "{name} missing");
        }
    }

    #[test]
    fn latest_and_get_distinguish_versions() {
        let mut v1 = Catalog::builtin()
            .latest("peer_satisfaction")
            .unwrap()
            .clone();
        let mut v2 = v1.clone();
        v1.version = 1;
        v2.version = 2;
        let catalog = Catalog::new(vec![v2.clone(), v1.clone()]);
        assert_eq!(catalog.latest("peer_satisfaction").unwrap().version, 2);
        assert_eq!(catalog.get("peer_satisfaction", 1).unwrap().version, 1);
        assert!(catalog.get("peer_satisfaction", 3).is_none());
        assert_eq!(catalog.for_activity(Activity::PeerGroup).len(), 1);
        assert_eq!(catalog.all().count(), 2);
    }
}
