//! Sealed key-value settings (server URL, device token, sync cursor, language...). The
//! key names are clear; the values are sealed, since a device token is a credential.

use super::{immediate, open_json};
use crate::crypto;
use crate::error::StoreError;
use crate::vault::Vault;
use rusqlite::{params, Connection, OptionalExtension};

fn aad(key: &str) -> String {
    crypto::record_aad("settings", key, 0)
}

impl Vault {
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.setting_in(&self.conn, key)
    }

    /// [`Vault::setting`] in the caller's transaction.
    pub(crate) fn setting_in(
        &self,
        conn: &Connection,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        let body: Option<Vec<u8>> = conn
            .query_row("SELECT body FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(body) = body else { return Ok(None) };
        match open_json(self.dek.bytes(), &aad(key), &body)? {
            Some(value) => Ok(Some(value)),
            None => Err(StoreError::Corrupt {
                kind: "setting".into(),
                id: key.into(),
                revision: 0,
            }),
        }
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        self.set_setting_in(&tx, key, value)?;
        tx.commit()?;
        Ok(())
    }

    /// [`Vault::set_setting`] in the caller's transaction.
    pub(crate) fn set_setting_in(
        &self,
        conn: &Connection,
        key: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let sealed = self.seal_json(&aad(key), &value)?;
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, body) VALUES (?1, ?2)",
            params![key, sealed],
        )?;
        Ok(())
    }
}
