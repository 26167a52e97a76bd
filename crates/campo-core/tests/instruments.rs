//! The shipped instruments load, and broken ones are refused with a message naming their fault.

use campo_core::catalog::Catalog;
use campo_core::load::{load_instrument, InstrumentError, INSTRUMENT_SCHEMA};
use campo_core::{Activity, AnswerValue, Answers, ItemType, Scoring};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_shipped_instrument_matches_the_schema_with_an_independent_validator() {
    // Validated here with a validator built by the test, not through load_instrument, so a
    // fault in the loader's wiring cannot hide a file that breaks the published schema.
    let schema: Value = serde_json::from_str(INSTRUMENT_SCHEMA).unwrap();
    assert!(
        jsonschema::meta::is_valid(&schema),
        "the schema itself is not valid 2020-12"
    );
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let files = json_files(&repo_path("schemas/instruments"));
    assert_eq!(files.len(), 9);
    for path in files {
        let value: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        assert_eq!(
            value["id"].as_str().unwrap(),
            stem(&path),
            "file name and id differ"
        );
    }
}

#[test]
fn every_shipped_instrument_loads_and_is_in_the_builtin_catalog() {
    let catalog = Catalog::builtin();
    for path in json_files(&repo_path("schemas/instruments")) {
        let loaded = load_instrument(&fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            catalog.get(&loaded.id, loaded.version),
            Some(&loaded),
            "{} not built in",
            loaded.id
        );
    }
    assert_eq!(catalog.all().count(), 9);
}

#[test]
fn builtin_catalog_serves_each_activity_its_instruments() {
    let catalog = Catalog::builtin();
    let ids = |activity| {
        catalog
            .for_activity(activity)
            .iter()
            .map(|i| i.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(Activity::TrainingCourse),
        [
            "quiz_carer_wellbeing",
            "quiz_dementia_behaviour",
            "quiz_eating_swallowing",
            "quiz_medicines_home",
            "quiz_moving_transfers",
            "training_satisfaction"
        ]
    );
    assert_eq!(ids(Activity::PeerGroup), ["peer_satisfaction"]);
    assert_eq!(ids(Activity::Committee), ["committee_goals"]);
    assert_eq!(ids(Activity::CoAssessment), ["barrier_log"]);
}

#[test]
fn the_barrier_log_has_the_codes_the_report_counts() {
    use campo_core::barrier::{items, BARRIER_LOG, CAUSES, EFFECTS, RAISED_BY, STAGES, STATUSES};
    let catalog = Catalog::builtin();
    let log = catalog.latest(BARRIER_LOG).unwrap();
    // Filled in by the facilitator about the project, never about a respondent.
    assert!(log.anonymous);
    assert_eq!(log.scoring, Scoring::None);
    assert_eq!(log.activities, [Activity::CoAssessment]);
    let values = |id: &str| {
        log.item(id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .options
            .iter()
            .map(|o| o.value.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(values(items::CAUSE), CAUSES);
    assert_eq!(values(items::STAGE), STAGES);
    assert_eq!(values(items::RAISED_BY), RAISED_BY);
    assert_eq!(values(items::EFFECT), EFFECTS);
    assert_eq!(values(items::STATUS), STATUSES);
    for id in [
        items::CAUSE,
        items::STAGE,
        items::RAISED_BY,
        items::EFFECT,
        items::WHAT_HAPPENED,
    ] {
        assert!(log.item(id).unwrap().required, "{id}");
    }
    // "Not yet given" is a status of its own: the item may stay unanswered.
    assert!(!log.item(items::STATUS).unwrap().required);
    assert!(!log.item(items::ADJUSTMENT).unwrap().required);
    let other = log.item(items::CAUSE_OTHER).unwrap();
    assert_eq!(other.item_type, ItemType::Text);
    let relevant = other.relevant.as_ref().unwrap();
    assert_eq!(
        (relevant.item.as_str(), relevant.any_of.as_slice()),
        ("cause", &["other".to_string()][..])
    );
    // The description follows the cause it describes.
    let position = |id: &str| log.items.iter().position(|i| i.id == id).unwrap();
    assert_eq!(position(items::CAUSE_OTHER), position(items::CAUSE) + 1);

    let answered = |pairs: &[(&str, &str)]| -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), AnswerValue::Text(v.to_string())))
            .collect()
    };
    let base = [
        ("cause", "mistakes"),
        ("stage", "during"),
        ("raised_by", "carer"),
        ("effect", "value_diminished"),
        ("what_happened", "x"),
    ];
    assert_eq!(
        campo_core::validate::validate_answers(log, &answered(&base)),
        Ok(())
    );
    let mut other_cause = base.to_vec();
    other_cause[0] = ("cause", "other");
    assert!(campo_core::validate::validate_answers(log, &answered(&other_cause)).is_err());
    other_cause.push(("cause_other", "y"));
    assert_eq!(
        campo_core::validate::validate_answers(log, &answered(&other_cause)),
        Ok(())
    );
}

#[test]
fn quizzes_have_three_questions_with_one_correct_option_each() {
    let catalog = Catalog::builtin();
    let quizzes: Vec<_> = catalog
        .all()
        .filter(|i| i.scoring == Scoring::PercentCorrect)
        .collect();
    assert_eq!(quizzes.len(), 5);
    for quiz in quizzes {
        assert!(
            !quiz.anonymous,
            "{}: pre/post pairing needs a respondent code",
            quiz.id
        );
        assert!(quiz.topic.is_some(), "{}: no topic", quiz.id);
        assert_eq!(quiz.items.len(), 3, "{}", quiz.id);
        for item in &quiz.items {
            assert_eq!(item.item_type, ItemType::SingleChoice);
            assert!(item.required);
            assert!(
                (3..=4).contains(&item.options.len()),
                "{} {}",
                quiz.id,
                item.id
            );
            assert_eq!(
                item.options.iter().filter(|o| o.correct).count(),
                1,
                "{} {}",
                quiz.id,
                item.id
            );
        }
    }
}

#[test]
fn satisfaction_scales_use_the_study_scores() {
    let catalog = Catalog::builtin();
    let training = catalog.latest("training_satisfaction").unwrap();
    assert!(training.anonymous);
    assert_eq!(training.items.len(), 13);
    for item in &training.items {
        let scores: Vec<_> = item
            .options
            .iter()
            .map(|o| (o.value.as_str(), o.score))
            .collect();
        assert_eq!(
            scores,
            [("0", Some(0)), ("50", Some(50)), ("100", Some(100))],
            "{}",
            item.id
        );
    }
    let peer = catalog.latest("peer_satisfaction").unwrap();
    assert!(peer.anonymous);
    assert_eq!(peer.items.len(), 1);
    let scores: Vec<_> = peer.items[0]
        .options
        .iter()
        .map(|o| o.score.unwrap())
        .collect();
    assert_eq!(scores, [25, 50, 75, 100]);
}

#[test]
fn committee_goals_pair_each_goal_with_an_optional_note() {
    let goals = Catalog::builtin()
        .latest("committee_goals")
        .unwrap()
        .clone();
    assert_eq!(goals.scoring, Scoring::CountPerState);
    assert_eq!(goals.items.len(), 12);
    for pair in goals.items.chunks(2) {
        let values: Vec<_> = pair[0].options.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(values, ["achieved", "partial", "unfulfilled"]);
        assert_eq!(pair[1].id, format!("{}_note", pair[0].id));
        assert_eq!(
            (pair[1].item_type, pair[1].required, pair[1].max_length),
            (ItemType::Text, false, Some(500))
        );
    }
}

#[test]
fn a_full_training_satisfaction_answer_stays_small_on_the_wire() {
    let training = Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .clone();
    let answers: Answers = training
        .items
        .iter()
        .map(|i| (i.id.clone(), AnswerValue::Text("100".into())))
        .collect();
    let bytes = serde_json::to_vec(&answers).unwrap().len();
    assert!(bytes < 400, "13 answers take {bytes} bytes");
}

/// Each broken file has exactly one fault; the message must name it (and where it is).
const BROKEN: &[(&str, &[&str])] = &[
    (
        "missing_en_text",
        &[r#"item "q2""#, r#""en" is a required property"#],
    ),
    ("duplicate_item_id", &[r#"item "q1""#, "duplicate item id"]),
    (
        "quiz_without_correct",
        &[r#"item "q2""#, "no option is marked correct"],
    ),
    (
        "two_correct_options",
        &[r#"item "q1""#, "2 options are marked correct"],
    ),
    (
        "relevant_to_later_item",
        &[r#"item "q1""#, r#"item "q2", which is not an earlier item"#],
    ),
    (
        "relevant_to_unknown_value",
        &[
            r#"item "q2""#,
            r#"value "maybe", which is not an option of item "q1""#,
        ],
    ),
    (
        "relevant_to_unknown_item",
        &[r#"item "q2""#, r#"unknown item "q9""#],
    ),
    (
        "relevant_to_text_item",
        &[r#"item "more""#, r#"item "comment", a text item"#],
    ),
    (
        "scale_option_without_score",
        &[r#"item "mood""#, r#"scale option "high" has no score"#],
    ),
    (
        "score_above_100",
        &[r#"item "mood""#, "101 is greater than the maximum of 100"],
    ),
    (
        "unknown_item_type",
        &[r#"item "comment""#, r#""slider" is not one of"#],
    ),
    (
        "version_zero",
        &["/version", "0 is less than the minimum of 1"],
    ),
    (
        "min_above_max",
        &[r#"item "visits""#, "min 10 is greater than max 5"],
    ),
    (
        "duplicate_option_value",
        &[r#"item "mood""#, r#"duplicate option value "low""#],
    ),
    (
        "extra_unknown_field",
        &[r#"item "mood""#, "'colour' was unexpected"],
    ),
    (
        "choice_without_options",
        &[
            r#"item "pick""#,
            "a single_choice item needs at least one option",
        ],
    ),
    (
        "blank_italian_text",
        &[r#"item "q1""#, r#"option "a" label.it text is empty"#],
    ),
    (
        "correct_outside_quiz",
        &[
            r#"item "mood""#,
            "only percent_correct instruments have correct options",
        ],
    ),
    (
        "max_length_on_number",
        &[
            r#"item "visits""#,
            "`max_length` does not apply to a number item",
        ],
    ),
    (
        "quiz_with_nothing_to_score",
        &["no item has a correct option"],
    ),
    ("uppercase_id", &["/id", r#""Quiz-One" does not match"#]),
    (
        "unknown_activity",
        &["/activities/0", r#""home_visit" is not one of"#],
    ),
    ("not_json", &["not valid JSON"]),
    (
        "required_note",
        &[
            r#"item "intro""#,
            "`required` does not apply to a note item",
        ],
    ),
];

#[test]
fn every_broken_instrument_is_refused_naming_its_own_fault() {
    let dir = repo_path("crates/campo-core/tests/broken");
    let files: Vec<String> = json_files(&dir).iter().map(|p| stem(p)).collect();
    let mut listed: Vec<String> = BROKEN.iter().map(|(name, _)| name.to_string()).collect();
    listed.sort();
    assert_eq!(
        files, listed,
        "every broken file needs an expected message, and vice versa"
    );

    for (name, expected) in BROKEN {
        let json = fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        let message = match load_instrument(&json) {
            Ok(_) => panic!("{name}: loaded, but it is broken"),
            Err(error) => error.to_string(),
        };
        if *name != "not_json" && *name != "uppercase_id" {
            assert!(
                message.starts_with(&format!("instrument \"{name}\"")),
                "{name}: {message}"
            );
        }
        for part in *expected {
            assert!(
                message.contains(part),
                "{name}: expected {part:?} in {message:?}"
            );
        }
    }
}

#[test]
fn schema_errors_carry_the_json_pointer_of_the_fault() {
    let json = fs::read_to_string(repo_path(
        "crates/campo-core/tests/broken/score_above_100.json",
    ))
    .unwrap();
    match load_instrument(&json) {
        Err(InstrumentError::Schema { at, pointer, .. }) => {
            assert_eq!(at.instrument, "score_above_100");
            assert_eq!(at.item.as_deref(), Some("mood"));
            assert_eq!(pointer, "/items/0/options/1/score");
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
}

#[test]
fn a_loaded_instrument_round_trips_through_json() {
    for instrument in Catalog::builtin().all() {
        let json = serde_json::to_string(instrument).unwrap();
        assert_eq!(
            &load_instrument(&json).unwrap(),
            instrument,
            "{}",
            instrument.id
        );
    }
}

#[test]
fn check_instrument_applies_the_same_rules_to_a_built_instrument() {
    use campo_core::load::check_instrument;
    let mut quiz = Catalog::builtin()
        .latest("quiz_medicines_home")
        .unwrap()
        .clone();
    assert_eq!(check_instrument(&quiz), Ok(()));
    // An instrument that arrived from elsewhere and was edited in memory is held to the
    // same rules as a file: here two correct options.
    quiz.items[2].options[0].correct = true;
    let message = check_instrument(&quiz).unwrap_err().to_string();
    assert_eq!(
        check_instrument(&quiz).unwrap_err().code(),
        "instrument_several_correct_options"
    );
    assert_eq!(
        message,
        r#"instrument "quiz_medicines_home" item "q3": 2 options are marked correct (a quiz item needs exactly one)"#
    );
    quiz.items[2].options[0].correct = false;
    quiz.version = 0;
    assert!(check_instrument(&quiz)
        .unwrap_err()
        .to_string()
        .contains("0 is less than the minimum of 1"));
}

#[test]
fn a_note_is_shown_but_never_answered_nor_scored() {
    let mut instrument = load_instrument(
        &std::fs::read_to_string(repo_path("schemas/instruments/peer_satisfaction.json")).unwrap(),
    )
    .unwrap();
    let note = campo_core::Item::note(
        "intro",
        campo_core::Text::new(
            "Ora due parole sull'incontro.",
            "Now a word on the meeting.",
        ),
    );
    instrument.items.insert(0, note);
    campo_core::load::check_instrument(&instrument).expect("a note is a valid item");
    let first_scale = &instrument.items[1];
    let mut answers = campo_core::Answers::new();
    answers.insert(
        first_scale.id.clone(),
        campo_core::AnswerValue::Text(first_scale.options[0].value.clone()),
    );
    let before = campo_core::score::score(&instrument, &answers);
    assert!(campo_core::validate::validate_answers(&instrument, &answers).is_ok());
    // An answer given to the note is refused, naming it.
    answers.insert("intro".into(), campo_core::AnswerValue::Text("ok".into()));
    let err = campo_core::validate::validate_answers(&instrument, &answers).unwrap_err();
    assert!(format!("{err:?}").contains("intro"), "{err:?}");
    answers.remove("intro");
    assert_eq!(campo_core::score::score(&instrument, &answers), before);
}
