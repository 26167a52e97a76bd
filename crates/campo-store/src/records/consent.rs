//! A carer's consent on this tablet, and the gate it makes for coded questionnaires.
//!
//! The project's information sheet comes with every pull (campo-sync stores it here): a
//! consent names the version the carer was shown, so none can be recorded while the
//! project has no sheet, and none is required then either (the project must set its sheet
//! first). Each step of a history (given, withdrawn) is a new revision of the carer's
//! roster entry, queued for sync: the server receives the history with the code, never the
//! name. Histories keep campo-core's rules (`check_history`).
//!
//! The gate: while the project has a sheet, a coded questionnaire (a submission naming a
//! respondent, which only non-anonymous instruments do) is neither started (the first save
//! of its draft) nor made final (finishing a draft, saving a final or a correction) unless
//! the carer's consent in force covers questionnaires. So a withdrawal stops new ones and
//! also the drafts of that carer started before it: their answers stay on the tablet
//! (saving more of them is allowed, it never leaves the tablet) until they are discarded,
//! or finished under consent given again. Anonymous questionnaires, attendance and the
//! facilitator's barrier log name no respondent and never need consent.

use super::immediate;
use super::participants::Roster;
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::consent::{check_history, covers, ConsentEvent, ConsentScope, InformationSheet};
use campo_core::Submission;
use chrono::NaiveDate;
use rusqlite::Connection;

/// Vault setting: the project's information sheet as the last pull sent it (JSON).
pub const SETTING_INFORMATION_SHEET: &str = "information_sheet";

/// Today on the tablet's own calendar: a consent given at 00:30 in Italy is dated that day.
fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

impl Vault {
    /// The project's information sheet as the last pull sent it; `None` while the project
    /// has none (or before the first pull).
    pub fn information_sheet(&self) -> Result<Option<InformationSheet>, StoreError> {
        self.information_sheet_in(&self.conn)
    }

    fn information_sheet_in(
        &self,
        conn: &Connection,
    ) -> Result<Option<InformationSheet>, StoreError> {
        match self.setting_in(conn, SETTING_INFORMATION_SHEET)? {
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
            None => Ok(None),
        }
    }

    /// Keeps the project's sheet (checked first: one that breaks the rules is refused and
    /// nothing changes), or forgets it when the project has none. Whether anything changed.
    pub fn set_information_sheet(
        &self,
        sheet: Option<&InformationSheet>,
    ) -> Result<bool, StoreError> {
        if let Some(sheet) = sheet {
            sheet.check().map_err(StoreError::Consent)?;
        }
        let tx = immediate(&self.conn)?;
        if self.information_sheet_in(&tx)?.as_ref() == sheet {
            return Ok(false);
        }
        match sheet {
            Some(sheet) => self.set_setting_in(
                &tx,
                SETTING_INFORMATION_SHEET,
                &serde_json::to_string(sheet)?,
            )?,
            None => {
                tx.execute(
                    "DELETE FROM settings WHERE key = ?1",
                    [SETTING_INFORMATION_SHEET],
                )?;
            }
        }
        tx.commit()?;
        Ok(true)
    }

    /// The consent history of a carer on the roster, oldest step first.
    pub fn consent_history(&self, code: &str) -> Result<Vec<ConsentEvent>, StoreError> {
        match self.roster()?.remove(code) {
            Some((_, _, e)) if !e.removed => Ok(e.consent),
            _ => Err(StoreError::ParticipantNotFound(code.to_string())),
        }
    }

    /// Records that a carer on the roster gave consent, on `date` (today when `None`),
    /// after being shown the project's current information sheet, for `scopes`. Refused,
    /// with nothing changed: without a sheet (`NoInformationSheet`), for a code not on the
    /// roster, a date after today or before the history's last step, no scope or one
    /// twice.
    pub fn record_consent(
        &self,
        code: &str,
        scopes: &[ConsentScope],
        date: Option<NaiveDate>,
    ) -> Result<ConsentEvent, StoreError> {
        let tx = immediate(&self.conn)?;
        let sheet = self
            .information_sheet_in(&tx)?
            .ok_or(StoreError::NoInformationSheet)?;
        let mut covers = scopes.to_vec();
        covers.sort_unstable();
        let step = ConsentEvent::Given {
            date: self.consent_date(date)?,
            sheet_version: sheet.version,
            covers,
        };
        self.add_step(&tx, code, step.clone())?;
        tx.commit()?;
        Ok(step)
    }

    /// Records that a carer withdrew their consent, on `date` (today when `None`): from
    /// then on no coded questionnaire of theirs is started or finished here. Possible with
    /// or without an information sheet (a withdrawal is always heard). Refused, with
    /// nothing changed, when no consent is in force (`no_consent_to_withdraw`).
    pub fn withdraw_consent(
        &self,
        code: &str,
        date: Option<NaiveDate>,
    ) -> Result<ConsentEvent, StoreError> {
        let tx = immediate(&self.conn)?;
        let step = ConsentEvent::Withdrawn {
            date: self.consent_date(date)?,
        };
        self.add_step(&tx, code, step.clone())?;
        tx.commit()?;
        Ok(step)
    }

    fn consent_date(&self, date: Option<NaiveDate>) -> Result<NaiveDate, StoreError> {
        let today = today();
        match date {
            Some(d) if d > today => Err(StoreError::ConsentInFuture),
            Some(d) => Ok(d),
            None => Ok(today),
        }
    }

    /// Appends a step to the carer's history as a new roster revision, queued for sync.
    fn add_step(&self, tx: &Connection, code: &str, step: ConsentEvent) -> Result<(), StoreError> {
        let mut roster = self.roster()?;
        let (id, revision, mut entry) = match roster.get(code) {
            Some((id, rev, e)) if !e.removed => (*id, *rev, e.clone()),
            _ => return Err(StoreError::ParticipantNotFound(code.to_string())),
        };
        entry.consent.push(step);
        check_history(&entry.consent).map_err(StoreError::Consent)?;
        self.store_entry(tx, &mut roster, id, revision + 1, entry)
    }

    /// The gate for the submissions saved in one transaction.
    pub(crate) fn consent_gate(&self, conn: &Connection) -> Result<ConsentGate, StoreError> {
        Ok(ConsentGate {
            sheet: self.information_sheet_in(conn)?.is_some(),
            roster: None,
        })
    }
}

/// Whether coded questionnaires may be saved, read once per transaction: the roster is
/// read only when a coded one is saved while the project has a sheet.
pub(crate) struct ConsentGate {
    sheet: bool,
    roster: Option<Roster>,
}

impl ConsentGate {
    /// `ConsentMissing` when `submission` names a respondent whose consent in force does
    /// not cover questionnaires (a code not on the roster, or removed from it, has none).
    pub(crate) fn check(
        &mut self,
        vault: &Vault,
        submission: &Submission,
    ) -> Result<(), StoreError> {
        let Some(code) = &submission.respondent else {
            return Ok(());
        };
        if !self.sheet {
            return Ok(());
        }
        if self.roster.is_none() {
            self.roster = Some(vault.roster()?);
        }
        let allowed = self
            .roster
            .as_ref()
            .and_then(|r| r.get(code))
            .is_some_and(|(_, _, e)| {
                !e.removed && covers(&e.consent, ConsentScope::Questionnaires)
            });
        if allowed {
            Ok(())
        } else {
            Err(StoreError::ConsentMissing(code.clone()))
        }
    }
}
