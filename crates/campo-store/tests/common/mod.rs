//! Shared helpers: vaults in temporary folders, with the fast test KDF.
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
        id: Uuid::now_v7(),
        instrument_id: "training_satisfaction".into(),
        instrument_version: 1,
        meeting_id: meeting,
        respondent: None,
        phase: None,
        answers,
        created_at: Utc::now(),
        replaces: None,
    }
}
