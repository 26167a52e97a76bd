//! Scoring one submission against the instrument version it answered.
//!
//! Scoring trusts nothing about the answers: an answer to an unknown item, an option
//! value the item does not have, or a value of the wrong shape simply earns nothing,
//! so a score can be computed for any stored record (validation is a separate step).

use crate::answer::{AnswerValue, Answers};
use crate::instrument::{Choice, Instrument, Item, ItemType, Scoring};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The score of one submission, shaped by the instrument's `scoring` method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Score {
    /// Quizzes: 0..=100, the share of the items with a correct option answered correctly.
    Percent(f64),
    /// Scales: 0..=100, the mean `score` of the options chosen on the answered items.
    Mean(f64),
    /// Checklists: option value -> how many items were answered with it. Every option
    /// value of the instrument's choice items is present, with 0 when nobody chose it,
    /// so a state nobody reached still shows up in the report.
    Counts(BTreeMap<String, u32>),
    /// Not scored: the instrument is a form, it has nothing to score (a quiz without a
    /// correct option), or no scored item was answered (a scale left blank).
    None,
}

impl Score {
    /// The single number a percent or mean score stands for; `None` for counts and for
    /// nothing scored.
    pub fn value(&self) -> Option<f64> {
        match self {
            Score::Percent(v) | Score::Mean(v) => Some(*v),
            Score::Counts(_) | Score::None => None,
        }
    }
}

/// Scores a submission's answers against `instrument`.
///
/// - `percent_correct`: 100 * correct / items that have a correct option. An unanswered
///   item counts as wrong: a carer who skips a question did not show they know it.
/// - `mean_score`: mean of the chosen options' `score` over the answered scale items.
/// - `count_per_state`: per option value, how many choice or scale items were answered
///   with it.
pub fn score(instrument: &Instrument, answers: &Answers) -> Score {
    Scorer::new(instrument).score(answers)
}

/// An instrument prepared for scoring many submissions: its items sorted by id, so the
/// (already sorted) answers are matched in one merge walk instead of a search per answer.
/// The report builds one per instrument version and reuses it for every submission.
#[derive(Debug)]
pub struct Scorer<'a> {
    instrument: &'a Instrument,
    /// Indices into `instrument.items`, ordered by item id.
    by_id: Vec<usize>,
}

impl<'a> Scorer<'a> {
    pub fn new(instrument: &'a Instrument) -> Self {
        let mut by_id: Vec<usize> = (0..instrument.items.len()).collect();
        by_id.sort_by(|&a, &b| instrument.items[a].id.cmp(&instrument.items[b].id));
        Scorer { instrument, by_id }
    }

    pub fn instrument(&self) -> &'a Instrument {
        self.instrument
    }

    pub fn score(&self, answers: &Answers) -> Score {
        match self.instrument.scoring {
            Scoring::PercentCorrect => self
                .percent_correct(answers)
                .map_or(Score::None, Score::Percent),
            Scoring::MeanScore => self.mean_score(answers).map_or(Score::None, Score::Mean),
            Scoring::CountPerState => Score::Counts(self.counts(answers)),
            Scoring::None => Score::None,
        }
    }

    /// Quiz score without allocating; `None` when no item has a correct option.
    pub fn percent_correct(&self, answers: &Answers) -> Option<f64> {
        let gradable = self
            .instrument
            .items
            .iter()
            .filter(|i| i.correct_option().is_some())
            .count();
        if gradable == 0 {
            return None;
        }
        let mut correct = 0usize;
        self.for_each_answer(answers, |item, value| {
            if let Some(right) = item.correct_option() {
                let is_right = match (item.item_type, value) {
                    (ItemType::SingleChoice | ItemType::Scale, AnswerValue::Text(v)) => {
                        *v == right.value
                    }
                    // A multiple-choice quiz item is right only when the one correct option,
                    // and nothing else, was ticked.
                    (ItemType::MultipleChoice, AnswerValue::Many(vs)) => {
                        vs.len() == 1 && vs[0] == right.value
                    }
                    _ => false,
                };
                if is_right {
                    correct += 1;
                }
            }
        });
        Some(100.0 * correct as f64 / gradable as f64)
    }

    /// Scale score without allocating; `None` when no scored option was chosen.
    pub fn mean_score(&self, answers: &Answers) -> Option<f64> {
        let mut sum = 0u64;
        let mut n = 0u64;
        self.for_each_choice(answers, |item, choice| {
            if item.item_type == ItemType::Scale {
                if let Some(s) = choice.score {
                    sum += u64::from(s);
                    n += 1;
                }
            }
        });
        (n > 0).then(|| sum as f64 / n as f64)
    }

    fn counts(&self, answers: &Answers) -> BTreeMap<String, u32> {
        let mut counts = BTreeMap::new();
        for item in self
            .instrument
            .items
            .iter()
            .filter(|i| is_choice(i.item_type))
        {
            for option in &item.options {
                counts.entry(option.value.clone()).or_insert(0);
            }
        }
        self.for_each_choice(answers, |_, choice| {
            if let Some(c) = counts.get_mut(&choice.value) {
                *c += 1;
            }
        });
        counts
    }

    /// Calls `f` for every chosen option that exists on a choice or scale item.
    pub fn for_each_choice<'s>(
        &'s self,
        answers: &Answers,
        mut f: impl FnMut(&'s Item, &'s Choice),
    ) {
        self.for_each_answer(answers, |item, value| {
            if !is_choice(item.item_type) {
                return;
            }
            match value {
                AnswerValue::Text(v) if item.item_type != ItemType::MultipleChoice => {
                    if let Some(c) = item.option(v) {
                        f(item, c);
                    }
                }
                AnswerValue::Many(vs) if item.item_type == ItemType::MultipleChoice => {
                    for v in vs {
                        if let Some(c) = item.option(v) {
                            f(item, c);
                        }
                    }
                }
                _ => {}
            }
        });
    }

    /// Merge walk of the sorted answers against the items sorted by id: calls `f` for each
    /// answer whose item exists, in item-id order.
    fn for_each_answer<'s>(&'s self, answers: &Answers, mut f: impl FnMut(&'s Item, &AnswerValue)) {
        let items = &self.instrument.items;
        let mut ids = self.by_id.iter().peekable();
        for (key, value) in answers {
            while let Some(&&i) = ids.peek() {
                match items[i].id.as_str().cmp(key.as_str()) {
                    std::cmp::Ordering::Less => {
                        ids.next();
                    }
                    std::cmp::Ordering::Equal => {
                        f(&items[i], value);
                        ids.next();
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
        }
    }
}

fn is_choice(t: ItemType) -> bool {
    matches!(
        t,
        ItemType::SingleChoice | ItemType::MultipleChoice | ItemType::Scale
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activity, Text};

    fn choice(value: &str, score: Option<u8>, correct: bool) -> Choice {
        Choice {
            value: value.into(),
            label: Text::new(value, value),
            score,
            correct,
        }
    }

    fn item(id: &str, item_type: ItemType, options: Vec<Choice>) -> Item {
        Item {
            id: id.into(),
            item_type,
            label: Text::new(id, id),
            help: None,
            required: false,
            options,
            faces: false,
            min: None,
            max: None,
            max_length: None,
            relevant: None,
        }
    }

    fn instrument(scoring: Scoring, items: Vec<Item>) -> Instrument {
        Instrument {
            id: "t".into(),
            version: 1,
            title: Text::new("t", "t"),
            description: None,
            activities: vec![Activity::TrainingCourse],
            topic: None,
            anonymous: false,
            items,
            scoring,
        }
    }

    fn answers(pairs: &[(&str, AnswerValue)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn t(s: &str) -> AnswerValue {
        AnswerValue::Text(s.into())
    }

    #[test]
    fn quiz_counts_unanswered_and_unknown_as_wrong() {
        let quiz = instrument(
            Scoring::PercentCorrect,
            ["q1", "q2", "q3", "q4"]
                .iter()
                .map(|id| {
                    item(
                        id,
                        ItemType::SingleChoice,
                        vec![choice("a", None, true), choice("b", None, false)],
                    )
                })
                .collect(),
        );
        // q1 right, q2 wrong, q3 an option that does not exist, q4 unanswered: 1 of 4.
        let a = answers(&[
            ("q1", t("a")),
            ("q2", t("b")),
            ("q3", t("zzz")),
            ("extra", t("a")),
        ]);
        assert_eq!(score(&quiz, &a), Score::Percent(25.0));
    }

    #[test]
    fn mean_ignores_unanswered_and_non_scale_items() {
        let scale = instrument(
            Scoring::MeanScore,
            vec![
                item(
                    "a",
                    ItemType::Scale,
                    vec![
                        choice("no", Some(0), false),
                        choice("yes", Some(100), false),
                    ],
                ),
                item(
                    "b",
                    ItemType::Scale,
                    vec![
                        choice("no", Some(0), false),
                        choice("half", Some(50), false),
                    ],
                ),
                item("c", ItemType::Scale, vec![choice("no", Some(0), false)]),
                item("note", ItemType::Text, vec![]),
            ],
        );
        let a = answers(&[("a", t("yes")), ("b", t("half")), ("note", t("fine"))]);
        assert_eq!(score(&scale, &a), Score::Mean(75.0));
        assert_eq!(score(&scale, &Answers::new()), Score::None);
        assert_eq!(Score::None.value(), None);
        assert_eq!(Score::Mean(75.0).value(), Some(75.0));
    }

    #[test]
    fn counts_list_every_state_even_when_unchosen() {
        let states = || {
            vec![
                choice("achieved", None, false),
                choice("partially", None, false),
                choice("unfulfilled", None, false),
            ]
        };
        let checklist = instrument(
            Scoring::CountPerState,
            vec![
                item("g1", ItemType::SingleChoice, states()),
                item("g2", ItemType::SingleChoice, states()),
                item("g3", ItemType::SingleChoice, states()),
                item("n", ItemType::Text, vec![]),
            ],
        );
        let a = answers(&[
            ("g1", t("achieved")),
            ("g2", t("achieved")),
            ("n", t("achieved")),
        ]);
        let Score::Counts(c) = score(&checklist, &a) else {
            panic!("counts expected")
        };
        assert_eq!(c.get("achieved"), Some(&2));
        assert_eq!(c.get("partially"), Some(&0));
        assert_eq!(c.get("unfulfilled"), Some(&0));
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn forms_and_quizzes_without_key_are_not_scored() {
        let form = instrument(Scoring::None, vec![item("x", ItemType::Text, vec![])]);
        assert_eq!(score(&form, &answers(&[("x", t("y"))])), Score::None);
        let keyless = instrument(
            Scoring::PercentCorrect,
            vec![item(
                "x",
                ItemType::SingleChoice,
                vec![choice("a", None, false)],
            )],
        );
        assert_eq!(score(&keyless, &answers(&[("x", t("a"))])), Score::None);
    }
}
