//! Creating, opening, unlocking and locking the vault, and managing its key slots.

use crate::error::StoreError;
use crate::keys::{
    self, Dek, Kek, RecoveryCode, Slot, SlotInfo, SlotKind, DEFAULT_ITERATIONS, RECOVERY_SLOT,
};
use crate::lockout::{Countdown, LEAVE, UNLOCK};
use crate::passphrase::check_passphrase;
use crate::records::immediate;
use crate::{schema, secret, slots};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;
use uuid::Uuid;

/// The vault's file inside its folder (SQLite adds `-wal` and `-shm` beside it).
pub const FILE_NAME: &str = "campo-vault.sqlite3";

/// A vault whose data key is not in memory: only unlocking is possible.
pub struct LockedVault {
    conn: Connection,
    dir: PathBuf,
    unlock: Countdown,
    /// The leave check's delay keeps counting while the vault is locked: the app is
    /// running, so the time counts.
    leave: Countdown,
}

/// An unlocked vault. Holds the data key until locked or dropped, when it is wiped.
/// `Send`, not `Sync`: share it behind a `Mutex`.
pub struct Vault {
    pub(crate) conn: Connection,
    pub(crate) dek: Dek,
    dir: PathBuf,
    device_id: Uuid,
    slot: String,
    unlock: Countdown,
    leave: Countdown,
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    schema::configure(&conn)?;
    if schema::migrate(&conn)? {
        schema::checkpoint(&conn)?;
    }
    Ok(conn)
}

pub(crate) fn set_meta<T: rusqlite::ToSql>(
    conn: &Connection,
    key: &str,
    value: T,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )?;
    Ok(())
}

fn dek_check(conn: &Connection) -> Result<Vec<u8>, StoreError> {
    conn.query_row("SELECT value FROM meta WHERE key = 'dek_check'", [], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| StoreError::Damaged("the data key check is missing".into()))
}

/// Tries each slot of a kind in turn; a weak slot is reported only if no other slot
/// opened, and a slot that yields another vault's key stops the search.
fn try_slots(
    conn: &Connection,
    kind: SlotKind,
    secret: &[u8],
) -> Result<Option<(Dek, Kek, Slot)>, StoreError> {
    let check = dek_check(conn)?;
    let mut weak = None;
    for slot in slots::load(conn, Some(kind))? {
        match keys::unwrap(&slot, secret, &check) {
            Ok(keys::Unwrapped::Opened(dek, kek)) => return Ok(Some((dek, kek, slot))),
            Ok(keys::Unwrapped::NotThisSlot) => {}
            Ok(keys::Unwrapped::OtherVaultsKey) => return Err(StoreError::WrongDataKey),
            Err(e @ StoreError::WeakSlot { .. }) => {
                weak.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    match weak {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

/// A slot name as given, trimmed; the recovery slot's name is taken.
fn slot_name(name: &str) -> Result<&str, StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::EmptySlotName);
    }
    if name.eq_ignore_ascii_case(RECOVERY_SLOT) {
        return Err(StoreError::SlotExists(name.into()));
    }
    Ok(name)
}

fn passphrase_rule(passphrase: &str, facilitator: &str) -> Result<(), StoreError> {
    check_passphrase(passphrase, facilitator).map_err(StoreError::WeakPassphrase)
}

impl Vault {
    /// Whether `dir` holds a vault that was set up (has a key slot). A file left by a
    /// setup that was interrupted before its first slot was committed does not count:
    /// [`Vault::create`] finishes it instead of the app asking for a passphrase that
    /// nothing can check.
    pub fn exists(dir: &Path) -> bool {
        let path = dir.join(FILE_NAME);
        if !path.is_file() {
            return false;
        }
        let Ok(conn) =
            Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        else {
            return true; // unreadable: let `open` report why
        };
        match conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)) {
            Ok(0) => false,
            Ok(_) => conn
                .query_row("SELECT EXISTS (SELECT 1 FROM key_slots)", [], |r| {
                    r.get::<_, bool>(0)
                })
                .unwrap_or(true),
            Err(_) => true,
        }
    }

    /// Sets up a new vault in `dir` with a passphrase slot named after the facilitator
    /// and a recovery slot. The passphrase must keep the rule of [`check_passphrase`]
    /// (the facilitator's name is the slot's). The recovery code is returned once and
    /// stored nowhere.
    pub fn create(
        dir: &Path,
        facilitator: &str,
        passphrase: &str,
    ) -> Result<(Vault, RecoveryCode), StoreError> {
        Self::create_inner(dir, facilitator, passphrase, DEFAULT_ITERATIONS)
    }

    /// As [`Vault::create`] with a chosen PBKDF2 iteration count, for fast tests. Only in
    /// builds with the `insecure-test-kdf` feature.
    #[cfg(feature = "insecure-test-kdf")]
    pub fn create_with_iterations(
        dir: &Path,
        facilitator: &str,
        passphrase: &str,
        iterations: u32,
    ) -> Result<(Vault, RecoveryCode), StoreError> {
        Self::create_inner(dir, facilitator, passphrase, iterations)
    }

    fn create_inner(
        dir: &Path,
        facilitator: &str,
        passphrase: &str,
        iterations: u32,
    ) -> Result<(Vault, RecoveryCode), StoreError> {
        let name = slot_name(facilitator)?;
        passphrase_rule(passphrase, name)?;
        std::fs::create_dir_all(dir)?;
        let conn = open_connection(&dir.join(FILE_NAME))?;
        // A file whose setup was interrupted (no slot yet) is finished, not refused.
        if !slots::load(&conn, None)?.is_empty() {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        let dek = Dek::generate()?;
        let recovery = RecoveryCode::generate()?;
        let slot = slots::new_slot(
            &dek,
            name,
            SlotKind::Passphrase,
            passphrase.as_bytes(),
            iterations,
        )?;
        let rslot = slots::new_slot(
            &dek,
            RECOVERY_SLOT,
            SlotKind::Recovery,
            RecoveryCode::normalize(recovery.as_str()).as_bytes(),
            iterations,
        )?;
        // Random, so that the id says nothing of when the vault was made.
        let device_id = Uuid::new_v4();
        let tx = immediate(&conn)?;
        if tx.query_row("SELECT COUNT(*) FROM key_slots", [], |r| r.get::<_, i64>(0))? > 0 {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        set_meta(&tx, "device_id", device_id.to_string())?;
        set_meta(&tx, "dek_check", dek.seal_check()?)?;
        secret::store_new(&tx, &dek)?;
        slots::insert(&tx, &slot)?;
        slots::insert(&tx, &rslot)?;
        tx.commit()?;
        let unlock = Countdown::load(&UNLOCK, &conn)?;
        let leave = Countdown::load(&LEAVE, &conn)?;
        let vault = Vault {
            conn,
            dek,
            dir: dir.to_path_buf(),
            device_id,
            slot: name.to_string(),
            unlock,
            leave,
        };
        Ok((vault, recovery))
    }

    /// Opens the vault file in `dir`, locked. A file of an older release is migrated here.
    pub fn open(dir: &Path) -> Result<LockedVault, StoreError> {
        if !Self::exists(dir) {
            return Err(StoreError::NotFound(dir.to_path_buf()));
        }
        let conn = open_connection(&dir.join(FILE_NAME))?;
        let unlock = Countdown::load(&UNLOCK, &conn)?;
        let leave = Countdown::load(&LEAVE, &conn)?;
        Ok(LockedVault {
            conn,
            dir: dir.to_path_buf(),
            unlock,
            leave,
        })
    }

    /// Wipes the data key from memory; the file stays open.
    pub fn lock(self) -> LockedVault {
        let Vault {
            conn,
            dek,
            dir,
            unlock,
            leave,
            ..
        } = self;
        drop(dek); // ZeroizeOnDrop wipes it
        LockedVault {
            conn,
            dir,
            unlock,
            leave,
        }
    }

    /// The vault's id, made at setup: the id this tablet is known by on the server.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    /// The id the vault is enrolled and re-enrolled under on the server: the same as
    /// [`Vault::device_id`]. Always a UUIDv4 (a first-release vault's UUIDv7, which told
    /// when the vault was made, is replaced at its upgrade).
    pub fn vault_id(&self) -> Uuid {
        self.device_id
    }

    /// The folder the vault lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The slot this vault was unlocked with (a facilitator's name, or "recovery").
    pub fn unlocked_slot(&self) -> &str {
        &self.slot
    }

    /// Whether `passphrase` opens one of this vault's passphrase slots.
    fn passphrase_opens(&self, passphrase: &str) -> Result<bool, StoreError> {
        Ok(
            try_slots(&self.conn, SlotKind::Passphrase, passphrase.as_bytes())?
                .is_some_and(|(dek, _, _)| dek == self.dek),
        )
    }

    /// Tries a passphrase under one counter: refused during its delay, a wrong one counted.
    fn verify_counted(&self, counter: &Countdown, passphrase: &str) -> Result<bool, StoreError> {
        counter.check(&self.conn)?;
        match self.passphrase_opens(passphrase) {
            Ok(true) => {
                counter.record_success(&self.conn)?;
                Ok(true)
            }
            Ok(false) => {
                counter.record_failure(&self.conn)?;
                Ok(false)
            }
            Err(e @ StoreError::WeakSlot { .. }) => {
                counter.record_failure(&self.conn)?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Checks a passphrase against the passphrase slots without changing anything else.
    /// Wrong answers count towards the unlock lockout, as for unlocking.
    pub fn verify_passphrase(&self, passphrase: &str) -> Result<bool, StoreError> {
        self.verify_counted(&self.unlock, passphrase)
    }

    /// The "leave questionnaire" check, with its own gentler counter that never touches
    /// the unlock counter: after 5 wrong answers each further one waits 30 s, doubling,
    /// at most 5 minutes; `StoreError::LockedOut` during a delay. A right answer resets it.
    pub fn verify_leave_passphrase(&self, passphrase: &str) -> Result<bool, StoreError> {
        self.verify_counted(&self.leave, passphrase)
    }

    /// How long until the leave check may be tried again (zero when no delay runs).
    pub fn leave_retry_after(&self) -> Result<Duration, StoreError> {
        self.leave.remaining(&self.conn)
    }

    /// Writes the leave check's remaining delay, so that a restart resumes from it (the
    /// app calls this every second while the delay runs).
    pub fn save_leave_lockout_progress(&self) -> Result<(), StoreError> {
        self.leave.save_progress(&self.conn)
    }

    /// How long until the unlock counter allows another attempt (after wrong answers to
    /// [`Vault::verify_passphrase`]).
    pub fn retry_after(&self) -> Result<Duration, StoreError> {
        self.unlock.remaining(&self.conn)
    }

    /// Writes the unlock counter's remaining delay (see [`LockedVault::save_lockout_progress`]).
    pub fn save_lockout_progress(&self) -> Result<(), StoreError> {
        self.unlock.save_progress(&self.conn)
    }

    /// The key slots, without secrets, with their names (sealed in the file).
    pub fn slots(&self) -> Result<Vec<SlotInfo>, StoreError> {
        Ok(slots::named(&self.conn, &self.dek, None)?
            .into_iter()
            .map(|(s, name)| SlotInfo {
                name,
                kind: s.kind,
                iterations: s.iterations,
            })
            .collect())
    }

    /// Adds a passphrase slot (another facilitator) wrapping the same data key. The
    /// passphrase must keep the rule of [`check_passphrase`] for this name; names are
    /// unique, case aside.
    pub fn add_slot(&self, name: &str, passphrase: &str) -> Result<(), StoreError> {
        let name = slot_name(name)?;
        passphrase_rule(passphrase, name)?;
        let slot = slots::new_slot(
            &self.dek,
            name,
            SlotKind::Passphrase,
            passphrase.as_bytes(),
            DEFAULT_ITERATIONS,
        )?;
        let tx = immediate(&self.conn)?;
        if slots::name_taken(&tx, &self.dek, name)? {
            return Err(StoreError::SlotExists(name.into()));
        }
        slots::insert(&tx, &slot)?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a passphrase slot. The last one is kept: the vault always has a passphrase.
    pub fn remove_slot(&self, name: &str) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        let Some(slot) = slots::find(&tx, &self.dek, name)? else {
            return Err(StoreError::SlotNotFound(name.into()));
        };
        if slot.kind == SlotKind::Recovery {
            return Err(StoreError::RecoverySlot);
        }
        let left: i64 = tx.query_row(
            "SELECT COUNT(*) FROM key_slots WHERE kind = 'passphrase' AND id <> ?1",
            [&slot.id],
            |r| r.get(0),
        )?;
        if left == 0 {
            return Err(StoreError::LastSlot);
        }
        tx.execute("DELETE FROM key_slots WHERE id = ?1", [&slot.id])?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces a slot's passphrase in one statement: the old passphrase works until the
    /// new one is committed, never neither. The new passphrase must keep the rule of
    /// [`check_passphrase`] for this slot's name.
    pub fn change_passphrase(&self, name: &str, new_passphrase: &str) -> Result<(), StoreError> {
        let slot = slots::find(&self.conn, &self.dek, name)?
            .filter(|s| s.kind == SlotKind::Passphrase)
            .ok_or_else(|| StoreError::SlotNotFound(name.into()))?;
        passphrase_rule(new_passphrase, name.trim())?;
        let w = keys::wrap(
            &self.dek,
            &slot.id,
            new_passphrase.as_bytes(),
            DEFAULT_ITERATIONS,
        )?;
        let tx = immediate(&self.conn)?;
        let n = tx.execute(
            "UPDATE key_slots SET salt = ?2, iterations = ?3, wrapped = ?4, wrapped_for = 'id'
             WHERE id = ?1 AND kind = 'passphrase'",
            params![slot.id, w.salt, w.iterations, w.wrapped],
        )?;
        if n == 0 {
            return Err(StoreError::SlotNotFound(name.into()));
        }
        tx.commit()?;
        Ok(())
    }

    /// Replaces the recovery slot with a new code (the old code stops working).
    pub fn new_recovery_code(&self) -> Result<RecoveryCode, StoreError> {
        let code = RecoveryCode::generate()?;
        let slot = slots::new_slot(
            &self.dek,
            RECOVERY_SLOT,
            SlotKind::Recovery,
            RecoveryCode::normalize(code.as_str()).as_bytes(),
            DEFAULT_ITERATIONS,
        )?;
        let tx = immediate(&self.conn)?;
        tx.execute("DELETE FROM key_slots WHERE kind = 'recovery'", [])?;
        slots::insert(&tx, &slot)?;
        tx.commit()?;
        Ok(code)
    }
}

impl LockedVault {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How long until another attempt is allowed (zero when none is running): the delay
    /// last stored, less the running time since this handle read it.
    pub fn retry_after(&self) -> Result<Duration, StoreError> {
        self.unlock.remaining(&self.conn)
    }

    /// Writes the remaining delays (unlocking, and the leave check's, which keeps counting
    /// while locked), so that a restart resumes from them rather than from their start. The
    /// app calls this every second while [`LockedVault::delay_running`].
    pub fn save_lockout_progress(&self) -> Result<(), StoreError> {
        self.unlock.save_progress(&self.conn)?;
        self.leave.save_progress(&self.conn)
    }

    /// Whether either delay (unlocking, or the leave check's) is still running.
    pub fn delay_running(&self) -> Result<bool, StoreError> {
        Ok(!self.unlock.remaining(&self.conn)?.is_zero()
            || !self.leave.remaining(&self.conn)?.is_zero())
    }

    /// Wrong passphrases so far (reset by a successful unlock).
    pub fn failed_attempts(&self) -> Result<u32, StoreError> {
        self.unlock.failures(&self.conn)
    }

    /// Unlocks with a facilitator's passphrase, trying each passphrase slot in turn. On
    /// failure, reopen with [`Vault::open`].
    pub fn unlock(self, passphrase: &str) -> Result<Vault, StoreError> {
        self.unlock_kind(
            SlotKind::Passphrase,
            passphrase.as_bytes(),
            StoreError::WrongPassphrase,
        )
    }

    /// Unlocks with the recovery code (dashes, spaces and case do not matter).
    pub fn unlock_with_recovery(self, code: &str) -> Result<Vault, StoreError> {
        let secret = RecoveryCode::normalize(code);
        self.unlock_kind(
            SlotKind::Recovery,
            secret.as_bytes(),
            StoreError::WrongRecoveryCode,
        )
    }

    fn unlock_kind(
        self,
        kind: SlotKind,
        secret: &[u8],
        wrong: StoreError,
    ) -> Result<Vault, StoreError> {
        self.unlock.check(&self.conn)?;
        let (dek, kek, slot) = match try_slots(&self.conn, kind, secret) {
            Ok(Some(found)) => found,
            Ok(None) => {
                self.unlock.record_failure(&self.conn)?;
                return Err(wrong);
            }
            Err(e @ StoreError::WeakSlot { .. }) => {
                self.unlock.record_failure(&self.conn)?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        self.unlock.record_success(&self.conn)?;
        if slots::finish_upgrade(&self.conn, &dek, &slot, &kek)? {
            // The names' clear copies must not linger in WAL frames either.
            schema::checkpoint(&self.conn)?;
        }
        drop(kek);
        let name = slots::name(&dek, &slot)?;
        let device_id: String =
            self.conn
                .query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| {
                    r.get(0)
                })?;
        let device_id = device_id
            .parse()
            .map_err(|_| StoreError::Damaged("the device id is not a UUID".into()))?;
        Ok(Vault {
            conn: self.conn,
            dek,
            dir: self.dir,
            device_id,
            slot: name,
            unlock: self.unlock,
            leave: self.leave,
        })
    }
}
