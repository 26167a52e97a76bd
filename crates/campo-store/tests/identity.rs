//! The vault's id and secret, and the ids of the records it makes.

mod common;

use campo_core::{Outreach, Participant};
use campo_store::{new_record_id, RecordData, Vault};
use common::*;

#[test]
fn the_vault_secret_is_stable_sealed_and_its_own() {
    let (dir, v) = new_vault();
    let secret = v.vault_secret().unwrap();
    assert_eq!(secret.len(), 64);
    assert!(secret
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    assert_eq!(*v.vault_secret().unwrap(), *secret);
    assert_eq!(v.vault_id(), v.device_id());
    assert_eq!(
        v.device_id().get_version_num(),
        4,
        "a new vault's id is random"
    );
    let id = v.device_id();
    drop(v);
    // Neither as hex nor as its raw bytes in any file.
    let raw: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&secret[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    for (name, bytes) in vault_files(dir.path()) {
        assert!(!bytes.windows(64).any(|w| w == secret.as_bytes()), "{name}");
        assert!(!bytes.windows(32).any(|w| w == raw.as_slice()), "{name}");
    }
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    assert_eq!(*v.vault_secret().unwrap(), *secret);
    assert_eq!(v.vault_id(), id);
    let (_dir2, other) = new_vault();
    assert_ne!(*other.vault_secret().unwrap(), *secret);
}

#[test]
fn every_id_the_vault_makes_is_random() {
    let a = new_record_id();
    assert_eq!(a.get_version_num(), 4);
    assert_ne!(a, new_record_id());
    let (_dir, v) = new_vault();
    v.create_meeting(new_meeting("Sala", "Topic", 1)).unwrap();
    v.add_participant(&Participant {
        code: "C01".into(),
        name: "Maria".into(),
        contact: None,
    })
    .unwrap();
    v.save_outreach(&Outreach {
        period: "2026-03".into(),
        ..Outreach::default()
    })
    .unwrap();
    let pending = v.pending(10).unwrap();
    assert_eq!(pending.len(), 3);
    for p in &pending {
        assert_eq!(p.id.get_version_num(), 4, "{:?}", p.data);
        if let RecordData::Meeting(m) = &p.data {
            assert_eq!(m.id, p.id);
        }
    }
}
