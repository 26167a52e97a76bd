//! `campo-server projects set-information-sheet|set-retention`: the project's settings for
//! its carers' rights. The information sheet is what a carer is shown before consent is
//! asked (a consent names its version), and tablets receive it when they sync; the
//! retention period is how long after the pilot's end the carers' codes are kept
//! (`retention apply` forgets them then). Bad input is refused and changes nothing.

use crate::carers_cli::known_project;
use crate::cli::CliError;
use crate::store::Store;
use campo_core::consent::InformationSheet;
use campo_core::Text;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum CarerSettingsAction {
    /// Set the project's information sheet (its version and its text in Italian and in
    /// English, each from a UTF-8 file), or clear it with --none.
    SetInformationSheet {
        id: String,
        /// The version a consent names (e.g. 2026-01).
        #[arg(long, required_unless_present = "none", conflicts_with = "none")]
        version: Option<String>,
        /// The Italian text.
        #[arg(long, required_unless_present = "none", conflicts_with = "none")]
        it: Option<PathBuf>,
        /// The English text.
        #[arg(long, required_unless_present = "none", conflicts_with = "none")]
        en: Option<PathBuf>,
        /// Clear the sheet: tablets then show none.
        #[arg(long)]
        none: bool,
    },
    /// Set how many months after the pilot's end (its targets' --pilot-end) the carers'
    /// codes are kept, or keep them with --none.
    SetRetention {
        id: String,
        #[arg(long, required_unless_present = "none", conflicts_with = "none")]
        months: Option<u32>,
        #[arg(long)]
        none: bool,
    },
}

/// A sheet's text from a file, without the line end a file usually closes with.
fn read_text(path: &Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(text.trim_end().to_string())
}

pub async fn run(store: &dyn Store, action: CarerSettingsAction) -> Result<(), CliError> {
    match action {
        CarerSettingsAction::SetInformationSheet {
            id,
            version,
            it,
            en,
            none,
        } => {
            known_project(store, &id).await?;
            if none {
                store.set_information_sheet(&id, None).await?;
                println!("information sheet of {id} cleared");
                return Ok(());
            }
            // clap requires all three without --none.
            let (Some(version), Some(it), Some(en)) = (version, it, en) else {
                return Err(CliError::Usage(
                    "give --version, --it and --en, or --none".into(),
                ));
            };
            let sheet = InformationSheet {
                version,
                text: Text::new(read_text(&it)?, read_text(&en)?),
            };
            store.set_information_sheet(&id, Some(&sheet)).await?;
            println!(
                "information sheet of {id} set to version {}; tablets get it at their next sync",
                sheet.version
            );
            Ok(())
        }
        CarerSettingsAction::SetRetention { id, months, none } => {
            known_project(store, &id).await?;
            let months = if none { None } else { months };
            store.set_retention_months(&id, months).await?;
            match months {
                Some(m) => println!(
                    "retention of {id}: carers' codes are forgotten {m} months after the pilot's end"
                ),
                None => println!("retention of {id} cleared: carers' codes are kept"),
            }
            Ok(())
        }
    }
}
