//! The rules a synced record must keep whatever instruments a project holds: checked by the
//! tablet before it sends and by the server when it receives, so both refuse the same
//! things with the same code.

use crate::domain::Outreach;
use thiserror::Error;

/// Most characters in a roster code (a pseudonym like `C-017`, never a name).
pub const ROSTER_CODE_MAX: usize = 64;

/// A record that breaks one of the rules below.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RecordRuleError {
    #[error("a roster code must be 1 to {ROSTER_CODE_MAX} characters, without spaces around it")]
    RosterCode,
    #[error("outreach period {0:?} is not a month written as YYYY-MM")]
    OutreachPeriod(String),
    #[error(transparent)]
    Consent(#[from] crate::consent::ConsentError),
}

impl RecordRuleError {
    /// A stable code for the API's `reason_code` and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            RecordRuleError::RosterCode => "roster_code_invalid",
            RecordRuleError::OutreachPeriod(_) => "outreach_period_invalid",
            RecordRuleError::Consent(e) => e.code(),
        }
    }
}

/// A roster code: 1 to 64 characters, no leading or trailing white space, no control
/// characters.
pub fn check_roster_code(code: &str) -> Result<(), RecordRuleError> {
    let n = code.chars().count();
    let ok = (1..=ROSTER_CODE_MAX).contains(&n)
        && code.trim() == code
        && !code.chars().any(char::is_control);
    ok.then_some(()).ok_or(RecordRuleError::RosterCode)
}

/// An outreach period: a real month, `YYYY-MM`.
pub fn check_outreach(outreach: &Outreach) -> Result<(), RecordRuleError> {
    let p = &outreach.period;
    let ok = p.len() == 7
        && p.as_bytes()[4] == b'-'
        && chrono::NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d").is_ok();
    ok.then_some(())
        .ok_or_else(|| RecordRuleError::OutreachPeriod(p.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roster_codes() {
        assert!(check_roster_code("C-017").is_ok());
        assert!(check_roster_code(&"x".repeat(64)).is_ok());
        for bad in ["", " C-1", "C-1 ", "a\nb", &"x".repeat(65)] {
            assert_eq!(
                check_roster_code(bad),
                Err(RecordRuleError::RosterCode),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn outreach_periods() {
        let o = |p: &str| Outreach {
            period: p.into(),
            ..Outreach::default()
        };
        assert!(check_outreach(&o("2026-03")).is_ok());
        for bad in ["2026-13", "2026-3", "26-03-01", "2026/03", "", "2026-00"] {
            let err = check_outreach(&o(bad)).unwrap_err();
            assert_eq!(err.code(), "outreach_period_invalid", "{bad:?}");
        }
    }
}
