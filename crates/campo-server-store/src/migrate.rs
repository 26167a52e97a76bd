//! Versioned migrations. Each engine keeps its own SQL files, numbered alike (`0002` is the
//! same change in both), embedded in the binary and applied at start in one transaction
//! each. The bookkeeping rules live here, once, for both engines.

use crate::error::StorageError;

/// One numbered schema change.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The migrations still to apply to a database at `current`, in order. A database newer
/// than every migration this build knows is refused: an older server must never write to a
/// schema it does not understand.
pub fn pending(current: u32, all: &[Migration]) -> Result<&[Migration], StorageError> {
    debug_assert!(all.windows(2).all(|w| w[1].version == w[0].version + 1));
    let supported = latest(all);
    if current > supported {
        return Err(StorageError::SchemaTooNew {
            found: current,
            supported,
        });
    }
    let first = all
        .iter()
        .position(|m| m.version > current)
        .unwrap_or(all.len());
    Ok(&all[first..])
}

/// The version a database has once every migration ran.
pub fn latest(all: &[Migration]) -> u32 {
    all.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Migration; 3] = [
        Migration {
            version: 1,
            name: "a",
            sql: "",
        },
        Migration {
            version: 2,
            name: "b",
            sql: "",
        },
        Migration {
            version: 3,
            name: "c",
            sql: "",
        },
    ];

    #[test]
    fn applies_what_is_missing_and_refuses_newer() {
        assert_eq!(pending(0, &ALL).unwrap().len(), 3);
        assert_eq!(pending(2, &ALL).unwrap()[0].name, "c");
        assert!(pending(3, &ALL).unwrap().is_empty());
        match pending(4, &ALL) {
            Err(StorageError::SchemaTooNew {
                found: 4,
                supported: 3,
            }) => {}
            other => panic!("{other:?}"),
        }
    }
}
