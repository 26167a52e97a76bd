//! What a device tells the server about its vault when it enrolls: the vault's id and its
//! secret, read from the vault itself. The secret stays in memory only as long as the
//! enrollment needs it, and is wiped when dropped.

use crate::error::SyncError;
use campo_store::Vault;
use uuid::Uuid;
use zeroize::Zeroizing;

/// The vault's id and secret, as enrollment sends them. Its `Debug` never shows the
/// secret.
pub(crate) struct VaultIdentity {
    vault_id: Uuid,
    vault_secret: Zeroizing<String>,
}

impl VaultIdentity {
    /// Reads them from an open vault.
    pub(crate) fn of(vault: &Vault) -> Result<VaultIdentity, SyncError> {
        Ok(VaultIdentity {
            vault_id: vault.vault_id(),
            vault_secret: vault.vault_secret()?,
        })
    }

    pub(crate) fn vault_id(&self) -> Uuid {
        self.vault_id
    }

    pub(crate) fn vault_secret(&self) -> &str {
        &self.vault_secret
    }
}

impl std::fmt::Debug for VaultIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultIdentity")
            .field("vault_id", &self.vault_id)
            .field("vault_secret", &"***")
            .finish()
    }
}
