//! The instruments this device knows: the built-in catalog plus those pulled from the server.

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
