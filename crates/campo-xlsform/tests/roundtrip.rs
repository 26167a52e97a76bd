//! Campo → XLSForm → Campo gives back the same instrument: each built-in one, and one
//! using every part of the format.

mod common;

use campo_core::load::load_instrument;
use campo_core::{Instrument, ItemType};
use campo_xlsform::{read_xlsform, write_xlsform, WriteError};
use common::{every_feature, item, text};
use std::path::{Path, PathBuf};

fn instruments_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/instruments")
}

fn builtin(stem: &str) -> Instrument {
    let path = instruments_dir().join(format!("{stem}.json"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    load_instrument(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_round_trip(instrument: &Instrument) {
    let bytes = write_xlsform(instrument).unwrap_or_else(|e| panic!("{}: {e}", instrument.id));
    let read = read_xlsform(&bytes)
        .unwrap_or_else(|problems| panic!("{}: {}", instrument.id, common::lines(&problems)));
    assert_eq!(&read.instrument, instrument);
    assert!(
        read.untranslated.is_empty(),
        "{}: {:?}",
        instrument.id,
        read.untranslated
    );
}

/// One test per file, so a failure names the instrument; `the_list_is_every_file` keeps
/// the list complete.
macro_rules! round_trips {
    ($($stem:ident),* $(,)?) => {
        const BUILTINS: &[&str] = &[$(stringify!($stem)),*];
        $(
            #[test]
            fn $stem() {
                assert_round_trip(&builtin(stringify!($stem)));
            }
        )*
    };
}

round_trips!(
    barrier_log,
    committee_goals,
    peer_satisfaction,
    quiz_carer_wellbeing,
    quiz_dementia_behaviour,
    quiz_eating_swallowing,
    quiz_medicines_home,
    quiz_moving_transfers,
    training_satisfaction,
);

#[test]
fn the_list_is_every_file() {
    let mut stems: Vec<String> = std::fs::read_dir(instruments_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    assert_eq!(
        stems, BUILTINS,
        "add the new instrument file to round_trips!"
    );
}

#[test]
fn every_feature_of_the_format() {
    assert_round_trip(&every_feature());
}

#[test]
fn a_relevant_on_a_multiple_choice_is_written_with_selected() {
    let instrument = every_feature();
    let bytes = write_xlsform(&instrument).unwrap();
    // Read as a plain workbook: the relevant of "other_service" names its values with
    // selected(), the one of "cigarettes" with =.
    let survey = cells(&bytes, "survey");
    let relevant = |id: &str| {
        let row = survey.iter().find(|r| r[1] == id).unwrap();
        row[8].clone()
    };
    assert_eq!(
        relevant("other_service"),
        "selected(${services}, 'other') or selected(${services}, 'day_centre')"
    );
    assert_eq!(relevant("cigarettes"), "${smoker} = 'yes'");
    let types: Vec<&str> = survey[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        types,
        [
            "select_one wellbeing",
            "note",
            "select_one effort",
            "select_one smoker",
            "decimal",
            "decimal",
            "decimal",
            "decimal",
            "select_multiple services",
            "text",
            "text",
            "date"
        ]
    );
    let settings = cells(&bytes, "settings");
    let setting = |name: &str| {
        let c = settings[0].iter().position(|h| h == name).unwrap();
        settings[1][c].clone()
    };
    assert_eq!(setting("default_language"), "Italian (it)");
    assert_eq!(setting("form_title"), "Tutto");
    assert_eq!(setting("version"), "4000000000");
    assert_eq!(setting("campo_activities"), "committee peer_group");
}

fn cells(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::{open_workbook_from_rs, Reader, Xlsx};
    let mut workbook: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = workbook.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn an_invalid_instrument_is_not_written() {
    let mut instrument = every_feature();
    instrument.items[0].options.clear();
    match write_xlsform(&instrument) {
        Err(WriteError::Invalid(error)) => assert_eq!(error.code(), "instrument_missing_options"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_text_xlsform_tools_would_fill_in_is_not_written() {
    let mut instrument = every_feature();
    instrument.items.push(item(
        "total",
        ItemType::Note,
        text("Totale: ${cigarettes}", "Total: ${cigarettes}"),
    ));
    let error = write_xlsform(&instrument).unwrap_err();
    assert!(matches!(error, WriteError::Unsupported { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "instrument \"every_feature\" item \"total\" label: the text contains \"${\", which XLSForm tools replace with an answer"
    );
}

#[test]
fn an_item_named_meta_is_not_written() {
    // pyxform refuses the name: it is kept for the form's metadata.
    let mut instrument = every_feature();
    instrument
        .items
        .push(item("meta", ItemType::Date, text("Data", "Date")));
    let error = write_xlsform(&instrument).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("item \"meta\": XLSForm keeps the name meta"),
        "{error}"
    );
}

#[test]
fn a_text_longer_than_a_cell_is_not_written() {
    let mut instrument = every_feature();
    instrument.items[0].label.en = "x".repeat(40_000);
    let error = write_xlsform(&instrument).unwrap_err();
    assert!(matches!(error, WriteError::Spreadsheet(_)), "{error:?}");
}
