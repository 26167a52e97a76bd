//! Forms outside the subset or broken, each refused with a problem that names its own
//! fault and its place (sheet, row, column), never silently accepted.

mod common;

use campo_xlsform::Problem;
use common::{form, lines, read_err, workbook, Rows, SETTINGS};

const CHOICES: Rows = &[
    &["list_name", "name", "label"],
    &["yn", "yes", "Sì"],
    &["yn", "no", "No"],
];

/// Asserts that `problems` is exactly one problem at the given place whose message holds
/// each of `words`, and returns it.
fn the_problem<'a>(
    problems: &'a [Problem],
    sheet: &str,
    row: Option<u32>,
    column: Option<&str>,
    words: &[&str],
) -> &'a Problem {
    assert_eq!(
        problems.len(),
        1,
        "expected one problem, got:\n{}",
        lines(problems)
    );
    has_problem(problems, sheet, row, column, words)
}

/// Asserts that one of `problems` is at the given place with each of `words`.
fn has_problem<'a>(
    problems: &'a [Problem],
    sheet: &str,
    row: Option<u32>,
    column: Option<&str>,
    words: &[&str],
) -> &'a Problem {
    problems
        .iter()
        .find(|p| {
            p.sheet == sheet
                && p.row == row
                && p.column.as_deref() == column
                && words.iter().all(|w| p.message.contains(w))
        })
        .unwrap_or_else(|| {
            panic!(
                "no problem at {sheet} {row:?} {column:?} with {words:?} in:\n{}",
                lines(problems)
            )
        })
}

fn survey_only(survey: Rows) -> Vec<Problem> {
    read_err(&form(survey, CHOICES))
}

#[test]
fn a_group() {
    let problems = survey_only(&[
        &["type", "name", "label"],
        &["text", "a", "A"],
        &["begin_group", "g", "Gruppo"],
        &["text", "b", "B"],
        &["end_group", "", ""],
    ]);
    let p = has_problem(
        &problems,
        "survey",
        Some(3),
        Some("type"),
        &["begin_group", "groups"],
    );
    assert_eq!(
        p.to_string(),
        "survey, row 3, column type: type begin_group is not supported: Campo's instruments have no groups (a flat list of questions); remove the group's begin and end rows"
    );
    has_problem(&problems, "survey", Some(5), Some("type"), &["end_group"]);
    assert_eq!(problems.len(), 2, "{}", lines(&problems));
}

#[test]
fn a_repeat() {
    let problems = survey_only(&[
        &["type", "name", "label"],
        &["begin repeat", "visits", "Visite"],
        &["date", "when", "Quando"],
        &["end repeat", "", ""],
    ]);
    has_problem(
        &problems,
        "survey",
        Some(2),
        Some("type"),
        &["begin repeat", "repeats"],
    );
    has_problem(
        &problems,
        "survey",
        Some(4),
        Some("type"),
        &["end repeat", "repeats"],
    );
}

#[test]
fn a_calculate() {
    let problems = survey_only(&[
        &["type", "name", "label", "calculation"],
        &["integer", "a", "A", ""],
        &["calculate", "double", "", "${a} * 2"],
    ]);
    has_problem(
        &problems,
        "survey",
        Some(3),
        Some("type"),
        &["type calculate is not supported"],
    );
    // The calculation column is refused in its own right.
    has_problem(
        &problems,
        "survey",
        Some(3),
        Some("calculation"),
        &["calculations are not supported"],
    );
}

#[test]
fn a_geopoint() {
    let problems = survey_only(&[&["type", "name", "label"], &["geopoint", "where", "Dove?"]]);
    the_problem(
        &problems,
        "survey",
        Some(2),
        Some("type"),
        &["type geopoint", "locations"],
    );
}

#[test]
fn an_image_column() {
    let problems = survey_only(&[
        &["type", "name", "label", "media::image"],
        &["note", "intro", "Benvenuti", "logo.png"],
        &["text", "a", "A", ""],
        &["note", "bye", "Grazie", "bye.png"],
    ]);
    let p = the_problem(
        &problems,
        "survey",
        Some(2),
        Some("media::image"),
        &["media", "used in 2 rows"],
    );
    assert!(p
        .to_string()
        .starts_with("survey, row 2, column media::image: column media::image: media"));
}

#[test]
fn a_choice_filter() {
    let problems = survey_only(&[
        &["type", "name", "label", "choice_filter"],
        &["select_one yn", "a", "A", ""],
        &["select_one yn", "b", "B", "name != ${a}"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(3),
        Some("choice_filter"),
        &["choice filters are not supported"],
    );
}

#[test]
fn an_unsupported_relevant_is_quoted() {
    let problems = survey_only(&[
        &["type", "name", "label", "relevant"],
        &["select_one yn", "a", "A", ""],
        &["integer", "b", "B", "${a} = 'yes' and ${a} != 'no'"],
        &["text", "c", "C", "${b} > 18"],
    ]);
    has_problem(
        &problems,
        "survey",
        Some(3),
        Some("relevant"),
        &["relevant \"${a} = 'yes' and ${a} != 'no'\" is not a condition Campo can evaluate"],
    );
    has_problem(
        &problems,
        "survey",
        Some(4),
        Some("relevant"),
        &["\"${b} > 18\""],
    );
    assert_eq!(problems.len(), 2);
}

#[test]
fn a_relevant_on_a_question_that_is_not_a_choice() {
    let problems = survey_only(&[
        &["type", "name", "label", "relevant"],
        &["text", "a", "A", ""],
        &["text", "b", "B", "${a} = 'x'"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(3),
        Some("relevant"),
        &["${a}", "not a select_one or select_multiple"],
    );
}

#[test]
fn equality_on_a_select_multiple() {
    let problems = survey_only(&[
        &["type", "name", "label", "relevant"],
        &["select_multiple yn", "a", "A", ""],
        &["text", "b", "B", "${a} = 'yes'"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(3),
        Some("relevant"),
        &["select_multiple ${a}", "selected(${a}, 'v')"],
    );
}

#[test]
fn a_relevant_value_that_is_not_an_option() {
    let problems = survey_only(&[
        &["type", "name", "label", "relevant"],
        &["select_one yn", "a", "A", ""],
        &["text", "b", "B", "${a} = 'maybe'"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(3),
        Some("relevant"),
        &["'maybe' is not an option of ${a} (list yn)"],
    );
}

#[test]
fn an_unsupported_constraint() {
    let problems = survey_only(&[
        &["type", "name", "label", "constraint"],
        &["text", "phone", "Telefono", "regex(., '^[0-9]+$')"],
        &["integer", "age", "Età", ". > 0"],
        &["date", "when", "Quando", ". <= today()"],
    ]);
    has_problem(
        &problems,
        "survey",
        Some(2),
        Some("constraint"),
        &["constraint \"regex(., '^[0-9]+$')\" is not one Campo can check"],
    );
    has_problem(
        &problems,
        "survey",
        Some(3),
        Some("constraint"),
        &["\". > 0\"", "inclusive"],
    );
    has_problem(
        &problems,
        "survey",
        Some(4),
        Some("constraint"),
        &["on a date question is not supported"],
    );
    assert_eq!(problems.len(), 3);
}

#[test]
fn bounds_the_wrong_way_round() {
    let problems = survey_only(&[
        &["type", "name", "label", "constraint"],
        &["decimal", "x", "X", ". >= 10 and . <= 1"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(2),
        Some("constraint"),
        &["lower bound 10 is above the upper bound 1"],
    );
}

#[test]
fn another_language_column() {
    let problems = survey_only(&[
        &[
            "type",
            "name",
            "label::Italian (it)",
            "label::English (en)",
            "label::French (fr)",
        ],
        &["text", "a", "A", "A", "A"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(2),
        Some("label::French (fr)"),
        &["language \"French (fr)\" is not Italian or English"],
    );
}

#[test]
fn two_columns_for_one_language() {
    let problems = survey_only(&[
        &["type", "name", "label", "label::Italian (it)"],
        &["text", "a", "A", "A"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(1),
        Some("label::Italian (it)"),
        &[
            "column label",
            "both give the Italian label",
            "default_language",
        ],
    );
}

#[test]
fn a_missing_list() {
    let problems = survey_only(&[
        &["type", "name", "label"],
        &["select_one colours", "c", "Colore"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(2),
        Some("type"),
        &["list colours is not in the choices sheet"],
    );
}

#[test]
fn a_likert_without_campo_score() {
    let problems = survey_only(&[
        &["type", "name", "label", "appearance"],
        &["select_one yn", "a", "A", "likert"],
        &["select_one yn", "b", "B", "likert"],
    ]);
    // Each option once, though two scales use the list.
    has_problem(
        &problems,
        "choices",
        Some(2),
        Some("campo_score"),
        &["option \"yes\" of list yn has no campo_score", "likert"],
    );
    has_problem(
        &problems,
        "choices",
        Some(3),
        Some("campo_score"),
        &["option \"no\""],
    );
    assert_eq!(problems.len(), 2, "{}", lines(&problems));
}

#[test]
fn a_bad_version() {
    for (version, shown) in [
        ("1.2", "1.2"),
        ("0", "0"),
        ("v2", "v2"),
        ("#5000000000", "5000000000"),
    ] {
        let problems = read_err(&workbook(&[
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
                    &["f", version, "T", "committee", "no"],
                ],
            ),
        ]));
        the_problem(
            &problems,
            "settings",
            Some(2),
            Some("version"),
            &[&format!(
                "version \"{shown}\" is not an integer from 1 to 4294967295"
            )],
        );
    }
}

#[test]
fn a_bad_form_id() {
    let problems = read_err(&workbook(&[
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
                &["My Form", "1", "T", "committee", "no"],
            ],
        ),
    ]));
    the_problem(
        &problems,
        "settings",
        Some(2),
        Some("form_id"),
        &["form_id \"My Form\" is not a Campo id"],
    );
}

#[test]
fn no_settings_sheet() {
    let problems = read_err(&workbook(&[(
        "survey",
        &[&["type", "name", "label"], &["text", "a", "A"]],
    )]));
    let p = the_problem(
        &problems,
        "settings",
        None,
        None,
        &["no settings sheet", "form_id", "version"],
    );
    assert!(p.to_string().starts_with("settings: no settings sheet"));
}

#[test]
fn settings_without_campo_s_own_fields() {
    let problems = read_err(&workbook(&[
        ("survey", &[&["type", "name", "label"], &["text", "a", "A"]]),
        (
            "settings",
            &[&["form_id", "version", "form_title"], &["f", "1", "T"]],
        ),
    ]));
    has_problem(
        &problems,
        "settings",
        Some(2),
        Some("campo_activities"),
        &["campo_activities is missing"],
    );
    has_problem(
        &problems,
        "settings",
        Some(2),
        Some("campo_anonymous"),
        &["campo_anonymous is missing"],
    );
    assert_eq!(problems.len(), 2);
}

#[test]
fn an_unknown_type() {
    let problems = survey_only(&[
        &["type", "name", "label"],
        &["text", "a", "A"],
        &["slider", "s", "S"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(3),
        Some("type"),
        &["type slider is not a type Campo reads"],
    );
}

#[test]
fn a_calculation_column() {
    let problems = survey_only(&[
        &["type", "name", "label", "calculation"],
        &["integer", "a", "A", "1 + 1"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(2),
        Some("calculation"),
        &["column calculation: calculations are not supported"],
    );
}

#[test]
fn a_duplicate_name() {
    let problems = survey_only(&[
        &["type", "name", "label"],
        &["text", "a", "A"],
        &["text", "b", "B"],
        &["integer", "a", "A again"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(4),
        Some("name"),
        &["name \"a\" is used twice (first in row 2)"],
    );
}

#[test]
fn an_option_name_with_a_space() {
    let problems = read_err(&form(
        &[
            &["type", "name", "label"],
            &["select_one places", "p", "Dove?"],
        ],
        &[
            &["list_name", "name", "label"],
            &["places", "at home", "A casa"],
            &["places", "away", "Fuori"],
        ],
    ));
    the_problem(
        &problems,
        "choices",
        Some(2),
        Some("name"),
        &[
            "option name \"at home\" is not a Campo option value",
            "no spaces",
        ],
    );
}

#[test]
fn a_relevant_to_a_later_question() {
    let problems = survey_only(&[
        &["type", "name", "label", "relevant"],
        &["text", "why", "Perché?", "${smoker} = 'yes'"],
        &["select_one yn", "smoker", "Fumi?", ""],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(2),
        Some("relevant"),
        &["${smoker} (row 3), which is not an earlier question"],
    );
}

#[test]
fn two_faults_in_one_form_are_both_reported() {
    let problems = read_err(&workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label", "default"],
                &["text", "Name", "Nome", ""],
                &["integer", "age", "Età", "30"],
            ],
        ),
        ("choices", CHOICES),
        ("settings", SETTINGS),
    ]));
    assert_eq!(problems.len(), 2, "{}", lines(&problems));
    has_problem(
        &problems,
        "survey",
        Some(2),
        Some("name"),
        &["name \"Name\" is not a Campo id"],
    );
    has_problem(
        &problems,
        "survey",
        Some(3),
        Some("default"),
        &["default answers are not supported"],
    );
}

#[test]
fn another_sheet_with_content() {
    let problems = read_err(&workbook(&[
        ("survey", &[&["type", "name", "label"], &["text", "a", "A"]]),
        ("settings", SETTINGS),
        (
            "external_choices",
            &[&["list_name", "name"], &["towns", "rome"]],
        ),
    ]));
    the_problem(
        &problems,
        "external_choices",
        None,
        None,
        &["sheet external_choices", "not supported"],
    );
}

#[test]
fn a_required_note() {
    let problems = survey_only(&[
        &["type", "name", "label", "required"],
        &["note", "n", "Nota", "yes"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(2),
        Some("required"),
        &["a note is never answered"],
    );
}

#[test]
fn an_appearance_other_than_likert() {
    let problems = survey_only(&[
        &["type", "name", "label", "appearance"],
        &["select_one yn", "a", "A", "minimal"],
        &["select_multiple yn", "b", "B", "likert"],
    ]);
    has_problem(
        &problems,
        "survey",
        Some(2),
        Some("appearance"),
        &["appearance \"minimal\" is not supported"],
    );
    has_problem(
        &problems,
        "survey",
        Some(3),
        Some("appearance"),
        &["likert applies to a select_one"],
    );
}

#[test]
fn faces_without_likert() {
    let problems = survey_only(&[
        &["type", "name", "label", "campo_faces"],
        &["select_one yn", "a", "A", "yes"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(2),
        Some("campo_faces"),
        &["no appearance likert"],
    );
}

#[test]
fn a_right_answer_outside_a_quiz() {
    let problems = read_err(&form(
        &[&["type", "name", "label"], &["select_one yn", "a", "A"]],
        &[
            &["list_name", "name", "label", "campo_correct"],
            &["yn", "yes", "Sì", "yes"],
            &["yn", "no", "No", ""],
        ],
    ));
    the_problem(
        &problems,
        "choices",
        Some(2),
        Some("campo_correct"),
        &["campo_scoring is not percent_correct"],
    );
}

#[test]
fn a_quiz_question_without_its_right_answer() {
    let problems = read_err(&workbook(&[
        (
            "survey",
            &[&["type", "name", "label"], &["select_one yn", "q1", "Q1"]],
        ),
        ("choices", CHOICES),
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
                ],
                &[
                    "quiz",
                    "1",
                    "Quiz",
                    "training_course",
                    "no",
                    "percent_correct",
                ],
            ],
        ),
    ]));
    the_problem(
        &problems,
        "survey",
        Some(2),
        Some("type"),
        &[
            "needs exactly one option with campo_correct yes",
            "it has 0",
        ],
    );
}

#[test]
fn a_quiz_with_nothing_to_score_is_placed_by_campo_core() {
    // Only campo-core's own rules catch this one: its fault is placed on the settings row.
    let problems = read_err(&workbook(&[
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
                    "campo_scoring",
                ],
                &[
                    "quiz",
                    "1",
                    "Quiz",
                    "training_course",
                    "no",
                    "percent_correct",
                ],
            ],
        ),
    ]));
    the_problem(
        &problems,
        "settings",
        Some(2),
        Some("campo_scoring"),
        &["percent_correct scoring has nothing to score"],
    );
}

#[test]
fn a_row_without_a_type() {
    let problems = survey_only(&[
        &["type", "name", "label"],
        &["text", "a", "A"],
        &["", "b", "B"],
    ]);
    the_problem(
        &problems,
        "survey",
        Some(3),
        Some("type"),
        &["this row has no type"],
    );
}

#[test]
fn values_in_a_column_without_a_header() {
    let problems = survey_only(&[&["type", "name", "label", ""], &["text", "a", "A", "stray"]]);
    the_problem(
        &problems,
        "survey",
        Some(2),
        None,
        &["column D holds values but has no header"],
    );
}

#[test]
fn a_spreadsheet_error_in_a_cell() {
    let bytes = {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let survey = workbook.add_worksheet().set_name("survey").unwrap();
        for (c, h) in ["type", "name", "label"].iter().enumerate() {
            survey.write_string(0, c as u16, *h).unwrap();
        }
        survey.write_string(1, 0, "text").unwrap();
        survey.write_string(1, 1, "a").unwrap();
        survey
            .write_formula(
                1,
                2,
                rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
            )
            .unwrap();
        let settings = workbook.add_worksheet().set_name("settings").unwrap();
        for (r, row) in SETTINGS.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                settings.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
        workbook.save_to_buffer().unwrap()
    };
    let problems = read_err(&bytes);
    has_problem(&problems, "survey", Some(2), None, &["cell C2"]);
}

#[test]
fn not_a_spreadsheet() {
    let problems = read_err(b"type,name,label\ntext,a,A\n");
    let p = the_problem(&problems, "", None, None, &["not a spreadsheet"]);
    assert!(p.to_string().starts_with("not a spreadsheet"));
}

/// A form with one text far out (row 100,000): calamine would build a grid of every cell
/// up to it; the reader refuses the cell instead, naming it.
#[test]
fn a_cell_beyond_the_rows_a_form_may_use() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let survey = book.add_worksheet().set_name("survey").unwrap();
    survey.write_string(0, 0, "type").unwrap();
    survey.write_string(0, 1, "name").unwrap();
    survey.write_string(99_999, 16_000, "far").unwrap();
    let problems = read_err(&book.save_to_buffer().unwrap());
    has_problem(
        &problems,
        "survey",
        None,
        None,
        &["cell", "100000", "beyond"],
    );
}

/// A valid form with one more part of 40 MiB of zeros (about 40 KB packed): refused for
/// what it unpacks to, before calamine reads any of it.
#[test]
fn a_file_that_unpacks_to_far_more_than_a_form() {
    use std::io::{Read, Write};
    let form_bytes = form(
        &[&["type", "name", "label"], &["text", "who", "Chi?"]],
        CHOICES,
    );
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(form_bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..source.len() {
        let mut part = source.by_index(i).unwrap();
        let mut body = Vec::new();
        part.read_to_end(&mut body).unwrap();
        out.start_file(part.name().unwrap().to_string(), deflated)
            .unwrap();
        out.write_all(&body).unwrap();
    }
    out.start_file("xl/media/padding.bin", deflated).unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..40 {
        out.write_all(&zeros).unwrap();
    }
    let bomb = out.finish().unwrap().into_inner();
    assert!(bomb.len() < 1024 * 1024, "packed: {} bytes", bomb.len());
    let problems = read_err(&bomb);
    the_problem(&problems, "", None, None, &["unpacks to more than 32 MiB"]);
}
