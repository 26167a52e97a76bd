//! A carer's rights on the server, the part that is the same for every engine: what
//! forgetting a carer's code does to each stored row, and the rules of a project's
//! information sheet and retention period (the export's shape is `carer_export.rs`). The
//! engines only read the rows and write back what these functions say (as with
//! `decide.rs`), so the rules live once.
//!
//! Forgetting applies campo-core's erasure rules (the tablet applies the same ones):
//! - a roster code record of the code is deleted whole, every revision of it;
//! - a meeting keeps its total: the code leaves its attendance and is counted anonymous,
//!   and leaves its free text;
//! - a submission loses its respondent, and the code leaves the answers to its
//!   instrument's text questions;
//! - a review's comment and a stored push answer's reasons lose the code where it stands
//!   as a word.
//!
//! A rewritten body is hashed exactly as a push hashes it ([`crate::canonical`]), so the
//! tablet's own scrubbed copy sent again is a harmless duplicate.

use crate::canonical::canonical;
use crate::StorageError;
use campo_core::consent::InformationSheet;
use campo_core::erasure::{erase_in_meeting, erase_in_submission, erase_in_text};
use campo_core::rules::{check_roster_code, ROSTER_CODE_MAX};
use campo_core::{Instrument, Meeting, Submission};
use campo_wire::{PushResponse, RecordKind, RosterCode};
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// The longest retention period a project may set (the databases' CHECK says the same).
pub const RETENTION_MONTHS_MAX: u32 = 1200;

/// A carer's code as the commands take it: a roster code (`Invalid` otherwise). The
/// message never repeats what was given: it may be a code, and codes stay out of output.
pub fn check_code(code: &str) -> Result<(), StorageError> {
    check_roster_code(code).map_err(|_| {
        StorageError::Invalid(format!(
            "a carer's code is 1 to {ROSTER_CODE_MAX} characters, without spaces around it"
        ))
    })
}

/// The answer when nothing in the project holds the code. It does not repeat the code.
pub fn nothing_held(project: &str) -> StorageError {
    StorageError::NotFound(format!(
        "nothing is held under this code in project {project:?}"
    ))
}

/// What `set_information_sheet` checks before writing (campo-core's rules).
pub fn check_information_sheet(sheet: &InformationSheet) -> Result<(), StorageError> {
    sheet
        .check()
        .map_err(|e| StorageError::Invalid(e.to_string()))
}

/// What `set_retention_months` checks before writing: at most [`RETENTION_MONTHS_MAX`].
pub fn check_retention_months(months: Option<u32>) -> Result<(), StorageError> {
    match months {
        Some(m) if m > RETENTION_MONTHS_MAX => Err(StorageError::Invalid(format!(
            "a retention period is 0 to {RETENTION_MONTHS_MAX} months, not {m}"
        ))),
        _ => Ok(()),
    }
}

/// A project's settings for its carers' rights.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarerSettings {
    /// The information sheet a consent names by version; `None` while there is none.
    pub information_sheet: Option<InformationSheet>,
    /// Months after the pilot's end (the targets' `pilot_end`) after which every carer's
    /// code is forgotten; `None` keeps them.
    pub retention_months: Option<u32>,
}

/// The first day on which retention forgets the project's carers: the pilot's end plus the
/// retention months (a month-end day stays in range: 31 January + 1 month is 28 or 29
/// February). `None` when either is unset, or the date is out of range.
pub fn retention_day(pilot_end: Option<NaiveDate>, months: Option<u32>) -> Option<NaiveDate> {
    pilot_end?.checked_add_months(Months::new(months?))
}

/// What forgetting does to one stored revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowChange {
    /// The code is not in it (as a code or as a word of free text).
    Keep,
    /// A roster code record of the code: delete the record, every revision.
    DeleteRecord,
    /// Store this body and hash in place of the revision's.
    Rewrite { body: String, hash: String },
}

/// Forgetting one code in one project: the code, checked, and the project's instruments
/// (every version held, published or not), whose text questions may hold it.
pub struct Forgetting {
    code: String,
    instruments: HashMap<(String, u32), Instrument>,
}

impl Forgetting {
    /// `Invalid` for something that is no roster code, before anything is read.
    pub fn new(
        code: &str,
        instruments: impl IntoIterator<Item = Instrument>,
    ) -> Result<Forgetting, StorageError> {
        check_code(code)?;
        Ok(Forgetting {
            code: code.to_string(),
            instruments: instruments
                .into_iter()
                .map(|i| ((i.id.clone(), i.version), i))
                .collect(),
        })
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    /// The code as it stands inside a JSON string (`"` and `\` escaped): a stored body or
    /// push answer without it cannot hold the code, so the engines open only the rows that
    /// contain it (`instr`, `strpos`). Roster codes hold no control characters, the only
    /// other characters JSON escapes.
    pub fn in_json(&self) -> String {
        json_text(&self.code)
    }

    /// What becomes of one stored revision of a record of `kind`.
    pub fn record(&self, kind: RecordKind, body: &str) -> Result<RowChange, StorageError> {
        match kind {
            RecordKind::RosterCode => {
                let roster: RosterCode = serde_json::from_str(body)?;
                Ok(if roster.code == self.code {
                    RowChange::DeleteRecord
                } else {
                    RowChange::Keep
                })
            }
            RecordKind::Meeting => {
                let mut meeting: Meeting = serde_json::from_str(body)?;
                if erase_in_meeting(&mut meeting, &self.code) {
                    rewrite(&meeting)
                } else {
                    Ok(RowChange::Keep)
                }
            }
            RecordKind::Submission => {
                let mut submission: Submission = serde_json::from_str(body)?;
                let instrument = self.instruments.get(&(
                    submission.instrument_id.clone(),
                    submission.instrument_version,
                ));
                if erase_in_submission(&mut submission, &self.code, instrument) {
                    rewrite(&submission)
                } else {
                    Ok(RowChange::Keep)
                }
            }
            // A month and four counts: no code can stand in it.
            RecordKind::Outreach => Ok(RowChange::Keep),
        }
    }

    /// A review comment without the code, if it held it as a word.
    pub fn comment(&self, comment: &str) -> Option<String> {
        let mut text = comment.to_string();
        erase_in_text(&mut text, &self.code).then_some(text)
    }

    /// A stored push answer (JSON of `PushResponse`) without the code, if a reason held
    /// it: a refusal's reason may quote an answer's value. Ids, statuses and reason codes
    /// are the server's own words.
    pub fn push_answer(&self, response: &str) -> Result<Option<String>, StorageError> {
        let mut answer: PushResponse = serde_json::from_str(response)?;
        let mut changed = false;
        for result in &mut answer.results {
            if let Some(reason) = &mut result.reason {
                changed |= erase_in_text(reason, &self.code);
            }
        }
        Ok(if changed {
            Some(serde_json::to_string(&answer)?)
        } else {
            None
        })
    }
}

fn rewrite<T: Serialize>(body: &T) -> Result<RowChange, StorageError> {
    let (body, hash) = canonical(body)?;
    Ok(RowChange::Rewrite { body, hash })
}

/// `text` as it stands between the quotes of a JSON string.
fn json_text(text: &str) -> String {
    let quoted = serde_json::Value::String(text.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// What one forgetting changed, counted as the engine goes.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    changed: BTreeSet<Uuid>,
    deleted: BTreeSet<Uuid>,
    revisions_changed: u64,
    revisions_deleted: u64,
    reviews_changed: u64,
    push_answers_changed: u64,
}

impl Tally {
    /// One revision of record `id` was rewritten.
    pub fn revision_changed(&mut self, id: Uuid) {
        self.changed.insert(id);
        self.revisions_changed += 1;
    }

    /// Record `id` was deleted, `revisions` rows of it.
    pub fn record_deleted(&mut self, id: Uuid, revisions: u64) {
        if self.deleted.insert(id) {
            self.revisions_deleted += revisions;
        }
    }

    pub fn review_changed(&mut self) {
        self.reviews_changed += 1;
    }

    pub fn push_answer_changed(&mut self) {
        self.push_answers_changed += 1;
    }

    /// Nothing held the code: the engine rolls back and answers [`nothing_held`].
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
            && self.deleted.is_empty()
            && self.reviews_changed == 0
            && self.push_answers_changed == 0
    }

    /// The records rewritten (not deleted), in id order. Those another vault holds a copy
    /// of (meetings, barrier forms) get a new number in the project's counter so that
    /// tablets pull the scrubbed one.
    pub fn changed_records(&self) -> Vec<Uuid> {
        self.changed.difference(&self.deleted).copied().collect()
    }

    /// What the erasure lists: the roster entries deleted, sorted. Never the submissions:
    /// kept beside each other forever, their ids would tell which answers were one
    /// carer's, and so pair again what forgetting unpaired. A tablet learns the code from
    /// its own roster entry, and gets the other vaults' scrubbed meetings by pull.
    pub fn erasure_records(&self) -> Vec<Uuid> {
        self.deleted.iter().copied().collect()
    }

    pub fn summary(&self, project: &str, seq: u64, erased_at: DateTime<Utc>) -> ErasureSummary {
        ErasureSummary {
            project: project.to_string(),
            seq,
            erased_at,
            records: self.erasure_records(),
            records_changed: self.changed_records().len() as u64,
            revisions_changed: self.revisions_changed,
            records_deleted: self.deleted.len() as u64,
            revisions_deleted: self.revisions_deleted,
            reviews_changed: self.reviews_changed,
            push_answers_changed: self.push_answers_changed,
        }
    }
}

/// What `forget_carer` did: counts and ids, never the code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureSummary {
    pub project: String,
    /// The erasure's number in the project's counter: tablets' next pull brings it.
    pub seq: u64,
    pub erased_at: DateTime<Utc>,
    /// The ids of the roster entries deleted, sorted (what the erasure row lists).
    pub records: Vec<Uuid>,
    /// Meetings and submissions rewritten, and how many revisions of them.
    pub records_changed: u64,
    pub revisions_changed: u64,
    /// Roster code records deleted, and how many revisions of them.
    pub records_deleted: u64,
    pub revisions_deleted: u64,
    /// Review comments that held the code as a word.
    pub reviews_changed: u64,
    /// Stored push answers whose reasons held the code as a word.
    pub push_answers_changed: u64,
}

impl ErasureSummary {
    /// The counts as one line, for the command's output and the audit log.
    pub fn counts(&self) -> String {
        format!(
            "records changed {} ({} revisions), deleted {} ({} revisions); review comments {}; \
             push answers {}",
            self.records_changed,
            self.revisions_changed,
            self.records_deleted,
            self.revisions_deleted,
            self.reviews_changed,
            self.push_answers_changed
        )
    }
}

/// Adds to `codes` every carer's code a stored revision holds: a roster code, a meeting's
/// participants, a submission's respondent.
pub fn codes_in(
    kind: RecordKind,
    body: &str,
    codes: &mut BTreeSet<String>,
) -> Result<(), StorageError> {
    match kind {
        RecordKind::RosterCode => {
            codes.insert(serde_json::from_str::<RosterCode>(body)?.code);
        }
        RecordKind::Meeting => {
            let meeting: Meeting = serde_json::from_str(body)?;
            codes.extend(meeting.attendance.participants);
        }
        RecordKind::Submission => {
            let submission: Submission = serde_json::from_str(body)?;
            codes.extend(submission.respondent);
        }
        RecordKind::Outreach => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use campo_core::catalog::Catalog;
    use campo_core::{Activity, AnswerValue, Attendance, ItemType, MeetingStatus};
    use campo_wire::{PushResult, PushStatus};
    use chrono::TimeZone;

    const CODE: &str = "ZQ-4417";

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
    }

    fn forgetting() -> Forgetting {
        let catalog = Catalog::builtin();
        Forgetting::new(CODE, catalog.all().cloned()).unwrap()
    }

    fn meeting(participants: &[&str]) -> Meeting {
        Meeting {
            id: Uuid::from_u128(1),
            revision: 1,
            activity: Activity::TrainingCourse,
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            place: "Sala".into(),
            topic: format!("ask {CODE}"),
            facilitator: "F".into(),
            status: MeetingStatus::Held,
            attendance: Attendance {
                participants: participants.iter().map(|p| p.to_string()).collect(),
                anonymous: 1,
                roles: None,
            },
            updated_at: at(),
        }
    }

    fn barrier(text: &str, respondent: Option<&str>) -> Submission {
        let catalog = Catalog::builtin();
        let instrument = catalog.latest("barrier_log").unwrap();
        let text_item = instrument
            .items
            .iter()
            .find(|i| i.item_type == ItemType::Text)
            .unwrap();
        Submission {
            id: Uuid::from_u128(2),
            instrument_id: instrument.id.clone(),
            instrument_version: instrument.version,
            meeting_id: Uuid::from_u128(1),
            respondent: respondent.map(str::to_string),
            phase: None,
            answers: [(text_item.id.clone(), AnswerValue::Text(text.into()))]
                .into_iter()
                .collect(),
            created_at: at(),
            replaces: None,
            follows_up: None,
        }
    }

    #[test]
    fn a_code_is_checked_and_never_repeated() {
        for bad in ["", " ZQ", "ZQ ", "a\nb"] {
            match Forgetting::new(bad, []) {
                Err(StorageError::Invalid(why)) => assert!(!why.contains("ZQ"), "{why}"),
                other => panic!("{:?}", other.map(|_| ())),
            }
        }
        assert!(!nothing_held("p").to_string().contains(CODE));
        let quoted = Forgetting::new(r#"A"B\C"#, []).unwrap();
        assert_eq!(quoted.in_json(), r#"A\"B\\C"#);
        let body = serde_json::to_string(&RosterCode {
            code: r#"A"B\C"#.into(),
            consent: vec![],
        })
        .unwrap();
        assert!(body.contains(&quoted.in_json()));
    }

    #[test]
    fn each_kind_of_row_is_kept_deleted_or_rewritten_with_a_push_hash() {
        let f = forgetting();
        let roster = |code: &str| {
            serde_json::to_string(&RosterCode {
                code: code.into(),
                consent: vec![],
            })
            .unwrap()
        };
        assert_eq!(
            f.record(RecordKind::RosterCode, &roster(CODE)).unwrap(),
            RowChange::DeleteRecord
        );
        // Another carer's code that merely contains this one is another carer.
        assert_eq!(
            f.record(RecordKind::RosterCode, &roster("ZQ-4417-B"))
                .unwrap(),
            RowChange::Keep
        );

        let m = meeting(&[CODE, "C-2"]);
        let RowChange::Rewrite { body, hash } = f
            .record(RecordKind::Meeting, &serde_json::to_string(&m).unwrap())
            .unwrap()
        else {
            panic!("the meeting lists the code")
        };
        assert_eq!(hash, crate::canonical::sha256_hex(body.as_bytes()));
        let scrubbed: Meeting = serde_json::from_str(&body).unwrap();
        assert_eq!(scrubbed.attendance.participants, vec!["C-2".to_string()]);
        assert_eq!(scrubbed.attendance.total(), m.attendance.total());
        assert!(!body.contains(CODE));
        // What the tablet does to its copy gives the very same bytes.
        let mut tablet = m.clone();
        erase_in_meeting(&mut tablet, CODE);
        assert_eq!(serde_json::to_string(&tablet).unwrap(), body);
        assert_eq!(
            f.record(RecordKind::Meeting, &body).unwrap(),
            RowChange::Keep,
            "forgetting twice changes nothing"
        );

        let s = barrier(&format!("{CODE} could not come"), None);
        let RowChange::Rewrite { body, .. } = f
            .record(RecordKind::Submission, &serde_json::to_string(&s).unwrap())
            .unwrap()
        else {
            panic!("the text answer holds the code")
        };
        assert!(!body.contains(CODE), "{body}");
        let kept = barrier("XZQ-4417 is not the code", None);
        assert_eq!(
            f.record(
                RecordKind::Submission,
                &serde_json::to_string(&kept).unwrap()
            )
            .unwrap(),
            RowChange::Keep
        );
        assert!(f.record(RecordKind::Meeting, "{}").is_err());
    }

    #[test]
    fn comments_and_push_answers_lose_the_code() {
        let f = forgetting();
        assert_eq!(
            f.comment(&format!("call {CODE} back")).as_deref(),
            Some("call […] back")
        );
        assert_eq!(f.comment("nothing"), None);
        let answer = PushResponse {
            results: vec![PushResult {
                id: Uuid::from_u128(3),
                revision: 1,
                status: PushStatus::Rejected,
                reason: Some(format!("item \"q1\": \"{CODE}\" is not one of its options")),
                reason_code: Some("invalid_answers".into()),
            }],
        };
        let json = serde_json::to_string(&answer).unwrap();
        let scrubbed = f.push_answer(&json).unwrap().unwrap();
        assert!(!scrubbed.contains(CODE), "{scrubbed}");
        assert!(scrubbed.contains("invalid_answers"));
        assert_eq!(f.push_answer(&scrubbed).unwrap(), None);
    }

    #[test]
    fn the_tally_counts_every_record_once_and_the_erasure_lists_the_roster_entries() {
        let mut t = Tally::default();
        assert!(t.is_empty());
        let (a, b, c) = (Uuid::from_u128(9), Uuid::from_u128(4), Uuid::from_u128(6));
        t.revision_changed(a);
        t.revision_changed(a);
        t.revision_changed(b);
        t.record_deleted(c, 2);
        t.record_deleted(c, 2);
        assert!(!t.is_empty());
        let d = Uuid::from_u128(1);
        t.record_deleted(d, 1);
        assert_eq!(t.erasure_records(), vec![d, c]);
        assert_eq!(t.changed_records(), vec![b, a]);
        let s = t.summary("p", 7, at());
        assert_eq!(
            (
                s.records_changed,
                s.revisions_changed,
                s.records_deleted,
                s.revisions_deleted
            ),
            (2, 3, 2, 3)
        );
        assert_eq!(
            s.counts(),
            "records changed 2 (3 revisions), deleted 2 (3 revisions); review comments 0; \
             push answers 0"
        );
        let mut only_a_comment = Tally::default();
        only_a_comment.review_changed();
        assert!(!only_a_comment.is_empty());
    }

    #[test]
    fn settings_are_checked() {
        assert!(check_retention_months(None).is_ok());
        assert!(check_retention_months(Some(0)).is_ok());
        assert!(check_retention_months(Some(RETENTION_MONTHS_MAX)).is_ok());
        assert!(matches!(
            check_retention_months(Some(RETENTION_MONTHS_MAX + 1)),
            Err(StorageError::Invalid(_))
        ));
        let sheet = |v: &str| InformationSheet {
            version: v.into(),
            text: campo_core::Text::new("Scheda", "Sheet"),
        };
        assert!(check_information_sheet(&sheet("2026-01")).is_ok());
        assert!(matches!(
            check_information_sheet(&sheet(" v1")),
            Err(StorageError::Invalid(_))
        ));
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(retention_day(d(2026, 12, 31), Some(6)), d(2027, 6, 30));
        assert_eq!(retention_day(d(2026, 1, 31), Some(1)), d(2026, 2, 28));
        assert_eq!(retention_day(d(2026, 1, 31), Some(0)), d(2026, 1, 31));
        assert_eq!(retention_day(None, Some(6)), None);
        assert_eq!(retention_day(d(2026, 1, 31), None), None);
    }

    #[test]
    fn codes_are_found_in_rosters_attendances_and_respondents() {
        let mut codes = BTreeSet::new();
        let roster = serde_json::to_string(&RosterCode {
            code: "R-1".into(),
            consent: vec![],
        })
        .unwrap();
        codes_in(RecordKind::RosterCode, &roster, &mut codes).unwrap();
        let m = serde_json::to_string(&meeting(&["M-1", "M-2"])).unwrap();
        codes_in(RecordKind::Meeting, &m, &mut codes).unwrap();
        let s = serde_json::to_string(&barrier("x", Some("S-1"))).unwrap();
        codes_in(RecordKind::Submission, &s, &mut codes).unwrap();
        let anonymous = serde_json::to_string(&barrier("x", None)).unwrap();
        codes_in(RecordKind::Submission, &anonymous, &mut codes).unwrap();
        assert_eq!(
            codes.into_iter().collect::<Vec<_>>(),
            vec!["M-1", "M-2", "R-1", "S-1"]
        );
    }
}
