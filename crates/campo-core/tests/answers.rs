//! Answers and submissions: each rule accepted when kept and refused when broken.

use campo_core::catalog::Catalog;
use campo_core::load::load_instrument;
use campo_core::validate::{validate_answers, validate_submission, AnswerError, SubmissionError};
use campo_core::{AnswerValue, Answers, Instrument, Phase, Submission};
use chrono::{TimeZone, Utc};
use uuid::Uuid;

/// A form using every item type and a chain of conditions:
/// `visits` and `when` are asked only if `helped` is "yes"; `why` only if `services`
/// includes "other".
fn form() -> Instrument {
    load_instrument(
        r#"{
        "id": "home_form", "version": 1,
        "title": {"it": "Scheda", "en": "Form"},
        "activities": ["peer_group"], "anonymous": false, "scoring": "none",
        "items": [
          {"id": "helped", "type": "single_choice", "required": true,
           "label": {"it": "Aiutato?", "en": "Helped?"},
           "options": [{"value": "yes", "label": {"it": "Sì", "en": "Yes"}},
                       {"value": "no", "label": {"it": "No", "en": "No"}}]},
          {"id": "visits", "type": "number", "required": true, "min": 0, "max": 30,
           "label": {"it": "Visite", "en": "Visits"},
           "relevant": {"item": "helped", "any_of": ["yes"]}},
          {"id": "when", "type": "date", "label": {"it": "Quando", "en": "When"},
           "relevant": {"item": "helped", "any_of": ["yes"]}},
          {"id": "services", "type": "multiple_choice",
           "label": {"it": "Servizi", "en": "Services"},
           "options": [{"value": "nurse", "label": {"it": "Infermiere", "en": "Nurse"}},
                       {"value": "other", "label": {"it": "Altro", "en": "Other"}}]},
          {"id": "why", "type": "text", "required": true, "max_length": 10,
           "label": {"it": "Quale?", "en": "Which?"},
           "relevant": {"item": "services", "any_of": ["other"]}},
          {"id": "mood", "type": "scale", "label": {"it": "Umore", "en": "Mood"},
           "options": [{"value": "0", "label": {"it": "Male", "en": "Bad"}, "score": 0},
                       {"value": "100", "label": {"it": "Bene", "en": "Good"}, "score": 100}]}
        ]}"#,
    )
    .unwrap()
}

fn answers(pairs: &[(&str, AnswerValue)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn text(s: &str) -> AnswerValue {
    AnswerValue::Text(s.to_string())
}

fn many(values: &[&str]) -> AnswerValue {
    AnswerValue::Many(values.iter().map(|s| s.to_string()).collect())
}

fn errors(pairs: &[(&str, AnswerValue)]) -> Vec<AnswerError> {
    validate_answers(&form(), &answers(pairs)).expect_err("expected the answers to be refused")
}

#[test]
fn a_complete_valid_answer_set_is_accepted() {
    let ok = answers(&[
        ("helped", text("yes")),
        ("visits", AnswerValue::Number(30.0)),
        ("when", text("2025-02-28")),
        ("services", many(&["nurse", "other"])),
        ("why", text("vicina")),
        ("mood", text("100")),
    ]);
    assert_eq!(validate_answers(&form(), &ok), Ok(()));
}

#[test]
fn only_relevant_required_items_must_be_answered() {
    // "visits" is required but not asked when the carer was not helped.
    assert_eq!(
        validate_answers(&form(), &answers(&[("helped", text("no"))])),
        Ok(())
    );
    assert_eq!(
        errors(&[("helped", text("yes"))]),
        [AnswerError::Missing {
            item: "visits".into()
        }]
    );
    assert_eq!(
        errors(&[]),
        [AnswerError::Missing {
            item: "helped".into()
        }]
    );
}

#[test]
fn answers_to_items_that_are_not_asked_are_refused() {
    let found = errors(&[("helped", text("no")), ("visits", AnswerValue::Number(2.0))]);
    assert_eq!(
        found,
        [AnswerError::NotRelevant {
            item: "visits".into()
        }]
    );
    assert!(found[0].to_string().contains("not asked"));
    assert_eq!(found[0].code(), "answer_not_relevant");
}

#[test]
fn relevance_follows_multiple_choice_membership() {
    let asked = [("helped", text("no")), ("services", many(&["other"]))];
    assert_eq!(
        errors(&asked),
        [AnswerError::Missing { item: "why".into() }]
    );
    let not_asked = [
        ("helped", text("no")),
        ("services", many(&["nurse"])),
        ("why", text("x")),
    ];
    assert_eq!(
        errors(&not_asked),
        [AnswerError::NotRelevant { item: "why".into() }]
    );
}

#[test]
fn unknown_items_and_options_are_refused() {
    let found = errors(&[
        ("helped", text("maybe")),
        ("colour", text("red")),
        ("mood", text("50")),
    ]);
    assert_eq!(
        found,
        [
            AnswerError::UnknownOption {
                item: "helped".into(),
                value: "maybe".into()
            },
            AnswerError::UnknownOption {
                item: "mood".into(),
                value: "50".into()
            },
            AnswerError::UnknownItem {
                item: "colour".into()
            },
        ]
    );
    assert_eq!(
        found[0].to_string(),
        r#"item "helped": "maybe" is not one of its options"#
    );
}

#[test]
fn multiple_choice_refuses_unknown_and_repeated_options() {
    let unknown = errors(&[
        ("helped", text("no")),
        ("services", many(&["nurse", "taxi"])),
    ]);
    assert_eq!(
        unknown,
        [AnswerError::UnknownOption {
            item: "services".into(),
            value: "taxi".into()
        }]
    );
    let repeated = errors(&[
        ("helped", text("no")),
        ("services", many(&["nurse", "nurse"])),
    ]);
    assert_eq!(
        repeated,
        [AnswerError::RepeatedOption {
            item: "services".into(),
            value: "nurse".into()
        }]
    );
}

#[test]
fn a_value_of_the_wrong_shape_is_refused_for_each_type() {
    let found = errors(&[
        ("helped", many(&["yes"])),
        ("services", text("nurse")),
        ("mood", AnswerValue::Number(100.0)),
    ]);
    let items: Vec<&str> = found.iter().map(AnswerError::item).collect();
    assert_eq!(items, ["helped", "services", "mood"]);
    assert!(
        found
            .iter()
            .all(|e| matches!(e, AnswerError::WrongShape { .. })),
        "{found:?}"
    );
    assert_eq!(
        found[1].to_string(),
        r#"item "services": expected a list of option values"#
    );

    let found = errors(&[
        ("helped", text("yes")),
        ("visits", text("3")),
        ("when", AnswerValue::Number(1.0)),
    ]);
    assert_eq!(found.len(), 2);
    assert!(found[0].to_string().contains("expected a number"));
    assert!(found[1]
        .to_string()
        .contains("expected a date as YYYY-MM-DD"));
}

#[test]
fn numbers_must_lie_within_their_bounds() {
    for ok in [0.0, 12.5, 30.0] {
        let set = answers(&[("helped", text("yes")), ("visits", AnswerValue::Number(ok))]);
        assert_eq!(validate_answers(&form(), &set), Ok(()), "{ok}");
    }
    for bad in [-1.0, 30.5] {
        let found = errors(&[
            ("helped", text("yes")),
            ("visits", AnswerValue::Number(bad)),
        ]);
        assert!(
            matches!(found[..], [AnswerError::OutOfRange { .. }]),
            "{bad}: {found:?}"
        );
        assert!(
            found[0]
                .to_string()
                .contains("outside the allowed range 0..30"),
            "{}",
            found[0]
        );
    }
}

#[test]
fn text_longer_than_max_length_is_refused_counting_characters() {
    // Ten accented characters are twenty bytes but within a 10-character limit.
    let base = [("helped", text("no")), ("services", many(&["other"]))];
    let mut ok = answers(&base);
    ok.insert("why".into(), text("àèìòùàèìòù"));
    assert_eq!(validate_answers(&form(), &ok), Ok(()));
    let mut long = answers(&base);
    long.insert("why".into(), text("àèìòùàèìòùà"));
    let found = validate_answers(&form(), &long).unwrap_err();
    assert_eq!(
        found,
        [AnswerError::TooLong {
            item: "why".into(),
            length: 11,
            max: 10
        }]
    );
}

#[test]
fn dates_must_be_real_and_written_as_yyyy_mm_dd() {
    let with_date = |d: &str| {
        answers(&[
            ("helped", text("yes")),
            ("visits", AnswerValue::Number(1.0)),
            ("when", text(d)),
        ])
    };
    assert_eq!(validate_answers(&form(), &with_date("2024-02-29")), Ok(()));
    for bad in ["2025-02-29", "2025-2-3", "03/02/2025", "2025-02-03T10:00"] {
        let found = validate_answers(&form(), &with_date(bad)).unwrap_err();
        assert_eq!(
            found,
            [AnswerError::BadDate {
                item: "when".into(),
                value: bad.into()
            }],
            "{bad}"
        );
    }
}

#[test]
fn a_blank_answer_counts_as_unanswered() {
    // A cleared optional field is fine; a cleared required one is missing, not "not asked".
    let set = answers(&[("helped", text("no")), ("services", many(&[]))]);
    assert_eq!(validate_answers(&form(), &set), Ok(()));
    assert_eq!(
        errors(&[("helped", text("  "))]),
        [AnswerError::Missing {
            item: "helped".into()
        }]
    );
}

#[test]
fn every_faulty_item_is_reported_once() {
    let found = errors(&[
        ("helped", text("yes")),
        ("visits", AnswerValue::Number(99.0)),
        ("when", text("tomorrow")),
        ("services", many(&["x", "y"])),
        ("mood", text("7")),
    ]);
    let items: Vec<&str> = found.iter().map(AnswerError::item).collect();
    assert_eq!(items, ["visits", "when", "services", "mood"]);
}

fn submission(instrument: &str, version: u32, answers: Answers) -> Submission {
    Submission {
        id: Uuid::now_v7(),
        instrument_id: instrument.into(),
        instrument_version: version,
        meeting_id: Uuid::now_v7(),
        respondent: None,
        phase: None,
        answers,
        created_at: Utc.with_ymd_and_hms(2025, 3, 4, 10, 0, 0).unwrap(),
        replaces: None,
        follows_up: None,
    }
}

fn quiz_answers() -> Answers {
    answers(&[("q1", text("b")), ("q2", text("b")), ("q3", text("c"))])
}

#[test]
fn a_paired_quiz_submission_is_accepted() {
    let mut s = submission("quiz_moving_transfers", 1, quiz_answers());
    s.respondent = Some("C-017".into());
    s.phase = Some(Phase::Pre);
    assert_eq!(validate_submission(&Catalog::builtin(), &s), Ok(()));
}

#[test]
fn unknown_instruments_and_versions_are_refused() {
    let catalog = Catalog::builtin();
    let unknown = validate_submission(&catalog, &submission("quiz_gardening", 1, Answers::new()));
    assert_eq!(
        unknown,
        Err(SubmissionError::UnknownInstrument {
            instrument: "quiz_gardening".into()
        })
    );
    assert_eq!(unknown.unwrap_err().code(), "unknown_instrument");
    let mut s = submission("quiz_moving_transfers", 7, quiz_answers());
    s.phase = Some(Phase::Post);
    let err = validate_submission(&catalog, &s).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"instrument "quiz_moving_transfers" has no version 7"#
    );
}

#[test]
fn an_anonymous_instrument_refuses_a_respondent_code() {
    let mut s = submission(
        "peer_satisfaction",
        1,
        answers(&[("satisfaction", text("75"))]),
    );
    assert_eq!(validate_submission(&Catalog::builtin(), &s), Ok(()));
    s.respondent = Some("C-017".into());
    assert_eq!(
        validate_submission(&Catalog::builtin(), &s),
        Err(SubmissionError::RespondentOnAnonymous {
            instrument: "peer_satisfaction".into()
        })
    );
}

#[test]
fn quizzes_need_a_phase_and_other_instruments_refuse_one() {
    let catalog = Catalog::builtin();
    let quiz = submission("quiz_medicines_home", 1, quiz_answers());
    let err = validate_submission(&catalog, &quiz).unwrap_err();
    assert_eq!(
        err,
        SubmissionError::PhaseMissing {
            instrument: "quiz_medicines_home".into()
        }
    );
    assert!(err.to_string().contains("pre"));

    let mut peer = submission(
        "peer_satisfaction",
        1,
        answers(&[("satisfaction", text("100"))]),
    );
    peer.phase = Some(Phase::Post);
    assert_eq!(
        validate_submission(&catalog, &peer),
        Err(SubmissionError::PhaseNotAllowed {
            instrument: "peer_satisfaction".into()
        })
    );
}

#[test]
fn only_a_barrier_log_form_follows_up_and_never_itself() {
    let catalog = Catalog::builtin();
    let mut peer = submission(
        "peer_satisfaction",
        1,
        answers(&[("satisfaction", text("100"))]),
    );
    peer.follows_up = Some(Uuid::from_u128(7));
    let err = validate_submission(&catalog, &peer).unwrap_err();
    assert_eq!(err.code(), "follows_up_not_barrier");
    assert_eq!(
        err,
        SubmissionError::FollowsUpNotBarrier {
            instrument: "peer_satisfaction".into()
        }
    );

    let mut barrier = submission(
        "barrier_log",
        1,
        answers(&[
            ("cause", text("mistakes")),
            ("stage", text("during")),
            ("raised_by", text("carer")),
            ("effect", text("none_yet")),
            ("what_happened", text("rinviato senza chiedere")),
        ]),
    );
    assert_eq!(validate_submission(&catalog, &barrier), Ok(()));
    barrier.follows_up = Some(Uuid::from_u128(7));
    assert_eq!(validate_submission(&catalog, &barrier), Ok(()));
    barrier.follows_up = Some(barrier.id);
    assert_eq!(
        validate_submission(&catalog, &barrier),
        Err(SubmissionError::FollowsUpItself)
    );
}

#[test]
fn invalid_answers_are_wrapped_with_every_item_error() {
    let mut s = submission(
        "committee_goals",
        1,
        answers(&[("spokesperson", text("done"))]),
    );
    s.answers
        .insert("structure_note".into(), text(&"x".repeat(501)));
    let err = validate_submission(&Catalog::builtin(), &s).unwrap_err();
    let SubmissionError::InvalidAnswers { errors, .. } = &err else {
        panic!("{err:?}")
    };
    // spokesperson: unknown option; structure_note: too long; five goals unanswered.
    assert_eq!(errors.len(), 7, "{errors:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(
            r#"instrument "committee_goals": 7 invalid answer(s): item "spokesperson": "done""#
        ),
        "{message}"
    );
    assert!(
        message.contains("501 characters long, the limit is 500"),
        "{message}"
    );
}

mod generated {
    //! Over the shipped instruments: any answer built from the instrument's own options is
    //! accepted, and swapping one value for a foreign one is refused on exactly that item.
    use super::*;
    use campo_core::ItemType;
    use proptest::prelude::*;

    fn answer_for(instrument: &Instrument, picks: &[usize]) -> Answers {
        let mut answers = Answers::new();
        for (item, pick) in instrument.items.iter().zip(picks) {
            // An item asked only after a given answer is left out when that answer was
            // not given: answering it would be an error of its own.
            let asked = item.relevant.as_ref().is_none_or(|r| {
                matches!(answers.get(&r.item), Some(AnswerValue::Text(v)) if r.any_of.contains(v))
            });
            if !asked {
                continue;
            }
            let longest = item.max_length.unwrap_or(500).min(500) as usize;
            let value = match item.item_type {
                ItemType::SingleChoice | ItemType::Scale => {
                    text(&item.options[pick % item.options.len()].value)
                }
                ItemType::Text => text(&"a".repeat(pick % longest + 1)),
                _ => continue,
            };
            answers.insert(item.id.clone(), value);
        }
        answers
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn answers_from_the_instruments_own_options_are_accepted(
            which in 0usize..9, picks in proptest::collection::vec(0usize..1000, 13)
        ) {
            let catalog = Catalog::builtin();
            let instrument = catalog.all().nth(which).unwrap();
            let answers = answer_for(instrument, &picks);
            prop_assert_eq!(validate_answers(instrument, &answers), Ok(()));
        }

        #[test]
        fn one_foreign_value_is_refused_on_that_item_only(
            which in 0usize..9, picks in proptest::collection::vec(0usize..1000, 13), target in 0usize..13
        ) {
            let catalog = Catalog::builtin();
            let instrument = catalog.all().nth(which).unwrap();
            let choices: Vec<_> = instrument.items.iter().filter(|i| !i.options.is_empty()).collect();
            let item = choices[target % choices.len()];
            let mut answers = answer_for(instrument, &picks);
            answers.insert(item.id.clone(), text("zz"));
            // Items asked only after a given answer to it are no longer asked.
            answers.retain(|id, _| {
                instrument.item(id).and_then(|i| i.relevant.as_ref()).is_none_or(|r| r.item != item.id)
            });
            let expected = vec![AnswerError::UnknownOption { item: item.id.clone(), value: "zz".into() }];
            prop_assert_eq!(validate_answers(instrument, &answers), Err(expected));
        }
    }
}
