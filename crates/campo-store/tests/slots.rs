//! Key slots: add, remove, change, recovery; never zero passphrase slots.

mod common;

use campo_store::{PassphraseProblem, SlotKind, StoreError, Vault};
use common::*;

#[test]
fn slots_add_remove_change_and_recover() {
    let dir = tempfile::tempdir().unwrap();
    let (v, code) = create(dir.path());
    let m = v.create_meeting(new_meeting("Sala", "Topic", 3)).unwrap();
    assert_eq!(v.unlocked_slot(), "Anna");
    let kinds: Vec<_> = v
        .slots()
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("Anna".into(), SlotKind::Passphrase),
            ("recovery".into(), SlotKind::Recovery)
        ]
    );

    assert!(matches!(
        v.add_slot("Bruno", "too short"),
        Err(StoreError::WeakPassphrase(PassphraseProblem::TooShort))
    ));
    v.add_slot("Bruno", "bruno's long passphrase").unwrap();
    assert!(matches!(
        v.add_slot("Bruno", "another long one"),
        Err(StoreError::SlotExists(_))
    ));
    // Names are unique case aside, and "recovery" is taken; messages never carry a name.
    let err = v.add_slot("  bruno ", "another long one").unwrap_err();
    assert!(
        matches!(&err, StoreError::SlotExists(n) if n == "bruno"),
        "{err}"
    );
    assert!(!err.to_string().to_lowercase().contains("bruno"));
    assert!(matches!(
        v.add_slot("Recovery", "another long one"),
        Err(StoreError::SlotExists(_))
    ));
    assert!(matches!(
        v.add_slot("   ", "another long one"),
        Err(StoreError::EmptySlotName)
    ));
    assert!(matches!(
        v.remove_slot("recovery"),
        Err(StoreError::RecoverySlot)
    ));
    let err = v.remove_slot("Carla").unwrap_err();
    assert!(matches!(err, StoreError::SlotNotFound(_)));
    assert!(!err.to_string().contains("Carla"));
    let v = v.lock().unlock("bruno's long passphrase").unwrap();
    assert_eq!(
        v.meetings().unwrap()[0].id,
        m.id,
        "a new slot opens the same data"
    );

    v.remove_slot("Anna").unwrap();
    assert!(matches!(v.remove_slot("Bruno"), Err(StoreError::LastSlot)));
    v.change_passphrase("Bruno", "bruno's new passphrase")
        .unwrap();
    assert!(matches!(
        v.change_passphrase("Anna", "whatever long"),
        Err(StoreError::SlotNotFound(_))
    ));
    drop(v);

    assert!(matches!(
        Vault::open(dir.path()).unwrap().unlock(PASS),
        Err(StoreError::WrongPassphrase)
    ));
    assert!(matches!(
        Vault::open(dir.path())
            .unwrap()
            .unlock("bruno's long passphrase"),
        Err(StoreError::WrongPassphrase)
    ));
    let v = Vault::open(dir.path())
        .unwrap()
        .unlock("bruno's new passphrase")
        .unwrap();
    drop(v);

    // The recovery code, typed in lower case with spaces, still opens the vault.
    let typed = code.as_str().to_lowercase().replace('-', " ");
    let v = Vault::open(dir.path())
        .unwrap()
        .unlock_with_recovery(&typed)
        .unwrap();
    assert_eq!(v.unlocked_slot(), "recovery");
    assert_eq!(v.meetings().unwrap().len(), 1);
    let new_code = v.new_recovery_code().unwrap();
    drop(v);
    assert!(matches!(
        Vault::open(dir.path())
            .unwrap()
            .unlock_with_recovery(code.as_str()),
        Err(StoreError::WrongRecoveryCode)
    ));
    Vault::open(dir.path())
        .unwrap()
        .unlock_with_recovery(new_code.as_str())
        .unwrap();
}

#[test]
fn verify_passphrase_counts_towards_the_lockout() {
    let (dir, v) = new_vault();
    assert!(v.verify_passphrase(PASS).unwrap());
    for _ in 0..4 {
        assert!(!v.verify_passphrase("not the passphrase").unwrap());
    }
    assert!(
        v.verify_passphrase(PASS).unwrap(),
        "a right answer resets the count"
    );
    for _ in 0..5 {
        assert!(!v.verify_passphrase("not the passphrase").unwrap());
    }
    assert!(matches!(
        v.verify_passphrase(PASS),
        Err(StoreError::LockedOut { .. })
    ));
    drop(v);
    assert!(matches!(
        Vault::open(dir.path()).unwrap().unlock(PASS),
        Err(StoreError::LockedOut { .. })
    ));
}

#[test]
fn lockout_grows_and_blocks_without_deleting_anything() {
    let (dir, v) = new_vault();
    let m = v.create_meeting(new_meeting("Sala", "Topic", 3)).unwrap();
    drop(v);
    for i in 1..=4 {
        let locked = Vault::open(dir.path()).unwrap();
        assert!(matches!(
            locked.unlock("wrong passphrase"),
            Err(StoreError::WrongPassphrase)
        ));
        assert_eq!(
            Vault::open(dir.path()).unwrap().failed_attempts().unwrap(),
            i
        );
        assert_eq!(
            Vault::open(dir.path()).unwrap().retry_after().unwrap(),
            std::time::Duration::ZERO
        );
    }
    assert!(matches!(
        Vault::open(dir.path()).unwrap().unlock("wrong passphrase"),
        Err(StoreError::WrongPassphrase)
    ));
    let wait = Vault::open(dir.path()).unwrap().retry_after().unwrap();
    assert!(
        wait > std::time::Duration::from_secs(29) && wait <= std::time::Duration::from_secs(30),
        "{wait:?}"
    );
    // During the delay even the right passphrase is refused, and no attempt is counted.
    match Vault::open(dir.path()).unwrap().unlock(PASS) {
        Err(StoreError::LockedOut { retry_after }) => {
            assert!(retry_after <= std::time::Duration::from_secs(30))
        }
        other => panic!("expected LockedOut, got {:?}", other.err()),
    }
    assert_eq!(
        Vault::open(dir.path()).unwrap().failed_attempts().unwrap(),
        5
    );
    // Nothing was deleted: the records are all there (read through SQLite directly).
    let conn = rusqlite::Connection::open(dir.path().join(campo_store::FILE_NAME)).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM records WHERE id = ?1",
            [m.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
    let slots: i64 = conn
        .query_row("SELECT COUNT(*) FROM key_slots", [], |r| r.get(0))
        .unwrap();
    assert_eq!(slots, 2);
    // Pretend the delay passed: one more wrong passphrase doubles it.
    conn.execute(
        "UPDATE meta SET value = 0 WHERE key = 'lockout_remaining_ms'",
        [],
    )
    .unwrap();
    assert!(matches!(
        Vault::open(dir.path()).unwrap().unlock("wrong again!"),
        Err(StoreError::WrongPassphrase)
    ));
    let wait = Vault::open(dir.path()).unwrap().retry_after().unwrap();
    assert!(
        wait > std::time::Duration::from_secs(59) && wait <= std::time::Duration::from_secs(60),
        "{wait:?}"
    );
    conn.execute(
        "UPDATE meta SET value = 0 WHERE key = 'lockout_remaining_ms'",
        [],
    )
    .unwrap();
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    drop(v);
    assert_eq!(
        Vault::open(dir.path()).unwrap().failed_attempts().unwrap(),
        0,
        "success resets the count"
    );
}
