//! The project's figures a pull hands to tablets: `campo-server report`'s report without
//! free text, computed once per state of the project.
//!
//! Computing it reads every current record of the project, which for a season's data is
//! far more work than the pull itself, and every tablet's sync ends with a pull. So each
//! process keeps the last copy per project, with the project's counter and targets it
//! was computed for: every change of records or instruments moves the counter, and the
//! targets are compared whole, so a copy is used only while nothing it depends on moved.
//! The co-assessment plan and the signals are judged as of the day the figures are
//! computed (UTC), so a copy is also kept for that day only.

use crate::catalog::CatalogCache;
use crate::store::{StorageError, Store};
use campo_core::report::{compute_as_of, Targets};
use campo_wire::ProjectReport;
use chrono::{NaiveDate, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

struct Computed {
    counter: u64,
    day: NaiveDate,
    targets: Targets,
    figures: Arc<ProjectReport>,
}

/// The last figures computed per project.
#[derive(Default)]
pub struct FiguresCache {
    entries: Mutex<HashMap<String, Computed>>,
}

impl FiguresCache {
    /// The figures of `project` at its counter value `counter` (the pull's snapshot) or
    /// later, against `targets`.
    pub async fn get(
        &self,
        store: &dyn Store,
        catalogs: &CatalogCache,
        project: &str,
        counter: u64,
        targets: &Targets,
    ) -> Result<Arc<ProjectReport>, StorageError> {
        let now = Utc::now();
        let day = now.date_naive();
        if let Some(held) = self.lock().get(project) {
            if held.counter == counter && held.day == day && held.targets == *targets {
                return Ok(held.figures.clone());
            }
        }
        let catalog = catalogs.get(store, project).await?;
        // Read after the pull's snapshot: the figures hold everything up to `counter`, and
        // perhaps more, never less.
        let input = store.report_input(project).await?;
        let for_targets = targets.clone();
        // One pass over every current submission of the project: off the request threads.
        let figures = tokio::task::spawn_blocking(move || {
            ProjectReport::new(now, compute_as_of(&input, &catalog, &for_targets, day))
        })
        .await
        .map_err(|e| StorageError::Other(format!("computing the report failed: {e}")))?;
        let figures = Arc::new(figures);
        self.lock().insert(
            project.to_string(),
            Computed {
                counter,
                day,
                targets: targets.clone(),
                figures: figures.clone(),
            },
        );
        Ok(figures)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Computed>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
