//! The device's roster: a pseudonymous code per carer, with the name and contact sealed.

use super::{immediate, Kind, Origin, Row};
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::Participant;
use uuid::Uuid;

impl Vault {
    /// Adds a carer, or stores a new revision if the code is already on the roster.
    /// Saving an identical entry again changes nothing.
    pub fn add_participant(&self, participant: &Participant) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        // The code is sealed too, so the existing entry is found among the decrypted
        // roster: a device holds hundreds of carers, not millions.
        let current = self.current_records::<Participant>(Kind::Participant)?;
        let (id, revision) = match current
            .into_iter()
            .find(|(_, _, p)| p.code == participant.code)
        {
            Some((_, _, p)) if p == *participant => return Ok(()),
            Some((id, rev, _)) => (id, rev + 1),
            None => (Uuid::now_v7(), 1),
        };
        self.insert_record(
            &tx,
            &Row::new(Kind::Participant, id, revision),
            Origin::Local,
            participant,
            true,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The roster, by code.
    pub fn participants(&self) -> Result<Vec<Participant>, StoreError> {
        let mut out: Vec<Participant> = self
            .current_records(Kind::Participant)?
            .into_iter()
            .map(|(_, _, p)| p)
            .collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }
}
