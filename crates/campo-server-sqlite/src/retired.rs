//! Retiring a questionnaire version: tablets stop offering it, and what was collected with
//! it keeps counting.

use crate::records::next_seq;
use crate::{db_err, parse_time};
use campo_server_store::{RetiredVersion, StorageError};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

pub fn retire(
    c: &mut Connection,
    project: &str,
    id: &str,
    version: u32,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let tx = c.transaction().map_err(db_err)?;
    let (published, retired): (bool, Option<String>) = tx
        .query_row(
            "SELECT published, retired_at FROM instruments WHERE project_id = ?1 AND id = ?2 AND version = ?3",
            params![project, id, version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db_err)?
        .ok_or_else(|| {
            StorageError::NotFound(format!("instrument {id} v{version} in project {project}"))
        })?;
    if !published {
        return Err(StorageError::Invalid(format!(
            "instrument {id} v{version} is not published: no tablet offers it"
        )));
    }
    if retired.is_some() {
        return Ok(false);
    }
    // A number in the project's counter: every tablet's cursor is behind it, so each one's
    // next pull says to stop offering the version.
    let seq = next_seq(&tx, project, 1)?;
    tx.execute(
        "UPDATE instruments SET retired_at = ?4, retired_seq = ?5 \
         WHERE project_id = ?1 AND id = ?2 AND version = ?3",
        params![project, id, version, now.to_rfc3339(), seq],
    )
    .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(true)
}

pub fn retired(c: &Connection, project: &str) -> Result<Vec<RetiredVersion>, StorageError> {
    let mut stmt = c
        .prepare_cached(
            "SELECT id, version, retired_at FROM instruments \
             WHERE project_id = ?1 AND retired_at IS NOT NULL ORDER BY id, version",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map([project], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(db_err)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, version, at) = row.map_err(db_err)?;
        out.push(RetiredVersion {
            id,
            version,
            retired_at: parse_time(&at)?,
        });
    }
    Ok(out)
}
