//! The data key (DEK) and the key slots that wrap it, as LUKS does: each facilitator's
//! passphrase, and a one-time recovery code, derive a key-encryption key with
//! PBKDF2-HMAC-SHA256 that wraps the same DEK. Adding or removing a slot never touches
//! the data.

use crate::codes;
use crate::crypto::{self, KEY_LEN};
use crate::error::StoreError;
use ring::pbkdf2;
use std::num::NonZeroU32;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// PBKDF2 iterations of every new slot (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
pub const DEFAULT_ITERATIONS: u32 = 600_000;

/// The fewest iterations a slot may have to be unlocked. Test builds (feature
/// `insecure-test-kdf`) accept fewer so suites stay fast, but still refuse absurd counts.
#[cfg(not(feature = "insecure-test-kdf"))]
pub const MIN_ITERATIONS: u32 = DEFAULT_ITERATIONS;
#[cfg(feature = "insecure-test-kdf")]
pub const MIN_ITERATIONS: u32 = 1_000;

pub(crate) const SALT_LEN: usize = 16;
/// The recovery slot's name (it names no person).
pub(crate) const RECOVERY_SLOT: &str = "recovery";

/// The data key check: a constant sealed under the data key, so that a key a slot yields
/// is known to be this vault's before anything is read with it.
const DEK_CHECK_AAD: &[u8] = b"meta|dek_check|0";
const DEK_CHECK_TEXT: &[u8] = b"campo vault data key";

/// A key-encryption key derived from a passphrase or recovery code. Wiped when dropped.
pub(crate) type Kek = Zeroizing<[u8; KEY_LEN]>;

/// The data key. Wiped from memory when dropped (and so on lock).
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct Dek([u8; KEY_LEN]);

impl Dek {
    pub(crate) fn generate() -> Result<Dek, StoreError> {
        Ok(Dek(crypto::random_bytes()?))
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The check value to store in `meta` for this key.
    pub(crate) fn seal_check(&self) -> Result<Vec<u8>, StoreError> {
        crypto::seal(&self.0, DEK_CHECK_AAD, DEK_CHECK_TEXT)
    }

    /// Whether this key opens the vault's check value.
    pub(crate) fn opens_check(&self, check: &[u8]) -> Result<bool, StoreError> {
        Ok(crypto::open(&self.0, DEK_CHECK_AAD, check)?
            .is_some_and(|text| text.as_slice() == DEK_CHECK_TEXT))
    }
}

impl PartialEq for Dek {
    fn eq(&self, other: &Self) -> bool {
        // Constant time: a comparison of keys must not leak where they differ.
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotKind {
    Passphrase,
    Recovery,
}

impl SlotKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SlotKind::Passphrase => "passphrase",
            SlotKind::Recovery => "recovery",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<SlotKind, StoreError> {
        match s {
            "passphrase" => Ok(SlotKind::Passphrase),
            "recovery" => Ok(SlotKind::Recovery),
            other => Err(StoreError::Damaged(format!(
                "unknown key slot kind {other:?}"
            ))),
        }
    }
}

/// What the AAD of a slot's wrapped data key names: the slot's random id, or (slots
/// written by the first release, until they next unlock) the facilitator's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WrappedFor {
    Id,
    Name,
}

impl WrappedFor {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            WrappedFor::Id => "id",
            WrappedFor::Name => "name",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<WrappedFor, StoreError> {
        match s {
            "id" => Ok(WrappedFor::Id),
            "name" => Ok(WrappedFor::Name),
            other => Err(StoreError::Damaged(format!(
                "unknown key slot wrapping {other:?}"
            ))),
        }
    }
}

/// What the key_slots table holds for one slot. Nothing here is secret on its own.
pub(crate) struct Slot {
    /// Random, 128 bits in hex: the table key and the wrapped key's AAD.
    pub id: String,
    pub kind: SlotKind,
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub wrapped: Vec<u8>,
    pub wrapped_for: WrappedFor,
    /// The name sealed under the data key (read after unlock).
    pub sealed_name: Option<Vec<u8>>,
    /// A first-release slot's name, in clear until the vault's first unlock after the
    /// upgrade seals it.
    pub legacy_name: Option<String>,
}

/// A slot as the app may list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotInfo {
    pub name: String,
    pub kind: SlotKind,
    pub iterations: u32,
}

fn slot_aad(id_or_name: &str) -> String {
    format!("campo-slot:{id_or_name}")
}

/// The AAD of a slot's sealed name.
pub(crate) fn name_aad(id: &str) -> String {
    crypto::record_aad("key_slots", id, 0)
}

pub(crate) fn new_slot_id() -> Result<String, StoreError> {
    Ok(crypto::hex(&crypto::random_bytes::<16>()?))
}

/// Refuses a slot whose iteration count is below `minimum`. A low count in the file is a
/// sign of tampering (or of a test build's vault on a real device): it would make the
/// passphrase cheap to guess, so the slot is not used at all.
pub(crate) fn check_iterations(
    slot: &str,
    iterations: u32,
    minimum: u32,
) -> Result<(), StoreError> {
    if iterations < minimum {
        return Err(StoreError::WeakSlot {
            slot: slot.to_string(),
            iterations,
            minimum,
        });
    }
    Ok(())
}

fn derive_kek(secret: &[u8], salt: &[u8], iterations: u32) -> Result<Kek, StoreError> {
    let iterations =
        NonZeroU32::new(iterations).ok_or(StoreError::Crypto("zero PBKDF2 iterations"))?;
    let mut kek = Zeroizing::new([0u8; KEY_LEN]);
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        secret,
        kek.as_mut(),
    );
    Ok(kek)
}

/// A freshly wrapped data key: the slot's salt, iterations and wrapped bytes.
pub(crate) struct Wrapped {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub wrapped: Vec<u8>,
}

/// Wraps the DEK under a secret (passphrase or normalized recovery code) for slot `id`.
pub(crate) fn wrap(
    dek: &Dek,
    id: &str,
    secret: &[u8],
    iterations: u32,
) -> Result<Wrapped, StoreError> {
    let salt: [u8; SALT_LEN] = crypto::random_bytes()?;
    let kek = derive_kek(secret, &salt, iterations)?;
    Ok(Wrapped {
        salt: salt.to_vec(),
        iterations,
        wrapped: rewrap(dek, &kek, id)?,
    })
}

/// The DEK wrapped again under a key already derived (same salt and iterations), for slot
/// `id`: how a first-release slot moves to an id AAD when it unlocks.
pub(crate) fn rewrap(dek: &Dek, kek: &Kek, id: &str) -> Result<Vec<u8>, StoreError> {
    crypto::seal(kek, slot_aad(id).as_bytes(), dek.bytes())
}

/// What trying a secret on a slot gave.
pub(crate) enum Unwrapped {
    /// This vault's data key, with the key it was unwrapped with.
    Opened(Dek, Kek),
    /// The secret does not open this slot.
    NotThisSlot,
    /// The slot opened but its key does not open this vault's check value: the slot was
    /// copied from another vault.
    OtherVaultsKey,
}

/// Tries `secret` on a slot. Weak slots are refused first, without running the KDF.
pub(crate) fn unwrap(
    slot: &Slot,
    secret: &[u8],
    dek_check: &[u8],
) -> Result<Unwrapped, StoreError> {
    check_iterations(&slot.id, slot.iterations, MIN_ITERATIONS)?;
    let kek = derive_kek(secret, &slot.salt, slot.iterations)?;
    let (plain, authenticated) = match (slot.wrapped_for, &slot.legacy_name) {
        (WrappedFor::Id, _) => (
            crypto::open(&kek, slot_aad(&slot.id).as_bytes(), &slot.wrapped)?,
            true,
        ),
        (WrappedFor::Name, Some(name)) => (
            crypto::open(&kek, slot_aad(name).as_bytes(), &slot.wrapped)?,
            true,
        ),
        // A first-release slot whose name is now sealed: its tag cannot be checked, so the
        // candidate key is accepted only if it opens the check value.
        (WrappedFor::Name, None) => (crypto::open_unauthenticated(&kek, &slot.wrapped)?, false),
    };
    let Some(plain) = plain else {
        return Ok(Unwrapped::NotThisSlot);
    };
    let Ok(bytes) = <[u8; KEY_LEN]>::try_from(plain.as_slice()) else {
        if !authenticated {
            return Ok(Unwrapped::NotThisSlot);
        }
        return Err(StoreError::Damaged(format!(
            "key slot {} holds a key of the wrong size",
            slot.id
        )));
    };
    let dek = Dek(bytes);
    match (dek.opens_check(dek_check)?, authenticated) {
        (true, _) => Ok(Unwrapped::Opened(dek, kek)),
        (false, true) => Ok(Unwrapped::OtherVaultsKey),
        (false, false) => Ok(Unwrapped::NotThisSlot),
    }
}

/// A one-time recovery code: 120 random bits as 24 base32 characters in groups of 4
/// (`ABCD-EFGH-...`), shown once at setup. Wiped from memory when dropped.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct RecoveryCode(String);

impl RecoveryCode {
    pub(crate) fn generate() -> Result<RecoveryCode, StoreError> {
        Ok(RecoveryCode(codes::generate()?.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The secret the slot is derived from (see [`codes::normalize`]).
    pub(crate) fn normalize(code: &str) -> Zeroizing<String> {
        codes::normalize(code)
    }
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_slots_are_refused_at_the_shipped_minimum() {
        assert!(matches!(
            check_iterations("anna", 599_999, DEFAULT_ITERATIONS),
            Err(StoreError::WeakSlot {
                iterations: 599_999,
                minimum: 600_000,
                ..
            })
        ));
        assert!(check_iterations("anna", 600_000, DEFAULT_ITERATIONS).is_ok());
    }

    fn slot(id: &str, w: Wrapped, wrapped_for: WrappedFor, legacy: Option<&str>) -> Slot {
        Slot {
            id: id.into(),
            kind: SlotKind::Passphrase,
            salt: w.salt,
            iterations: w.iterations,
            wrapped: w.wrapped,
            wrapped_for,
            sealed_name: None,
            legacy_name: legacy.map(String::from),
        }
    }

    fn opened(u: Unwrapped) -> Option<Dek> {
        match u {
            Unwrapped::Opened(dek, _) => Some(dek),
            _ => None,
        }
    }

    #[test]
    fn wrap_unwrap_binds_the_slot_id() {
        let dek = Dek::generate().unwrap();
        let check = dek.seal_check().unwrap();
        let w = wrap(&dek, "id-a", b"correct horse", MIN_ITERATIONS).unwrap();
        let a = slot("id-a", w, WrappedFor::Id, None);
        assert!(opened(unwrap(&a, b"correct horse", &check).unwrap()).unwrap() == dek);
        assert!(opened(unwrap(&a, b"wrong horse!", &check).unwrap()).is_none());
        let moved = Slot {
            id: "id-b".into(),
            ..a
        };
        assert!(opened(unwrap(&moved, b"correct horse", &check).unwrap()).is_none());
        // Another vault's key behind the right passphrase is told apart.
        let other = Dek::generate().unwrap();
        let w = wrap(&other, "id-c", b"correct horse", MIN_ITERATIONS).unwrap();
        let c = slot("id-c", w, WrappedFor::Id, None);
        assert!(matches!(
            unwrap(&c, b"correct horse", &check).unwrap(),
            Unwrapped::OtherVaultsKey
        ));
    }

    #[test]
    fn first_release_slots_open_with_or_without_their_name() {
        let dek = Dek::generate().unwrap();
        let check = dek.seal_check().unwrap();
        // The first release's AAD named the facilitator.
        let w = wrap(&dek, "Anna", b"correct horse", MIN_ITERATIONS).unwrap();
        let named = slot("1f2e", w, WrappedFor::Name, Some("Anna"));
        assert!(opened(unwrap(&named, b"correct horse", &check).unwrap()).unwrap() == dek);
        let unnamed = Slot {
            legacy_name: None,
            ..named
        };
        let (dek2, kek) = match unwrap(&unnamed, b"correct horse", &check).unwrap() {
            Unwrapped::Opened(d, k) => (d, k),
            _ => panic!("the unnamed first-release slot did not open"),
        };
        assert!(dek2 == dek);
        assert!(opened(unwrap(&unnamed, b"wrong horse!", &check).unwrap()).is_none());
        // Without its name, another vault's key is just a slot that does not open.
        let other = Dek::generate().unwrap();
        assert!(
            opened(unwrap(&unnamed, b"correct horse", &other.seal_check().unwrap()).unwrap())
                .is_none()
        );
        // Re-wrapped under its id, the slot authenticates again.
        let rewrapped = Slot {
            wrapped: rewrap(&dek, &kek, "1f2e").unwrap(),
            wrapped_for: WrappedFor::Id,
            ..unnamed
        };
        assert!(opened(unwrap(&rewrapped, b"correct horse", &check).unwrap()).unwrap() == dek);
    }
}
