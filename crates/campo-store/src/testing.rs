//! For tests only (feature `insecure-test-kdf`, never shipped): every cell of every table
//! of an unlocked vault as text, with what is sealed opened, so that a test can prove
//! something is nowhere in the vault, whatever table or row it might have hidden in.

use crate::crypto;
use crate::error::StoreError;
use crate::vault::Vault;
use rusqlite::types::ValueRef;

/// One cell: where it is, and its text (opened when it was sealed under the data key).
#[derive(Clone, Debug)]
pub struct Cell {
    pub table: String,
    pub column: String,
    pub text: String,
    /// A blob that no AAD of its place opens under the data key: a wrapped data key (a key
    /// slot's, sealed under a passphrase), never a body.
    pub opaque: bool,
}

impl Vault {
    /// Every cell of every table (SQLite's own `sqlite_*` tables included), bodies opened.
    pub fn decrypted_cells(&self) -> Result<Vec<Cell>, StoreError> {
        let tables: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut cells = Vec::new();
        for table in tables {
            let mut stmt = self.conn.prepare(&format!("SELECT * FROM \"{table}\""))?;
            let columns: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let text_of = |name: &str| -> String {
                    columns
                        .iter()
                        .position(|c| c == name)
                        .and_then(|i| match row.get_ref(i).ok()? {
                            ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                            ValueRef::Integer(n) => Some(n.to_string()),
                            _ => None,
                        })
                        .unwrap_or_default()
                };
                for (i, column) in columns.iter().enumerate() {
                    let (text, opaque) = match row.get_ref(i)? {
                        ValueRef::Null => (String::new(), false),
                        ValueRef::Integer(n) => (n.to_string(), false),
                        ValueRef::Real(x) => (x.to_string(), false),
                        ValueRef::Text(t) => (String::from_utf8_lossy(t).into_owned(), false),
                        ValueRef::Blob(b) => {
                            let aad = match (table.as_str(), column.as_str()) {
                                ("records", "body") => Some(crypto::record_aad(
                                    &text_of("kind"),
                                    &text_of("id"),
                                    text_of("revision").parse().unwrap_or(0),
                                )),
                                ("settings", "body") => {
                                    Some(crypto::record_aad("settings", &text_of("key"), 0))
                                }
                                ("instruments", "body") => Some(crypto::record_aad(
                                    "instruments",
                                    &text_of("id"),
                                    text_of("version").parse().unwrap_or(0),
                                )),
                                ("key_slots", "name") => {
                                    Some(crate::keys::name_aad(&text_of("id")))
                                }
                                ("meta", "value") => {
                                    Some(crypto::record_aad("meta", &text_of("key"), 0))
                                }
                                _ => None,
                            };
                            let opened = match aad {
                                Some(aad) => crypto::open(self.dek.bytes(), aad.as_bytes(), b)?,
                                None => None,
                            };
                            match opened {
                                Some(plain) => {
                                    (String::from_utf8_lossy(&plain).into_owned(), false)
                                }
                                None => (String::from_utf8_lossy(b).into_owned(), true),
                            }
                        }
                    };
                    cells.push(Cell {
                        table: table.clone(),
                        column: column.clone(),
                        text,
                        opaque,
                    });
                }
            }
        }
        Ok(cells)
    }
}
