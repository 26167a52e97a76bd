//! The device's roster: a pseudonymous code per carer, with the name and contact sealed.
//!
//! A carer removed from the roster stays a code that records already made carry; the
//! removal is a revision marked `removed`, kept on this tablet only (the server holds the
//! code alone and needs nothing: its report never reads roster entries), and every stored
//! revision of the entry loses its name and contact.
//!
//! Each entry also keeps the carer's consent history (consent.rs): it is what the project
//! shows when asked, so correcting a name or contact, or removing the carer, keeps it.

use super::{immediate, Kind, Origin, Row};
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::consent::ConsentEvent;
use campo_core::Participant;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// A roster revision as sealed: the participant, whether it was removed, and the carer's
/// consent history. Entries of the first release are a bare participant, read as not
/// removed and without consent; an entry without consent is stored without the field, so
/// its bytes are as before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    #[serde(flatten)]
    pub participant: Participant,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consent: Vec<ConsentEvent>,
}

/// A carer on the roster with their consent history, oldest step first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterCarer {
    pub participant: Participant,
    pub consent: Vec<ConsentEvent>,
}

/// What storing one roster entry did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    Added,
    Updated,
    Unchanged,
}

/// Which entries a store may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Add a new code or revise a known one (a roster file's merge).
    AddOrRevise,
    /// Revise a code on the roster only.
    Revise,
    /// Add a new code only: a code in use belongs to someone else, whose name must not be
    /// overwritten (saving the very same entry again is harmless).
    Add,
}

/// The roster by code, as stored: id, current revision and entry (removed ones too).
pub(crate) type Roster = HashMap<String, (Uuid, u32, RosterEntry)>;

impl Vault {
    /// The current revision of every roster entry, removed ones included, by code.
    pub(crate) fn roster(&self) -> Result<Roster, StoreError> {
        // The code is sealed too, so entries are found among the decrypted roster: a
        // device holds hundreds of carers, not millions.
        Ok(self
            .current_records::<RosterEntry>(Kind::Participant)?
            .into_iter()
            .map(|(id, rev, e)| (e.participant.code.clone(), (id, rev, e)))
            .collect())
    }

    /// Adds or revises the entry for `participant.code`, as `mode` allows, in the caller's
    /// transaction, and keeps `roster` current; an identical entry changes nothing.
    /// `carried`: a consent history that comes with the participant (from a roster file),
    /// taken only when the entry here has none: what this tablet recorded stands.
    pub(crate) fn store_participant(
        &self,
        tx: &Connection,
        roster: &mut Roster,
        participant: &Participant,
        mode: Mode,
        carried: &[ConsentEvent],
    ) -> Result<Stored, StoreError> {
        // The history stays with the code whatever happens to the name and contact.
        let held = roster
            .get(&participant.code)
            .map(|(_, _, e)| e.consent.clone())
            .unwrap_or_default();
        let adopt = held.is_empty() && !carried.is_empty();
        let consent = if adopt { carried.to_vec() } else { held };
        let (id, revision, stored) = match roster.get(&participant.code) {
            Some((_, _, e)) if !e.removed && e.participant == *participant && !adopt => {
                return Ok(Stored::Unchanged)
            }
            Some((_, _, e)) if !e.removed && mode == Mode::Add => {
                return Err(StoreError::ParticipantExists(participant.code.clone()))
            }
            Some((id, rev, e)) if !e.removed => (*id, rev + 1, Stored::Updated),
            _ if mode == Mode::Revise => {
                return Err(StoreError::ParticipantNotFound(participant.code.clone()))
            }
            // A removed code comes back as a new revision of its old entry.
            Some((id, rev, _)) => (*id, rev + 1, Stored::Added),
            None => (super::new_record_id(), 1, Stored::Added),
        };
        let entry = RosterEntry {
            participant: participant.clone(),
            removed: false,
            consent,
        };
        self.store_entry(tx, roster, id, revision, entry)?;
        Ok(stored)
    }

    /// Stores `entry` as revision `revision` of roster entry `id`, queued for sync (the
    /// server gets its code and consent history), and keeps `roster` current.
    pub(crate) fn store_entry(
        &self,
        tx: &Connection,
        roster: &mut Roster,
        id: Uuid,
        revision: u32,
        entry: RosterEntry,
    ) -> Result<(), StoreError> {
        self.insert_record(
            tx,
            &Row::new(Kind::Participant, id, revision),
            Origin::Local,
            &entry,
            true,
        )?;
        roster.insert(entry.participant.code.clone(), (id, revision, entry));
        Ok(())
    }

    /// Adds a carer, or stores a new revision if the code is already on the roster.
    /// Saving an identical entry again changes nothing.
    pub fn add_participant(&self, participant: &Participant) -> Result<(), StoreError> {
        self.save_participant(participant, Mode::AddOrRevise)
    }

    /// Adds a carer under a code not in use: `ParticipantExists` for a code on the roster
    /// with another name or contact, which is left as it was (the same entry again is
    /// harmless). What a facilitator's "add" does; corrections go through
    /// [`Vault::update_participant`].
    pub fn add_new_participant(&self, participant: &Participant) -> Result<(), StoreError> {
        self.save_participant(participant, Mode::Add)
    }

    /// Corrects the name or contact of a carer already on the roster (found by code; the
    /// code never changes). `ParticipantNotFound` for a code not on the roster.
    pub fn update_participant(&self, participant: &Participant) -> Result<(), StoreError> {
        self.save_participant(participant, Mode::Revise)
    }

    fn save_participant(&self, participant: &Participant, mode: Mode) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        let mut roster = self.roster()?;
        if self.store_participant(&tx, &mut roster, participant, mode, &[])? != Stored::Unchanged {
            tx.commit()?;
        }
        Ok(())
    }

    /// Removes a carer from the roster this tablet shows. The code stays valid for the
    /// records already made; the name and contact are erased from every stored revision
    /// of the entry (its consent history stays: it names no one). Nothing is queued for
    /// the server, which only ever held the code.
    pub fn remove_participant(&self, code: &str) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        let (id, revision, current) = match self.roster()?.remove(code) {
            Some((id, rev, e)) if !e.removed => (id, rev, e),
            _ => return Err(StoreError::ParticipantNotFound(code.to_string())),
        };
        // Earlier revisions stay (a pending one still sends its code and its history)
        // without the name.
        let id_text = id.to_string();
        for (rev, mut entry) in self.entry_revisions(&tx, &id_text)? {
            entry.participant.name = String::new();
            entry.participant.contact = None;
            self.reseal(&tx, Kind::Participant, &id_text, rev, &entry)?;
        }
        let removed = RosterEntry {
            participant: Participant {
                code: code.to_string(),
                name: String::new(),
                contact: None,
            },
            removed: true,
            consent: current.consent,
        };
        self.insert_record(
            &tx,
            &Row::new(Kind::Participant, id, revision + 1),
            Origin::Local,
            &removed,
            false,
        )?;
        tx.commit()?;
        // The bodies that held the name may still sit in the WAL: copy it out and empty it.
        crate::schema::checkpoint(&self.conn)?;
        Ok(())
    }

    /// Every stored revision of one roster entry, decrypted.
    pub(crate) fn entry_revisions(
        &self,
        conn: &Connection,
        id: &str,
    ) -> Result<Vec<(u32, RosterEntry)>, StoreError> {
        let mut stmt = conn.prepare_cached(
            "SELECT id, revision, body FROM records WHERE kind = 'participant' AND id = ?1",
        )?;
        Ok(self
            .collect(&mut stmt, [id], Kind::Participant)?
            .into_iter()
            .map(|(_, rev, e)| (rev, e))
            .collect())
    }

    /// Seals `body` again in place of a stored revision, under that revision's own AAD.
    pub(crate) fn reseal<T: Serialize>(
        &self,
        conn: &Connection,
        kind: Kind,
        id: &str,
        revision: u32,
        body: &T,
    ) -> Result<(), StoreError> {
        let sealed = self.seal_json(
            &crate::crypto::record_aad(kind.as_str(), id, revision),
            body,
        )?;
        conn.prepare_cached(
            "UPDATE records SET body = ?4 WHERE kind = ?1 AND id = ?2 AND revision = ?3",
        )?
        .execute(params![kind.as_str(), id, revision, sealed])?;
        Ok(())
    }

    /// The roster, by code (removed carers are not listed).
    pub fn participants(&self) -> Result<Vec<Participant>, StoreError> {
        let mut out: Vec<Participant> = self
            .roster()?
            .into_values()
            .filter(|(_, _, e)| !e.removed)
            .map(|(_, _, e)| e.participant)
            .collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }

    /// The roster with each carer's consent history, by code (removed carers are not
    /// listed).
    pub fn roster_carers(&self) -> Result<Vec<RosterCarer>, StoreError> {
        let mut out: Vec<RosterCarer> = self
            .roster()?
            .into_values()
            .filter(|(_, _, e)| !e.removed)
            .map(|(_, _, e)| RosterCarer {
                participant: e.participant,
                consent: e.consent,
            })
            .collect();
        out.sort_by(|a, b| a.participant.code.cmp(&b.participant.code));
        Ok(out)
    }
}
