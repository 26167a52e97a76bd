//! Instrument versions pulled from the server, kept so that a new questionnaire can be
//! used offline. Checked before storing: a malformed one never reaches respondents. Their
//! ids and versions are clear: the project's catalogue is the same on every tablet and
//! says nothing of who answered what.

use super::{immediate, open_json};
use crate::crypto;
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::Instrument;
use rusqlite::params;

fn aad(id: &str, version: u32) -> String {
    crypto::record_aad("instruments", id, version)
}

impl Vault {
    /// Stores an instrument version (replacing the same id and version).
    pub fn put_instrument(&self, instrument: &Instrument) -> Result<(), StoreError> {
        campo_core::load::check_instrument(instrument)
            .map_err(|e| StoreError::InvalidInstrument(e.to_string()))?;
        let sealed = self.seal_json(&aad(&instrument.id, instrument.version), instrument)?;
        let tx = immediate(&self.conn)?;
        tx.execute(
            "INSERT OR REPLACE INTO instruments (id, version, body) VALUES (?1, ?2, ?3)",
            params![instrument.id, instrument.version, sealed],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every stored instrument version, by id then version.
    pub fn instruments(&self) -> Result<Vec<Instrument>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, version, body FROM instruments ORDER BY id, version")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let version: u32 = row.get(1)?;
            let body = row.get_ref(2)?.as_blob()?;
            match open_json(self.dek.bytes(), &aad(&id, version), body)? {
                Some(instrument) => out.push(instrument),
                None => {
                    return Err(StoreError::Corrupt {
                        kind: "instrument".into(),
                        id,
                        revision: version,
                    })
                }
            }
        }
        Ok(out)
    }
}
