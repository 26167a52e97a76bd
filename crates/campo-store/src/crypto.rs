//! Sealing record bodies: AES-256-GCM with a fresh random 96-bit nonce per write.
//! A sealed body is `nonce || ciphertext || tag`; the AAD names where the body belongs,
//! so a body copied to another row (or another record kind) fails authentication.

use crate::error::StoreError;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

pub(crate) const KEY_LEN: usize = 32;

/// The AAD of a record body: `<table>|<id>|<revision>`.
pub(crate) fn record_aad(table: &str, id: &str, revision: u32) -> String {
    format!("{table}|{id}|{revision}")
}

// The key schedule is rebuilt per call from the zeroized key bytes rather than kept in a
// long-lived `LessSafeKey`, whose memory ring does not wipe. Rebuilding costs well under a
// microsecond with AES instructions.
fn cipher(key: &[u8; KEY_LEN]) -> Result<LessSafeKey, StoreError> {
    let unbound =
        UnboundKey::new(&AES_256_GCM, key).map_err(|_| StoreError::Crypto("bad key length"))?;
    Ok(LessSafeKey::new(unbound))
}

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out)?;
    Ok(out)
}

/// Lower-case hex, for ids and secrets shown as text.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Opens a body sealed by [`seal`] WITHOUT authenticating it, for a body whose AAD can no
/// longer be known (a first-release key slot's, whose AAD was the facilitator's name, now
/// sealed): GCM encrypts with AES-CTR, so sealing zeros under the same key and nonce gives
/// the key stream, and the body XOR the key stream is the plaintext. The caller must
/// authenticate the result another way (a data key must open the vault's sealed check
/// value). The key stream is wiped and never leaves this function.
pub(crate) fn open_unauthenticated(
    key: &[u8; KEY_LEN],
    sealed: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
    let tag_len = AES_256_GCM.tag_len();
    if sealed.len() < NONCE_LEN + tag_len {
        return Ok(None);
    }
    let (nonce, rest) = sealed.split_at(NONCE_LEN);
    let body = &rest[..rest.len() - tag_len];
    let nonce: [u8; NONCE_LEN] = nonce
        .try_into()
        .map_err(|_| StoreError::Crypto("bad nonce"))?;
    let mut stream = Zeroizing::new(vec![0u8; body.len()]);
    // The tag of sealing zeros is of no use: only the key stream is wanted.
    let _ = cipher(key)?.seal_in_place_separate_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::empty(),
        &mut stream,
    )?;
    let plain: Vec<u8> = body.iter().zip(stream.iter()).map(|(c, k)| c ^ k).collect();
    Ok(Some(Zeroizing::new(plain)))
}

pub(crate) fn seal(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let nonce: [u8; NONCE_LEN] = random_bytes()?;
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let tag = cipher(key)?.seal_in_place_separate_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut out[NONCE_LEN..],
    )?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// `None` when the body does not authenticate under this key and AAD (wrong key, wrong
/// place, or altered bytes). The plaintext is wiped when dropped.
pub(crate) fn open(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
    if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Ok(None);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce =
        Nonce::try_assume_unique_for_key(nonce).map_err(|_| StoreError::Crypto("bad nonce"))?;
    let mut buf = Zeroizing::new(body.to_vec());
    match cipher(key)?.open_in_place(nonce, Aad::from(aad), &mut buf) {
        Ok(plain) => {
            let n = plain.len();
            buf.truncate(n);
            Ok(Some(buf))
        }
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let key = [7u8; KEY_LEN];
        let sealed = seal(&key, b"a|1|1", b"secret").unwrap();
        assert_eq!(
            open(&key, b"a|1|1", &sealed).unwrap().unwrap().as_slice(),
            b"secret"
        );
        assert!(open(&key, b"a|2|1", &sealed).unwrap().is_none());
        assert!(open(&[8u8; KEY_LEN], b"a|1|1", &sealed).unwrap().is_none());
        let mut flipped = sealed.clone();
        flipped[14] ^= 1;
        assert!(open(&key, b"a|1|1", &flipped).unwrap().is_none());
        assert!(open(&key, b"a|1|1", &sealed[..10]).unwrap().is_none());
        // A fresh nonce per write: the same plaintext never seals to the same bytes.
        assert_ne!(sealed, seal(&key, b"a|1|1", b"secret").unwrap());
    }

    #[test]
    fn unauthenticated_opening_needs_no_aad_but_the_right_key() {
        let key = [3u8; KEY_LEN];
        let plain = [0x5au8; KEY_LEN];
        let sealed = seal(&key, b"campo-slot:someone", &plain).unwrap();
        let opened = open_unauthenticated(&key, &sealed).unwrap().unwrap();
        assert_eq!(opened.as_slice(), plain);
        let wrong = open_unauthenticated(&[4u8; KEY_LEN], &sealed)
            .unwrap()
            .unwrap();
        assert_ne!(wrong.as_slice(), plain);
        assert!(open_unauthenticated(&key, &sealed[..20]).unwrap().is_none());
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    proptest::proptest! {
        #[test]
        fn seal_open_round_trips_and_binds(
            key in proptest::array::uniform32(proptest::num::u8::ANY),
            plain in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
            aad in "[a-z]{1,8}\\|[0-9a-f-]{1,36}\\|[0-9]{1,5}",
            flip in proptest::num::usize::ANY,
        ) {
            let sealed = seal(&key, aad.as_bytes(), &plain).unwrap();
            let opened = open(&key, aad.as_bytes(), &sealed).unwrap().unwrap();
            proptest::prop_assert_eq!(opened.as_slice(), plain.as_slice());
            let mut bad = sealed.clone();
            let i = flip % bad.len();
            bad[i] ^= 0x40;
            proptest::prop_assert!(open(&key, aad.as_bytes(), &bad).unwrap().is_none());
            let other = format!("{aad}x");
            proptest::prop_assert!(open(&key, other.as_bytes(), &sealed).unwrap().is_none());
        }
    }
}
