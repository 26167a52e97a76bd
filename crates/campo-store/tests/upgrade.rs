//! A vault made by the first release (tests/fixtures/v1-vault, schema version 1) opens
//! with this one: migrated when opened, each step in one transaction; its slot names
//! sealed and the unlocking slot re-wrapped at the first unlock; every record still there;
//! no name, time or instrument of a submission left in clear.

mod common;

use campo_core::MeetingStatus;
use campo_store::{RecordData, SlotKind, StoreError, Vault, FILE_NAME};
use common::*;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

const ANNA: &str = "CANARYSLOTANNAqzx";
const BRUNO: &str = "CANARYSLOTBRUNOqzx";
const BRUNO_PASS: &str = "bruno's long passphrase";
const HELD: &str = "01a22739-a842-77fc-880d-cb69d47d45c8";
const CANCELLED: &str = "01a22739-a84e-76a1-b6cd-d7729afdb5ea";
const SUBMISSION: &str = "01a22739-a854-779f-a4ec-3faf4b0a9a3c";
const DRAFT: &str = "01a22739-a85a-7488-bd77-78908f39d4c0";
const REMOTE: &str = "01a22739-a85e-76d1-9715-47f8cb24f824";

fn fixture_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1-vault")
}

/// A copy of the first release's vault in a fresh folder.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_dir().join(FILE_NAME), dir.path().join(FILE_NAME)).unwrap();
    dir
}

fn raw(dir: &Path) -> Connection {
    Connection::open(dir.join(FILE_NAME)).unwrap()
}

fn strings(db: &Connection, sql: &str) -> Vec<String> {
    db.prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn id(s: &str) -> Uuid {
    s.parse().unwrap()
}

#[test]
fn a_first_release_vault_opens_and_keeps_everything() {
    let dir = fixture();
    let db = raw(dir.path());
    assert_eq!(
        db.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        1
    );
    // What the first release kept in clear: times to the microsecond, instrument ids.
    let times = strings(
        &db,
        "SELECT written_at FROM records UNION SELECT queued_at FROM outbox
         UNION SELECT created_at FROM key_slots UNION SELECT written_at FROM settings
         UNION SELECT value FROM meta WHERE key = 'created_at'",
    );
    assert!(times.len() > 10, "{times:?}");
    let device_id: String = db
        .query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| {
            r.get(0)
        })
        .unwrap();
    drop(db);
    assert!(
        somewhere_in_files(dir.path(), ANNA),
        "the scan sees clear text"
    );
    assert!(somewhere_in_files(dir.path(), "training_satisfaction"));
    let mut gone: Vec<&str> = times.iter().map(String::as_str).collect();
    gone.extend(["training_satisfaction", "peer_satisfaction"]);

    let locked = Vault::open(dir.path()).unwrap();
    assert_eq!(
        raw(dir.path())
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        2
    );
    assert_nowhere_in_files(dir.path(), &gone, "after the migration");
    // Until the first unlock the names stay in clear: nothing could seal them yet.
    assert!(somewhere_in_files(dir.path(), ANNA));
    assert_eq!(locked.failed_attempts().unwrap(), 2, "the count is kept");
    assert_eq!(locked.retry_after().unwrap(), Duration::ZERO);

    let v = locked.unlock(PASS).unwrap();
    assert_eq!(v.unlocked_slot(), ANNA);
    gone.extend([ANNA, BRUNO]);
    assert_nowhere_in_files(dir.path(), &gone, "after the first unlock");
    let slots: Vec<_> = v
        .slots()
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.kind))
        .collect();
    assert_eq!(
        slots,
        [
            (ANNA.to_string(), SlotKind::Passphrase),
            ("recovery".to_string(), SlotKind::Recovery),
            (BRUNO.to_string(), SlotKind::Passphrase),
        ]
    );
    // The first release's UUIDv7 vault id told when the vault was made: it is replaced by a
    // UUIDv4 (nothing outside the vault knew it), and stays the same from then on.
    assert_ne!(v.device_id().to_string(), device_id);
    assert_eq!(v.vault_id().get_version_num(), 4);
    assert_eq!(v.vault_id(), v.device_id());

    // Every record reads back.
    let roster: Vec<_> = v
        .participants()
        .unwrap()
        .into_iter()
        .map(|p| (p.code, p.name, p.contact))
        .collect();
    assert_eq!(
        roster,
        [
            (
                "C01".to_string(),
                "CANARYNAMEqzx".to_string(),
                Some("CANARYCONTACTqzx".to_string())
            ),
            ("C02".to_string(), "CANARYNAMETWOqzx".to_string(), None)
        ]
    );
    let meetings = v.meetings().unwrap();
    assert_eq!(meetings.len(), 3);
    let held = v.meeting(id(HELD)).unwrap().unwrap();
    assert_eq!(held.meeting.revision, 3);
    assert!(held.meeting.is_held());
    assert_eq!(held.meeting.attendance.participants, ["C01"]);
    assert_eq!(held.meeting.place, "CANARYPLACEqzx");
    assert!(!held.remote);
    assert_eq!(held.submissions.len(), 1);
    assert_eq!(held.submissions[0].id, id(SUBMISSION));
    assert_eq!(held.submissions[0].instrument_id, "training_satisfaction");
    assert_eq!(held.drafts.len(), 1);
    let cancelled = v.meeting(id(CANCELLED)).unwrap().unwrap();
    assert_eq!(
        cancelled.meeting.status,
        MeetingStatus::Cancelled {
            reason: "CANARYREASONqzx".into()
        }
    );
    let remote = v.meeting(id(REMOTE)).unwrap().unwrap();
    assert!(remote.remote, "a pulled meeting stays another tablet's");
    assert!(matches!(
        v.mark_held(id(REMOTE)),
        Err(StoreError::RemoteMeeting(_))
    ));
    let drafts = v.unfinished_drafts().unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].id, id(DRAFT));
    assert_eq!(drafts[0].instrument_id, "peer_satisfaction");
    assert_eq!(
        v.setting("device_token").unwrap().as_deref(),
        Some("CANARYTOKENqzx")
    );
    assert_eq!(v.instruments().unwrap()[0].id, "committee_goals");
    assert_eq!(v.outreach().unwrap()[0].page_likes, 7);
    // The outbox keeps its order and its acknowledgements.
    assert_eq!(v.pending_count().unwrap(), 7);
    let pending = v.pending(10).unwrap();
    assert!(matches!(pending[0].data, RecordData::Meeting(_)));
    assert_eq!((pending[0].id, pending[0].revision), (id(HELD), 1));
    assert!(matches!(&pending[5].data, RecordData::Submission(s) if s.id == id(SUBMISSION)));
    assert!(matches!(pending[6].data, RecordData::Outreach(_)));

    // The vault secret is made on first use and stays.
    let secret = v.vault_secret().unwrap();
    assert_eq!(secret.len(), 64);
    assert_eq!(*v.vault_secret().unwrap(), *secret);
    // New records get random ids.
    let m = v.create_meeting(new_meeting("Sala", "Dopo", 4)).unwrap();
    assert_eq!(m.id.get_version_num(), 4);
    drop(v);
    assert_nowhere_in_files(dir.path(), &gone, "after closing");

    // Only the slot that unlocked was re-wrapped (the others' passphrases were unknown);
    // no name is left in clear.
    let db = raw(dir.path());
    assert_eq!(
        strings(&db, "SELECT wrapped_for FROM key_slots ORDER BY rowid"),
        ["id", "name", "name"]
    );
    assert!(strings(
        &db,
        "SELECT legacy_name FROM key_slots WHERE legacy_name IS NOT NULL"
    )
    .is_empty());

    // Bruno's first-release slot opens without its name, and is re-wrapped in turn.
    let v = Vault::open(dir.path()).unwrap().unlock(BRUNO_PASS).unwrap();
    assert_eq!(v.unlocked_slot(), BRUNO);
    assert_eq!(*v.vault_secret().unwrap(), *secret);
    assert!(v.verify_passphrase(PASS).unwrap());
    assert!(!v.verify_passphrase("not anybody's passphrase").unwrap());
    drop(v);
    assert_eq!(
        strings(&db, "SELECT wrapped_for FROM key_slots ORDER BY rowid"),
        ["id", "name", "id"]
    );
    assert!(matches!(
        Vault::open(dir.path())
            .unwrap()
            .unlock("not anybody's passphrase"),
        Err(StoreError::WrongPassphrase)
    ));
    let code = std::fs::read_to_string(fixture_dir().join("recovery.txt")).unwrap();
    assert!(matches!(
        Vault::open(dir.path())
            .unwrap()
            .unlock_with_recovery("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"),
        Err(StoreError::WrongRecoveryCode)
    ));
    let v = Vault::open(dir.path())
        .unwrap()
        .unlock_with_recovery(code.trim())
        .unwrap();
    assert_eq!(v.unlocked_slot(), "recovery");
    drop(v);
    assert_eq!(
        strings(&db, "SELECT wrapped_for FROM key_slots ORDER BY rowid"),
        ["id", "id", "id"]
    );
    assert_nowhere_in_files(dir.path(), &gone, "after every slot unlocked");
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn a_first_release_wall_clock_delay_becomes_a_remaining_delay_once() {
    let dir = fixture();
    let db = raw(dir.path());
    db.execute_batch(&format!(
        "UPDATE meta SET value = 5 WHERE key = 'failed_attempts';
         UPDATE meta SET value = {} WHERE key = 'retry_at_ms';",
        now_ms() + 20_000
    ))
    .unwrap();
    let locked = Vault::open(dir.path()).unwrap();
    let wait = locked.retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(18) && wait <= Duration::from_secs(20),
        "{wait:?}"
    );
    let stored: i64 = db
        .query_row(
            "SELECT value FROM meta WHERE key = 'lockout_remaining_ms'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!((18_000..=20_000).contains(&stored), "{stored}");
    assert!(strings(&db, "SELECT key FROM meta WHERE key = 'retry_at_ms'").is_empty());
    assert!(matches!(
        locked.unlock(PASS),
        Err(StoreError::LockedOut { .. })
    ));

    // A wall-clock time far ahead (a clock that was wrong) is capped at the delay the
    // count allows: 30 s after 5 failures.
    let dir = fixture();
    raw(dir.path())
        .execute_batch(&format!(
            "UPDATE meta SET value = 5 WHERE key = 'failed_attempts';
             UPDATE meta SET value = {} WHERE key = 'retry_at_ms';",
            now_ms() + 10 * 24 * 3600 * 1000
        ))
        .unwrap();
    let wait = Vault::open(dir.path()).unwrap().retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(29) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
}

#[test]
fn a_failed_migration_changes_nothing() {
    let dir = fixture();
    // A table in the way of the migration's first rename: it fails half-way through.
    raw(dir.path())
        .execute_batch("CREATE TABLE key_slots_v1 (x);")
        .unwrap();
    let err = Vault::open(dir.path()).err().unwrap();
    assert!(matches!(err, StoreError::Sqlite(_)), "{err}");
    let db = raw(dir.path());
    assert_eq!(
        db.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        1
    );
    // Still the first release's tables, rows and clear columns, untouched.
    assert_eq!(
        strings(&db, "SELECT name FROM key_slots ORDER BY created_at"),
        [ANNA, "recovery", BRUNO]
    );
    assert_eq!(
        strings(
            &db,
            "SELECT instrument_id FROM records WHERE kind = 'submission'"
        ),
        ["training_satisfaction"]
    );
    assert_eq!(
        db.query_row(
            "SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL",
            [],
            |r| { r.get::<_, i64>(0) }
        )
        .unwrap(),
        7
    );
    db.execute_batch("DROP TABLE key_slots_v1;").unwrap();
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    assert_eq!(v.pending_count().unwrap(), 7);
}
