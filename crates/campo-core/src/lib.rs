//! Campo's domain, shared by the device vault, the sync protocol, the server and the app.
//!
//! Pure by design: no files, no network, no SQL. Everything here is a function of its
//! inputs, so the tablet and the server compute the same report from the same records.

pub mod answer;
pub mod barrier;
pub mod catalog;
pub mod consent;
pub mod csv_table;
pub mod domain;
pub mod erasure;
pub mod i18n;
pub mod instrument;
pub mod load;
pub mod report;
pub mod rules;
pub mod score;
pub mod validate;

pub use answer::{AnswerValue, Answers};
pub use domain::{
    Activity, Attendance, Meeting, MeetingStatus, Outreach, Participant, Phase, RoleCounts,
    Submission,
};
pub use i18n::{Lang, Text};
pub use instrument::{Choice, Instrument, Item, ItemType, Relevant, Scoring};
