//! Display preferences the unlock screen already needs (language, text size, idle lock)
//! and how often to probe for signal, kept beside the vault in clear: none of them says
//! anything about a carer. Everything
//! else (server, token, sync cursor) lives sealed in the vault's settings.

use campo_core::Lang;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The text sizes the app offers (large print for carers who need it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum TextSize {
    #[default]
    Normal,
    Large,
    Xlarge,
}

#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Prefs {
    pub language: Lang,
    pub text_size: TextSize,
    pub idle_lock_minutes: u32,
    /// While records wait and there is no network, probe for signal this often (seconds).
    /// Files written before the setting existed get the default.
    #[serde(default = "default_probe_seconds")]
    pub probe_seconds: u32,
}

/// The probe intervals the Sync screen offers: short enough to catch a few minutes of
/// signal in a village, long enough that the radio is not kept awake (see docs/sync.md).
pub const PROBE_SECONDS: std::ops::RangeInclusive<u32> = 5..=300;

fn default_probe_seconds() -> u32 {
    15
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            language: Lang::It,
            text_size: TextSize::Normal,
            idle_lock_minutes: 10,
            probe_seconds: default_probe_seconds(),
        }
    }
}

const FILE: &str = "prefs.json";

pub fn load(dir: &Path) -> Prefs {
    std::fs::read_to_string(dir.join(FILE))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

pub fn save(dir: &Path, prefs: &Prefs) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join("prefs.json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(prefs).expect("prefs serialize"),
    )?;
    std::fs::rename(tmp, dir.join(FILE))
}
