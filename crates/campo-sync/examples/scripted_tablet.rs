//! A tablet without a screen: creates a real vault, enrolls with a server, records the
//! kind of week a facilitator has (a training course, a cancelled peer group, a committee
//! meeting), syncs it with a progress line and prints what happened. The README's
//! walk-through runs it against a local `campo-server`.
//!
//! ```text
//! cargo run -p campo-sync --example scripted_tablet -- \
//!     --server http://127.0.0.1:8080 --enroll-code CODE --dir /tmp/campo-tablet
//! ```
//! The vault's passphrase comes from `CAMPO_PASSPHRASE`; without it a demo passphrase is
//! used and printed, which is only ever acceptable for a demo.

use campo_core::catalog::Catalog;
use campo_core::validate::validate_submission;
use campo_core::{Activity, AnswerValue, Answers, Attendance, Participant, Phase, Submission};
use campo_store::{NewMeeting, Vault};
use campo_sync::{sync_once, SyncClient};
use chrono::{NaiveDate, Utc};
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use uuid::Uuid;

const DEMO_PASSPHRASE: &str = "demo only - never on a real tablet";

#[derive(Parser)]
#[command(about = "A scripted Campo tablet: record a sample week and sync it")]
struct Args {
    /// The server's base URL, e.g. http://127.0.0.1:8080
    #[arg(long)]
    server: String,
    /// One-time code from `campo-server enroll` (not needed once enrolled)
    #[arg(long)]
    enroll_code: Option<String>,
    /// The vault's folder (created if missing)
    #[arg(long)]
    dir: PathBuf,
    /// Record nothing: only sync, and show the office's notes on this tablet's answers
    #[arg(long)]
    sync_only: bool,
}

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Fallible<()> {
    let args = Args::parse();
    let passphrase = match std::env::var("CAMPO_PASSPHRASE") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            println!(
                "CAMPO_PASSPHRASE is not set: using the DEMO-ONLY passphrase {DEMO_PASSPHRASE:?}"
            );
            DEMO_PASSPHRASE.to_string()
        }
    };
    std::fs::create_dir_all(&args.dir)?;
    let mut vault = if Vault::exists(&args.dir) {
        println!("opening the vault in {}", args.dir.display());
        Vault::open(&args.dir)?.unlock(&passphrase)?
    } else {
        let (vault, recovery) = Vault::create(&args.dir, "Demo facilitator", &passphrase)?;
        println!(
            "created a vault in {}; recovery code (demo): {}",
            args.dir.display(),
            recovery.as_str()
        );
        vault
    };

    let token = match vault.setting("device_token")? {
        Some(t) if !t.is_empty() => t,
        _ => {
            let code = args
                .enroll_code
                .as_deref()
                .ok_or("this vault is not enrolled yet: pass --enroll-code")?;
            let shared = Mutex::new(vault);
            let enrolled = SyncClient::new(&args.server, None)?
                .enroll(code, "scripted tablet", &shared)
                .await?;
            vault = shared.into_inner().unwrap_or_else(|p| p.into_inner());
            vault.set_setting("server_url", &args.server)?;
            vault.set_setting("device_token", &enrolled.token)?;
            println!("enrolled as device {}", enrolled.device_id);
            enrolled.token
        }
    };

    if !args.sync_only {
        record_a_week(&mut vault)?;
    }
    println!("{} records waiting to be sent", vault.pending_count()?);

    let client = SyncClient::new(&args.server, Some(token))?;
    let vault = Mutex::new(vault);
    let summary = sync_once(&client, &vault, &|p| {
        print!(
            "\rsyncing: {}/{} records, {}/{} bytes ({:.0}%)",
            p.records_sent,
            p.records_total,
            p.bytes_sent,
            p.bytes_total,
            p.fraction() * 100.0
        );
        let _ = std::io::stdout().flush();
    })
    .await?;
    println!();
    println!(
        "sync done: {} stored, {} already on the server, {} rejected, {} batches, {} bytes sent; \
         pulled {} instruments and {} meetings of other tablets",
        summary.stored,
        summary.duplicates,
        summary.rejected,
        summary.batches,
        summary.bytes_sent,
        summary.instruments_pulled,
        summary.meetings_pulled
    );
    for r in campo_sync::rejected(&vault)? {
        println!("  rejected {} rev {}: {}", r.id, r.revision, r.reason);
    }
    println!("pending now: {}", vault.lock().unwrap().pending_count()?);
    // What the facilitator's Meetings screen lists: the office's notes on this tablet's
    // own answers.
    for note in campo_sync::review_notes(&vault.lock().unwrap())? {
        println!(
            "note from the office on submission {}: {}: {}",
            note.submission_id,
            note.state.as_str(),
            note.comment
        );
    }
    Ok(())
}

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), AnswerValue::Text(v.to_string())))
        .collect()
}

fn submission(
    catalog: &Catalog,
    instrument: &str,
    meeting: Uuid,
    respondent: Option<&str>,
    phase: Option<Phase>,
    answers: Answers,
) -> Fallible<Submission> {
    let version = catalog
        .latest(instrument)
        .ok_or_else(|| format!("no instrument {instrument}"))?
        .version;
    let s = Submission {
        id: Uuid::now_v7(),
        instrument_id: instrument.into(),
        instrument_version: version,
        meeting_id: meeting,
        respondent: respondent.map(String::from),
        phase,
        answers,
        created_at: Utc::now(),
        replaces: None,
        follows_up: None,
    };
    // The vault stores what it is given: checking is the caller's job, as in the app.
    validate_submission(catalog, &s)?;
    Ok(s)
}

/// A course on carers' wellbeing with 7 carers (3 take the quiz before and after, 5 rate
/// the course), a peer group cancelled for the weather, and a committee meeting that
/// evaluates its six goals.
fn record_a_week(vault: &mut Vault) -> Fallible<()> {
    let catalog = Catalog::builtin();
    let codes: Vec<String> = (1..=7).map(|i| format!("VAL-{i:03}")).collect();
    for (i, code) in codes.iter().enumerate() {
        vault.add_participant(&Participant {
            code: code.clone(),
            name: format!("Carer {}", i + 1),
            contact: None,
        })?;
    }
    let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let new = |activity, date, topic: &str| NewMeeting {
        activity,
        date,
        place: "Sala civica, Valle".into(),
        topic: topic.into(),
        facilitator: "Demo facilitator".into(),
    };

    let course = vault.create_meeting(new(Activity::TrainingCourse, day(3), "Carer wellbeing"))?;
    vault.set_attendance(
        course.id,
        Attendance {
            participants: codes.clone(),
            anonymous: 0,
            roles: None,
        },
    )?;
    let quiz = catalog
        .latest("quiz_carer_wellbeing")
        .ok_or("quiz_carer_wellbeing missing")?;
    for code in codes.iter().take(3) {
        // Before the course: the first option everywhere; after: the correct ones.
        let pre: Answers = quiz
            .items
            .iter()
            .map(|i| (i.id.clone(), AnswerValue::Text(i.options[0].value.clone())))
            .collect();
        let post: Answers = quiz
            .items
            .iter()
            .map(|i| {
                (
                    i.id.clone(),
                    AnswerValue::Text(i.correct_option().unwrap_or(&i.options[0]).value.clone()),
                )
            })
            .collect();
        vault.save_final(&submission(
            &catalog,
            &quiz.id,
            course.id,
            Some(code),
            Some(Phase::Pre),
            pre,
        )?)?;
        vault.save_final(&submission(
            &catalog,
            &quiz.id,
            course.id,
            Some(code),
            Some(Phase::Post),
            post,
        )?)?;
    }
    let sat = catalog
        .latest("training_satisfaction")
        .ok_or("training_satisfaction missing")?;
    for k in 0..5 {
        let a: Answers = sat
            .items
            .iter()
            .enumerate()
            .map(|(j, i)| {
                (
                    i.id.clone(),
                    AnswerValue::Text(
                        i.options[if (j + k) % 4 == 0 { 1 } else { 2 }]
                            .value
                            .clone(),
                    ),
                )
            })
            .collect();
        vault.save_final(&submission(&catalog, &sat.id, course.id, None, None, a)?)?;
    }
    vault.mark_held(course.id)?;

    let peer = vault.create_meeting(new(Activity::PeerGroup, day(5), "Peer support group"))?;
    vault.cancel_meeting(peer.id, "Snow: the road to the village was closed")?;

    let committee = vault.create_meeting(new(Activity::Committee, day(6), "Carers' committee"))?;
    vault.set_attendance(
        committee.id,
        Attendance {
            participants: codes[..4].to_vec(),
            anonymous: 2,
            roles: None,
        },
    )?;
    let goals = answers(&[
        ("spokesperson", "achieved"),
        ("service_dialogue", "partial"),
        ("structure", "achieved"),
        ("representatives", "unfulfilled"),
        ("activities", "partial"),
        ("communication", "achieved"),
    ]);
    vault.save_final(&submission(
        &catalog,
        "committee_goals",
        committee.id,
        None,
        None,
        goals,
    )?)?;
    vault.mark_held(committee.id)?;
    println!("recorded: a course with 7 carers (3 pre/post quizzes, 5 satisfaction scales), a cancelled peer group, a committee meeting with its six goals");
    Ok(())
}
