//! What the tests share: vaults in temporary folders, with the fast test KDF, and scans
//! of the vault's files.
#![allow(dead_code)]

use campo_core::{Activity, AnswerValue, Answers, Submission};
use campo_store::{NewMeeting, RecoveryCode, Vault, MIN_ITERATIONS};
use chrono::{NaiveDate, Utc};
use std::path::Path;
use uuid::Uuid;

pub const PASS: &str = "correct horse battery";

pub fn create(dir: &Path) -> (Vault, RecoveryCode) {
    Vault::create_with_iterations(dir, "Anna", PASS, MIN_ITERATIONS).expect("create vault")
}

pub fn new_vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let (vault, _) = create(dir.path());
    (dir, vault)
}

pub fn new_meeting(place: &str, topic: &str, day: u32) -> NewMeeting {
    NewMeeting {
        activity: Activity::TrainingCourse,
        date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
        place: place.into(),
        topic: topic.into(),
        facilitator: "Anna".into(),
    }
}

pub fn submission(meeting: Uuid, answers: &[(&str, &str)]) -> Submission {
    let answers: Answers = answers
        .iter()
        .map(|(k, v)| (k.to_string(), AnswerValue::Text(v.to_string())))
        .collect();
    Submission {
        id: campo_store::new_record_id(),
        instrument_id: "training_satisfaction".into(),
        instrument_version: 1,
        meeting_id: meeting,
        respondent: None,
        phase: None,
        answers,
        created_at: Utc::now(),
        replaces: None,
        follows_up: None,
    }
}

/// The vault's files (database, -wal, -shm) that exist, with their bytes.
pub fn vault_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let name = format!("{}{suffix}", campo_store::FILE_NAME);
            std::fs::read(dir.join(&name)).ok().map(|b| (name, b))
        })
        .collect()
}

/// Panics if any of `needles` (as UTF-8, or as UTF-16 in case anything ever stored text
/// that way) is in any of the vault's files.
pub fn assert_nowhere_in_files(dir: &Path, needles: &[&str], when: &str) {
    let files = vault_files(dir);
    assert!(!files.is_empty(), "no vault file found");
    for (name, bytes) in &files {
        for needle in needles {
            assert!(!needle.is_empty());
            let utf16: Vec<u8> = needle
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes())
                .collect();
            for n in [needle.as_bytes(), &utf16[..]] {
                assert!(
                    !bytes.windows(n.len()).any(|w| w == n),
                    "{needle:?} found in {name} {when}"
                );
            }
        }
    }
}

/// Whether `needle` is in any of the vault's files (to prove a scan can find things).
pub fn somewhere_in_files(dir: &Path, needle: &str) -> bool {
    vault_files(dir)
        .iter()
        .any(|(_, b)| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
}
