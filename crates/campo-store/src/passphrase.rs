//! The passphrase rule, in one place: the vault applies it to every new key slot, and the
//! app asks it as the facilitator types.

use std::fmt;

/// Passphrases shorter than this many characters (Unicode scalar values) are refused.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// Why a passphrase is refused. `code()` is stable; the text may be reworded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassphraseProblem {
    /// Fewer than [`MIN_PASSPHRASE_CHARS`] characters.
    TooShort,
    /// One character repeated.
    OneCharacter,
    /// The facilitator's own name, perhaps with digits or punctuation added.
    IsName,
    /// A common password (or a single common word or name) from the lists shipped with
    /// the app.
    Common,
}

impl PassphraseProblem {
    pub fn code(self) -> &'static str {
        match self {
            PassphraseProblem::TooShort => "too_short",
            PassphraseProblem::OneCharacter => "one_character",
            PassphraseProblem::IsName => "is_name",
            PassphraseProblem::Common => "common",
        }
    }
}

impl fmt::Display for PassphraseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PassphraseProblem::TooShort => write!(
                f,
                "the passphrase must be at least {MIN_PASSPHRASE_CHARS} characters long"
            ),
            PassphraseProblem::OneCharacter => {
                f.write_str("the passphrase must not be one character repeated")
            }
            PassphraseProblem::IsName => {
                f.write_str("the passphrase must not be the facilitator's name")
            }
            PassphraseProblem::Common => f.write_str(
                "the passphrase is a common password or word: choose a less guessable one",
            ),
        }
    }
}

impl std::error::Error for PassphraseProblem {}

/// Checks a new passphrase for the slot of `facilitator` (the slot's name).
pub fn check_passphrase(passphrase: &str, facilitator: &str) -> Result<(), PassphraseProblem> {
    let mut chars = passphrase.chars();
    let count = passphrase.chars().count();
    if count < MIN_PASSPHRASE_CHARS {
        return Err(PassphraseProblem::TooShort);
    }
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return Err(PassphraseProblem::OneCharacter);
        }
    }
    if is_name(passphrase, facilitator) {
        return Err(PassphraseProblem::IsName);
    }
    if is_common(passphrase) {
        return Err(PassphraseProblem::Common);
    }
    Ok(())
}

/// The name itself (case and surrounding space aside), or the name with only digits,
/// punctuation, symbols or spaces added or removed: "Anna Rossi 1970!" is "annarossi".
fn is_name(passphrase: &str, facilitator: &str) -> bool {
    let name = facilitator.trim();
    if name.is_empty() {
        return false;
    }
    if passphrase.trim().to_lowercase() == name.to_lowercase() {
        return true;
    }
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let name_letters = letters(name);
    !name_letters.is_empty() && letters(passphrase) == name_letters
}

/// Whether the whole passphrase is one entry of the frequency lists that zxcvbn (Dropbox's
/// password strength estimator, ported to Rust) ships: the 30,000 most frequent passwords
/// of leaked password sets, and the most frequent English words, first names and surnames.
/// Matched case-insensitively, reversed and in l33t spelling too. A single word from any
/// of those lists falls to the first guesses of a cracker just as a listed password does;
/// a passphrase of several words is explained by several matches and is fine.
fn is_common(passphrase: &str) -> bool {
    let estimate = zxcvbn::zxcvbn(passphrase, &[]);
    // zxcvbn looks at the first 100 characters only; a longer passphrase is no list entry.
    let whole: String = passphrase.chars().take(100).collect();
    estimate.sequence().iter().any(|m| {
        matches!(
            m.pattern,
            zxcvbn::matching::patterns::MatchPattern::Dictionary(_)
        ) && m.token == whole
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(
            check_passphrase("nine char", "Anna"),
            Err(PassphraseProblem::TooShort)
        );
        assert_eq!(check_passphrase("tencharsok", "Anna"), Ok(()));
        // Ten accented letters are ten characters (twenty bytes).
        assert_eq!(check_passphrase("èàèàèàèàèà", "Anna"), Ok(()));
        assert_eq!(
            check_passphrase("èàèàèàèàè", "Anna"),
            Err(PassphraseProblem::TooShort)
        );
    }

    #[test]
    fn one_character_repeated() {
        for p in ["aaaaaaaaaa", "          ", "ééééééééééééé", "1111111111111"] {
            assert_eq!(
                check_passphrase(p, "Anna"),
                Err(PassphraseProblem::OneCharacter),
                "{p}"
            );
        }
        assert_eq!(check_passphrase("aaaaaaaaab", "Anna"), Ok(()));
    }

    #[test]
    fn the_facilitators_name() {
        let name = "Annamaria Rossi";
        for p in [
            "Annamaria Rossi",
            "  annamaria rossi ",
            "ANNAMARIA ROSSI",
            "annamariarossi",
            "Annamaria Rossi 1970",
            "annamaria.rossi!!",
            "2024-Annamaria_Rossi",
        ] {
            assert_eq!(
                check_passphrase(p, name),
                Err(PassphraseProblem::IsName),
                "{p}"
            );
        }
        // More than the name is fine, and so is another name.
        assert_eq!(
            check_passphrase("Annamaria Rossi loves rivers", name),
            Ok(())
        );
        assert_eq!(check_passphrase("Annamaria Rossi", "Bruno Verdi"), Ok(()));
        // A name of digits only gives no letters to compare: the exact rule still holds.
        assert_eq!(
            check_passphrase("1234509876", "1234509876"),
            Err(PassphraseProblem::IsName)
        );
    }

    #[test]
    fn common_passwords_from_the_list() {
        for p in [
            "qwertyuiop",
            "1234567890",
            "password123",
            "PASSWORD123",
            "qwerty123456",
            "1q2w3e4r5t",
            "manchester",
            "terminator",
            // One common English word is as guessable as a listed password.
            "government",
        ] {
            assert_eq!(
                check_passphrase(p, "Anna"),
                Err(PassphraseProblem::Common),
                "{p}"
            );
        }
        for p in [
            "correct horse battery",
            "il fiume scorre piano",
            "benchmark passphrase",
        ] {
            assert_eq!(check_passphrase(p, "Anna"), Ok(()), "{p}");
        }
    }

    #[test]
    fn codes_and_messages_are_stable() {
        let all = [
            PassphraseProblem::TooShort,
            PassphraseProblem::OneCharacter,
            PassphraseProblem::IsName,
            PassphraseProblem::Common,
        ];
        let codes: Vec<_> = all.iter().map(|p| p.code()).collect();
        assert_eq!(codes, ["too_short", "one_character", "is_name", "common"]);
        assert!(PassphraseProblem::TooShort
            .to_string()
            .contains("at least 10 characters"));
        for p in all {
            assert!(!p.to_string().is_empty());
        }
    }
}
