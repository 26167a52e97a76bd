//! What the app's progress bar shows during a sync.

use serde::{Deserialize, Serialize};

/// Records and bytes (gzip-compressed, as they go on the wire) sent so far of this sync's
/// total. `records_total` counts what this sync pushes; records the server refused earlier
/// and that wait for a fix are not in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Progress {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records_sent: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records_total: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_sent: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_total: u64,
}

impl Progress {
    /// 0.0 ..= 1.0 by bytes (what takes the time on a slow link); 1.0 when nothing to send.
    pub fn fraction(&self) -> f64 {
        if self.bytes_total == 0 {
            1.0
        } else {
            (self.bytes_sent as f64 / self.bytes_total as f64).min(1.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_is_bytes_sent_of_total() {
        let p = Progress {
            records_sent: 1,
            records_total: 4,
            bytes_sent: 250,
            bytes_total: 1000,
        };
        assert_eq!(p.fraction(), 0.25);
        assert_eq!(Progress::default().fraction(), 1.0);
    }
}
