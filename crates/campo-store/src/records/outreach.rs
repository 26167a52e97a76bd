//! Outreach counters, one entry per period, entered by hand.

use super::{immediate, new_record_id, Kind, Origin, Row};
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::Outreach;

impl Vault {
    /// Saves a period's counters; saving a period again stores a new revision of it.
    pub fn save_outreach(&self, outreach: &Outreach) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        let current = self.current_records::<Outreach>(Kind::Outreach)?;
        let (id, revision) = match current
            .into_iter()
            .find(|(_, _, o)| o.period == outreach.period)
        {
            Some((_, _, o)) if o == *outreach => return Ok(()),
            Some((id, rev, _)) => (id, rev + 1),
            None => (new_record_id(), 1),
        };
        self.insert_record(
            &tx,
            &Row::new(Kind::Outreach, id, revision),
            Origin::Local,
            outreach,
            true,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every period's current counters, by period.
    pub fn outreach(&self) -> Result<Vec<Outreach>, StoreError> {
        let mut out: Vec<Outreach> = self
            .current_records(Kind::Outreach)?
            .into_iter()
            .map(|(_, _, o)| o)
            .collect();
        out.sort_by(|a, b| a.period.cmp(&b.period));
        Ok(out)
    }
}
