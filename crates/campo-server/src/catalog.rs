//! The server's catalog: the built-in instruments plus every version stored in the
//! database (seeded from the built-in ones on first start). Old versions stay: a
//! submission is always validated and scored against the version it names.

use crate::error::StoreError;
use crate::store::Store;
use campo_core::catalog::Catalog;

/// Stores any built-in version the database lacks, then returns the full catalog.
pub fn seed_and_load(store: &dyn Store) -> Result<Catalog, StoreError> {
    let builtin: Vec<_> = Catalog::builtin().all().cloned().collect();
    store.add_instruments(&builtin)?;
    load(store)
}

/// Built-in instruments plus the stored ones (read-only: for the report and export CLI).
pub fn load(store: &dyn Store) -> Result<Catalog, StoreError> {
    let mut catalog = Catalog::builtin().clone();
    for instrument in store.instruments()? {
        catalog.insert(instrument);
    }
    Ok(catalog)
}
