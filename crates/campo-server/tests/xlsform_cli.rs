//! XLSForm in and out through the command line, on both engines: `instruments convert`
//! (no database), `import` (unpublished unless --publish, a greater version for a held id),
//! `publish` (tablets get it at their next pull), `to-xlsform` (the reverse, read back).

mod common;

use campo_core::catalog::Catalog;
use campo_core::{Instrument, Item, Text};
use common::*;
use std::process::Command;

on_both_engines!(an_xlsform_is_imported_unpublished_then_published_and_written_back,);

/// The peer-group scale under a new id, opened by a note: what a project might bring.
fn checkin() -> Instrument {
    let mut i = Catalog::builtin()
        .latest("peer_satisfaction")
        .unwrap()
        .clone();
    i.id = "peer_checkin".into();
    i.items.insert(
        0,
        Item::note(
            "intro",
            Text::new("Due parole sull'incontro.", "A word on the meeting."),
        ),
    );
    i
}

fn write_form(dir: &std::path::Path, instrument: &Instrument) -> std::path::PathBuf {
    let path = dir.join(format!("{}-v{}.xlsx", instrument.id, instrument.version));
    std::fs::write(&path, campo_xlsform::write_xlsform(instrument).unwrap()).unwrap();
    path
}

/// A form with a group, which Campo cannot express.
fn grouped_form(dir: &std::path::Path) -> std::path::PathBuf {
    let mut book = rust_xlsxwriter::Workbook::new();
    let rows: [&[&str]; 4] = [
        &["type", "name", "label::Italian (it)", "label::English (en)"],
        &["begin_group", "home", "Casa", "Home"],
        &["text", "who", "Chi?", "Who?"],
        &["end_group", "", "", ""],
    ];
    let survey = book.add_worksheet().set_name("survey").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            survey.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    let settings = book.add_worksheet().set_name("settings").unwrap();
    for (c, (k, v)) in [("form_id", "grouped"), ("version", "1")]
        .iter()
        .enumerate()
    {
        settings.write_string(0, c as u16, *k).unwrap();
        settings.write_string(1, c as u16, *v).unwrap();
    }
    let path = dir.join("grouped.xlsx");
    book.save(&path).unwrap();
    path
}

fn an_xlsform_is_imported_unpublished_then_published_and_written_back(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&db);
    let device = enroll_device(&server, &db, "Tablet");
    let cursor = pull_all(&server, &device.token, None)
        .last()
        .unwrap()
        .cursor;
    let wanted = checkin();
    let form = write_form(dir.path(), &wanted);

    // convert: the instrument's JSON on standard output, no database needed.
    let out = Command::new(BIN)
        .args(["instruments", "convert", form.to_str().unwrap()])
        .env_remove("CAMPO_DB")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Instrument = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, wanted);

    // import: held, listed as unpublished, not pulled by tablets.
    let done = cli(&db, &["instruments", "import", form.to_str().unwrap()]);
    assert!(
        done.contains("peer_checkin v1 imported") && done.contains("unpublished"),
        "{done}"
    );
    let list = cli(&db, &["instruments", "list"]);
    let line = list.lines().find(|l| l.starts_with("peer_checkin  v1"));
    assert!(line.is_some_and(|l| l.ends_with("(unpublished)")), "{list}");
    assert!(pull(&server, &device.token, cursor, None)
        .instruments
        .is_empty());

    // The same version again is refused, naming the version to beat.
    let again = cli_fails(&db, &["instruments", "import", form.to_str().unwrap()]);
    assert!(again.contains("greater than 1"), "{again}");

    // publish: the next pull brings it, note and all.
    let published = cli(
        &db,
        &["instruments", "publish", "peer_checkin", "--version", "1"],
    );
    assert!(
        published.contains("published in project default"),
        "{published}"
    );
    let page = pull(&server, &device.token, cursor, None);
    assert_eq!(page.instruments, vec![wanted.clone()]);
    assert!(!cli(&db, &["instruments", "list"]).contains("(unpublished)"));
    let missing = cli_fails(
        &db,
        &["instruments", "publish", "peer_checkin", "--version", "9"],
    );
    assert!(missing.contains("holds no peer_checkin v9"), "{missing}");

    // A version 2 imported with --publish goes out at once.
    let mut v2 = wanted.clone();
    v2.version = 2;
    let form2 = write_form(dir.path(), &v2);
    let done = cli(
        &db,
        &[
            "instruments",
            "import",
            "--publish",
            form2.to_str().unwrap(),
        ],
    );
    assert!(done.contains("published: tablets get it"), "{done}");

    // to-xlsform writes the latest held version back; read again it is the same.
    let back = dir.path().join("back.xlsx");
    cli(
        &db,
        &[
            "instruments",
            "to-xlsform",
            "peer_checkin",
            "--out",
            back.to_str().unwrap(),
        ],
    );
    let read = campo_xlsform::read_xlsform(&std::fs::read(&back).unwrap()).unwrap();
    assert_eq!(read.instrument, v2);
    let v1 = dir.path().join("v1.xlsx");
    cli(
        &db,
        &[
            "instruments",
            "to-xlsform",
            "peer_checkin",
            "--version",
            "1",
            "--out",
            v1.to_str().unwrap(),
        ],
    );
    let read = campo_xlsform::read_xlsform(&std::fs::read(&v1).unwrap()).unwrap();
    assert_eq!(read.instrument, wanted);

    // A form outside Campo's subset is refused with its place, and nothing is added.
    let grouped = grouped_form(dir.path());
    let refused = cli_fails(&db, &["instruments", "import", grouped.to_str().unwrap()]);
    assert!(
        refused.contains("survey") && refused.contains("row 2"),
        "{refused}"
    );
    assert!(refused.contains("begin_group"), "{refused}");
    assert!(!cli(&db, &["instruments", "list"]).contains("grouped"));
}
