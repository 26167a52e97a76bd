//! Sealed records: every revision of every participant, meeting, submission and outreach
//! entry is one row of `records`, its body sealed under the data key with the AAD
//! `<kind>|<id>|<revision>`. Local writes queue the revision in the outbox in the same
//! transaction.

mod barriers;
mod carer_data;
mod consent;
mod corrections;
mod drafts;
mod erasure;
mod instruments;
mod meetings;
mod outreach;
mod participants;
mod report;
mod retired;
mod roster_file;
mod settings;
mod submissions;

pub use carer_data::CarerRecords;
pub use consent::SETTING_INFORMATION_SHEET;
pub use corrections::{CorrectionProblem, MeetingSubmission};
pub use erasure::{ErasureApplied, TextSetting};
pub use meetings::{MeetingDetail, NewMeeting};
pub use participants::RosterCarer;
#[cfg(feature = "fuzzing")]
pub use participants::RosterEntry;
#[cfg(not(feature = "fuzzing"))]
pub(crate) use participants::RosterEntry;
pub use retired::{offered, Retired, SETTING_RETIRED};
pub use roster_file::{RosterImport, RosterPassphrase, MAX_ROSTER_ENTRIES, MAX_ROSTER_FILE_BYTES};

use crate::crypto;
use crate::error::StoreError;
use crate::vault::Vault;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;
use zeroize::Zeroizing;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Participant,
    Meeting,
    Draft,
    Submission,
    Outreach,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Participant => "participant",
            Kind::Meeting => "meeting",
            Kind::Draft => "draft",
            Kind::Submission => "submission",
            Kind::Outreach => "outreach",
        }
    }
}

/// Where a stored revision came from: written here, or pulled from the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    Local,
    Remote,
}

/// The clear columns of one row: nothing that names a person, an instrument or a time.
pub(crate) struct Row {
    pub kind: Kind,
    pub id: Uuid,
    pub revision: u32,
    pub meeting_id: Option<Uuid>,
}

impl Row {
    pub(crate) fn new(kind: Kind, id: Uuid, revision: u32) -> Row {
        Row {
            kind,
            id,
            revision,
            meeting_id: None,
        }
    }
}

/// A new id for a record this vault (or the app) makes: a UUIDv4, random, so that unlike
/// a UUIDv7 it does not carry the time it was made.
pub fn new_record_id() -> Uuid {
    Uuid::new_v4()
}

pub(crate) fn immediate(conn: &Connection) -> Result<Transaction<'_>, StoreError> {
    Ok(Transaction::new_unchecked(
        conn,
        TransactionBehavior::Immediate,
    )?)
}

/// Opens a sealed JSON body and parses it: `None` when it does not authenticate under
/// `key` and `aad`, an error when it does but is not a `T`.
pub(crate) fn open_json<T: DeserializeOwned>(
    key: &[u8; crypto::KEY_LEN],
    aad: &str,
    body: &[u8],
) -> Result<Option<T>, StoreError> {
    match crypto::open(key, aad.as_bytes(), body)? {
        Some(plain) => Ok(Some(serde_json::from_slice(&plain)?)),
        None => Ok(None),
    }
}

impl Vault {
    pub(crate) fn seal_json<T: Serialize>(
        &self,
        aad: &str,
        value: &T,
    ) -> Result<Vec<u8>, StoreError> {
        let plain = Zeroizing::new(serde_json::to_vec(value)?);
        crypto::seal(self.dek.bytes(), aad.as_bytes(), &plain)
    }

    /// Opens a body; on failure tells a body moved from another row apart from a damaged one.
    pub(crate) fn open_record<T: DeserializeOwned>(
        &self,
        kind: &str,
        id: &str,
        revision: u32,
        body: &[u8],
    ) -> Result<T, StoreError> {
        let aad = crypto::record_aad(kind, id, revision);
        match open_json(self.dek.bytes(), &aad, body)? {
            Some(value) => Ok(value),
            None => Err(self.diagnose(kind, id, revision, body)),
        }
    }

    /// Only on the failure path: tries the body against every other row's AAD. Finding
    /// its true place proves the rows were shuffled rather than the bytes damaged.
    fn diagnose(&self, kind: &str, id: &str, revision: u32, body: &[u8]) -> StoreError {
        let corrupt = || StoreError::Corrupt {
            kind: kind.into(),
            id: id.into(),
            revision,
        };
        let Ok(mut stmt) = self.conn.prepare("SELECT kind, id, revision FROM records") else {
            return corrupt();
        };
        let Ok(rows) = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
            ))
        }) else {
            return corrupt();
        };
        for (k, i, r) in rows.flatten() {
            if (k.as_str(), i.as_str(), r) == (kind, id, revision) {
                continue;
            }
            let aad = crypto::record_aad(&k, &i, r);
            if let Ok(Some(_)) = crypto::open(self.dek.bytes(), aad.as_bytes(), body) {
                return StoreError::Misplaced {
                    kind: kind.into(),
                    id: id.into(),
                    revision,
                    belongs_to: format!("{k} {i} revision {r}"),
                };
            }
        }
        corrupt()
    }

    /// Inserts one revision; a local one also goes to the outbox, in the caller's transaction.
    pub(crate) fn insert_record<T: Serialize>(
        &self,
        tx: &Connection,
        row: &Row,
        origin: Origin,
        body: &T,
        pending: bool,
    ) -> Result<(), StoreError> {
        let id = row.id.to_string();
        let sealed = self.seal_json(
            &crypto::record_aad(row.kind.as_str(), &id, row.revision),
            body,
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO records (kind, id, revision, origin, meeting_id, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        insert.execute(params![
            row.kind.as_str(),
            id,
            row.revision,
            if origin == Origin::Local {
                "local"
            } else {
                "remote"
            },
            row.meeting_id.map(|m| m.to_string()),
            sealed
        ])?;
        if pending {
            let mut queue =
                tx.prepare_cached("INSERT INTO outbox (kind, id, revision) VALUES (?1, ?2, ?3)")?;
            queue.execute(params![row.kind.as_str(), id, row.revision])?;
        }
        Ok(())
    }

    /// The current (highest) revision of every record of a kind.
    pub(crate) fn current_records<T: DeserializeOwned>(
        &self,
        kind: Kind,
    ) -> Result<Vec<(Uuid, u32, T)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, revision, body FROM records r WHERE kind = ?1
             AND revision = (SELECT MAX(revision) FROM records WHERE kind = ?1 AND id = r.id)",
        )?;
        self.collect(&mut stmt, params![kind.as_str()], kind)
    }

    /// The current revision of one record.
    pub(crate) fn current_record<T: DeserializeOwned>(
        &self,
        kind: Kind,
        id: Uuid,
    ) -> Result<Option<(u32, T)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, revision, body FROM records WHERE kind = ?1 AND id = ?2 ORDER BY revision DESC LIMIT 1")?;
        Ok(self
            .collect(&mut stmt, params![kind.as_str(), id.to_string()], kind)?
            .pop()
            .map(|(_, r, v)| (r, v)))
    }

    /// Decrypts the rows of a `SELECT id, revision, body` query over one kind.
    pub(crate) fn collect<T: DeserializeOwned>(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        params: impl rusqlite::Params,
        kind: Kind,
    ) -> Result<Vec<(Uuid, u32, T)>, StoreError> {
        let mut rows = stmt.query(params)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let revision: u32 = row.get(1)?;
            let body = row.get_ref(2)?.as_blob()?;
            let value = self.open_record(kind.as_str(), &id, revision, body)?;
            let uuid = id
                .parse()
                .map_err(|_| StoreError::Damaged(format!("record id {id:?} is not a UUID")))?;
            out.push((uuid, revision, value));
        }
        Ok(out)
    }
}

/// Where the current revision of a record came from, if it exists.
pub(crate) fn origin(
    conn: &Connection,
    kind: Kind,
    id: Uuid,
) -> Result<Option<Origin>, StoreError> {
    let origin: Option<String> = conn
        .query_row(
            "SELECT origin FROM records WHERE kind = ?1 AND id = ?2 ORDER BY revision DESC LIMIT 1",
            params![kind.as_str(), id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(origin.map(|o| {
        if o == "remote" {
            Origin::Remote
        } else {
            Origin::Local
        }
    }))
}

pub(crate) fn exists(conn: &Connection, kind: Kind, id: Uuid) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM records WHERE kind = ?1 AND id = ?2)",
        params![kind.as_str(), id.to_string()],
        |r| r.get(0),
    )?)
}
