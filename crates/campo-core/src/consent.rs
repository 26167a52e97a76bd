//! A carer's consent: given on a date to a version of the project's information sheet for
//! some purposes, and withdrawn. The history is kept whole (it is what a project shows when
//! asked), and only the latest step is in force.
//!
//! The tablet keeps the history with the roster entry and sends it with the roster code
//! (never the name); a coded questionnaire starts only under consent in force that covers
//! questionnaires.

use crate::i18n::Text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Most steps in one carer's history: a consent given again for each new sheet over a
/// pilot of a few years stays far below it.
pub const CONSENT_EVENTS_MAX: usize = 100;
/// Most characters of an information sheet's version (`2026-01`, `v3`).
pub const SHEET_VERSION_MAX: usize = 64;
/// Most characters of an information sheet's text in one language.
pub const SHEET_TEXT_MAX: usize = 20_000;

/// What a carer may agree to, each on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    /// Answering the project's questionnaires under their code, so that answers before and
    /// after a course are paired.
    Questionnaires,
    /// Keeping their name and contact on the facilitator's tablet to be told of meetings.
    Contact,
}

impl ConsentScope {
    pub const ALL: [ConsentScope; 2] = [ConsentScope::Questionnaires, ConsentScope::Contact];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentScope::Questionnaires => "questionnaires",
            ConsentScope::Contact => "contact",
        }
    }
}

/// One step of a carer's consent history. Its rules (a version of 1 to 64 characters, one
/// or both purposes each once, dates in order, a withdrawal only of consent in force) are
/// judged record by record ([`check_history`]), so the API document states none of them:
/// a push is never refused whole for a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ConsentEvent {
    /// Consent given, after the carer was shown `sheet_version` of the information sheet.
    Given {
        date: NaiveDate,
        sheet_version: String,
        covers: Vec<ConsentScope>,
    },
    /// Consent withdrawn: nothing new is collected under the code from this date.
    Withdrawn { date: NaiveDate },
}

impl ConsentEvent {
    pub fn date(&self) -> NaiveDate {
        match self {
            ConsentEvent::Given { date, .. } | ConsentEvent::Withdrawn { date } => *date,
        }
    }
}

// Read by hand: serde's derived readers also take a variant's index (`"event": 0`),
// which the API document says is no step; only the names are.
impl<'de> Deserialize<'de> for ConsentScope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        ConsentScope::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| serde::de::Error::unknown_variant(&name, &["questionnaires", "contact"]))
    }
}

impl<'de> Deserialize<'de> for ConsentEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        /// Whatever else a step carries is dropped, so it is never stored or sent on.
        #[derive(Deserialize)]
        struct Step {
            event: String,
            date: NaiveDate,
            sheet_version: Option<String>,
            covers: Option<Vec<ConsentScope>>,
        }
        let step = Step::deserialize(d)?;
        match step.event.as_str() {
            "given" => Ok(ConsentEvent::Given {
                date: step.date,
                sheet_version: step
                    .sheet_version
                    .ok_or_else(|| D::Error::missing_field("sheet_version"))?,
                covers: step
                    .covers
                    .ok_or_else(|| D::Error::missing_field("covers"))?,
            }),
            "withdrawn" => Ok(ConsentEvent::Withdrawn { date: step.date }),
            other => Err(D::Error::unknown_variant(other, &["given", "withdrawn"])),
        }
    }
}

/// The consent in force at the end of `history`: its latest step, when that gives consent.
pub fn in_force(history: &[ConsentEvent]) -> Option<&ConsentEvent> {
    history
        .last()
        .filter(|e| matches!(e, ConsentEvent::Given { .. }))
}

/// Whether the consent in force covers `scope`.
pub fn covers(history: &[ConsentEvent], scope: ConsentScope) -> bool {
    matches!(in_force(history), Some(ConsentEvent::Given { covers, .. }) if covers.contains(&scope))
}

/// The project's information sheet, shown to a carer before consent is asked: the
/// version a consent names, and its text in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InformationSheet {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub version: String,
    pub text: Text,
}

/// A consent history or information sheet that breaks its rules.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ConsentError {
    #[error("a consent history holds at most {CONSENT_EVENTS_MAX} steps")]
    TooLong,
    #[error("consent step {0}: withdrawn when no consent was in force")]
    NothingToWithdraw(usize),
    #[error("consent step {0}: it covers nothing, or the same purpose twice")]
    Covers(usize),
    #[error("consent step {0}: its date is earlier than the step before")]
    OutOfOrder(usize),
    #[error("an information sheet's version must be 1 to {SHEET_VERSION_MAX} characters, without spaces around it")]
    SheetVersion,
    #[error(
        "an information sheet's text must be 1 to {SHEET_TEXT_MAX} characters in each language"
    )]
    SheetText,
}

impl ConsentError {
    /// A stable code for the API's `reason_code` and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            ConsentError::SheetVersion | ConsentError::SheetText => "information_sheet_invalid",
            _ => "consent_invalid",
        }
    }
}

fn check_version(version: &str) -> Result<(), ConsentError> {
    let n = version.chars().count();
    let ok = (1..=SHEET_VERSION_MAX).contains(&n)
        && version.trim() == version
        && !version.chars().any(char::is_control);
    ok.then_some(()).ok_or(ConsentError::SheetVersion)
}

/// The rules of a history: bounded, in date order, each consent covering something (each
/// purpose once) after a sheet version that is one, and a withdrawal only of consent in
/// force.
pub fn check_history(history: &[ConsentEvent]) -> Result<(), ConsentError> {
    if history.len() > CONSENT_EVENTS_MAX {
        return Err(ConsentError::TooLong);
    }
    let mut previous: Option<&ConsentEvent> = None;
    for (i, event) in history.iter().enumerate() {
        if previous.is_some_and(|p| p.date() > event.date()) {
            return Err(ConsentError::OutOfOrder(i));
        }
        match event {
            ConsentEvent::Given {
                sheet_version,
                covers,
                ..
            } => {
                check_version(sheet_version)?;
                let mut sorted = covers.clone();
                sorted.sort_unstable();
                sorted.dedup();
                if covers.is_empty() || sorted.len() != covers.len() {
                    return Err(ConsentError::Covers(i));
                }
            }
            ConsentEvent::Withdrawn { .. } => {
                if !matches!(previous, Some(ConsentEvent::Given { .. })) {
                    return Err(ConsentError::NothingToWithdraw(i));
                }
            }
        }
        previous = Some(event);
    }
    Ok(())
}

impl InformationSheet {
    pub fn check(&self) -> Result<(), ConsentError> {
        check_version(&self.version)?;
        let fits =
            |t: &str| (1..=SHEET_TEXT_MAX).contains(&t.chars().count()) && !t.trim().is_empty();
        (fits(&self.text.it) && fits(&self.text.en))
            .then_some(())
            .ok_or(ConsentError::SheetText)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn given(d: u32, covers: &[ConsentScope]) -> ConsentEvent {
        ConsentEvent::Given {
            date: day(d),
            sheet_version: "2026-01".into(),
            covers: covers.to_vec(),
        }
    }

    #[test]
    fn only_the_latest_step_is_in_force() {
        use ConsentScope::*;
        assert!(!covers(&[], Questionnaires));
        let mut h = vec![given(1, &[Questionnaires, Contact])];
        assert!(covers(&h, Questionnaires) && covers(&h, Contact));
        h.push(ConsentEvent::Withdrawn { date: day(5) });
        assert!(in_force(&h).is_none());
        assert!(!covers(&h, Questionnaires));
        h.push(given(9, &[Contact]));
        assert!(covers(&h, Contact) && !covers(&h, Questionnaires));
        assert_eq!(check_history(&h), Ok(()));
    }

    #[test]
    fn histories_that_break_the_rules() {
        use ConsentScope::*;
        let w = |d| ConsentEvent::Withdrawn { date: day(d) };
        assert_eq!(
            check_history(&[w(1)]),
            Err(ConsentError::NothingToWithdraw(0))
        );
        assert_eq!(
            check_history(&[given(1, &[Contact]), w(2), w(3)]),
            Err(ConsentError::NothingToWithdraw(2))
        );
        assert_eq!(
            check_history(&[given(1, &[])]),
            Err(ConsentError::Covers(0))
        );
        assert_eq!(
            check_history(&[given(1, &[Contact, Contact])]),
            Err(ConsentError::Covers(0))
        );
        assert_eq!(
            check_history(&[given(4, &[Contact]), w(3)]),
            Err(ConsentError::OutOfOrder(1))
        );
        let bad_version = ConsentEvent::Given {
            date: day(1),
            sheet_version: " v1".into(),
            covers: vec![Contact],
        };
        assert_eq!(
            check_history(&[bad_version]),
            Err(ConsentError::SheetVersion)
        );
        let long: Vec<_> = (0..=CONSENT_EVENTS_MAX)
            .map(|_| given(1, &[Contact]))
            .collect();
        assert_eq!(check_history(&long), Err(ConsentError::TooLong));
        assert_eq!(check_history(&long[1..]), Ok(()));
    }

    #[test]
    fn wire_shape() {
        let json = serde_json::to_value(given(2, &[ConsentScope::Questionnaires])).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"event": "given", "date": "2026-03-02",
                "sheet_version": "2026-01", "covers": ["questionnaires"]})
        );
        let w: ConsentEvent =
            serde_json::from_str(r#"{"event":"withdrawn","date":"2026-03-04"}"#).unwrap();
        assert_eq!(w, ConsentEvent::Withdrawn { date: day(4) });
        // Whatever else a step carries is dropped on reading, so it is never stored or sent on.
        let extra: ConsentEvent =
            serde_json::from_str(r#"{"event":"withdrawn","date":"2026-03-04","name":"x"}"#)
                .unwrap();
        assert!(!serde_json::to_string(&extra).unwrap().contains("name"));
        // Only the names: not a variant's index, not a step without what it needs.
        for bad in [
            r#"{"event":0,"date":"2026-03-04","sheet_version":"v","covers":["contact"]}"#,
            r#"{"event":"given","date":"2026-03-04","sheet_version":"v","covers":[0]}"#,
            r#"{"event":"given","date":"2026-03-04","covers":["contact"]}"#,
            r#"{"event":"given","date":"2026-03-04","sheet_version":"v"}"#,
            r#"{"event":"revoked","date":"2026-03-04"}"#,
            r#"{"event":"withdrawn"}"#,
        ] {
            assert!(serde_json::from_str::<ConsentEvent>(bad).is_err(), "{bad}");
        }
        let round: ConsentEvent =
            serde_json::from_value(serde_json::to_value(given(2, &ConsentScope::ALL)).unwrap())
                .unwrap();
        assert_eq!(round, given(2, &ConsentScope::ALL));
    }

    #[test]
    fn information_sheets() {
        let sheet = |v: &str, it: &str| InformationSheet {
            version: v.into(),
            text: Text::new(it, "Sheet"),
        };
        assert_eq!(sheet("2026-01", "Scheda").check(), Ok(()));
        assert_eq!(sheet("", "Scheda").check(), Err(ConsentError::SheetVersion));
        assert_eq!(sheet("v1", "  ").check(), Err(ConsentError::SheetText));
        assert_eq!(
            sheet("v1", &"x".repeat(SHEET_TEXT_MAX + 1)).check(),
            Err(ConsentError::SheetText)
        );
    }
}
