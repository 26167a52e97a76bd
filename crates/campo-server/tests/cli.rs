//! The command line on both engines: projects, enroll, devices, report and export over data
//! pushed through the real server, `--db` wherever it is given, and backup.

mod common;

use campo_wire::RecordBody;
use common::*;
use std::io::Read;
use std::process::Command;
use uuid::Uuid;

on_both_engines!(
    report_in_every_format,
    export_writes_one_file_per_instrument_with_one_column_per_item,
    enroll_prints_a_code_and_a_qr,
    projects_are_added_listed_and_given_targets,
    the_database_is_named_before_or_after_the_command_or_by_env,
    devices_are_listed_per_project_and_revoked_by_id,
    backup_copies_sqlite_and_points_postgres_to_pg_dump,
    a_project_instrument_is_added_once_and_pulled_by_its_tablets,
);

/// A device of the default project pushes one held course with three satisfaction
/// surveys. The server is returned still running.
fn seeded(db: &TestDb) -> Server {
    let server = Server::start(db);
    let device = enroll_device(&server, db, "Tablet");
    let m = meeting(1, Uuid::now_v7());
    let mut records = vec![record(RecordBody::Meeting(m.clone()))];
    records.extend((0..3).map(|i| record(RecordBody::Submission(satisfaction(m.id, i)))));
    push(&server, &device.token, &batch(records));
    server
}

/// A PostgreSQL URL with a password, to a port where nothing listens: every command fails,
/// saying why, and none prints the password (no database needed).
#[test]
fn a_database_password_is_never_printed() {
    for url in [
        "postgres://campo:hunter2-secret@127.0.0.1:1/campo",
        "postgresql://127.0.0.1:1/campo?user=campo&password=hunter2-secret",
    ] {
        for args in [
            &["projects", "list"][..],
            &["serve", "--listen", "127.0.0.1:0"][..],
        ] {
            let out = Command::new(BIN)
                .arg("--db")
                .arg(url)
                .args(args)
                .env_remove("CAMPO_DB")
                .env("RUST_LOG", "debug")
                .output()
                .unwrap();
            assert!(!out.status.success(), "{args:?} on {url}");
            let printed = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!printed.is_empty(), "a failure says why");
            assert!(!printed.contains("hunter2"), "{args:?}: {printed}");
        }
    }
}

fn report_in_every_format(db: TestDb) {
    seeded(&db);
    let json: serde_json::Value =
        serde_json::from_str(&cli(&db, &["report", "--format", "json"])).unwrap();
    assert_eq!(json["training"]["meetings"]["held"], 1, "{json:#}");
    assert_eq!(json["training"]["satisfaction"]["n"], 3, "{json:#}");
    // The default project named or not: the same report.
    let named: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &["report", "--project", "default", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(named, json);
    let text = cli(&db, &["report", "--format", "text", "--lang", "en"]);
    assert!(text.contains("Assessment report"), "{text}");
    let csv = cli(&db, &["report", "--format", "csv", "--lang", "it"]);
    assert!(csv.lines().count() > 3);
    let html = cli(&db, &["report", "--format", "html", "--lang", "en"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "charts are inline SVG");
    assert!(!html.contains("src="), "nothing loaded from elsewhere");
    assert!(
        !html.contains("<script") && !html.contains("<link"),
        "no external assets"
    );
    // Another project has its own, empty report; an unknown one is an error.
    add_project(&db, "valle-bassa");
    let other: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &["report", "--project", "valle-bassa", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(other["training"]["meetings"]["held"], 0, "{other:#}");
    assert_eq!(other["training"]["satisfaction"]["n"], 0, "{other:#}");
    let err = cli_fails(&db, &["report", "--project", "nowhere"]);
    assert!(err.contains("no project \"nowhere\""), "{err}");
}

fn export_writes_one_file_per_instrument_with_one_column_per_item(db: TestDb) {
    seeded(&db);
    let instrument = campo_core::catalog::Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .clone();

    let out = db.dir().join("csv");
    let printed = cli(
        &db,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
            "--lang",
            "en",
        ],
    );
    let name = format!("training_satisfaction_v{}.csv", instrument.version);
    assert!(printed.contains(&name), "{printed}");
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

    let out = db.dir().join("xlsx");
    cli(
        &db,
        &["export", "--format", "xlsx", "--out", out.to_str().unwrap()],
    );
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

    let out = db.dir().join("json");
    cli(
        &db,
        &["export", "--format", "json", "--out", out.to_str().unwrap()],
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!(
            "training_satisfaction_v{}.json",
            instrument.version
        )))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(rows.len(), 3);

    // Another project's export holds none of the default project's submissions.
    add_project(&db, "valle-bassa");
    let out = db.dir().join("other");
    cli(
        &db,
        &[
            "export",
            "--project",
            "valle-bassa",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let name = format!("training_satisfaction_v{}.json", instrument.version);
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(out.join(&name))
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or_default();
    assert!(rows.is_empty(), "{rows:?}");
    let err = cli_fails(
        &db,
        &[
            "export",
            "--project",
            "nowhere",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(err.contains("no project"), "{err}");
}

fn enroll_prints_a_code_and_a_qr(db: TestDb) {
    let out = cli(&db, &["enroll", "--name", "Tablet Valle 3"]);
    assert!(out.contains("Tablet Valle 3"));
    assert!(out.contains("project default"), "{out}");
    assert!(
        out.contains('█') || out.contains('▀') || out.contains('▄'),
        "QR rendered in the terminal"
    );
    let json: serde_json::Value =
        serde_json::from_str(cli(&db, &["enroll", "--name", "x", "--json"]).trim()).unwrap();
    assert_eq!(json.as_object().unwrap().len(), 3, "{json}");
    assert_eq!(json["code"].as_str().unwrap().len(), 14);
    assert!(json["expires_at"].is_string());
    assert_eq!(json["project"], "default");
    let expires: chrono::DateTime<chrono::Utc> =
        json["expires_at"].as_str().unwrap().parse().unwrap();
    let left = expires - chrono::Utc::now();
    assert!(
        left > chrono::Duration::minutes(14) && left <= chrono::Duration::minutes(15),
        "valid for 15 minutes: {left}"
    );

    // For another project; refused for an unknown one or without a name.
    add_project(&db, "valle-alta");
    let json: serde_json::Value = serde_json::from_str(
        cli(
            &db,
            &["enroll", "--project", "valle-alta", "--name", "y", "--json"],
        )
        .trim(),
    )
    .unwrap();
    assert_eq!(json["project"], "valle-alta");
    let err = cli_fails(&db, &["enroll", "--project", "nowhere", "--name", "z"]);
    assert!(err.contains("no project"), "{err}");
    let err = cli_fails(&db, &["enroll", "--name", "   "]);
    assert!(err.contains("--name"), "{err}");
}

fn projects_are_added_listed_and_given_targets(db: TestDb) {
    let listed: serde_json::Value =
        serde_json::from_str(&cli(&db, &["projects", "list", "--json"])).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["default"],
        "every server starts with the default project"
    );

    let out = cli(
        &db,
        &[
            "projects",
            "add",
            "valle-alta",
            "--name",
            "Valle Alta",
            "--eligible-carers",
            "150",
            "--reach-fraction",
            "0.5",
            "--pilot-start",
            "2026-01-01",
            "--pilot-end",
            "2026-12-31",
        ],
    );
    assert!(out.contains("valle-alta"), "{out}");
    let instruments = campo_core::catalog::Catalog::builtin().len();
    assert!(
        out.contains(&format!("{instruments} instruments")),
        "a new project gets the pilot's instruments: {out}"
    );
    let err = cli_fails(&db, &["projects", "add", "valle-alta"]);
    assert!(err.contains("valle-alta"), "{err}");
    let err = cli_fails(&db, &["projects", "add", "Valle Alta"]);
    assert!(err.contains("project id"), "{err}");
    let err = cli_fails(
        &db,
        &["projects", "add", "bad-targets", "--reach-fraction", "1.5"],
    );
    assert!(err.contains("reach_fraction"), "{err}");
    let err = cli_fails(
        &db,
        &[
            "projects",
            "add",
            "half-dates",
            "--pilot-start",
            "2026-01-01",
        ],
    );
    assert!(err.contains("pilot_start"), "{err}");

    let project = |id: &str| -> serde_json::Value {
        let listed: serde_json::Value =
            serde_json::from_str(&cli(&db, &["projects", "list", "--json"])).unwrap();
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id} in {listed}"))
    };
    let p = project("valle-alta");
    assert_eq!(p["name"], "Valle Alta");
    assert_eq!(p["targets"]["eligible_carers"], 150);
    assert_eq!(p["targets"]["reach_fraction"], 0.5);
    assert_eq!(p["targets"]["pilot_start"], "2026-01-01");
    let defaults = serde_json::to_value(campo_core::report::Targets::default()).unwrap();
    assert_eq!(
        p["targets"]["courses_per_month"], defaults["courses_per_month"],
        "targets not named keep their default"
    );
    // Refused projects were not added.
    let all: serde_json::Value =
        serde_json::from_str(&cli(&db, &["projects", "list", "--json"])).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");

    // set-targets changes only what it names.
    cli(
        &db,
        &[
            "projects",
            "set-targets",
            "valle-alta",
            "--courses-per-month",
            "3",
            "--satisfaction-min",
            "80",
        ],
    );
    let p2 = project("valle-alta");
    assert_eq!(p2["targets"]["courses_per_month"], 3);
    assert_eq!(p2["targets"]["satisfaction_min"], 80.0);
    assert_eq!(p2["targets"]["eligible_carers"], 150);
    assert_eq!(p2["targets"]["pilot_end"], "2026-12-31");
    // Invalid targets and unknown projects are refused, and nothing changes.
    let err = cli_fails(
        &db,
        &[
            "projects",
            "set-targets",
            "valle-alta",
            "--understanding-min",
            "120",
        ],
    );
    assert!(err.contains("understanding_min"), "{err}");
    let err = cli_fails(
        &db,
        &[
            "projects",
            "set-targets",
            "valle-alta",
            "--pilot-months",
            "0",
        ],
    );
    assert!(err.contains("pilot_months"), "{err}");
    assert_eq!(project("valle-alta"), p2);
    let err = cli_fails(
        &db,
        &[
            "projects",
            "set-targets",
            "nowhere",
            "--courses-per-month",
            "2",
        ],
    );
    assert!(err.contains("no project"), "{err}");
    // The default project's targets are untouched by all this.
    assert_eq!(project("default")["targets"], defaults);

    // The text listing shows each project with its targets.
    let text = cli(&db, &["projects", "list"]);
    assert!(
        text.contains("valle-alta") && text.contains("Valle Alta"),
        "{text}"
    );
    assert!(text.contains("eligible 150"), "{text}");
    assert!(text.contains("2026-01-01 to 2026-12-31"), "{text}");

    // The report of the project is measured against its targets.
    let report: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &["report", "--project", "valle-alta", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(report["targets"], p2["targets"], "{report:#}");
    assert_eq!(
        report["months"], 12,
        "the pilot's dates fix the months: {report:#}"
    );
}

fn the_database_is_named_before_or_after_the_command_or_by_env(db: TestDb) {
    add_project(&db, "one");
    let list = |cmd: &mut Command| -> String {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let before = list(
        Command::new(BIN)
            .args(["--db", db.arg(), "projects", "list"])
            .env_remove("CAMPO_DB"),
    );
    let after = list(
        Command::new(BIN)
            .args(["projects", "list", "--db", db.arg()])
            .env_remove("CAMPO_DB"),
    );
    let env = list(
        Command::new(BIN)
            .args(["projects", "list"])
            .env("CAMPO_DB", db.arg()),
    );
    assert!(before.contains("one"), "{before}");
    assert_eq!(before, after);
    assert_eq!(before, env);
    // --db wins over CAMPO_DB.
    let elsewhere = db.dir().join("elsewhere.db");
    let out = Command::new(BIN)
        .args(["--db", db.arg(), "projects", "list"])
        .env("CAMPO_DB", elsewhere.to_str().unwrap())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), before);
    assert!(!elsewhere.exists(), "CAMPO_DB was not used");

    // No database at all, or one of an unknown kind: a clear error, nothing created.
    let out = Command::new(BIN)
        .args(["projects", "list"])
        .env_remove("CAMPO_DB")
        .current_dir(db.dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--db") && err.contains("CAMPO_DB"), "{err}");
    let out = Command::new(BIN)
        .args(["--db", "mysql://u:secret@h/db", "projects", "list"])
        .env_remove("CAMPO_DB")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mysql"), "{err}");
}

fn devices_are_listed_per_project_and_revoked_by_id(db: TestDb) {
    let server = Server::start(&db);
    add_project(&db, "valle-alta");
    let a = enroll_device(&server, &db, "Tablet A");
    let b = enroll_device_in(&server, &db, "valle-alta", "Tablet B");
    let list = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut all = vec!["devices", "list", "--json"];
        all.extend_from_slice(args);
        serde_json::from_str::<serde_json::Value>(&cli(&db, &all))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let everyone = list(&[]);
    assert_eq!(everyone.len(), 2);
    let of = |project: &str| -> Vec<String> {
        list(&["--project", project])
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(of("default"), vec![a.device_id.to_string()]);
    assert_eq!(of("valle-alta"), vec![b.device_id.to_string()]);
    let d = list(&["--project", "valle-alta"]).remove(0);
    assert_eq!(d["name"], "Tablet B");
    assert_eq!(d["device_name"], "Tablet B");
    assert_eq!(d["project"], "valle-alta");
    assert_eq!(d["records"], 0);
    assert!(d["revoked_at"].is_null());
    let err = cli_fails(&db, &["devices", "list", "--project", "nowhere"]);
    assert!(err.contains("no project"), "{err}");

    // The records column counts what each device sent.
    push(
        &server,
        &b.token,
        &batch(vec![record(RecordBody::Meeting(meeting(
            1,
            Uuid::now_v7(),
        )))]),
    );
    assert_eq!(list(&["--project", "valle-alta"])[0]["records"], 1);
    assert_eq!(list(&["--project", "default"])[0]["records"], 0);

    let text = cli(&db, &["devices", "list"]);
    assert!(
        text.contains("[valle-alta]") && text.contains("Tablet B"),
        "{text}"
    );
    assert!(text.contains("active"), "{text}");

    cli(&db, &["devices", "revoke", &b.device_id.to_string()]);
    let text = cli(&db, &["devices", "list", "--project", "valle-alta"]);
    assert!(text.contains("revoked"), "{text}");
    assert!(list(&["--project", "default"])[0]["revoked_at"].is_null());
    let err = cli_fails(&db, &["devices", "revoke", "not-a-uuid"]);
    assert!(!err.is_empty());
}

fn backup_copies_sqlite_and_points_postgres_to_pg_dump(db: TestDb) {
    // Taken while the server runs.
    let _server = seeded(&db);
    let out = db.dir().join("backup.db");
    match db.sqlite_path() {
        Some(_) => {
            let printed = cli(&db, &["backup", "--out", out.to_str().unwrap()]);
            assert!(printed.contains("backup.db"), "{printed}");
            let copy = TestDb::sqlite();
            std::fs::copy(&out, copy.sqlite_path().unwrap()).unwrap();
            assert_eq!(copy.counts(), db.counts());
            assert_eq!(
                cli(&copy, &["report", "--format", "json"]),
                cli(&db, &["report", "--format", "json"])
            );
            // Never over an existing file.
            let before = std::fs::read(&out).unwrap();
            let err = cli_fails(&db, &["backup", "--out", out.to_str().unwrap()]);
            assert!(err.contains("exists"), "{err}");
            assert_eq!(std::fs::read(&out).unwrap(), before);
        }
        None => {
            let err = cli_fails(&db, &["backup", "--out", out.to_str().unwrap()]);
            assert!(err.contains("pg_dump"), "{err}");
            assert!(!out.exists());
        }
    }
}

/// A copy of the peer-group scale under another id, written to a file in `dir`.
fn custom_instrument(dir: &std::path::Path, title_en: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schemas/instruments/peer_satisfaction.json"
    ))
    .unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["id"] = "peer_checkin".into();
    value["title"]["en"] = title_en.into();
    let path = dir.join(format!("peer_checkin-{}.json", title_en.len()));
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

fn a_project_instrument_is_added_once_and_pulled_by_its_tablets(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&db);
    let device = enroll_device(&server, &db, "Tablet");
    let before = pull_all(&server, &device.token, None);
    let cursor = before.last().unwrap().cursor;

    let file = custom_instrument(dir.path(), "How the meeting went");
    let out = cli(
        &db,
        &["instruments", "add", "--file", file.to_str().unwrap()],
    );
    assert!(out.contains("peer_checkin v1 added"), "{out}");
    assert!(cli(&db, &["instruments", "list"]).contains("peer_checkin  v1"));
    // The same file again changes nothing; other content under the same version is refused.
    let again = cli(
        &db,
        &["instruments", "add", "--file", file.to_str().unwrap()],
    );
    assert!(again.contains("already"), "{again}");
    let changed = custom_instrument(dir.path(), "Another title for it");
    let refused = cli_fails(
        &db,
        &["instruments", "add", "--file", changed.to_str().unwrap()],
    );
    assert!(refused.contains("new version"), "{refused}");
    // A broken file names its fault and adds nothing; so does an unknown project.
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r#"{"id": "x"}"#).unwrap();
    assert!(!cli_fails(
        &db,
        &["instruments", "add", "--file", broken.to_str().unwrap()]
    )
    .is_empty());
    let nowhere = cli_fails(
        &db,
        &[
            "instruments",
            "add",
            "--project",
            "nowhere",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    assert!(nowhere.contains("nowhere"), "{nowhere}");

    let page = pull(&server, &device.token, cursor, None);
    let pulled: Vec<(&str, &str)> = page
        .instruments
        .iter()
        .map(|i| (i.id.as_str(), i.title.en.as_str()))
        .collect();
    assert_eq!(pulled, [("peer_checkin", "How the meeting went")]);
}
