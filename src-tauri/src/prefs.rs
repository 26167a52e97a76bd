//! Display preferences the unlock screen already needs (language, text size, idle lock),
//! kept beside the vault in clear: none of them says anything about a carer. Everything
//! else (server, token, sync cursor) lives sealed in the vault's settings.

use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Prefs {
    pub language: String,
    pub text_size: String,
    pub idle_lock_minutes: u32,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            language: "it".into(),
            text_size: "normal".into(),
            idle_lock_minutes: 10,
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
