//! Forgetting a carer the office forgot: the server names the roster entries that held the
//! code (`campo_wire::Erasure`, ids only), the tablet learns the code from those it holds (a
//! roster entry's, any revision; a submission's respondent; never a meeting, whose
//! attendance lists many codes), then
//! - deletes every revision of the roster entry with that code, name, contact and consent
//!   history with it, and its outbox entries (nothing of it is left to send);
//! - scrubs every stored revision of every meeting and submission, this tablet's (queued
//!   or sent), drafts and those pulled from other tablets, with campo-core's erasure rules
//!   (the same as the server's, so a scrubbed record reads the same on both sides), each
//!   sealed again under its own AAD;
//! - scrubs the settings the caller names as holding free text (the office's review
//!   notes, the server's refusals: campo-sync knows their shape);
//!
//! all in one transaction, then checkpoints the WAL (secure_delete zeroes freed pages), so
//! neither the file nor its WAL keeps a byte of what was erased. An erasure naming nothing
//! this vault holds changes nothing, and so does one applied already (a page pulled again).

use super::immediate;
use super::participants::RosterEntry;
use super::Kind;
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::catalog::Catalog;
use campo_core::erasure::{erase_in_meeting, erase_in_submission};
use campo_core::{Meeting, Submission};
use rusqlite::{params, Connection};
use std::collections::BTreeSet;
use uuid::Uuid;

/// A setting whose value may hold free text naming a carer, and how to take a code out of
/// it: `scrub(value, code)` is the new value when anything changed.
#[derive(Clone, Copy, Debug)]
pub struct TextSetting {
    pub key: &'static str,
    pub scrub: fn(&str, &str) -> Option<String>,
}

/// What applying erasures did (counts only: never a code).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErasureApplied {
    /// Erasures that named something this vault held.
    pub erasures: usize,
    /// Codes learned from the records named (one per erasure, unless its records disagree).
    pub codes: usize,
    /// Roster revisions deleted.
    pub roster_revisions: usize,
    /// Meeting, submission and draft revisions sealed again without the code.
    pub revisions_scrubbed: usize,
    /// Settings written again without the code.
    pub settings_scrubbed: usize,
}

impl ErasureApplied {
    /// Whether anything named was held here (and is forgotten now).
    pub fn applied(&self) -> bool {
        self.codes > 0
    }
}

impl Vault {
    /// Forgets the carers whose codes the records named by each erasure hold (see the
    /// module's notes), all in one transaction and one pass over the records (a pull page
    /// may bring hundreds, when a project's retention period ends), then empties the WAL.
    pub fn apply_erasures(
        &self,
        erasures: &[&[Uuid]],
        text_settings: &[TextSetting],
    ) -> Result<ErasureApplied, StoreError> {
        let tx = immediate(&self.conn)?;
        let mut done = ErasureApplied::default();
        let mut codes = BTreeSet::new();
        for records in erasures {
            let held = self.codes_held_by(&tx, records)?;
            if !held.is_empty() {
                done.erasures += 1;
                codes.extend(held);
            }
        }
        done.codes = codes.len();
        if codes.is_empty() {
            return Ok(done);
        }
        done.roster_revisions = self.delete_roster_entries(&tx, &codes)?;
        done.revisions_scrubbed =
            self.scrub_meetings(&tx, &codes)? + self.scrub_submissions(&tx, &codes)?;
        for setting in text_settings {
            let Some(mut value) = self.setting_in(&tx, setting.key)? else {
                continue;
            };
            let mut changed = false;
            for code in &codes {
                if let Some(scrubbed) = (setting.scrub)(&value, code) {
                    value = scrubbed;
                    changed = true;
                }
            }
            if changed {
                self.set_setting_in(&tx, setting.key, &value)?;
                done.settings_scrubbed += 1;
            }
        }
        tx.commit()?;
        // The old bodies may still sit in WAL frames: copy them out and empty the WAL.
        crate::schema::checkpoint(&self.conn)?;
        Ok(done)
    }

    /// The codes the named records hold: a roster entry's (any revision, a removed one
    /// too), a submission's or draft's respondent.
    fn codes_held_by(
        &self,
        conn: &Connection,
        records: &[Uuid],
    ) -> Result<BTreeSet<String>, StoreError> {
        let mut codes = BTreeSet::new();
        for id in records {
            let id = id.to_string();
            for (_, entry) in self.entry_revisions(conn, &id)? {
                codes.insert(entry.participant.code);
            }
            for kind in [Kind::Submission, Kind::Draft] {
                for (_, _, s) in self.revisions::<Submission>(conn, kind, Some(&id))? {
                    codes.extend(s.respondent);
                }
            }
        }
        codes.retain(|c| !c.is_empty());
        Ok(codes)
    }

    /// Every revision of a kind (of one record when `id` is given), decrypted.
    fn revisions<T: serde::de::DeserializeOwned>(
        &self,
        conn: &Connection,
        kind: Kind,
        id: Option<&str>,
    ) -> Result<Vec<(Uuid, u32, T)>, StoreError> {
        let mut stmt = conn.prepare_cached(
            "SELECT id, revision, body FROM records WHERE kind = ?1 AND (?2 IS NULL OR id = ?2)",
        )?;
        self.collect(&mut stmt, params![kind.as_str(), id], kind)
    }

    /// Deletes every revision of every roster entry that ever held one of `codes`, and its
    /// outbox entries first (they point at the revisions). How many revisions went.
    fn delete_roster_entries(
        &self,
        conn: &Connection,
        codes: &BTreeSet<String>,
    ) -> Result<usize, StoreError> {
        let ids: BTreeSet<Uuid> = self
            .revisions::<RosterEntry>(conn, Kind::Participant, None)?
            .into_iter()
            .filter(|(_, _, e)| codes.contains(&e.participant.code))
            .map(|(id, _, _)| id)
            .collect();
        let mut deleted = 0;
        for id in ids {
            let id = id.to_string();
            conn.execute(
                "DELETE FROM outbox WHERE kind = 'participant' AND id = ?1",
                [&id],
            )?;
            deleted += conn.execute(
                "DELETE FROM records WHERE kind = 'participant' AND id = ?1",
                [&id],
            )?;
        }
        Ok(deleted)
    }

    fn scrub_meetings(
        &self,
        conn: &Connection,
        codes: &BTreeSet<String>,
    ) -> Result<usize, StoreError> {
        let mut scrubbed = 0;
        for (id, revision, mut meeting) in self.revisions::<Meeting>(conn, Kind::Meeting, None)? {
            let mut changed = false;
            for code in codes {
                changed |= erase_in_meeting(&mut meeting, code);
            }
            if changed {
                self.reseal(conn, Kind::Meeting, &id.to_string(), revision, &meeting)?;
                scrubbed += 1;
            }
        }
        Ok(scrubbed)
    }

    /// Finals and drafts, with the instrument each answered (built in or pulled) so that
    /// text answers lose the code too.
    fn scrub_submissions(
        &self,
        conn: &Connection,
        codes: &BTreeSet<String>,
    ) -> Result<usize, StoreError> {
        let mut catalog = Catalog::builtin();
        for instrument in self.instruments()? {
            catalog.insert(instrument);
        }
        let mut scrubbed = 0;
        for kind in [Kind::Submission, Kind::Draft] {
            for (id, revision, mut s) in self.revisions::<Submission>(conn, kind, None)? {
                let instrument = catalog.get(&s.instrument_id, s.instrument_version);
                let mut changed = false;
                for code in codes {
                    changed |= erase_in_submission(&mut s, code, instrument);
                }
                if changed {
                    self.reseal(conn, kind, &id.to_string(), revision, &s)?;
                    scrubbed += 1;
                }
            }
        }
        Ok(scrubbed)
    }
}
