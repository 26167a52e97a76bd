//! Report and export commands over data pushed through the real server.

mod common;

use campo_sync::wire::RecordBody;
use common::*;
use std::io::Read;
use uuid::Uuid;

fn seeded() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("campo.db");
    let server = Server::start(&db);
    let device = enroll_device(&server, "Tablet");
    let m = meeting(1, Uuid::now_v7());
    let mut records = vec![record(RecordBody::Meeting(m.clone()))];
    records.extend((0..3).map(|i| record(RecordBody::Submission(satisfaction(m.id, i)))));
    push(&server, &device.token, &batch(records));
    (dir, db)
}

#[test]
fn report_in_every_format() {
    let (_dir, db) = seeded();
    let db = db.to_str().unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&cli(&["report", "--db", db, "--format", "json"])).unwrap();
    assert_eq!(json["training"]["meetings"]["held"], 1, "{json:#}");
    assert_eq!(json["training"]["satisfaction"]["n"], 3, "{json:#}");
    let text = cli(&["report", "--db", db, "--format", "text", "--lang", "en"]);
    assert!(text.contains("Assessment report"), "{text}");
    let csv = cli(&["report", "--db", db, "--format", "csv", "--lang", "it"]);
    assert!(csv.lines().count() > 3);
    let html = cli(&["report", "--db", db, "--format", "html", "--lang", "en"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "charts are inline SVG");
    assert!(!html.contains("src="), "nothing loaded from elsewhere");
    assert!(
        !html.contains("<script") && !html.contains("<link"),
        "no external assets"
    );
}

#[test]
fn export_writes_one_file_per_instrument_with_one_column_per_item() {
    let (dir, db) = seeded();
    let db = db.to_str().unwrap();
    let instrument = campo_core::catalog::Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .clone();

    let out = dir.path().join("csv");
    cli(&[
        "export",
        "--db",
        db,
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
        "--lang",
        "en",
    ]);
    let name = format!("training_satisfaction_v{}.csv", instrument.version);
    let csv = std::fs::read_to_string(out.join(&name)).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "header and three submissions");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(
        header.len(),
        7 + instrument.items.len(),
        "fixed columns then one per item"
    );
    assert!(lines[0].contains(instrument.items[0].label.en.as_str()));
    // Answers are written as the option's English label.
    let first_option = instrument.items[0].options[0].label.en.clone();
    assert!(csv.contains(&first_option), "{csv}");

    let out = dir.path().join("xlsx");
    cli(&[
        "export",
        "--db",
        db,
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
    ]);
    let file = std::fs::File::open(out.join(format!(
        "training_satisfaction_v{}.xlsx",
        instrument.version
    )))
    .unwrap();
    let mut zip = zip::ZipArchive::new(file).expect("xlsx is a zip");
    let mut workbook = String::new();
    zip.by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut workbook)
        .unwrap();
    assert!(
        workbook.contains(&format!(
            "name=\"training_satisfaction_v{}\"",
            instrument.version
        )),
        "{workbook}"
    );
    assert!(zip.by_name("xl/worksheets/sheet1.xml").is_ok());

    let out = dir.path().join("json");
    cli(&[
        "export",
        "--db",
        db,
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!(
            "training_satisfaction_v{}.json",
            instrument.version
        )))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(rows.len(), 3);
}

#[test]
fn enroll_prints_a_code_and_a_qr() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("campo.db");
    let out = cli(&[
        "enroll",
        "--db",
        db.to_str().unwrap(),
        "--name",
        "Tablet Valle 3",
    ]);
    assert!(out.contains("Tablet Valle 3"));
    assert!(
        out.contains('█') || out.contains('▀') || out.contains('▄'),
        "QR rendered in the terminal"
    );
    let json: serde_json::Value = serde_json::from_str(
        cli(&[
            "enroll",
            "--db",
            db.to_str().unwrap(),
            "--name",
            "x",
            "--json",
        ])
        .trim(),
    )
    .unwrap();
    assert_eq!(json.as_object().unwrap().len(), 2);
    assert_eq!(json["code"].as_str().unwrap().len(), 14);
    assert!(json["expires_at"].is_string());
}
