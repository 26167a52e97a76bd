//! Each feature of the XLSForm subset, in a form written by the test, read as the Campo
//! instrument it stands for.

mod common;

use campo_core::{Activity, Choice, ItemType, Relevant, Scoring};
use common::{choice, form, read_ok, text, workbook, Rows, SETTINGS};

const YES_NO: Rows = &[
    &[
        "list_name",
        "name",
        "label::Italian (it)",
        "label::English (en)",
    ],
    &["yn", "yes", "Sì", "Yes"],
    &["yn", "no", "No", "No"],
];

const NO_CHOICES: Rows = &[&["list_name", "name", "label"]];

#[test]
fn select_one_is_a_single_choice() {
    let converted = read_ok(&form(
        &[
            &["type", "name", "label::Italian (it)", "label::English (en)"],
            &["select_one yn", "smoker", "Fumi?", "Do you smoke?"],
        ],
        YES_NO,
    ));
    assert!(converted.untranslated.is_empty());
    let item = &converted.instrument.items[0];
    assert_eq!(item.id, "smoker");
    assert_eq!(item.item_type, ItemType::SingleChoice);
    assert_eq!(item.label, text("Fumi?", "Do you smoke?"));
    assert_eq!(
        item.options,
        vec![choice("yes", "Sì", "Yes"), choice("no", "No", "No")]
    );
    assert!(!item.required);
}

#[test]
fn select_multiple_is_a_multiple_choice_and_lists_can_be_shared() {
    let instrument = read_ok(&form(
        &[
            &["type", "name", "label::Italian (it)", "label::English (en)"],
            &["select_multiple yn", "a", "A", "A"],
            &["select one yn", "b", "B", "B"],
        ],
        YES_NO,
    ))
    .instrument;
    assert_eq!(instrument.items[0].item_type, ItemType::MultipleChoice);
    assert_eq!(instrument.items[1].item_type, ItemType::SingleChoice);
    assert_eq!(instrument.items[0].options, instrument.items[1].options);
}

#[test]
fn a_likert_select_one_is_a_scale_with_scores_and_faces() {
    let instrument = read_ok(&workbook(&[
        (
            "survey",
            &[
                &[
                    "type",
                    "name",
                    "label::Italian (it)",
                    "label::English (en)",
                    "required",
                    "appearance",
                    "campo_faces",
                ],
                &[
                    "select_one sat",
                    "content",
                    "Contenuti",
                    "Content",
                    "yes",
                    "likert",
                    "yes",
                ],
                &[
                    "select_one sat",
                    "venue",
                    "Sede",
                    "Venue",
                    "yes",
                    "likert",
                    "",
                ],
            ],
        ),
        (
            "choices",
            &[
                &[
                    "list_name",
                    "name",
                    "label::Italian (it)",
                    "label::English (en)",
                    "campo_score",
                ],
                &["sat", "0", "Per niente", "Not at all", "0"],
                &["sat", "50", "Abbastanza", "Fairly", "#50"],
                &["sat", "100", "Molto", "Very", "#100"],
            ],
        ),
        (
            "settings",
            &[
                &[
                    "form_id",
                    "version",
                    "form_title",
                    "campo_title::English (en)",
                    "campo_activities",
                    "campo_anonymous",
                    "campo_scoring",
                ],
                &[
                    "sat",
                    "#2",
                    "Soddisfazione",
                    "Satisfaction",
                    "training_course",
                    "yes",
                    "mean_score",
                ],
            ],
        ),
    ]))
    .instrument;
    let content = &instrument.items[0];
    assert_eq!(content.item_type, ItemType::Scale);
    assert!(content.faces && content.required);
    assert_eq!(
        content.options.iter().map(|o| o.score).collect::<Vec<_>>(),
        [Some(0), Some(50), Some(100)]
    );
    assert!(!instrument.items[1].faces);
    assert_eq!(instrument.scoring, Scoring::MeanScore);
    assert!(instrument.anonymous);
    assert_eq!(instrument.version, 2);
    assert_eq!(instrument.title, text("Soddisfazione", "Satisfaction"));
}

#[test]
fn integer_and_decimal_are_numbers_with_inclusive_bounds() {
    let instrument = read_ok(&form(
        &[
            &["type", "name", "label", "constraint"],
            &["integer", "age", "Età", ". >= 0 and . <= 120"],
            &["decimal", "weight", "Peso", ".>=0.5"],
            &["int", "floor", "Piano", ". <= -1"],
            &["decimal", "any", "Qualsiasi", ""],
            &["integer", "rev", "Al contrario", ". <= 9 and . >= 1"],
        ],
        NO_CHOICES,
    ))
    .instrument;
    let bounds: Vec<(ItemType, Option<f64>, Option<f64>)> = instrument
        .items
        .iter()
        .map(|i| (i.item_type, i.min, i.max))
        .collect();
    assert_eq!(
        bounds,
        [
            (ItemType::Number, Some(0.0), Some(120.0)),
            (ItemType::Number, Some(0.5), None),
            (ItemType::Number, None, Some(-1.0)),
            (ItemType::Number, None, None),
            (ItemType::Number, Some(1.0), Some(9.0)),
        ]
    );
}

#[test]
fn text_with_a_longest_answer() {
    let instrument = read_ok(&form(
        &[
            &["type", "name", "label", "constraint"],
            &["text", "note_text", "Note", "string-length(.) <= 500"],
            &["text", "free", "Libero", ""],
        ],
        NO_CHOICES,
    ))
    .instrument;
    assert_eq!(instrument.items[0].item_type, ItemType::Text);
    assert_eq!(instrument.items[0].max_length, Some(500));
    assert_eq!(instrument.items[1].max_length, None);
}

#[test]
fn date() {
    let instrument = read_ok(&form(
        &[
            &["type", "name", "label", "required"],
            &["date", "when", "Quando", "yes"],
        ],
        NO_CHOICES,
    ))
    .instrument;
    assert_eq!(instrument.items[0].item_type, ItemType::Date);
    assert!(instrument.items[0].required);
}

#[test]
fn a_note_is_display_only_with_its_hint() {
    let converted = read_ok(&form(
        &[
            &[
                "type",
                "name",
                "label::Italian (it)",
                "label::English (en)",
                "hint::Italian (it)",
                "hint::English (en)",
            ],
            &[
                "note",
                "welcome",
                "Benvenuti",
                "Welcome",
                "Ci vogliono 5 minuti",
                "It takes 5 minutes",
            ],
            &["text", "name_given", "Nome", "Name", "", ""],
        ],
        NO_CHOICES,
    ));
    let note = &converted.instrument.items[0];
    assert_eq!(note.item_type, ItemType::Note);
    assert_eq!(
        note.help,
        Some(text("Ci vogliono 5 minuti", "It takes 5 minutes"))
    );
    assert!(!note.required && note.options.is_empty());
    assert_eq!(converted.instrument.items[1].help, None);
    assert!(converted.untranslated.is_empty());
}

#[test]
fn required_in_each_spelling() {
    let instrument = read_ok(&form(
        &[
            &["type", "name", "label", "required"],
            &["text", "a", "A", "yes"],
            &["text", "b", "B", "true"],
            &["text", "c", "C", "TRUE()"],
            &["text", "d", "D", "1"],
            &["text", "e", "E", "!true"],
            &["text", "f", "F", "no"],
            &["text", "g", "G", "false"],
            &["text", "h", "H", ""],
            &["text", "i", "I", "#0"],
            &["text", "j", "J", "Yes"],
        ],
        NO_CHOICES,
    ))
    .instrument;
    let required: Vec<bool> = instrument.items.iter().map(|i| i.required).collect();
    assert_eq!(
        required,
        [true, true, true, true, true, false, false, false, false, true]
    );
}

#[test]
fn relevant_on_one_earlier_question_joined_with_or() {
    let instrument = read_ok(&form(
        &[
            &["type", "name", "label", "relevant"],
            &["select_one freq", "smoke", "Fumi?", ""],
            &[
                "integer",
                "how_many",
                "Quante?",
                "${smoke} = 'daily' or selected(${smoke}, 'weekly')",
            ],
            &[
                "select_multiple freq",
                "when",
                "Quando?",
                "${smoke}='daily'",
            ],
            &[
                "text",
                "why",
                "Perché?",
                "selected(${when}, 'never') or selected( ${when} , \"weekly\" )",
            ],
        ],
        &[
            &["list_name", "name", "label"],
            &["freq", "daily", "Ogni giorno"],
            &["freq", "weekly", "Ogni settimana"],
            &["freq", "never", "Mai"],
        ],
    ))
    .instrument;
    let relevant = |i: usize| instrument.items[i].relevant.clone();
    let condition = |item: &str, any_of: &[&str]| {
        Some(Relevant {
            item: item.to_string(),
            any_of: any_of.iter().map(|v| v.to_string()).collect(),
        })
    };
    assert_eq!(relevant(0), None);
    assert_eq!(relevant(1), condition("smoke", &["daily", "weekly"]));
    assert_eq!(relevant(2), condition("smoke", &["daily"]));
    assert_eq!(relevant(3), condition("when", &["never", "weekly"]));
}

#[test]
fn a_form_in_italian_only_gets_english_copies_listed_as_untranslated() {
    let converted = read_ok(&workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label::Italiano", "hint::Italiano"],
                &["select_one yn", "smoker", "Fumi?", "Anche occasionalmente"],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label::Italiano"],
                &["yn", "yes", "Sì"],
                &["yn", "no", "No"],
            ],
        ),
        (
            "settings",
            &[
                &[
                    "form_id",
                    "version",
                    "form_title",
                    "campo_activities",
                    "campo_anonymous",
                ],
                &["only_it", "1", "Solo italiano", "committee", "no"],
            ],
        ),
    ]));
    let instrument = &converted.instrument;
    assert_eq!(instrument.title, text("Solo italiano", "Solo italiano"));
    assert_eq!(instrument.items[0].label, text("Fumi?", "Fumi?"));
    assert_eq!(instrument.items[0].options[0].label, text("Sì", "Sì"));
    let places: Vec<String> = converted
        .untranslated
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        places,
        [
            "survey, row 2, column label::Italiano: no English label: the Italian text was copied (untranslated)",
            "survey, row 2, column hint::Italiano: no English hint: the Italian text was copied (untranslated)",
            "choices, row 2, column label::Italiano: no English label: the Italian text was copied (untranslated)",
            "choices, row 3, column label::Italiano: no English label: the Italian text was copied (untranslated)",
            "settings, row 2, column form_title: no English title: the Italian text was copied (untranslated)",
        ]
    );
}

#[test]
fn a_form_in_english_only_with_default_language_english() {
    let converted = read_ok(&workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label", "hint"],
                &["text", "name_given", "Your name", "As on your card"],
            ],
        ),
        (
            "settings",
            &[
                &[
                    "form_id",
                    "version",
                    "default_language",
                    "form_title",
                    "campo_activities",
                    "campo_anonymous",
                ],
                &[
                    "only_en",
                    "1",
                    "English (en)",
                    "English only",
                    "committee",
                    "no",
                ],
            ],
        ),
    ]));
    let item = &converted.instrument.items[0];
    assert_eq!(item.label, text("Your name", "Your name"));
    assert_eq!(item.help, Some(text("As on your card", "As on your card")));
    assert_eq!(converted.untranslated.len(), 3);
    assert!(converted
        .untranslated
        .iter()
        .all(|w| w.message.starts_with("no Italian")
            && w.message.contains("the English text was copied")));
    assert_eq!(converted.untranslated[0].column.as_deref(), Some("label"));
    assert_eq!(
        converted.untranslated[2].column.as_deref(),
        Some("form_title")
    );
}

#[test]
fn default_language_names_the_plain_columns() {
    // A plain label beside label::English (en): with default_language Italian it is the
    // Italian text.
    let converted = read_ok(&workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label", "label::English (en)"],
                &["text", "city", "Città", "City"],
            ],
        ),
        (
            "settings",
            &[
                &[
                    "form_id",
                    "version",
                    "default_language",
                    "form_title",
                    "campo_title::English (en)",
                    "campo_activities",
                    "campo_anonymous",
                ],
                &[
                    "plain",
                    "1",
                    "Italiano (it)",
                    "Città",
                    "Cities",
                    "committee",
                    "no",
                ],
            ],
        ),
    ]));
    assert_eq!(converted.instrument.items[0].label, text("Città", "City"));
    assert_eq!(converted.instrument.title, text("Città", "Cities"));
    assert!(converted.untranslated.is_empty());
}

#[test]
fn settings_give_campo_s_own_fields() {
    let instrument = read_ok(&workbook(&[
        ("survey", &[&["type", "name", "label"], &["text", "a", "A"]]),
        (
            "settings",
            &[
                &[
                    "form_id",
                    "version",
                    "form_title",
                    "campo_title::Italian (it)",
                    "campo_title::English (en)",
                    "campo_description::Italian (it)",
                    "campo_description::English (en)",
                    "campo_topic::Italian (it)",
                    "campo_topic::English (en)",
                    "campo_activities",
                    "campo_anonymous",
                ],
                &[
                    "all_settings",
                    "2024010101",
                    "ignored when both campo_title are given",
                    "Titolo",
                    "Title",
                    "Descrizione",
                    "Description",
                    "Argomento",
                    "Topic",
                    "training_course, peer_group,committee",
                    "FALSE",
                ],
            ],
        ),
    ]))
    .instrument;
    assert_eq!(instrument.id, "all_settings");
    assert_eq!(instrument.version, 2_024_010_101);
    assert_eq!(instrument.title, text("Titolo", "Title"));
    assert_eq!(
        instrument.description,
        Some(text("Descrizione", "Description"))
    );
    assert_eq!(instrument.topic, Some(text("Argomento", "Topic")));
    assert_eq!(
        instrument.activities,
        [
            Activity::TrainingCourse,
            Activity::PeerGroup,
            Activity::Committee
        ]
    );
    assert!(!instrument.anonymous);
    // No campo_scoring: not scored.
    assert_eq!(instrument.scoring, Scoring::None);
}

#[test]
fn a_version_typed_as_a_number() {
    let instrument = read_ok(&workbook(&[
        ("survey", &[&["type", "name", "label"], &["text", "a", "A"]]),
        (
            "settings",
            &[
                &[
                    "form_id",
                    "version",
                    "form_title",
                    "campo_activities",
                    "campo_anonymous",
                ],
                &["numeric", "#2024010101", "T", "committee", "!false"],
            ],
        ),
    ]))
    .instrument;
    assert_eq!(instrument.version, 2_024_010_101);
    assert!(!instrument.anonymous);
}

#[test]
fn a_quiz_marks_its_right_answers() {
    let instrument = read_ok(&workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label", "required"],
                &["select_one q1", "q1", "Domanda 1", "yes"],
                &["select_multiple q2", "q2", "Domanda 2", "yes"],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label", "campo_correct"],
                &["q1", "a", "A", ""],
                &["q1", "b", "B", "yes"],
                &["q2", "a", "A", "no"],
                &["q2", "b", "B", "TRUE"],
            ],
        ),
        (
            "settings",
            &[
                &[
                    "form_id",
                    "version",
                    "form_title",
                    "campo_activities",
                    "campo_anonymous",
                    "campo_scoring",
                    "campo_topic",
                ],
                &[
                    "quiz_x",
                    "1",
                    "Quiz",
                    "training_course",
                    "no",
                    "percent_correct",
                    "Argomento",
                ],
            ],
        ),
    ]))
    .instrument;
    assert_eq!(instrument.scoring, Scoring::PercentCorrect);
    assert_eq!(instrument.topic, Some(text("Argomento", "Argomento")));
    let correct: Vec<Vec<bool>> = instrument
        .items
        .iter()
        .map(|i| i.options.iter().map(|o: &Choice| o.correct).collect())
        .collect();
    assert_eq!(correct, [vec![false, true], vec![false, true]]);
}

#[test]
fn empty_columns_and_empty_sheets_are_fine_whatever_they_are() {
    let bytes = workbook(&[
        (
            "Survey",
            &[
                &[
                    "type",
                    "name",
                    "label",
                    "label::French (fr)",
                    "constraint_message",
                    "calculation",
                    "media::image",
                    "",
                ],
                &["", "", "", "", "", "", "", ""],
                &["text", "a", "A", "", "", "", "", ""],
            ],
        ),
        (
            "Choices",
            &[&["list_name", "name", "label", "choice_filter"]],
        ),
        ("SETTINGS", SETTINGS),
        ("notes_for_authors", &[]),
    ]);
    let converted = read_ok(&bytes);
    assert_eq!(converted.instrument.items.len(), 1);
}

#[test]
fn a_form_with_every_feature_reads_as_the_instrument_it_describes() {
    // The writer's own output is a form too: reading it is the reverse of writing.
    let instrument = common::every_feature();
    let bytes = campo_xlsform::write_xlsform(&instrument).unwrap();
    assert_eq!(read_ok(&bytes).instrument, instrument);
}
