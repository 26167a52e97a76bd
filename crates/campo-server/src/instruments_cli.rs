//! `campo-server instruments add|list|convert|import|publish|retire|to-xlsform`: a project's own
//! instruments beside the built-in ones, from Campo's JSON or from an XLSForm spreadsheet
//! and back. A stored version is never changed, since submissions scored against it must
//! keep meaning the same: a changed instrument is a new version.

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

/// `id version title` per instrument of the project (built-in ones included), the
/// unpublished ones marked.
pub async fn list(store: &dyn Store, project: &str) -> Result<Vec<String>, CliError> {
    let catalog: Catalog = crate::catalog::load(store, project).await?;
    let retired: std::collections::HashSet<(String, u32)> = store
        .retired_instruments(project)
        .await?
        .into_iter()
        .map(|r| (r.id, r.version))
        .collect();
    let mut lines: Vec<String> = catalog
        .all()
        .map(|i| {
            let mark = if retired.contains(&(i.id.clone(), i.version)) {
                "  (retired)"
            } else {
                ""
            };
            format!("{}  v{}  {}{mark}", i.id, i.version, i.title.en)
        })
        .collect();
    lines.extend(
        store
            .unpublished_instruments(project)
            .await?
            .iter()
            .map(|i| format!("{}  v{}  {}  (unpublished)", i.id, i.version, i.title.en)),
    );
    lines.sort();
    Ok(lines)
}

/// A spreadsheet of a few hundred rows is tens of kilobytes; far larger is not a form.
pub const MAX_FORM_FILE: u64 = 8 * 1024 * 1024;

/// An XLSForm converted, with the texts that were copied from the other language.
pub struct Converted {
    pub instrument: Instrument,
    /// One line per text copied from the other language (still to be translated).
    pub untranslated: Vec<String>,
}

/// Converts an XLSForm's bytes; every problem is named with its sheet, row and column.
pub fn convert_bytes(bytes: &[u8]) -> Result<Converted, Vec<String>> {
    match campo_xlsform::read_xlsform(bytes) {
        Ok(converted) => Ok(Converted {
            instrument: converted.instrument,
            untranslated: converted
                .untranslated
                .iter()
                .map(|p| format!("untranslated: {p}"))
                .collect(),
        }),
        Err(problems) => Err(problems.iter().map(ToString::to_string).collect()),
    }
}

/// Reads and converts an XLSForm file; every problem is named with its sheet, row and
/// column in the error.
pub fn convert(path: &Path) -> Result<Converted, CliError> {
    let size = std::fs::metadata(path)?.len();
    if size > MAX_FORM_FILE {
        return Err(CliError::Usage(format!(
            "{} is {size} bytes: a form is at most {MAX_FORM_FILE}",
            path.display()
        )));
    }
    let bytes = std::fs::read(path)?;
    convert_bytes(&bytes).map_err(|problems| {
        let mut message = format!(
            "{}: {} problem{} in the form:",
            path.display(),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        for p in &problems {
            message.push_str(&format!("\n  {p}"));
        }
        CliError::Usage(message)
    })
}

/// Converts an XLSForm and adds it to `project`, unpublished unless `publish`. Its id may
/// be new, or held with lower versions only: an XLSForm brings a new version, never a
/// changed one.
pub async fn import(
    store: &dyn Store,
    project: &str,
    path: &Path,
    publish: bool,
) -> Result<(String, Vec<String>), CliError> {
    let Converted {
        instrument,
        untranslated,
    } = convert(path)?;
    let state = add_converted(store, project, &instrument, publish).await?;
    Ok((
        format!(
            "{} v{} imported into project {project}, {state}",
            instrument.id, instrument.version
        ),
        untranslated,
    ))
}

/// Adds a converted form to `project`, unpublished unless `publish`; says which. Its id may
/// be new, or held with lower versions only.
pub async fn add_converted(
    store: &dyn Store,
    project: &str,
    instrument: &Instrument,
    publish: bool,
) -> Result<&'static str, CliError> {
    let catalog = crate::catalog::load(store, project).await?;
    let held = catalog
        .all()
        .chain(store.unpublished_instruments(project).await?.iter())
        .filter(|i| i.id == instrument.id)
        .map(|i| i.version)
        .max();
    if let Some(highest) = held.filter(|v| *v >= instrument.version) {
        return Err(CliError::Usage(format!(
            "project {project} already holds {} v{highest}: give the form a version greater \
             than {highest} (settings sheet, column version)",
            instrument.id
        )));
    }
    let slice = std::slice::from_ref(instrument);
    Ok(if publish {
        store.add_instruments(project, slice).await?;
        "published: tablets get it at their next sync"
    } else {
        store.add_unpublished_instruments(project, slice).await?;
        "unpublished: `campo-server instruments publish` makes tablets get it"
    })
}

/// Publishes a held version of the project.
pub async fn publish(
    store: &dyn Store,
    project: &str,
    id: &str,
    version: u32,
) -> Result<String, CliError> {
    match store.publish_instrument(project, id, version).await {
        Ok(true) => Ok(format!(
            "{id} v{version} published in project {project}: tablets get it at their next sync"
        )),
        Ok(false) => Ok(format!("{id} v{version} was published already")),
        Err(crate::store::StorageError::NotFound(_)) => Err(CliError::Usage(format!(
            "project {project} holds no {id} v{version}; see `campo-server instruments list`"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Retires a published version of `project`: tablets stop offering it at their next sync.
pub async fn retire(
    store: &dyn Store,
    project: &str,
    id: &str,
    version: u32,
) -> Result<String, CliError> {
    match store
        .retire_instrument(project, id, version, chrono::Utc::now())
        .await
    {
        Ok(true) => Ok(format!(
            "{id} v{version} retired in project {project}: tablets stop offering it at their next sync"
        )),
        Ok(false) => Ok(format!("{id} v{version} was retired already")),
        Err(crate::store::StorageError::NotFound(_)) => Err(CliError::Usage(format!(
            "project {project} holds no {id} v{version}; see `campo-server instruments list`"
        ))),
        Err(crate::store::StorageError::Invalid(why)) => Err(CliError::Usage(why)),
        Err(e) => Err(e.into()),
    }
}

/// Writes an instrument of the project (the latest version unless `version`), published
/// or not, as an XLSForm spreadsheet at `out`.
pub async fn to_xlsform(
    store: &dyn Store,
    project: &str,
    id: &str,
    version: Option<u32>,
    out: &Path,
) -> Result<String, CliError> {
    let catalog = crate::catalog::load(store, project).await?;
    let unpublished = store.unpublished_instruments(project).await?;
    let instrument = catalog
        .all()
        .chain(unpublished.iter())
        .filter(|i| i.id == id && version.is_none_or(|v| i.version == v))
        .max_by_key(|i| i.version)
        .ok_or_else(|| {
            CliError::Usage(match version {
                Some(v) => format!("project {project} holds no {id} v{v}"),
                None => format!("project {project} holds no instrument {id}"),
            })
        })?;
    let bytes = campo_xlsform::write_xlsform(instrument)
        .map_err(|e| CliError::Usage(format!("{id} v{}: {e}", instrument.version)))?;
    std::fs::write(out, bytes)?;
    Ok(format!(
        "{id} v{} written to {} as an XLSForm",
        instrument.version,
        out.display()
    ))
}
