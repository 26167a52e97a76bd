//! Server ingest on each engine, beside a raw bulk insert of the same rows.
//!
//! For each engine (a SQLite file; a PostgreSQL database) this pushes 13-item satisfaction
//! submissions in gzip batches of 500 through the real `campo-server` binary over loopback
//! (two concurrent pushers) and prints records per second. Then, in the same run and on the
//! same engine, it inserts the very rows the server stored into an identical table (same
//! columns, keys, indexes and constraints, same durability settings) in one transaction,
//! and prints rows per second and the ratio of the two:
//!
//! - SQLite: the server's own `CREATE` statements for `records`, in a new file with the
//!   server's pragmas (WAL, `synchronous=FULL`, foreign keys on), one prepared INSERT per
//!   row;
//! - PostgreSQL: `CREATE TABLE ... (LIKE records INCLUDING ALL)` plus its foreign keys, in
//!   the server's database, filled once with `COPY ... FROM STDIN` and once with prepared
//!   INSERTs (pipelined), each in one transaction.
//!
//! PostgreSQL comes from `CAMPO_TEST_PG_URL` (a server where a new database may be
//! created); without it the benchmark starts a throwaway one with `scripts/pg-test.sh` and
//! stops it at the end.
//!
//! `CAMPO_BENCH_RECORDS` (default 100,000), `CAMPO_BENCH_ENGINES` (default
//! `sqlite,postgres`), `CAMPO_BENCH_PUSHERS` (default 2).

use bytes::Bytes;
use campo_core::catalog::Catalog;
use campo_core::{Activity, AnswerValue, Answers, Attendance, Meeting, MeetingStatus, Submission};
use campo_server_postgres::testdb;
use campo_wire::{PushRequest, PushResponse, PushStatus, Record, RecordBody};
use chrono::{NaiveDate, Utc};
use flate2::write::GzEncoder;
use flate2::Compression;
use futures_util::SinkExt;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::NoTls;
use uuid::Uuid;

const BATCH: usize = 500;
const BIN: &str = env!("CARGO_BIN_EXE_campo-server");

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// The gzip bodies of every push, prepared before the clock starts (as a tablet's queue
/// would be): the first holds the meeting alone, so every later one can go in parallel.
fn bodies(total: usize) -> Vec<Vec<u8>> {
    let instrument = Catalog::builtin()
        .latest("training_satisfaction")
        .unwrap()
        .clone();
    let meeting_id = Uuid::now_v7();
    let meeting = Meeting {
        id: meeting_id,
        revision: 1,
        activity: Activity::TrainingCourse,
        date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        place: "Sala".into(),
        topic: "Bench".into(),
        facilitator: "Bench".into(),
        status: MeetingStatus::Held,
        attendance: Attendance::default(),
        updated_at: Utc::now(),
    };
    let first = vec![Record {
        id: meeting_id,
        revision: 1,
        body: RecordBody::Meeting(meeting),
    }];
    let mut records = Vec::with_capacity(total);
    for n in 0..total.saturating_sub(1) {
        let mut answers = Answers::new();
        for (i, item) in instrument.items.iter().enumerate() {
            answers.insert(
                item.id.clone(),
                AnswerValue::Text(item.options[(n + i) % item.options.len()].value.clone()),
            );
        }
        let s = Submission {
            id: Uuid::now_v7(),
            instrument_id: instrument.id.clone(),
            instrument_version: instrument.version,
            meeting_id,
            respondent: None,
            phase: None,
            answers,
            created_at: Utc::now(),
            replaces: None,
            follows_up: None,
        };
        records.push(Record {
            id: s.id,
            revision: 1,
            body: RecordBody::Submission(s),
        });
    }
    std::iter::once(first)
        .chain(records.chunks(BATCH).map(|c| c.to_vec()))
        .map(|chunk| {
            let json = serde_json::to_vec(&PushRequest {
                batch_id: Uuid::now_v7(),
                records: chunk,
            })
            .unwrap();
            let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
            gz.write_all(&json).unwrap();
            gz.finish().unwrap()
        })
        .collect()
}

/// Kills the server process however the benchmark ends.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Ingest {
    records: usize,
    secs: f64,
    batches: usize,
    wire_bytes: usize,
}

/// Starts `campo-server serve --db DB`, enrolls a device, pushes `bodies` and stops the
/// server.
fn server_ingest(db: &str, log: &Path, bodies: &[Vec<u8>], pushers: usize) -> Ingest {
    let log_file = std::fs::File::create(log).unwrap();
    let mut server = ServerProcess(
        Command::new(BIN)
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .env_remove("CAMPO_DB")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(server.0.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let Some(base) = line.trim().strip_prefix("listening on ") else {
        panic!(
            "campo-server did not start:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
    };
    let base = base.to_string();

    let out = Command::new(BIN)
        .args(["--db", db, "enroll", "--name", "bench", "--json"])
        .env_remove("CAMPO_DB")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "enroll: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let client = reqwest::blocking::Client::new();
    let enrolled: serde_json::Value = client
        .post(format!("{base}/api/v1/devices/enroll"))
        .json(&serde_json::json!({
            "code": code["code"],
            "device_name": "bench",
            "vault_id": Uuid::now_v7(),
            "vault_secret": rand::random::<[u8; 32]>()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = enrolled["token"].as_str().expect("token").to_string();

    let push = |body: &Vec<u8>| -> usize {
        let resp = client
            .post(format!("{base}/api/v1/sync/push"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(body.clone())
            .send()
            .unwrap();
        assert!(resp.status().is_success(), "push: {}", resp.status());
        let resp: PushResponse = resp.json().unwrap();
        resp.results
            .iter()
            .filter(|r| r.status == PushStatus::Stored)
            .count()
    };
    let start = Instant::now();
    let mut stored = push(&bodies[0]);
    let rest = &bodies[1..];
    let per = rest.len().div_ceil(pushers).max(1);
    stored += std::thread::scope(|s| {
        let handles: Vec<_> = rest
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(push).sum::<usize>()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum::<usize>()
    });
    let secs = start.elapsed().as_secs_f64();
    drop(server);
    Ingest {
        records: stored,
        secs,
        batches: bodies.len(),
        wire_bytes: bodies.iter().map(Vec::len).sum(),
    }
}

/// Rows per second of the same rows inserted straight into an identical SQLite table.
fn sqlite_raw(server_db: &Path, dir: &Path) -> (usize, f64) {
    use rusqlite::types::Value;
    let src = rusqlite::Connection::open_with_flags(
        server_db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    // The table first, then its indexes, exactly as the server created them.
    let ddl: Vec<String> = src
        .prepare(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'records' AND sql IS NOT NULL \
             ORDER BY type = 'index', name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut stmt = src.prepare("SELECT * FROM records").unwrap();
    let cols = stmt.column_count();
    let rows: Vec<Vec<Value>> = stmt
        .query_map([], |r| (0..cols).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();

    let mut raw = rusqlite::Connection::open(dir.join("raw.db")).unwrap();
    raw.pragma_update(None, "journal_mode", "WAL").unwrap();
    raw.pragma_update(None, "synchronous", "FULL").unwrap();
    raw.pragma_update(None, "foreign_keys", "ON").unwrap();
    for sql in &ddl {
        raw.execute_batch(sql).unwrap();
    }
    let placeholders: Vec<String> = (1..=cols).map(|i| format!("?{i}")).collect();
    let insert = format!("INSERT INTO records VALUES ({})", placeholders.join(", "));

    let start = Instant::now();
    let tx = raw.transaction().unwrap();
    {
        let mut stmt = tx.prepare(&insert).unwrap();
        for r in &rows {
            stmt.execute(rusqlite::params_from_iter(r.iter())).unwrap();
        }
    }
    tx.commit().unwrap();
    let secs = start.elapsed().as_secs_f64();
    let n: i64 = raw
        .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n as usize, rows.len());
    (rows.len(), secs)
}

struct PgRaw {
    rows: usize,
    copy_secs: f64,
    insert_secs: f64,
    settings: String,
}

/// One field of PostgreSQL's COPY text format.
fn copy_field(out: &mut String, v: Option<&str>) {
    match v {
        None => out.push_str("\\N"),
        Some(s) => {
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c => out.push(c),
                }
            }
        }
    }
}

/// Rows per second of the same rows inserted straight into an identical PostgreSQL table
/// of the server's database: by COPY, then by prepared INSERTs.
async fn postgres_raw(url: &str) -> PgRaw {
    let (mut client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    let conn = tokio::spawn(connection);
    let mut settings = Vec::new();
    for s in ["server_version", "fsync", "synchronous_commit", "wal_level"] {
        let v: String = client
            .query_one(&format!("SHOW {s}"), &[])
            .await
            .unwrap()
            .get(0);
        settings.push(format!("{s}={v}"));
    }
    let columns: Vec<(String, String)> = client
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             WHERE a.attrelid = 'records'::regclass AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let names: Vec<String> = columns.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    let names = names.join(", ");
    let rows: Vec<Vec<Option<String>>> = client
        .simple_query(&format!("SELECT {names} FROM records"))
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(String::from)).collect())
            }
            _ => None,
        })
        .collect();

    // The identical table: columns, defaults, checks, keys and indexes, and foreign keys.
    client
        .batch_execute("CREATE TABLE raw_records (LIKE records INCLUDING ALL)")
        .await
        .unwrap();
    for fk in client
        .query(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'records'::regclass AND contype = 'f'",
            &[],
        )
        .await
        .unwrap()
    {
        let (name, def): (String, String) = (fk.get(0), fk.get(1));
        client
            .batch_execute(&format!(
                "ALTER TABLE raw_records ADD CONSTRAINT \"raw_{name}\" {def}"
            ))
            .await
            .unwrap();
    }

    // COPY: the text is made before the clock starts, like the server's request bodies.
    let mut text = String::new();
    for r in &rows {
        for (i, v) in r.iter().enumerate() {
            if i > 0 {
                text.push('\t');
            }
            copy_field(&mut text, v.as_deref());
        }
        text.push('\n');
    }
    let text = Bytes::from(text);
    let start = Instant::now();
    let tx = client.transaction().await.unwrap();
    let sink = tx
        .copy_in::<_, Bytes>(&format!("COPY raw_records ({names}) FROM STDIN"))
        .await
        .unwrap();
    let mut sink = std::pin::pin!(sink);
    let mut at = 0;
    while at < text.len() {
        let end = (at + (1 << 20)).min(text.len());
        sink.send(text.slice(at..end)).await.unwrap();
        at = end;
    }
    let copied = sink.as_mut().finish().await.unwrap();
    tx.commit().await.unwrap();
    let copy_secs = start.elapsed().as_secs_f64();
    assert_eq!(copied as usize, rows.len());

    client.batch_execute("TRUNCATE raw_records").await.unwrap();
    let values: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| format!("${}::{ty}", i + 1))
        .collect();
    let insert = format!(
        "INSERT INTO raw_records ({names}) VALUES ({})",
        values.join(", ")
    );
    let start = Instant::now();
    let tx = client.transaction().await.unwrap();
    let stmt = tx
        .prepare_typed(&insert, &vec![Type::TEXT; columns.len()])
        .await
        .unwrap();
    for chunk in rows.chunks(BATCH) {
        // Sent without waiting for each answer: the driver pipelines them on the connection.
        let inserts = chunk.iter().map(|r| {
            let params: Vec<&(dyn ToSql + Sync)> =
                r.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            let (tx, stmt) = (&tx, &stmt);
            async move { tx.execute(stmt, &params).await }
        });
        futures_util::future::try_join_all(inserts).await.unwrap();
    }
    tx.commit().await.unwrap();
    let insert_secs = start.elapsed().as_secs_f64();
    let n: i64 = client
        .query_one("SELECT count(*) FROM raw_records", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n as usize, rows.len());
    client
        .batch_execute("DROP TABLE raw_records")
        .await
        .unwrap();
    drop(client);
    let _ = conn.await;
    PgRaw {
        rows: rows.len(),
        copy_secs,
        insert_secs,
        settings: settings.join(", "),
    }
}

/// A PostgreSQL server to create the benchmark's database on: `CAMPO_TEST_PG_URL`'s, or
/// a throwaway one started by `scripts/pg-test.sh` and stopped when this is dropped.
struct PgServer {
    admin_url: String,
    started: Option<String>,
}

fn pg_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-test.sh")
}

impl PgServer {
    fn get() -> PgServer {
        if let Some(url) = std::env::var(testdb::URL_VAR)
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            return PgServer {
                admin_url: url,
                started: None,
            };
        }
        eprintln!(
            "{} is not set: starting a throwaway PostgreSQL with scripts/pg-test.sh",
            testdb::URL_VAR
        );
        let out = Command::new("bash")
            .arg(pg_script())
            .arg("start")
            .env_remove(testdb::URL_VAR)
            .env_remove("CAMPO_TEST_PG_DIR")
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/pg-test.sh");
        assert!(out.status.success(), "scripts/pg-test.sh start failed");
        let mut url = None;
        let mut dir = None;
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let Some((k, v)) = line
                .trim()
                .strip_prefix("export ")
                .and_then(|l| l.split_once('='))
            else {
                continue;
            };
            let v = v.trim_matches('\'').to_string();
            match k {
                "CAMPO_TEST_PG_URL" => url = Some(v),
                "CAMPO_TEST_PG_DIR" => dir = Some(v),
                _ => {}
            }
        }
        PgServer {
            admin_url: url.expect("pg-test.sh printed no CAMPO_TEST_PG_URL"),
            started: Some(dir.expect("pg-test.sh printed no CAMPO_TEST_PG_DIR")),
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some(dir) = &self.started {
            let _ = Command::new("bash")
                .arg(pg_script())
                .arg("stop")
                .env("CAMPO_TEST_PG_DIR", dir)
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn report(engine: &str, ingest: &Ingest, raw: &[(&str, usize, f64)]) {
    let server_rate = ingest.records as f64 / ingest.secs;
    println!(
        "{engine}: server ingest {:.0} records/s ({} records in {} gzip batches of <= {BATCH}, \
         {:.2} s, {:.0} B/record on the wire)",
        server_rate,
        ingest.records,
        ingest.batches,
        ingest.secs,
        ingest.wire_bytes as f64 / ingest.records as f64
    );
    for (how, rows, secs) in raw {
        let raw_rate = *rows as f64 / secs;
        println!(
            "{engine}: raw {how} of the same {rows} rows, one transaction: {raw_rate:.0} rows/s \
             ({secs:.2} s); server / raw = {:.3} (raw is {:.1}x faster)",
            server_rate / raw_rate,
            raw_rate / server_rate
        );
    }
}

fn main() {
    let total: usize = env_or("CAMPO_BENCH_RECORDS", 100_000);
    let pushers: usize = env_or("CAMPO_BENCH_PUSHERS", 2usize).max(1);
    let engines: String = env_or("CAMPO_BENCH_ENGINES", "sqlite,postgres".to_string());
    let bodies = bodies(total);
    println!(
        "ingest: {total} 13-item submissions through campo-server over loopback, {pushers} concurrent pushers"
    );
    for engine in engines.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let dir = tempfile::tempdir().unwrap();
        match engine {
            "sqlite" => {
                let db = dir.path().join("bench.db");
                let ingest = server_ingest(
                    db.to_str().unwrap(),
                    &dir.path().join("server.log"),
                    &bodies,
                    pushers,
                );
                assert_eq!(ingest.records, total, "every record stored");
                let (rows, secs) = sqlite_raw(&db, dir.path());
                assert_eq!(rows, total);
                report(
                    "sqlite",
                    &ingest,
                    &[("prepared INSERT (WAL, synchronous=FULL)", rows, secs)],
                );
            }
            "postgres" => {
                let pg = PgServer::get();
                let runtime = tokio::runtime::Runtime::new().unwrap();
                let (url, guard) = runtime.block_on(testdb::fresh_database(&pg.admin_url));
                let ingest = server_ingest(&url, &dir.path().join("server.log"), &bodies, pushers);
                assert_eq!(ingest.records, total, "every record stored");
                let raw = runtime.block_on(postgres_raw(&url));
                assert_eq!(raw.rows, total);
                println!("postgres: {}", raw.settings);
                report(
                    "postgres",
                    &ingest,
                    &[
                        ("COPY FROM STDIN", raw.rows, raw.copy_secs),
                        ("prepared INSERT (pipelined)", raw.rows, raw.insert_secs),
                    ],
                );
                drop(guard);
                drop(pg);
            }
            other => panic!("CAMPO_BENCH_ENGINES: unknown engine {other:?} (sqlite, postgres)"),
        }
    }
}
