//! One-time codes a person writes down or reads out: 120 random bits as 24 base32
//! characters in 6 groups of 4 (`ABCD-EFGH-...`). Typed case and separators do not matter.

use crate::crypto;
use crate::error::StoreError;
use zeroize::Zeroizing;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(crate) fn generate() -> Result<Zeroizing<String>, StoreError> {
    let bytes: Zeroizing<[u8; 15]> = Zeroizing::new(crypto::random_bytes()?);
    let mut chars = Zeroizing::new(String::with_capacity(29));
    // 15 bytes = 120 bits = 24 groups of 5 bits.
    for i in 0..24 {
        let bit = i * 5;
        let (byte, shift) = (bit / 8, bit % 8);
        let word = (u16::from(bytes[byte]) << 8) | u16::from(*bytes.get(byte + 1).unwrap_or(&0));
        let v = (word >> (11 - shift)) & 0x1f;
        if i > 0 && i % 4 == 0 {
            chars.push('-');
        }
        chars.push(BASE32[usize::from(v)] as char);
    }
    Ok(chars)
}

/// The secret a code stands for: letters and digits only, upper case, so a code typed
/// with spaces, dashes or in lower case still works.
pub(crate) fn normalize(code: &str) -> Zeroizing<String> {
    Zeroizing::new(
        code.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_normalization() {
        let code = generate().unwrap();
        assert_eq!(code.len(), 29);
        assert_eq!(code.split('-').count(), 6);
        assert!(code
            .split('-')
            .all(|g| g.len() == 4 && g.bytes().all(|b| BASE32.contains(&b))));
        assert_eq!(
            normalize(&code.to_lowercase().replace('-', " ")).as_str(),
            code.replace('-', "")
        );
        assert_ne!(code, generate().unwrap());
    }
}
