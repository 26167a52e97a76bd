//! The barrier log of the co-assessments: one submission per barrier to co-production
//! raised, and later submissions that follow it up as its effect and its adjustment move.
//!
//! A barrier is a chain: the first submission (naming no other) and the submissions whose
//! `follows_up` names it directly. What the barrier is (its cause, when it arose, who raised
//! it) is fixed by the first; where it stands (its effect, the adjustment's status) is the
//! latest word on it, by `created_at` and then id, so every device and the server agree.

use crate::answer::AnswerValue;
use crate::domain::Submission;
use std::collections::HashMap;
use std::hash::BuildHasher;
use uuid::Uuid;

/// The instrument id of the barrier log (`schemas/instruments/barrier_log.json`).
pub const BARRIER_LOG: &str = "barrier_log";

/// Item ids of the barrier log the report reads.
pub mod items {
    pub const CAUSE: &str = "cause";
    pub const CAUSE_OTHER: &str = "cause_other";
    pub const STAGE: &str = "stage";
    pub const RAISED_BY: &str = "raised_by";
    pub const EFFECT: &str = "effect";
    pub const WHAT_HAPPENED: &str = "what_happened";
    pub const ADJUSTMENT: &str = "adjustment";
    pub const STATUS: &str = "status";
}

/// The causes of co-destruction (Järvi et al. 2018, with the two Engen et al. 2020 add),
/// and `other`, in the barrier log's order.
pub const CAUSES: [&str; 11] = [
    "absence_of_information",
    "insufficient_trust",
    "unclear_expectations",
    "inability_to_serve",
    "inability_to_change",
    "mistakes",
    "customer_misbehaviour",
    "blaming",
    "lack_of_bureaucratic_skills",
    "lack_of_transparency",
    "other",
];
pub const STAGES: [&str; 3] = ["before", "during", "after"];
pub const RAISED_BY: [&str; 3] = ["carer", "provider", "researcher"];
pub const EFFECTS: [&str; 3] = ["none_yet", "value_diminished", "irreparable_loss"];
/// The adjustment's status; a barrier without one is open (nothing decided yet).
pub const STATUSES: [&str; 3] = ["planned", "done", "not_possible"];

/// One barrier: its first submission and the latest one of its chain (the first itself
/// when nothing followed it up).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chain<'a> {
    pub first: &'a Submission,
    pub latest: &'a Submission,
    pub follow_ups: u64,
}

impl<'a> Chain<'a> {
    pub fn cause(&self) -> Option<&'a str> {
        choice(self.first, items::CAUSE)
    }

    pub fn stage(&self) -> Option<&'a str> {
        choice(self.first, items::STAGE)
    }

    pub fn raised_by(&self) -> Option<&'a str> {
        choice(self.first, items::RAISED_BY)
    }

    pub fn effect(&self) -> Option<&'a str> {
        choice(self.latest, items::EFFECT)
    }

    /// `None`: no status given yet, the barrier is open.
    pub fn status(&self) -> Option<&'a str> {
        choice(self.latest, items::STATUS)
    }

    /// Still to be followed up: no adjustment decided yet, or one planned and not yet
    /// done. A barrier whose adjustment was done or found not possible is settled.
    pub fn unsettled(&self) -> bool {
        matches!(self.status(), None | Some("planned"))
    }
}

/// The chains of every barrier log submission among `submissions` (any others are left
/// out, as are submissions a correction replaced): what a tablet lists for follow-ups.
/// The report makes its own from the submissions it counts (held co-assessments only).
pub fn chains_of(submissions: &[Submission]) -> Chains<'_> {
    let log: Vec<&Submission> = submissions
        .iter()
        .filter(|s| s.instrument_id == BARRIER_LOG)
        .collect();
    let replaced_by: HashMap<Uuid, Uuid> = log
        .iter()
        .filter_map(|s| Some((s.replaces?, s.id)))
        .collect();
    let current: Vec<&Submission> = log
        .into_iter()
        .filter(|s| !replaced_by.contains_key(&s.id))
        .collect();
    chains(&current, &replaced_by)
}

/// Barrier chains in the order their first submissions were made, and the follow-ups that
/// name no barrier among the submissions given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chains<'a> {
    pub chains: Vec<Chain<'a>>,
    /// Follow-ups naming a submission that is not the first of a barrier here (unknown,
    /// left out, or itself a follow-up): they cannot be placed in a chain.
    pub orphans: u64,
}

/// Groups barrier log submissions into chains. `log` holds the submissions that count
/// (corrected ones already left out); `replaced_by` maps a corrected submission to its
/// correction, so that a follow-up naming a barrier's first submission still finds the
/// barrier after that first submission was corrected.
pub fn chains<'a, S: BuildHasher>(
    log: &[&'a Submission],
    replaced_by: &HashMap<Uuid, Uuid, S>,
) -> Chains<'a> {
    let mut index: foldhash::HashMap<Uuid, usize> =
        foldhash::HashMap::with_capacity_and_hasher(log.len(), Default::default());
    let mut chains: Vec<Chain<'a>> = Vec::new();
    for s in log.iter().filter(|s| s.follows_up.is_none()) {
        index.insert(s.id, chains.len());
        chains.push(Chain {
            first: s,
            latest: s,
            follow_ups: 0,
        });
    }
    let mut orphans = 0;
    for s in log {
        let Some(named) = s.follows_up else { continue };
        match resolve(named, &index, replaced_by) {
            Some(i) => {
                let chain = &mut chains[i];
                chain.follow_ups += 1;
                if (s.created_at, s.id) > (chain.latest.created_at, chain.latest.id) {
                    chain.latest = s;
                }
            }
            None => orphans += 1,
        }
    }
    chains.sort_by_key(|c| (c.first.created_at, c.first.id));
    Chains { chains, orphans }
}

/// The chain `named` belongs to, following corrections (a bounded walk: a cycle of
/// corrections is a broken record set, not a reason to loop).
fn resolve<S: BuildHasher>(
    mut named: Uuid,
    index: &foldhash::HashMap<Uuid, usize>,
    replaced_by: &HashMap<Uuid, Uuid, S>,
) -> Option<usize> {
    for _ in 0..=replaced_by.len() {
        if let Some(&i) = index.get(&named) {
            return Some(i);
        }
        named = *replaced_by.get(&named)?;
    }
    None
}

/// The option value answered to a choice item.
fn choice<'a>(s: &'a Submission, item: &str) -> Option<&'a str> {
    match s.answers.get(item)? {
        AnswerValue::Text(value) => Some(value.as_str()),
        _ => None,
    }
}
