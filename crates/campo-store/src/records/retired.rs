//! Questionnaire versions the office retired: pull brings them (campo-sync), the vault
//! keeps the set sealed like every setting, and the app stops offering them for new
//! questionnaires. What was started or collected with a retired version is untouched: its
//! drafts still open and finish, its submissions still sync and count.

use super::immediate;
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::catalog::Catalog;
use campo_core::Instrument;
use std::collections::BTreeSet;

/// Vault setting: the retired versions, `[["id", version], ...]`.
pub const SETTING_RETIRED: &str = "retired_instruments";

/// Instrument versions, by id then version.
pub type Retired = BTreeSet<(String, u32)>;

impl Vault {
    /// Every version the office retired, as pulls brought them.
    pub fn retired_instruments(&self) -> Result<Retired, StoreError> {
        match self.setting(SETTING_RETIRED)? {
            Some(json) => Ok(serde_json::from_str(&json)?),
            None => Ok(Retired::new()),
        }
    }

    /// Adds versions to the retired set (the server sends each once, after the cursor; a
    /// page pulled again brings them again, which changes nothing). How many were new.
    pub fn retire_instruments(&self, versions: &[(String, u32)]) -> Result<usize, StoreError> {
        if versions.is_empty() {
            return Ok(0);
        }
        let tx = immediate(&self.conn)?;
        let mut set: Retired = match self.setting_in(&tx, SETTING_RETIRED)? {
            Some(json) => serde_json::from_str(&json)?,
            None => Retired::new(),
        };
        let before = set.len();
        set.extend(versions.iter().cloned());
        let added = set.len() - before;
        if added > 0 {
            self.set_setting_in(&tx, SETTING_RETIRED, &serde_json::to_string(&set)?)?;
            tx.commit()?;
        }
        Ok(added)
    }
}

/// What a new questionnaire may use: for each instrument, its latest version that is not
/// retired (an earlier one when the latest is retired); none of an instrument whose every
/// version is. By id.
pub fn offered<'a>(catalog: &'a Catalog, retired: &Retired) -> Vec<&'a Instrument> {
    let mut out: Vec<&Instrument> = Vec::new();
    // `all()` runs by id then version, so the last one kept for an id is its latest.
    for instrument in catalog.all() {
        if retired.contains(&(instrument.id.clone(), instrument.version)) {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.id == instrument.id => *last = instrument,
            _ => out.push(instrument),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(id: &str, v: u32) -> Instrument {
        let mut i = Catalog::builtin().latest(id).unwrap().clone();
        i.version = v;
        i
    }

    fn versions(offered: Vec<&Instrument>) -> Vec<(String, u32)> {
        offered
            .into_iter()
            .map(|i| (i.id.clone(), i.version))
            .collect()
    }

    #[test]
    fn the_latest_version_not_retired_and_none_when_all_are() {
        let catalog = Catalog::new(vec![
            version("peer_satisfaction", 1),
            version("peer_satisfaction", 2),
            version("peer_satisfaction", 3),
            version("committee_goals", 1),
            version("barrier_log", 1),
        ]);
        let all = versions(offered(&catalog, &Retired::new()));
        assert_eq!(
            all,
            [
                ("barrier_log".to_string(), 1),
                ("committee_goals".to_string(), 1),
                ("peer_satisfaction".to_string(), 3)
            ]
        );
        let retired: Retired = [
            ("peer_satisfaction".to_string(), 3),
            ("peer_satisfaction".to_string(), 1),
            ("committee_goals".to_string(), 1),
            // A version this tablet never held changes nothing.
            ("barrier_log".to_string(), 9),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            versions(offered(&catalog, &retired)),
            [
                ("barrier_log".to_string(), 1),
                ("peer_satisfaction".to_string(), 2)
            ]
        );
    }
}
