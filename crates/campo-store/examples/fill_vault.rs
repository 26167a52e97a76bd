//! Fills a vault the way the app would, so anyone can look at the files for what they
//! typed (`grep -c TEXT DIR/*` should find nothing):
//!
//! ```text
//! CAMPO_PASSPHRASE='a long passphrase' cargo run -p campo-store --example fill_vault -- DIR TEXT
//! CAMPO_PASSPHRASE='a long passphrase' cargo run -p campo-store --example fill_vault -- --read DIR
//! ```
//!
//! The first creates the vault in DIR with its key slot named TEXT (or opens it) and
//! writes a participant named TEXT, a held meeting at the place TEXT, a cancelled meeting
//! with the reason TEXT, a submission whose text answers are TEXT, and leaves an
//! unfinished draft whose answer is TEXT. `--read` prints every record decrypted. A wrong
//! passphrase exits with status 1 and prints no data. (tests/canary.rs runs this file's
//! functions and scans the files.)

use campo_core::catalog::Catalog;
use campo_core::validate::validate_submission;
use campo_core::{Activity, AnswerValue, Answers, Attendance, ItemType, Participant, Submission};
use campo_store::{new_record_id, NewMeeting, Vault};
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let read = args.iter().any(|a| a == "--read");
    args.retain(|a| a != "--read");
    let usage =
        "usage: fill_vault DIR TEXT | fill_vault --read DIR  (passphrase in CAMPO_PASSPHRASE)";
    let (dir, text) = match (read, args.as_slice()) {
        (true, [dir]) => (PathBuf::from(dir), None),
        (false, [dir, text]) => (PathBuf::from(dir), Some(text.clone())),
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let Ok(passphrase) = std::env::var("CAMPO_PASSPHRASE") else {
        eprintln!("CAMPO_PASSPHRASE is not set\n{usage}");
        return ExitCode::from(2);
    };
    let vault = match open_or_create(&dir, text.as_deref(), &passphrase) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let result = match text {
        Some(text) => fill(&vault, &text).map(|_| ()),
        None => print_all(&vault),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Opens the vault in `dir`, or (given a TEXT) creates it with a key slot named TEXT.
pub fn open_or_create(dir: &Path, text: Option<&str>, passphrase: &str) -> Result<Vault, String> {
    if Vault::exists(dir) {
        return Vault::open(dir)
            .and_then(|v| v.unlock(passphrase))
            .map_err(|e| format!("cannot open the vault: {e}"));
    }
    let Some(text) = text else {
        return Err(format!("no vault in {}", dir.display()));
    };
    let (vault, code) = Vault::create(dir, text, passphrase)
        .map_err(|e| format!("cannot create the vault: {e}"))?;
    eprintln!("new vault; recovery code (shown once): {}", code.as_str());
    Ok(vault)
}

/// What `fill` stored that must be in no file in clear.
pub struct Filled {
    pub submission: Submission,
    pub draft: Submission,
}

pub fn fill(vault: &Vault, text: &str) -> Result<Filled, Box<dyn std::error::Error>> {
    let code = format!("P{:03}", vault.participants()?.len() + 1);
    vault.add_participant(&Participant {
        code: code.clone(),
        name: text.into(),
        contact: None,
    })?;
    let today = Utc::now().date_naive();
    let meeting = |activity, topic: &str| NewMeeting {
        activity,
        date: today,
        place: text.into(),
        topic: topic.into(),
        facilitator: text.into(),
    };
    let held = vault.create_meeting(meeting(Activity::Committee, "Carers' committee"))?;
    vault.set_attendance(
        held.id,
        Attendance {
            participants: vec![code],
            anonymous: 1,
            roles: None,
        },
    )?;
    vault.mark_held(held.id)?;
    let cancelled = vault.create_meeting(meeting(Activity::PeerGroup, "Peer group"))?;
    vault.cancel_meeting(cancelled.id, text)?;

    // The committee checklist: every goal answered with its first state, every note TEXT.
    let catalog = Catalog::builtin();
    let instrument = catalog
        .latest("committee_goals")
        .ok_or("the committee_goals instrument is missing")?;
    let answers: Answers = instrument
        .items
        .iter()
        .filter_map(|item| match item.item_type {
            ItemType::Text => Some((item.id.clone(), AnswerValue::Text(text.into()))),
            ItemType::SingleChoice | ItemType::Scale if item.required => item
                .options
                .first()
                .map(|o| (item.id.clone(), AnswerValue::Text(o.value.clone()))),
            _ => None,
        })
        .collect();
    let submission = Submission {
        id: new_record_id(),
        instrument_id: instrument.id.clone(),
        instrument_version: instrument.version,
        meeting_id: held.id,
        respondent: None,
        phase: None,
        answers,
        created_at: Utc::now(),
        replaces: None,
        follows_up: None,
    };
    // As the app does: validate with campo-core, then store.
    validate_submission(&catalog, &submission)?;
    vault.save_final(&submission)?;

    // A questionnaire left half-way: its first note answered TEXT, saved as a draft.
    let first_note = instrument
        .items
        .iter()
        .find(|i| matches!(i.item_type, ItemType::Text))
        .ok_or("the committee checklist has no note")?;
    let draft = Submission {
        id: new_record_id(),
        answers: [(first_note.id.clone(), AnswerValue::Text(text.into()))]
            .into_iter()
            .collect(),
        created_at: Utc::now(),
        ..submission.clone()
    };
    vault.save_draft(&draft)?;
    println!(
        "written; {} records waiting to sync, {} unfinished questionnaire(s)",
        vault.pending_count()?,
        vault.unfinished_drafts()?.len()
    );
    Ok(Filled { submission, draft })
}

fn print_all(vault: &Vault) -> Result<(), Box<dyn std::error::Error>> {
    for p in vault.participants()? {
        println!("participant {}", serde_json::to_string(&p)?);
    }
    for m in vault.meetings()? {
        println!("meeting {}", serde_json::to_string(&m)?);
        if let Some(detail) = vault.meeting(m.id)? {
            for s in detail.submissions {
                println!("submission {}", serde_json::to_string(&s)?);
            }
            for s in detail.drafts {
                println!("draft {}", serde_json::to_string(&s)?);
            }
        }
    }
    for o in vault.outreach()? {
        println!("outreach {}", serde_json::to_string(&o)?);
    }
    println!("pending {}", vault.pending_count()?);
    Ok(())
}
