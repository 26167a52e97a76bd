//! The vault secret: 256 random bits made with the vault, sealed in `meta`, that prove to
//! the server that a re-enrollment comes from the same vault (the vault id alone is no
//! proof: it travels with every sync). Vaults of the first release get theirs on first use.

use crate::crypto;
use crate::error::StoreError;
use crate::keys::Dek;
use crate::records::immediate;
use crate::vault::{set_meta, Vault};
use rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroizing;

const AAD: &[u8] = b"meta|vault_secret|0";
const LEN: usize = 32;

/// Makes and stores a new secret (in the caller's transaction).
pub(crate) fn store_new(conn: &Connection, dek: &Dek) -> Result<(), StoreError> {
    let secret: Zeroizing<[u8; LEN]> = Zeroizing::new(crypto::random_bytes()?);
    set_meta(
        conn,
        "vault_secret",
        crypto::seal(dek.bytes(), AAD, secret.as_ref())?,
    )
}

fn stored(conn: &Connection) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'vault_secret'",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

impl Vault {
    /// The vault secret as 64 lower-case hex characters; the same value on every call.
    pub fn vault_secret(&self) -> Result<Zeroizing<String>, StoreError> {
        let sealed = match stored(&self.conn)? {
            Some(sealed) => sealed,
            None => {
                let tx = immediate(&self.conn)?;
                // Another handle may have made it meanwhile: keep the first.
                if stored(&tx)?.is_none() {
                    store_new(&tx, &self.dek)?;
                }
                tx.commit()?;
                stored(&self.conn)?
                    .ok_or_else(|| StoreError::Damaged("the vault secret was not stored".into()))?
            }
        };
        let plain = crypto::open(self.dek.bytes(), AAD, &sealed)?
            .filter(|p| p.len() == LEN)
            .ok_or_else(|| StoreError::Corrupt {
                kind: "vault secret".into(),
                id: "meta".into(),
                revision: 0,
            })?;
        Ok(Zeroizing::new(crypto::hex(&plain)))
    }
}
