//! `campo-server instruments add|list`: a project's own instruments beside the built-in
//! ones. A stored version is never changed, since submissions scored against it must keep
//! meaning the same: a changed instrument is a new version.

use crate::cli::CliError;
use crate::store::Store;
use campo_core::catalog::Catalog;
use campo_core::Instrument;
use std::path::Path;

/// An instrument file is a few kilobytes; anything far larger is not one.
const MAX_INSTRUMENT_FILE: u64 = 1024 * 1024;

/// Reads and checks an instrument file (the JSON schema and campo-core's rules).
fn read(path: &Path) -> Result<Instrument, CliError> {
    let size = std::fs::metadata(path)?.len();
    if size > MAX_INSTRUMENT_FILE {
        return Err(CliError::Usage(format!(
            "{} is {size} bytes: an instrument file is at most {MAX_INSTRUMENT_FILE}",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path)?;
    campo_core::load::load_instrument(&text)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

/// Adds the instrument in `path` to `project`. Adding the very same version again is
/// harmless; the same id and version with other content is refused.
pub async fn add(store: &dyn Store, project: &str, path: &Path) -> Result<String, CliError> {
    let instrument = read(path)?;
    let stored = crate::catalog::load(store, project).await?;
    if let Some(held) = stored.get(&instrument.id, instrument.version) {
        if *held == instrument {
            return Ok(format!(
                "{} v{} is already in project {project}",
                instrument.id, instrument.version
            ));
        }
        return Err(CliError::Usage(format!(
            "project {project} already holds {} v{} with other content: give the changed \
             instrument a new version",
            instrument.id, instrument.version
        )));
    }
    store
        .add_instruments(project, std::slice::from_ref(&instrument))
        .await?;
    Ok(format!(
        "{} v{} added to project {project}: tablets get it at their next sync",
        instrument.id, instrument.version
    ))
}

/// `id version title` per instrument of the project (built-in ones included).
pub async fn list(store: &dyn Store, project: &str) -> Result<Vec<String>, CliError> {
    let catalog: Catalog = crate::catalog::load(store, project).await?;
    let mut lines: Vec<String> = catalog
        .all()
        .map(|i| format!("{}  v{}  {}", i.id, i.version, i.title.en))
        .collect();
    lines.sort();
    Ok(lines)
}
