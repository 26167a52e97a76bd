//! Creating, opening, unlocking and locking the vault; key slot management; the
//! persisted lockout after wrong passphrases.

use crate::crypto;
use crate::error::StoreError;
use crate::keys::{
    self, Dek, RecoveryCode, Slot, SlotInfo, SlotKind, DEFAULT_ITERATIONS, RECOVERY_SLOT,
};
use crate::schema;
use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use uuid::Uuid;

/// The vault's file inside its folder (SQLite adds `-wal` and `-shm` beside it).
pub const FILE_NAME: &str = "campo-vault.sqlite3";

/// Wrong passphrases allowed before the first delay.
pub const FREE_ATTEMPTS: u32 = 5;
/// The first delay; each further wrong passphrase doubles it.
pub const FIRST_DELAY: Duration = Duration::from_secs(30);
// 30 s << 20 is about a year: past that, doubling only risks overflow.
const MAX_DOUBLINGS: u32 = 20;

const DEK_CHECK_AAD: &[u8] = b"meta|dek_check|0";
const DEK_CHECK_TEXT: &[u8] = b"campo vault data key";

/// A vault whose data key is not in memory: only unlocking is possible.
pub struct LockedVault {
    conn: Connection,
    dir: PathBuf,
}

/// An unlocked vault. Holds the data key until locked or dropped, when it is wiped.
/// `Send`, not `Sync`: share it behind a `Mutex`.
pub struct Vault {
    pub(crate) conn: Connection,
    pub(crate) dek: Dek,
    dir: PathBuf,
    device_id: Uuid,
    slot: String,
}

pub(crate) fn now_text() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    schema::configure(&conn)?;
    schema::migrate(&conn)?;
    Ok(conn)
}

fn immediate(conn: &Connection) -> Result<Transaction<'_>, StoreError> {
    Ok(Transaction::new_unchecked(
        conn,
        TransactionBehavior::Immediate,
    )?)
}

fn meta_i64(conn: &Connection, key: &str) -> Result<i64, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
        .unwrap_or(0))
}

fn set_meta<T: rusqlite::ToSql>(conn: &Connection, key: &str, value: T) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )?;
    Ok(())
}

fn load_slots(conn: &Connection, kind: Option<SlotKind>) -> Result<Vec<Slot>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT name, kind, salt, iterations, wrapped FROM key_slots ORDER BY created_at, name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get(2)?,
            r.get::<_, i64>(3)?,
            r.get(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (name, k, salt, iterations, wrapped) = row?;
        let k = SlotKind::parse(&k)?;
        if kind.is_some_and(|want| want != k) {
            continue;
        }
        let iterations = u32::try_from(iterations).unwrap_or(0);
        out.push(Slot {
            name,
            kind: k,
            salt,
            iterations,
            wrapped,
        });
    }
    Ok(out)
}

fn insert_slot(conn: &Connection, slot: &Slot) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO key_slots (name, kind, salt, iterations, wrapped, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![slot.name, slot.kind.as_str(), slot.salt, slot.iterations, slot.wrapped, now_text()],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            StoreError::SlotExists(slot.name.clone())
        }
        e => e.into(),
    })?;
    Ok(())
}

/// Refuses when a delay is running; the KDF is not even tried.
fn check_lockout(conn: &Connection) -> Result<(), StoreError> {
    let retry_at = meta_i64(conn, "retry_at_ms")?;
    let now = now_ms();
    if now < retry_at {
        return Err(StoreError::LockedOut {
            retry_after: Duration::from_millis((retry_at - now) as u64),
        });
    }
    Ok(())
}

/// Counts a wrong passphrase, durably, before the caller hears about it: killing the app
/// right after a wrong guess must not undo the count.
fn record_failure(conn: &Connection) -> Result<(), StoreError> {
    let tx = immediate(conn)?;
    let failures = u32::try_from(meta_i64(&tx, "failed_attempts")?)
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    set_meta(&tx, "failed_attempts", i64::from(failures))?;
    if failures >= FREE_ATTEMPTS {
        let delay = FIRST_DELAY * (1u32 << (failures - FREE_ATTEMPTS).min(MAX_DOUBLINGS));
        set_meta(&tx, "retry_at_ms", now_ms() + delay.as_millis() as i64)?;
    }
    tx.commit()?;
    Ok(())
}

fn record_success(conn: &Connection) -> Result<(), StoreError> {
    if meta_i64(conn, "failed_attempts")? != 0 || meta_i64(conn, "retry_at_ms")? != 0 {
        let tx = immediate(conn)?;
        set_meta(&tx, "failed_attempts", 0i64)?;
        set_meta(&tx, "retry_at_ms", 0i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Tries each slot of a kind; a weak slot is reported only if no other slot opened.
fn try_slots(
    conn: &Connection,
    kind: SlotKind,
    secret: &[u8],
) -> Result<Option<(Dek, String)>, StoreError> {
    let mut weak = None;
    for slot in load_slots(conn, Some(kind))? {
        match keys::unwrap(&slot, secret) {
            Ok(Some(dek)) => return Ok(Some((dek, slot.name))),
            Ok(None) => {}
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
    /// and a recovery slot. The recovery code is returned once and stored nowhere.
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
        keys::check_passphrase(passphrase)?;
        let name = facilitator.trim();
        if name.is_empty() {
            return Err(StoreError::EmptySlotName);
        }
        if name == RECOVERY_SLOT {
            return Err(StoreError::SlotExists(name.into()));
        }
        std::fs::create_dir_all(dir)?;
        let conn = open_connection(&dir.join(FILE_NAME))?;
        // A file whose setup was interrupted (no slot yet) is finished, not refused.
        if !load_slots(&conn, None)?.is_empty() {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        let dek = Dek::generate()?;
        let recovery = RecoveryCode::generate()?;
        let slot = keys::wrap(
            &dek,
            name,
            SlotKind::Passphrase,
            passphrase.as_bytes(),
            iterations,
        )?;
        let rslot = keys::wrap(
            &dek,
            RECOVERY_SLOT,
            SlotKind::Recovery,
            RecoveryCode::normalize(recovery.as_str()).as_bytes(),
            iterations,
        )?;
        let device_id = Uuid::now_v7();
        let tx = immediate(&conn)?;
        if tx.query_row("SELECT COUNT(*) FROM key_slots", [], |r| r.get::<_, i64>(0))? > 0 {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        set_meta(&tx, "device_id", device_id.to_string())?;
        set_meta(&tx, "created_at", now_text())?;
        set_meta(&tx, "failed_attempts", 0i64)?;
        set_meta(&tx, "retry_at_ms", 0i64)?;
        set_meta(
            &tx,
            "dek_check",
            crypto::seal(dek.bytes(), DEK_CHECK_AAD, DEK_CHECK_TEXT)?,
        )?;
        insert_slot(&tx, &slot)?;
        insert_slot(&tx, &rslot)?;
        tx.commit()?;
        let vault = Vault {
            conn,
            dek,
            dir: dir.to_path_buf(),
            device_id,
            slot: name.to_string(),
        };
        Ok((vault, recovery))
    }

    /// Opens the vault file in `dir`, locked.
    pub fn open(dir: &Path) -> Result<LockedVault, StoreError> {
        if !Self::exists(dir) {
            return Err(StoreError::NotFound(dir.to_path_buf()));
        }
        let conn = open_connection(&dir.join(FILE_NAME))?;
        Ok(LockedVault {
            conn,
            dir: dir.to_path_buf(),
        })
    }

    /// Wipes the data key from memory; the file stays open.
    pub fn lock(self) -> LockedVault {
        let Vault { conn, dek, dir, .. } = self;
        drop(dek); // ZeroizeOnDrop wipes it
        LockedVault { conn, dir }
    }

    pub fn device_id(&self) -> Uuid {
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

    /// Checks a passphrase against the passphrase slots without changing anything, e.g. to
    /// leave respondent mode. Wrong answers count towards the lockout, as for unlocking.
    pub fn verify_passphrase(&self, passphrase: &str) -> Result<bool, StoreError> {
        check_lockout(&self.conn)?;
        match try_slots(&self.conn, SlotKind::Passphrase, passphrase.as_bytes()) {
            Ok(Some((dek, _))) if dek == self.dek => {
                record_success(&self.conn)?;
                Ok(true)
            }
            Ok(_) => {
                record_failure(&self.conn)?;
                Ok(false)
            }
            Err(e @ StoreError::WeakSlot { .. }) => {
                record_failure(&self.conn)?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// The key slots, without secrets.
    pub fn slots(&self) -> Result<Vec<SlotInfo>, StoreError> {
        Ok(load_slots(&self.conn, None)?
            .into_iter()
            .map(|s| SlotInfo {
                name: s.name,
                kind: s.kind,
                iterations: s.iterations,
            })
            .collect())
    }

    /// Adds a passphrase slot (another facilitator) wrapping the same data key.
    pub fn add_slot(&self, name: &str, passphrase: &str) -> Result<(), StoreError> {
        keys::check_passphrase(passphrase)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::EmptySlotName);
        }
        if name == RECOVERY_SLOT {
            return Err(StoreError::SlotExists(name.into()));
        }
        let slot = keys::wrap(
            &self.dek,
            name,
            SlotKind::Passphrase,
            passphrase.as_bytes(),
            DEFAULT_ITERATIONS,
        )?;
        let tx = immediate(&self.conn)?;
        insert_slot(&tx, &slot)?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a passphrase slot. The last one is kept: the vault always has a passphrase.
    pub fn remove_slot(&self, name: &str) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        let kind: Option<String> = tx
            .query_row("SELECT kind FROM key_slots WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        match kind.as_deref().map(SlotKind::parse).transpose()? {
            None => return Err(StoreError::SlotNotFound(name.into())),
            Some(SlotKind::Recovery) => return Err(StoreError::RecoverySlot),
            Some(SlotKind::Passphrase) => {}
        }
        let left: i64 = tx.query_row(
            "SELECT COUNT(*) FROM key_slots WHERE kind = 'passphrase' AND name <> ?1",
            [name],
            |r| r.get(0),
        )?;
        if left == 0 {
            return Err(StoreError::LastSlot);
        }
        tx.execute("DELETE FROM key_slots WHERE name = ?1", [name])?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces a slot's passphrase in one statement: the old passphrase works until the
    /// new one is committed, never neither.
    pub fn change_passphrase(&self, name: &str, new_passphrase: &str) -> Result<(), StoreError> {
        keys::check_passphrase(new_passphrase)?;
        let slot = keys::wrap(
            &self.dek,
            name,
            SlotKind::Passphrase,
            new_passphrase.as_bytes(),
            DEFAULT_ITERATIONS,
        )?;
        let tx = immediate(&self.conn)?;
        let n = tx.execute(
            "UPDATE key_slots SET salt = ?2, iterations = ?3, wrapped = ?4 WHERE name = ?1 AND kind = 'passphrase'",
            params![name, slot.salt, slot.iterations, slot.wrapped],
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
        let slot = keys::wrap(
            &self.dek,
            RECOVERY_SLOT,
            SlotKind::Recovery,
            RecoveryCode::normalize(code.as_str()).as_bytes(),
            DEFAULT_ITERATIONS,
        )?;
        let tx = immediate(&self.conn)?;
        tx.execute("DELETE FROM key_slots WHERE name = ?1", [RECOVERY_SLOT])?;
        insert_slot(&tx, &slot)?;
        tx.commit()?;
        Ok(code)
    }
}

impl LockedVault {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How long until another attempt is allowed (zero when none is running).
    pub fn retry_after(&self) -> Result<Duration, StoreError> {
        match check_lockout(&self.conn) {
            Ok(()) => Ok(Duration::ZERO),
            Err(StoreError::LockedOut { retry_after }) => Ok(retry_after),
            Err(e) => Err(e),
        }
    }

    /// Wrong passphrases so far (reset by a successful unlock).
    pub fn failed_attempts(&self) -> Result<u32, StoreError> {
        Ok(u32::try_from(meta_i64(&self.conn, "failed_attempts")?).unwrap_or(u32::MAX))
    }

    /// Unlocks with a facilitator's passphrase. On failure, reopen with [`Vault::open`].
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
        check_lockout(&self.conn)?;
        let (dek, slot) = match try_slots(&self.conn, kind, secret) {
            Ok(Some(found)) => found,
            Ok(None) => {
                record_failure(&self.conn)?;
                return Err(wrong);
            }
            Err(e @ StoreError::WeakSlot { .. }) => {
                record_failure(&self.conn)?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        // The slot opened, so the passphrase was right; a data key that does not open the
        // check value means the slot was swapped in from elsewhere.
        let check: Vec<u8> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'dek_check'", [], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| StoreError::Damaged("the data key check is missing".into()))?;
        match crypto::open(dek.bytes(), DEK_CHECK_AAD, &check)? {
            Some(text) if text.as_slice() == DEK_CHECK_TEXT => {}
            _ => return Err(StoreError::WrongDataKey),
        }
        record_success(&self.conn)?;
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
            slot,
        })
    }
}
