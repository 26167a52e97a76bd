//! The roster: corrections by code, removal (the code stays valid for records made), and
//! the sealed roster file that moves names to a replacement tablet.

mod common;

use campo_core::{Attendance, Participant};
use campo_store::{RecordData, RosterImport, StoreError, Vault, MAX_ROSTER_ENTRIES};
use common::*;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::rand::{SecureRandom, SystemRandom};

fn person(code: &str, name: &str, contact: Option<&str>) -> Participant {
    Participant {
        code: code.into(),
        name: name.into(),
        contact: contact.map(String::from),
    }
}

fn pending_names(v: &Vault, code: &str) -> Vec<String> {
    v.pending(100)
        .unwrap()
        .into_iter()
        .filter_map(|p| match p.data {
            RecordData::Participant { participant: p, .. } if p.code == code => Some(p.name),
            _ => None,
        })
        .collect()
}

#[test]
fn update_and_remove_participants() {
    let (dir, v) = new_vault();
    v.add_participant(&person("C01", "Maria Rossi", Some("333 1234567")))
        .unwrap();
    v.add_participant(&person("C02", "Luca", None)).unwrap();
    let n = v.pending_count().unwrap();

    v.update_participant(&person("C01", "Maria Bianchi", Some("333 1234567")))
        .unwrap();
    assert_eq!(v.pending_count().unwrap(), n + 1);
    v.update_participant(&person("C01", "Maria Bianchi", Some("333 1234567")))
        .unwrap();
    assert_eq!(
        v.pending_count().unwrap(),
        n + 1,
        "the same entry again is no change"
    );
    assert!(matches!(
        v.update_participant(&person("C09", "Nobody", None)),
        Err(StoreError::ParticipantNotFound(code)) if code == "C09"
    ));
    assert_eq!(v.pending_count().unwrap(), n + 1);
    assert_eq!(v.participants().unwrap()[0].name, "Maria Bianchi");

    // C01 came to a meeting and answered a quiz.
    let m = v.create_meeting(new_meeting("Sala", "Topic", 3)).unwrap();
    v.set_attendance(
        m.id,
        Attendance {
            participants: vec!["C01".into()],
            anonymous: 1,
            roles: None,
        },
    )
    .unwrap();
    let mut s = submission(m.id, &[("q1", "yes")]);
    s.respondent = Some("C01".into());
    v.save_final(&s).unwrap();
    assert_eq!(pending_names(&v, "C01"), ["Maria Rossi", "Maria Bianchi"]);
    let before = v.pending_count().unwrap();

    v.remove_participant("C01").unwrap();
    // The bodies that held the name do not linger in the WAL.
    let wal = dir.path().join(format!("{}-wal", campo_store::FILE_NAME));
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
    let codes: Vec<_> = v
        .participants()
        .unwrap()
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(codes, ["C02"]);
    // Nothing new to send: the server only ever held the code, which stays valid.
    assert_eq!(v.pending_count().unwrap(), before);
    // The revisions waiting to be sent still carry the code, no longer the name.
    assert_eq!(pending_names(&v, "C01"), ["", ""]);
    assert_eq!(
        v.meeting(m.id)
            .unwrap()
            .unwrap()
            .meeting
            .attendance
            .participants,
        ["C01"]
    );
    assert_eq!(
        v.submission(s.id).unwrap().unwrap().respondent.as_deref(),
        Some("C01")
    );
    assert!(matches!(
        v.remove_participant("C01"),
        Err(StoreError::ParticipantNotFound(_))
    ));
    assert!(matches!(
        v.update_participant(&person("C01", "Maria", None)),
        Err(StoreError::ParticipantNotFound(_))
    ));
    assert!(matches!(
        v.remove_participant("C77"),
        Err(StoreError::ParticipantNotFound(_))
    ));

    drop(v);
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    assert_eq!(v.participants().unwrap().len(), 1);
    // The code may come back, as a new entry to send.
    v.add_participant(&person("C01", "Maria Bianchi", None))
        .unwrap();
    assert_eq!(v.pending_count().unwrap(), before + 1);
    assert_eq!(v.participants().unwrap()[0].name, "Maria Bianchi");
}

#[test]
fn adding_never_overwrites_a_code_in_use() {
    let (_dir, v) = new_vault();
    v.add_new_participant(&person("C01", "Maria Rossi", Some("333 1234567")))
        .unwrap();
    let pending = v.pending_count().unwrap();
    // The same entry again is harmless.
    v.add_new_participant(&person("C01", "Maria Rossi", Some("333 1234567")))
        .unwrap();
    assert!(matches!(
        v.add_new_participant(&person("C01", "Someone Else", None)),
        Err(StoreError::ParticipantExists(code)) if code == "C01"
    ));
    assert_eq!(
        roster_of(&v),
        [(
            "C01".into(),
            "Maria Rossi".into(),
            Some("333 1234567".into())
        )]
    );
    assert_eq!(v.pending_count().unwrap(), pending);
    // A removed code is free again.
    v.remove_participant("C01").unwrap();
    v.add_new_participant(&person("C01", "Anna Neri", None))
        .unwrap();
    assert_eq!(roster_of(&v), [("C01".into(), "Anna Neri".into(), None)]);
}

fn roster_of(v: &Vault) -> Vec<(String, String, Option<String>)> {
    v.participants()
        .unwrap()
        .into_iter()
        .map(|p| (p.code, p.name, p.contact))
        .collect()
}

#[test]
fn a_replacement_tablet_imports_the_roster() {
    let (_dir, old) = new_vault();
    old.add_participant(&person("C01", "Maria Rossi", Some("333 1234567")))
        .unwrap();
    old.add_participant(&person("C02", "Luca Verdi", None))
        .unwrap();
    old.add_participant(&person("C03", "Left the pilot", None))
        .unwrap();
    old.remove_participant("C03").unwrap();
    let (file, passphrase) = old.export_roster().unwrap();
    assert!(file.starts_with(b"CAMPO-ROSTER"));
    for name in [
        "Maria Rossi",
        "333 1234567",
        "Luca Verdi",
        "C01",
        "Left the pilot",
    ] {
        assert!(
            !file.windows(name.len()).any(|w| w == name.as_bytes()),
            "{name} in clear in the roster file"
        );
    }
    let shown = passphrase.as_str();
    assert_eq!(shown.len(), 29);
    assert_eq!(shown.split('-').count(), 6);
    assert_ne!(
        old.export_roster().unwrap().1.as_str(),
        shown,
        "one-time passphrases"
    );

    let (_dir2, new) = new_vault();
    new.add_participant(&person("C02", "Luca", None)).unwrap();
    new.add_participant(&person("C05", "Anna Neri", None))
        .unwrap();
    let pending = new.pending_count().unwrap();
    // Typed in lower case with spaces.
    let typed = shown.to_lowercase().replace('-', " ");
    let r = new.import_roster(&file, &typed).unwrap();
    assert_eq!(
        r,
        RosterImport {
            added: 1,
            updated: 1,
            unchanged: 0,
            skipped_removed: 0
        }
    );
    assert_eq!(
        roster_of(&new),
        [
            (
                "C01".into(),
                "Maria Rossi".into(),
                Some("333 1234567".into())
            ),
            ("C02".into(), "Luca Verdi".into(), None),
            ("C05".into(), "Anna Neri".into(), None),
        ]
    );
    assert_eq!(new.pending_count().unwrap(), pending + 2);
    let again = new.import_roster(&file, shown).unwrap();
    assert_eq!(
        again,
        RosterImport {
            added: 0,
            updated: 0,
            unchanged: 2,
            skipped_removed: 0
        }
    );
    assert_eq!(new.pending_count().unwrap(), pending + 2);

    // A carer removed here stays removed: an older file does not bring their name back.
    new.remove_participant("C01").unwrap();
    let third = new.import_roster(&file, shown).unwrap();
    assert_eq!(
        third,
        RosterImport {
            added: 0,
            updated: 0,
            unchanged: 1,
            skipped_removed: 1
        }
    );
    assert!(roster_of(&new).iter().all(|(code, _, _)| code != "C01"));
}

#[test]
fn a_bad_roster_file_is_refused_with_nothing_changed() {
    let (_dir, old) = new_vault();
    old.add_participant(&person("C01", "Maria Rossi", None))
        .unwrap();
    let (file, passphrase) = old.export_roster().unwrap();
    let pass = passphrase.as_str();

    let (_dir2, v) = new_vault();
    v.add_participant(&person("C01", "Maria", None)).unwrap();
    let before = (roster_of(&v), v.pending_count().unwrap());
    let unchanged = |v: &Vault| assert_eq!((roster_of(v), v.pending_count().unwrap()), before);

    let err = v
        .import_roster(&file, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
        .unwrap_err();
    assert!(matches!(err, StoreError::WrongRosterPassphrase), "{err}");
    assert_eq!(err.code(), "wrong_roster_passphrase");
    unchanged(&v);

    let mut altered = file.clone();
    let last = altered.len() - 20;
    altered[last] ^= 0x01;
    let err = v.import_roster(&altered, pass).unwrap_err();
    assert!(matches!(err, StoreError::RosterFileAltered), "{err}");
    unchanged(&v);

    let mut salt = file.clone();
    salt[20] ^= 0x01;
    assert!(matches!(
        v.import_roster(&salt, pass),
        Err(StoreError::WrongRosterPassphrase)
    ));

    for cut in [file.len() - 1, file.len() / 2, 40, 13, 5, 0] {
        let err = v.import_roster(&file[..cut], pass).unwrap_err();
        assert!(
            matches!(err, StoreError::RosterFileInvalid(_)),
            "{cut}: {err}"
        );
        assert_eq!(err.code(), "roster_file_invalid");
    }
    let mut longer = file.clone();
    longer.push(0);
    assert!(matches!(
        v.import_roster(&longer, pass),
        Err(StoreError::RosterFileInvalid(_))
    ));
    let mut version = file.clone();
    version[12] = 2;
    assert!(matches!(
        v.import_roster(&version, pass),
        Err(StoreError::RosterFileVersion(2))
    ));
    assert!(matches!(
        v.import_roster(b"code,name\nC01,Maria\n", pass),
        Err(StoreError::RosterFileInvalid(_))
    ));
    let mut huge = b"CAMPO-ROSTER".to_vec();
    huge.resize(16 * 1024 * 1024 + 1, 0);
    assert!(matches!(
        v.import_roster(&huge, pass),
        Err(StoreError::RosterFileTooLarge { what: "bytes", .. })
    ));
    unchanged(&v);
    // The right file still imports.
    assert_eq!(v.import_roster(&file, pass).unwrap().updated, 1);
}

/// A roster file as the documented format describes it (src/records/roster_file.rs),
/// built here independently, to check the limits on what the file holds.
fn seal_roster_file(json: &[u8], passphrase: &str) -> Vec<u8> {
    let rng = SystemRandom::new();
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).unwrap();
    let mut out = b"CAMPO-ROSTER".to_vec();
    out.push(1);
    out.extend_from_slice(&600_000u32.to_be_bytes());
    out.extend_from_slice(&salt);
    let header = out.clone();
    let secret: String = passphrase
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut key = [0u8; 32];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(600_000).unwrap(),
        &salt,
        secret.as_bytes(),
        &mut key,
    );
    let seal = |aad: &[u8], plain: &[u8]| -> Vec<u8> {
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).unwrap());
        let mut nonce = [0u8; 12];
        rng.fill(&mut nonce).unwrap();
        let mut body = plain.to_vec();
        let tag = key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut body,
            )
            .unwrap();
        [&nonce[..], &body, tag.as_ref()].concat()
    };
    out.extend(seal(&[&header[..], b"check"].concat(), b""));
    let body = seal(&header, json);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend(body);
    out
}

#[test]
fn a_roster_file_with_bad_contents_is_refused() {
    let (_dir, v) = new_vault();
    const PASS_FILE: &str = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX";
    // The format as written here is the one the vault reads.
    let good = seal_roster_file(
        br#"{"participants":[{"code":"C01","name":"Maria"}]}"#,
        PASS_FILE,
    );
    assert_eq!(v.import_roster(&good, PASS_FILE).unwrap().added, 1);

    let too_many = format!(
        r#"{{"participants":[{}]}}"#,
        (0..=MAX_ROSTER_ENTRIES)
            .map(|i| format!(r#"{{"code":"X{i}","name":"n"}}"#))
            .collect::<Vec<_>>()
            .join(",")
    );
    let bad = [
        (too_many.into_bytes(), "roster_file_too_large"),
        (
            br#"{"participants":[{"code":"C02","name":"a"},{"code":"C02","name":"b"}]}"#.to_vec(),
            "roster_file_invalid",
        ),
        (
            br#"{"participants":[{"code":" C03","name":"a"}]}"#.to_vec(),
            "roster_file_invalid",
        ),
        (br#"{"carers":[]}"#.to_vec(), "roster_file_invalid"),
    ];
    for (json, code) in bad {
        let err = v
            .import_roster(&seal_roster_file(&json, PASS_FILE), PASS_FILE)
            .unwrap_err();
        assert_eq!(err.code(), code, "{err}");
    }
    assert_eq!(v.participants().unwrap().len(), 1, "nothing was imported");
}
