//! The roster file: the roster (codes, names, contacts) sealed under a one-time
//! passphrase, so that a replaced tablet keeps it. Names never reach the server, so this
//! file is the only way they move to another tablet.
//!
//! Format, version 1 (integers big-endian):
//!
//! ```text
//! "CAMPO-ROSTER"        12 bytes, the magic
//! version               1 byte, 1
//! iterations            4 bytes, PBKDF2-HMAC-SHA256 iterations (600,000)
//! salt                  16 bytes
//! check                 28 bytes: nonce || tag of an empty plaintext, AAD = header || "check"
//! body length           4 bytes
//! body                  nonce || ciphertext || tag, AAD = header
//! ```
//!
//! The header is the first 33 bytes (magic to salt). The key is PBKDF2 of the normalized
//! passphrase; the check tells a wrong passphrase from an altered body. The body is the
//! JSON `{"participants": [...]}`, each entry a participant (`code`, `name`, `contact`)
//! with, when the carer has one, their consent history (`consent`): a release that does
//! not know it reads the participant and leaves the history out.

use super::immediate;
use super::participants::{Mode, RosterCarer, Stored};
use crate::codes;
use crate::crypto::{self, KEY_LEN};
use crate::error::StoreError;
use crate::keys::{DEFAULT_ITERATIONS, SALT_LEN};
use crate::vault::Vault;
use campo_core::consent::{check_history, ConsentEvent};
use campo_core::Participant;
use ring::pbkdf2;
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

const MAGIC: &[u8; 12] = b"CAMPO-ROSTER";
const VERSION: u8 = 1;
const HEADER_LEN: usize = MAGIC.len() + 1 + 4 + SALT_LEN;
const CHECK_LEN: usize = 12 + 16;
const PREFIX_LEN: usize = HEADER_LEN + CHECK_LEN + 4;
/// The largest file imported: a roster of thousands of carers is a few hundred kilobytes.
pub const MAX_ROSTER_FILE_BYTES: usize = 16 * 1024 * 1024;
/// The most entries imported.
pub const MAX_ROSTER_ENTRIES: usize = 20_000;
/// More iterations than this in a file would only make the import hang.
const MAX_FILE_ITERATIONS: u32 = 10_000_000;

/// The one-time passphrase of a roster file, made by the vault: 120 random bits as 24
/// base32 characters in groups of 4, shown once. Typed case and separators do not matter.
/// Wiped from memory when dropped.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct RosterPassphrase(String);

impl RosterPassphrase {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RosterPassphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RosterPassphrase(..)")
    }
}

/// What an import did, counted by code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RosterImport {
    /// Codes not on this roster, now added.
    pub added: usize,
    /// Codes on the roster whose name or contact the file changed.
    pub updated: usize,
    /// Codes on the roster exactly as in the file.
    pub unchanged: usize,
    /// Codes removed from this roster: a carer removed here is not brought back by an
    /// older file (their name was erased on purpose).
    pub skipped_removed: usize,
}

#[derive(Serialize, Deserialize)]
struct Contents {
    participants: Vec<FileEntry>,
}

/// One carer in the file: the participant, flattened as the first release wrote it, and
/// the consent history, left out when empty.
#[derive(Serialize, Deserialize)]
struct FileEntry {
    #[serde(flatten)]
    participant: Participant,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    consent: Vec<ConsentEvent>,
}

fn derive_key(
    passphrase: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<Zeroizing<[u8; KEY_LEN]>, StoreError> {
    let iterations =
        NonZeroU32::new(iterations).ok_or(StoreError::RosterFileInvalid("zero iterations"))?;
    let secret = codes::normalize(passphrase);
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        secret.as_bytes(),
        key.as_mut(),
    );
    Ok(key)
}

fn check_aad(header: &[u8]) -> Vec<u8> {
    [header, b"check"].concat()
}

/// Seals `carers` into a roster file under a new one-time passphrase.
pub(crate) fn seal(carers: &[RosterCarer]) -> Result<(Vec<u8>, RosterPassphrase), StoreError> {
    let passphrase = RosterPassphrase(codes::generate()?.to_string());
    let salt: [u8; SALT_LEN] = crypto::random_bytes()?;
    let mut out = Vec::with_capacity(PREFIX_LEN + 64 * carers.len());
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&DEFAULT_ITERATIONS.to_be_bytes());
    out.extend_from_slice(&salt);
    let header = out.clone();
    let key = derive_key(passphrase.as_str(), &salt, DEFAULT_ITERATIONS)?;
    let check = crypto::seal(&key, &check_aad(&header), &[])?;
    out.extend_from_slice(&check);
    let plain = Zeroizing::new(serde_json::to_vec(&Contents {
        participants: carers
            .iter()
            .map(|c| FileEntry {
                participant: c.participant.clone(),
                consent: c.consent.clone(),
            })
            .collect(),
    })?);
    let body = crypto::seal(&key, &header, &plain)?;
    let len = u32::try_from(body.len()).map_err(|_| StoreError::RosterFileTooLarge {
        max: MAX_ROSTER_FILE_BYTES,
        what: "bytes",
    })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&body);
    Ok((out, passphrase))
}

/// Opens a roster file, checking everything before anything is stored.
pub(crate) fn open(file: &[u8], passphrase: &str) -> Result<Vec<RosterCarer>, StoreError> {
    if file.len() > MAX_ROSTER_FILE_BYTES {
        return Err(StoreError::RosterFileTooLarge {
            max: MAX_ROSTER_FILE_BYTES,
            what: "bytes",
        });
    }
    if file.len() < MAGIC.len() || &file[..MAGIC.len()] != MAGIC {
        return Err(StoreError::RosterFileInvalid("not a Campo roster file"));
    }
    let Some(&version) = file.get(MAGIC.len()) else {
        return Err(StoreError::RosterFileInvalid("the file is cut short"));
    };
    if version != VERSION {
        return Err(StoreError::RosterFileVersion(version));
    }
    if file.len() < PREFIX_LEN {
        return Err(StoreError::RosterFileInvalid("the file is cut short"));
    }
    let header = &file[..HEADER_LEN];
    let iterations = u32::from_be_bytes(
        file[MAGIC.len() + 1..MAGIC.len() + 5]
            .try_into()
            .map_err(|_| StoreError::RosterFileInvalid("the file is cut short"))?,
    );
    if !(crate::keys::MIN_ITERATIONS..=MAX_FILE_ITERATIONS).contains(&iterations) {
        return Err(StoreError::RosterFileInvalid(
            "the file's PBKDF2 iteration count is out of range",
        ));
    }
    let salt = &file[MAGIC.len() + 5..HEADER_LEN];
    let check = &file[HEADER_LEN..HEADER_LEN + CHECK_LEN];
    let len = u32::from_be_bytes(
        file[HEADER_LEN + CHECK_LEN..PREFIX_LEN]
            .try_into()
            .map_err(|_| StoreError::RosterFileInvalid("the file is cut short"))?,
    );
    let body = &file[PREFIX_LEN..];
    match body.len().cmp(&(len as usize)) {
        std::cmp::Ordering::Less => {
            return Err(StoreError::RosterFileInvalid("the file is cut short"))
        }
        std::cmp::Ordering::Greater => {
            return Err(StoreError::RosterFileInvalid(
                "the file has bytes after its end",
            ))
        }
        std::cmp::Ordering::Equal => {}
    }
    let key = derive_key(passphrase, salt, iterations)?;
    if crypto::open(&key, &check_aad(header), check)?.is_none() {
        return Err(StoreError::WrongRosterPassphrase);
    }
    let plain = crypto::open(&key, header, body)?.ok_or(StoreError::RosterFileAltered)?;
    let contents: Contents = serde_json::from_slice(&plain)
        .map_err(|_| StoreError::RosterFileInvalid("the roster inside is not readable"))?;
    if contents.participants.len() > MAX_ROSTER_ENTRIES {
        return Err(StoreError::RosterFileTooLarge {
            max: MAX_ROSTER_ENTRIES,
            what: "entries",
        });
    }
    let mut codes = std::collections::HashSet::new();
    for FileEntry {
        participant: p,
        consent,
    } in &contents.participants
    {
        if check_history(consent).is_err() {
            return Err(StoreError::RosterFileInvalid(
                "the roster holds a consent history that breaks its rules",
            ));
        }
        if campo_core::rules::check_roster_code(&p.code).is_err() {
            return Err(StoreError::RosterFileInvalid(
                "the roster holds a code this app would not accept",
            ));
        }
        if !codes.insert(p.code.as_str()) {
            return Err(StoreError::RosterFileInvalid(
                "the roster holds the same code twice",
            ));
        }
    }
    Ok(contents
        .participants
        .into_iter()
        .map(|e| RosterCarer {
            participant: e.participant,
            consent: e.consent,
        })
        .collect())
}

impl Vault {
    /// Seals the roster (codes, names, contacts, consent histories; removed carers left
    /// out) into a file under a one-time passphrase the vault makes, to be shown once.
    pub fn export_roster(&self) -> Result<(Vec<u8>, RosterPassphrase), StoreError> {
        seal(&self.roster_carers()?)
    }

    /// Merges a roster file by code, in one transaction: new codes are added, known ones
    /// take the file's name and contact, codes removed here stay removed. A consent
    /// history in the file is taken where this tablet holds none for the code (what was
    /// recorded here stands). A wrong passphrase, a file cut short or altered,
    /// too large or with too many entries is refused with nothing changed.
    pub fn import_roster(&self, file: &[u8], passphrase: &str) -> Result<RosterImport, StoreError> {
        let carers = open(file, passphrase)?;
        let tx = immediate(&self.conn)?;
        let mut roster = self.roster()?;
        let mut counts = RosterImport::default();
        for c in &carers {
            let p = &c.participant;
            if matches!(roster.get(&p.code), Some((_, _, e)) if e.removed) {
                counts.skipped_removed += 1;
                continue;
            }
            match self.store_participant(&tx, &mut roster, p, Mode::AddOrRevise, &c.consent)? {
                Stored::Added => counts.added += 1,
                Stored::Updated => counts.updated += 1,
                Stored::Unchanged => counts.unchanged += 1,
            }
        }
        tx.commit()?;
        Ok(counts)
    }
}
