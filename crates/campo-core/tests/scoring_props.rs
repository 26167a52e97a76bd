//! Properties of scoring that must hold for any instrument and any answers, including
//! answers that do not fit the instrument (scoring never trusts them).

use campo_core::score::{score, Score};
use campo_core::{
    Activity, AnswerValue, Answers, Choice, Instrument, Item, ItemType, Scoring, Text,
};
use proptest::prelude::*;
use proptest::sample::Index;

fn item(id: String, item_type: ItemType, options: Vec<Choice>) -> Item {
    Item {
        label: Text::new(id.clone(), id.clone()),
        id,
        item_type,
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
        id: "p".into(),
        version: 1,
        title: Text::new("p", "p"),
        description: None,
        activities: vec![Activity::TrainingCourse],
        topic: None,
        anonymous: false,
        items,
        scoring,
    }
}

/// One item spec: option scores (1..5 options) and which option is correct (an index into
/// them, or none).
fn item_spec() -> impl Strategy<Value = (Vec<u8>, Option<Index>)> {
    (
        prop::collection::vec(0u8..=100, 1..5),
        prop::option::of(any::<Index>()),
    )
}

/// An instrument with 1..15 items of a random choice type, named so their id order differs
/// from their position (answers are a BTreeMap; items are not sorted).
fn build(scoring: Scoring, specs: &[(Vec<u8>, Option<Index>)], types: &[ItemType]) -> Instrument {
    let items = specs
        .iter()
        .enumerate()
        .map(|(i, (scores, correct))| {
            let correct = correct.as_ref().map(|c| c.index(scores.len()));
            let options = scores
                .iter()
                .enumerate()
                .map(|(o, s)| Choice {
                    value: format!("o{o}"),
                    label: Text::new("x", "x"),
                    score: Some(*s),
                    correct: Some(o) == correct,
                })
                .collect();
            item(
                format!("i{}", (i * 7) % 17),
                types[i % types.len()],
                options,
            )
        })
        .collect();
    instrument(scoring, items)
}

/// Answers: for each item, maybe an option (by index; possibly one the item lacks), plus
/// answers to items that do not exist.
fn answer_for(instrument: &Instrument, picks: &[Option<usize>]) -> Vec<(String, AnswerValue)> {
    let mut pairs: Vec<(String, AnswerValue)> = instrument
        .items
        .iter()
        .zip(picks)
        .filter_map(|(item, pick)| {
            let o = (*pick)?;
            let value = format!("o{o}");
            Some((
                item.id.clone(),
                if item.item_type == ItemType::MultipleChoice {
                    AnswerValue::Many(vec![value])
                } else {
                    AnswerValue::Text(value)
                },
            ))
        })
        .collect();
    pairs.push(("zz_unknown".into(), AnswerValue::Text("o0".into())));
    pairs
}

fn types() -> impl Strategy<Value = Vec<ItemType>> {
    prop::collection::vec(
        prop_oneof![
            Just(ItemType::SingleChoice),
            Just(ItemType::Scale),
            Just(ItemType::MultipleChoice)
        ],
        1..3,
    )
}

fn scoring() -> impl Strategy<Value = Scoring> {
    prop_oneof![
        Just(Scoring::PercentCorrect),
        Just(Scoring::MeanScore),
        Just(Scoring::CountPerState)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scores_stay_within_0_and_100(
        scoring in scoring(),
        specs in prop::collection::vec(item_spec(), 1..15),
        types in types(),
        picks in prop::collection::vec(prop::option::of(0usize..6), 15),
    ) {
        let inst = build(scoring, &specs, &types);
        let answers: Answers = answer_for(&inst, &picks).into_iter().collect();
        match score(&inst, &answers) {
            Score::Percent(v) | Score::Mean(v) => prop_assert!((0.0..=100.0).contains(&v), "{v}"),
            Score::Counts(c) => {
                // No more answers counted than items exist.
                prop_assert!(c.values().map(|&n| n as usize).sum::<usize>() <= inst.items.len());
            }
            Score::None => {}
        }
    }

    #[test]
    fn order_of_answers_does_not_matter(
        scoring in scoring(),
        specs in prop::collection::vec(item_spec(), 1..15),
        types in types(),
        picks in prop::collection::vec(prop::option::of(0usize..6), 15),
        shuffle in any::<u64>(),
    ) {
        let inst = build(scoring, &specs, &types);
        let pairs = answer_for(&inst, &picks);
        let forward: Answers = pairs.iter().cloned().collect();
        let backward: Answers = pairs.iter().rev().cloned().collect();
        // A deterministic shuffle driven by the generated seed.
        let mut shuffled = pairs.clone();
        let mut seed = shuffle;
        for i in (1..shuffled.len()).rev() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (seed >> 33) as usize % (i + 1));
        }
        let shuffled: Answers = shuffled.into_iter().collect();
        let expected = score(&inst, &forward);
        prop_assert_eq!(&score(&inst, &backward), &expected);
        prop_assert_eq!(&score(&inst, &shuffled), &expected);
        // The same instrument with its items listed in reverse scores the same too.
        let mut reversed = inst.clone();
        reversed.items.reverse();
        prop_assert_eq!(&score(&reversed, &shuffled), &expected);
    }

    #[test]
    fn all_correct_scores_100_and_all_wrong_scores_0(
        specs in prop::collection::vec((prop::collection::vec(0u8..=100, 2..5), any::<Index>()), 1..15),
    ) {
        let specs: Vec<(Vec<u8>, Option<Index>)> = specs.into_iter().map(|(s, c)| (s, Some(c))).collect();
        let quiz = build(Scoring::PercentCorrect, &specs, &[ItemType::SingleChoice]);
        let right: Answers = quiz.items.iter()
            .map(|i| (i.id.clone(), AnswerValue::Text(i.correct_option().unwrap().value.clone())))
            .collect();
        prop_assert_eq!(score(&quiz, &right), Score::Percent(100.0));
        let wrong: Answers = quiz.items.iter()
            .map(|i| (i.id.clone(), AnswerValue::Text(i.options.iter().find(|o| !o.correct).unwrap().value.clone())))
            .collect();
        prop_assert_eq!(score(&quiz, &wrong), Score::Percent(0.0));
        // Nothing answered counts as all wrong.
        prop_assert_eq!(score(&quiz, &Answers::new()), Score::Percent(0.0));
    }

    #[test]
    fn mean_score_is_the_mean_of_the_chosen_scores(
        specs in prop::collection::vec(item_spec(), 1..15),
        picks in prop::collection::vec(prop::option::of(0usize..6), 15),
    ) {
        let scale = build(Scoring::MeanScore, &specs, &[ItemType::Scale]);
        let answers: Answers = answer_for(&scale, &picks).into_iter().collect();
        // The expectation, computed the plain way: every answered item's chosen option.
        let chosen: Vec<f64> = scale.items.iter()
            .filter_map(|i| match answers.get(&i.id) {
                Some(AnswerValue::Text(v)) => i.option(v).and_then(|o| o.score).map(f64::from),
                _ => None,
            })
            .collect();
        match score(&scale, &answers) {
            Score::Mean(m) => {
                let expected = chosen.iter().sum::<f64>() / chosen.len() as f64;
                prop_assert!((m - expected).abs() < 1e-9, "{} vs {}", m, expected);
            }
            Score::None => prop_assert!(chosen.is_empty()),
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    #[test]
    fn counts_add_up_to_the_answered_choice_items(
        specs in prop::collection::vec(item_spec(), 1..15),
        picks in prop::collection::vec(prop::option::of(0usize..6), 15),
    ) {
        let checklist = build(Scoring::CountPerState, &specs, &[ItemType::SingleChoice]);
        let answers: Answers = answer_for(&checklist, &picks).into_iter().collect();
        let answered_existing = checklist.items.iter()
            .filter(|i| matches!(answers.get(&i.id), Some(AnswerValue::Text(v)) if i.option(v).is_some()))
            .count();
        let Score::Counts(c) = score(&checklist, &answers) else { panic!("counts expected") };
        prop_assert_eq!(c.values().map(|&n| n as usize).sum::<usize>(), answered_existing);
    }
}
