//! The data key (DEK) and the key slots that wrap it, as LUKS does: each facilitator's
//! passphrase, and a one-time recovery code, derive a key-encryption key with
//! PBKDF2-HMAC-SHA256 that wraps the same DEK. Adding or removing a slot never touches
//! the data.

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

/// Passphrases shorter than this many characters are refused.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

pub(crate) const SALT_LEN: usize = 16;
pub(crate) const RECOVERY_SLOT: &str = "recovery";

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

/// What the key_slots table holds for one slot. Nothing here is secret on its own.
pub(crate) struct Slot {
    pub name: String,
    pub kind: SlotKind,
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub wrapped: Vec<u8>,
}

/// A slot as the app may list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotInfo {
    pub name: String,
    pub kind: SlotKind,
    pub iterations: u32,
}

fn slot_aad(name: &str) -> String {
    format!("campo-slot:{name}")
}

pub(crate) fn check_passphrase(passphrase: &str) -> Result<(), StoreError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(StoreError::PassphraseTooShort {
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    Ok(())
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

fn derive_kek(
    secret: &[u8],
    salt: &[u8],
    iterations: u32,
) -> Result<Zeroizing<[u8; KEY_LEN]>, StoreError> {
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

/// Wraps the DEK under a secret (passphrase or normalized recovery code).
pub(crate) fn wrap(
    dek: &Dek,
    name: &str,
    kind: SlotKind,
    secret: &[u8],
    iterations: u32,
) -> Result<Slot, StoreError> {
    let salt: [u8; SALT_LEN] = crypto::random_bytes()?;
    let kek = derive_kek(secret, &salt, iterations)?;
    let wrapped = crypto::seal(&kek, slot_aad(name).as_bytes(), dek.bytes())?;
    Ok(Slot {
        name: name.to_string(),
        kind,
        salt: salt.to_vec(),
        iterations,
        wrapped,
    })
}

/// The DEK if `secret` opens this slot, `None` if not. Weak slots are refused first,
/// without running the KDF.
pub(crate) fn unwrap(slot: &Slot, secret: &[u8]) -> Result<Option<Dek>, StoreError> {
    check_iterations(&slot.name, slot.iterations, MIN_ITERATIONS)?;
    let kek = derive_kek(secret, &slot.salt, slot.iterations)?;
    let Some(plain) = crypto::open(&kek, slot_aad(&slot.name).as_bytes(), &slot.wrapped)? else {
        return Ok(None);
    };
    let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| {
        StoreError::Damaged(format!(
            "key slot {:?} holds a key of the wrong size",
            slot.name
        ))
    })?;
    Ok(Some(Dek(bytes)))
}

/// A one-time recovery code: 120 random bits as 24 base32 characters in groups of 4
/// (`ABCD-EFGH-...`), shown once at setup. Wiped from memory when dropped.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct RecoveryCode(String);

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl RecoveryCode {
    pub(crate) fn generate() -> Result<RecoveryCode, StoreError> {
        let bytes: Zeroizing<[u8; 15]> = Zeroizing::new(crypto::random_bytes()?);
        let mut chars = String::with_capacity(29);
        // 15 bytes = 120 bits = 24 groups of 5 bits.
        for i in 0..24 {
            let bit = i * 5;
            let (byte, shift) = (bit / 8, bit % 8);
            let word =
                (u16::from(bytes[byte]) << 8) | u16::from(*bytes.get(byte + 1).unwrap_or(&0));
            let v = (word >> (11 - shift)) & 0x1f;
            if i > 0 && i % 4 == 0 {
                chars.push('-');
            }
            chars.push(BASE32[v as usize] as char);
        }
        Ok(RecoveryCode(chars))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The secret the slot is derived from: letters and digits only, upper case, so a
    /// code typed with spaces, dashes or in lower case still works.
    pub(crate) fn normalize(code: &str) -> Zeroizing<String> {
        Zeroizing::new(
            code.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        )
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

    #[test]
    fn short_passphrases_are_refused() {
        assert!(matches!(
            check_passphrase("ninechars"),
            Err(StoreError::PassphraseTooShort { min: 10 })
        ));
        assert!(check_passphrase("tencharsok").is_ok());
        // Characters, not bytes: ten accented letters are ten characters.
        assert!(check_passphrase("èèèèèèèèèè").is_ok());
    }

    #[test]
    fn recovery_code_shape() {
        let code = RecoveryCode::generate().unwrap();
        let s = code.as_str();
        assert_eq!(s.len(), 29);
        assert_eq!(s.split('-').count(), 6);
        assert!(s
            .split('-')
            .all(|g| g.len() == 4 && g.bytes().all(|b| BASE32.contains(&b))));
        assert_eq!(
            RecoveryCode::normalize(&s.to_lowercase().replace('-', " ")).as_str(),
            s.replace('-', "")
        );
        assert_ne!(s, RecoveryCode::generate().unwrap().as_str());
    }

    #[test]
    fn wrap_unwrap() {
        let dek = Dek::generate().unwrap();
        let slot = wrap(
            &dek,
            "anna",
            SlotKind::Passphrase,
            b"correct horse",
            MIN_ITERATIONS,
        )
        .unwrap();
        assert!(unwrap(&slot, b"correct horse").unwrap().unwrap() == dek);
        assert!(unwrap(&slot, b"wrong horse!").unwrap().is_none());
        let renamed = Slot {
            name: "bruno".into(),
            ..slot
        };
        assert!(unwrap(&renamed, b"correct horse").unwrap().is_none());
    }
}
