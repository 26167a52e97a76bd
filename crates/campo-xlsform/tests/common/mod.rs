//! Shared by the test files: XLSForms written cell by cell, and an instrument using every
//! part of Campo's format. Each file uses only some of it.
#![allow(dead_code)]

use campo_core::{Activity, Choice, Instrument, Item, ItemType, Relevant, Scoring, Text};
use campo_xlsform::{read_xlsform, Converted, Problem};
use rust_xlsxwriter::Workbook;

pub type Rows<'a> = &'a [&'a [&'a str]];

/// A workbook with the given sheets, each from rows of cells. A cell `""` stays blank;
/// `#12.5` is written as the number 12.5 and `!true` as a boolean, the way a spreadsheet
/// stores what an author types; anything else is text.
pub fn workbook(sheets: &[(&str, Rows)]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, cells) in rows.iter().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                if cell.is_empty() {
                    continue;
                } else if let Some(number) = cell.strip_prefix('#') {
                    sheet
                        .write_number(r, c, number.parse::<f64>().unwrap())
                        .unwrap();
                } else if let Some(flag) = cell.strip_prefix('!') {
                    sheet.write_boolean(r, c, flag == "true").unwrap();
                } else {
                    sheet.write_string(r, c, *cell).unwrap();
                }
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// Settings every feature test can use: all of Campo's settings, in both languages.
pub const SETTINGS: Rows = &[
    &[
        "form_id",
        "version",
        "campo_title::Italian (it)",
        "campo_title::English (en)",
        "campo_activities",
        "campo_anonymous",
    ],
    &["demo", "1", "Prova", "Demo", "peer_group", "no"],
];

/// A form of `survey` and `choices` with [`SETTINGS`].
pub fn form(survey: Rows, choices: Rows) -> Vec<u8> {
    workbook(&[
        ("survey", survey),
        ("choices", choices),
        ("settings", SETTINGS),
    ])
}

pub fn read_ok(bytes: &[u8]) -> Converted {
    match read_xlsform(bytes) {
        Ok(converted) => converted,
        Err(problems) => panic!("refused:\n{}", lines(&problems)),
    }
}

pub fn read_err(bytes: &[u8]) -> Vec<Problem> {
    match read_xlsform(bytes) {
        Ok(converted) => panic!("accepted: {:#?}", converted.instrument),
        Err(problems) => problems,
    }
}

pub fn lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn text(it: &str, en: &str) -> Text {
    Text::new(it, en)
}

pub fn item(id: &str, item_type: ItemType, label: Text) -> Item {
    Item {
        id: id.to_string(),
        item_type,
        label,
        help: None,
        required: false,
        options: Vec::new(),
        faces: false,
        min: None,
        max: None,
        max_length: None,
        relevant: None,
    }
}

pub fn choice(value: &str, it: &str, en: &str) -> Choice {
    Choice {
        value: value.to_string(),
        label: text(it, en),
        score: None,
        correct: false,
    }
}

/// An instrument with every item type and every optional field the format has, with
/// texts that test the writer: spaces at either end, line breaks, quotes, accents,
/// a leading "=" that a spreadsheet would take for a formula.
pub fn every_feature() -> Instrument {
    let mut scale = item(
        "wellbeing",
        ItemType::Scale,
        text("Come stai?", "How are you?"),
    );
    scale.required = true;
    scale.faces = true;
    scale.options = [
        (0, "Male", "Bad"),
        (50, "Così così", "So so"),
        (100, "Bene", "Well"),
    ]
    .into_iter()
    .map(|(score, it, en)| Choice {
        score: Some(score),
        ..choice(&score.to_string(), it, en)
    })
    .collect();

    let mut plain_scale = item("effort", ItemType::Scale, text("Fatica", "Effort"));
    plain_scale.options = vec![
        Choice {
            score: Some(0),
            ..choice("low", "bassa", "low")
        },
        Choice {
            score: Some(100),
            ..choice("high", "alta", "high")
        },
    ];

    let mut single = item(
        "smoker",
        ItemType::SingleChoice,
        text(
            "Fumi?\nRispondi con sincerità.",
            "Do you smoke?\nPlease answer honestly.",
        ),
    );
    single.help = Some(text("  spazi ai lati  ", "  spaces at both ends  "));
    single.options = vec![choice("yes", "Sì", "Yes"), choice("no", "No", "No")];
    // A score on a plain choice is allowed by the format and must survive too.
    single.options[0].score = Some(10);

    let mut how_many = item(
        "cigarettes",
        ItemType::Number,
        text("Quante al giorno?", "How many a day?"),
    );
    how_many.min = Some(0.5);
    how_many.max = Some(120.0);
    how_many.required = true;
    how_many.relevant = Some(Relevant {
        item: "smoker".to_string(),
        any_of: vec!["yes".to_string()],
    });

    let mut weight = item("weight", ItemType::Number, text("Peso (kg)", "Weight (kg)"));
    weight.min = Some(-0.25);
    let mut height = item("height", ItemType::Number, text("Altezza", "Height"));
    height.max = Some(1e21);
    let unbounded = item("count", ItemType::Number, text("Numero", "Number"));

    let mut multiple = item(
        "services",
        ItemType::MultipleChoice,
        text("Quali servizi usi?", "Which services do you use?"),
    );
    multiple.options = vec![
        choice("home_care", "Assistenza domiciliare", "Home care"),
        choice("day_centre", "Centro diurno", "Day centre"),
        choice("other", "Altro", "Other"),
    ];

    let mut other = item(
        "other_service",
        ItemType::Text,
        text("Quale?", "Which one?"),
    );
    other.max_length = Some(200);
    other.relevant = Some(Relevant {
        item: "services".to_string(),
        any_of: vec!["other".to_string(), "day_centre".to_string()],
    });

    let mut note = item(
        "intro",
        ItemType::Note,
        text("=Grazie \"davvero\"", "=Thank you 'very' much"),
    );
    note.help = Some(text("Nota: àèìòù €", "Note: <b>&</b>"));
    note.relevant = Some(Relevant {
        item: "wellbeing".to_string(),
        any_of: vec!["0".to_string(), "50".to_string()],
    });

    let free = item("comments", ItemType::Text, text("Commenti", "Comments"));
    let mut when = item("started", ItemType::Date, text("Da quando?", "Since when?"));
    when.required = true;

    Instrument {
        id: "every_feature".to_string(),
        version: 4_000_000_000,
        title: text("Tutto", "Everything"),
        description: Some(text("Descrizione", "Description")),
        activities: vec![Activity::Committee, Activity::PeerGroup],
        topic: Some(text("Argomento", "Topic")),
        anonymous: true,
        items: vec![
            scale,
            note,
            plain_scale,
            single,
            how_many,
            weight,
            height,
            unbounded,
            multiple,
            other,
            free,
            when,
        ],
        scoring: Scoring::MeanScore,
    }
}
