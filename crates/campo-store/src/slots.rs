//! The key_slots table. A slot is found by its random id; its name (a facilitator's real
//! name) is sealed under the data key, so names are read only after unlock.
//!
//! First-release slots carried the name in clear and in the wrapped key's AAD. The first
//! unlock after the upgrade seals every name and re-wraps the slot that unlocked under its
//! id, in one transaction; every other such slot is re-wrapped when it next unlocks (until
//! then its key is checked against the vault's check value instead of its tag: see
//! `keys::unwrap`).

use crate::crypto;
use crate::error::StoreError;
use crate::keys::{self, Dek, Kek, Slot, SlotKind, WrappedFor};
use crate::records::immediate;
use rusqlite::{params, Connection};

pub(crate) fn load(conn: &Connection, kind: Option<SlotKind>) -> Result<Vec<Slot>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, salt, iterations, wrapped, wrapped_for, name, legacy_name
         FROM key_slots ORDER BY rowid",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get(2)?,
            r.get::<_, i64>(3)?,
            r.get(4)?,
            r.get::<_, String>(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, k, salt, iterations, wrapped, wrapped_for, sealed_name, legacy_name) = row?;
        let k = SlotKind::parse(&k)?;
        if kind.is_some_and(|want| want != k) {
            continue;
        }
        out.push(Slot {
            id,
            kind: k,
            salt,
            iterations: u32::try_from(iterations).unwrap_or(0),
            wrapped,
            wrapped_for: WrappedFor::parse(&wrapped_for)?,
            sealed_name,
            legacy_name,
        });
    }
    Ok(out)
}

/// A new slot named `name` wrapping `dek` under `secret`.
pub(crate) fn new_slot(
    dek: &Dek,
    name: &str,
    kind: SlotKind,
    secret: &[u8],
    iterations: u32,
) -> Result<Slot, StoreError> {
    let id = keys::new_slot_id()?;
    let w = keys::wrap(dek, &id, secret, iterations)?;
    let sealed_name = crypto::seal(dek.bytes(), keys::name_aad(&id).as_bytes(), name.as_bytes())?;
    Ok(Slot {
        id,
        kind,
        salt: w.salt,
        iterations: w.iterations,
        wrapped: w.wrapped,
        wrapped_for: WrappedFor::Id,
        sealed_name: Some(sealed_name),
        legacy_name: None,
    })
}

pub(crate) fn insert(conn: &Connection, slot: &Slot) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO key_slots (id, kind, salt, iterations, wrapped, wrapped_for, name, legacy_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            slot.id,
            slot.kind.as_str(),
            slot.salt,
            slot.iterations,
            slot.wrapped,
            slot.wrapped_for.as_str(),
            slot.sealed_name,
            slot.legacy_name
        ],
    )?;
    Ok(())
}

/// The slot's name: sealed, or a first-release name not sealed yet.
pub(crate) fn name(dek: &Dek, slot: &Slot) -> Result<String, StoreError> {
    if let Some(name) = &slot.legacy_name {
        return Ok(name.clone());
    }
    let corrupt = || StoreError::Corrupt {
        kind: "key slot".into(),
        id: slot.id.clone(),
        revision: 0,
    };
    let sealed = slot.sealed_name.as_deref().ok_or_else(corrupt)?;
    let plain = crypto::open(dek.bytes(), keys::name_aad(&slot.id).as_bytes(), sealed)?
        .ok_or_else(corrupt)?;
    String::from_utf8(plain.to_vec()).map_err(|_| corrupt())
}

/// Every slot with its name.
pub(crate) fn named(
    conn: &Connection,
    dek: &Dek,
    kind: Option<SlotKind>,
) -> Result<Vec<(Slot, String)>, StoreError> {
    load(conn, kind)?
        .into_iter()
        .map(|s| {
            let n = name(dek, &s)?;
            Ok((s, n))
        })
        .collect()
}

/// The slot called `name` (surrounding space aside), if any.
pub(crate) fn find(conn: &Connection, dek: &Dek, name: &str) -> Result<Option<Slot>, StoreError> {
    let name = name.trim();
    Ok(named(conn, dek, None)?
        .into_iter()
        .find(|(_, n)| n == name)
        .map(|(s, _)| s))
}

/// Whether a slot of that name exists already; case does not matter, since two
/// facilitators listed as "Anna" and "anna" could not be told apart.
pub(crate) fn name_taken(conn: &Connection, dek: &Dek, name: &str) -> Result<bool, StoreError> {
    let name = name.trim().to_lowercase();
    Ok(named(conn, dek, None)?
        .iter()
        .any(|(_, n)| n.to_lowercase() == name))
}

/// After an unlock: seals every first-release name still in clear and re-wraps the slot
/// that unlocked under its id, in one transaction. Returns whether anything changed.
pub(crate) fn finish_upgrade(
    conn: &Connection,
    dek: &Dek,
    unlocked: &Slot,
    kek: &Kek,
) -> Result<bool, StoreError> {
    if unlocked.wrapped_for == WrappedFor::Id
        && !conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM key_slots WHERE legacy_name IS NOT NULL)",
            [],
            |r| r.get::<_, bool>(0),
        )?
    {
        return Ok(false);
    }
    let tx = immediate(conn)?;
    for slot in load(&tx, None)? {
        if let Some(name) = &slot.legacy_name {
            let sealed = crypto::seal(
                dek.bytes(),
                keys::name_aad(&slot.id).as_bytes(),
                name.as_bytes(),
            )?;
            tx.execute(
                "UPDATE key_slots SET name = ?2, legacy_name = NULL WHERE id = ?1",
                params![slot.id, sealed],
            )?;
        }
    }
    if unlocked.wrapped_for == WrappedFor::Name {
        // Same salt and iterations: the key just derived from the passphrase re-wraps it.
        let wrapped = keys::rewrap(dek, kek, &unlocked.id)?;
        tx.execute(
            "UPDATE key_slots SET wrapped = ?2, wrapped_for = 'id' WHERE id = ?1 AND salt = ?3",
            params![unlocked.id, wrapped, unlocked.salt],
        )?;
    }
    tx.commit()?;
    Ok(true)
}
