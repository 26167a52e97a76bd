//! Each project's catalog: the built-in instruments plus every version stored for it.
//! Old versions stay: a submission is always validated and scored against the version it
//! names.
//!
//! The catalog lives in the database, so every server process sees the same one. Each
//! process keeps the parsed catalog of a project until the project's catalog version moves
//! (one indexed read per push instead of parsing every instrument again).

use crate::store::{StorageError, Store};
use campo_core::catalog::Catalog;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Stores any built-in version the project lacks, so a new project starts with the pilot's
/// instruments.
pub async fn seed(store: &dyn Store, project: &str) -> Result<usize, StorageError> {
    let builtin: Vec<_> = Catalog::builtin().all().cloned().collect();
    store.add_instruments(project, &builtin).await
}

/// Built-in instruments plus the project's stored ones.
pub async fn load(store: &dyn Store, project: &str) -> Result<Catalog, StorageError> {
    let mut catalog = Catalog::builtin().clone();
    for instrument in store.instruments(project).await? {
        catalog.insert(instrument);
    }
    Ok(catalog)
}

/// Parsed catalogs by project, each with the catalog version it was read at.
#[derive(Default)]
pub struct CatalogCache {
    entries: Mutex<HashMap<String, (u64, Arc<Catalog>)>>,
}

impl CatalogCache {
    pub async fn get(
        &self,
        store: &dyn Store,
        project: &str,
    ) -> Result<Arc<Catalog>, StorageError> {
        let version = store.catalog_version(project).await?;
        if let Some((v, catalog)) = self.lock().get(project) {
            if *v == version {
                return Ok(catalog.clone());
            }
        }
        let catalog = Arc::new(load(store, project).await?);
        self.lock()
            .insert(project.to_string(), (version, catalog.clone()));
        Ok(catalog)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Arc<Catalog>)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
