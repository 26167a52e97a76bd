//! The instruments this device knows: the built-in catalog plus those pulled from the server,
//! and those of them a new questionnaire may use.

use crate::error::AppResult;
use campo_core::catalog::Catalog;
use campo_store::Vault;

pub fn of(v: &Vault) -> AppResult<Catalog> {
    let mut catalog = Catalog::builtin();
    for i in v.instruments()? {
        catalog.insert(i);
    }
    Ok(catalog)
}

/// What a new questionnaire may use: each instrument's latest version the office has not
/// retired (campo-store's rule), by id.
pub fn offered(v: &Vault, catalog: &Catalog) -> AppResult<Vec<campo_core::Instrument>> {
    let retired = v.retired_instruments()?;
    Ok(campo_store::offered(catalog, &retired)
        .into_iter()
        .cloned()
        .collect())
}
