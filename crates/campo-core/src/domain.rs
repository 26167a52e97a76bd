//! The records Campo collects and every crate shares: meetings with their attendance,
//! submissions, roster entries and outreach counters.

use crate::answer::Answers;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The pilot's three kinds of meeting, and the co-assessments (workshops or interviews)
/// where carers, the service provider and the researchers look at how the project is going.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    TrainingCourse,
    PeerGroup,
    Committee,
    CoAssessment,
}

impl Activity {
    pub const ALL: [Activity; 4] = [
        Activity::TrainingCourse,
        Activity::PeerGroup,
        Activity::Committee,
        Activity::CoAssessment,
    ];

    /// The activities that serve the carers, whose meetings make the service figures
    /// (cadence, attendance, reach). Co-assessments look at those services; counted among
    /// them, a workshop before the pilot would stretch its months and its reach.
    pub const SERVICES: [Activity; 3] = [
        Activity::TrainingCourse,
        Activity::PeerGroup,
        Activity::Committee,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Activity::TrainingCourse => "training_course",
            Activity::PeerGroup => "peer_group",
            Activity::Committee => "committee",
            Activity::CoAssessment => "co_assessment",
        }
    }

    pub fn is_service(self) -> bool {
        self != Activity::CoAssessment
    }
}

/// `{"status": "planned"}`, `{"status": "held"}` or `{"status": "cancelled", "reason": "..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MeetingStatus {
    Planned,
    Held,
    Cancelled { reason: String },
}

/// Who came: participant codes from the device's roster, plus carers who came without
/// giving a code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attendance {
    #[serde(default)]
    pub participants: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 4294967295_u64))]
    pub anonymous: u32,
    /// Co-assessments only: how many of each side took part. Absent on every other meeting
    /// (and then not serialized at all, so records stored before it keep their bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<RoleCounts>,
}

/// Who took part in a co-assessment, by side: its point is to hear every one of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RoleCounts {
    #[cfg_attr(feature = "openapi", schema(maximum = 4294967295_u64))]
    pub carers: u32,
    #[cfg_attr(feature = "openapi", schema(maximum = 4294967295_u64))]
    pub provider_staff: u32,
    #[cfg_attr(feature = "openapi", schema(maximum = 4294967295_u64))]
    pub researchers: u32,
}

impl RoleCounts {
    pub fn total(&self) -> u64 {
        u64::from(self.carers) + u64::from(self.provider_staff) + u64::from(self.researchers)
    }
}

impl Attendance {
    /// Attendances at the meeting: coded participants (each counted once) plus anonymous ones.
    pub fn total(&self) -> u32 {
        let mut codes: Vec<&str> = self.participants.iter().map(String::as_str).collect();
        codes.sort_unstable();
        codes.dedup();
        codes.len() as u32 + self.anonymous
    }
}

/// A meeting. Editable: every edit is a new `revision`; the highest revision is current.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meeting {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 4294967295_u64))]
    pub revision: u32,
    pub activity: Activity,
    pub date: NaiveDate,
    pub place: String,
    pub topic: String,
    pub facilitator: String,
    #[serde(flatten)]
    pub status: MeetingStatus,
    #[serde(default)]
    pub attendance: Attendance,
    pub updated_at: DateTime<Utc>,
}

impl Meeting {
    pub fn is_held(&self) -> bool {
        matches!(self.status, MeetingStatus::Held)
    }

    pub fn is_cancelled(&self) -> bool {
        matches!(self.status, MeetingStatus::Cancelled { .. })
    }
}

/// Before or after a course: the same carer's `pre` and `post` quiz are paired by
/// respondent code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Pre,
    Post,
}

/// One respondent's answers to one instrument version at one meeting.
/// Immutable once final: a correction is a new submission naming the one it `replaces`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submission {
    pub id: Uuid,
    pub instrument_id: String,
    #[cfg_attr(feature = "openapi", schema(maximum = 4294967295_u64))]
    pub instrument_version: u32,
    pub meeting_id: Uuid,
    /// Pseudonymous participant code; always `None` for anonymous instruments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::answer::answers_schema))]
    pub answers: Answers,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::optional_uuid))]
    pub replaces: Option<Uuid>,
    /// Barrier log only: the first submission of the barrier this one follows up (a later
    /// effect or status of the same barrier). Skipped when absent, so that the content hash
    /// of every record written before it is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::optional_uuid))]
    pub follows_up: Option<Uuid>,
}

/// A carer on the device's roster. The name and contact never leave the device:
/// only the pseudonymous `code` is synced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Participant {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// Outreach counters entered by hand for a period (`YYYY-MM`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outreach {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$"))]
    pub period: String,
    #[cfg_attr(feature = "openapi", schema(maximum = 4294967295_u64))]
    pub page_likes: u32,
    #[cfg_attr(feature = "openapi", schema(maximum = 4294967295_u64))]
    pub site_visits: u32,
    #[cfg_attr(feature = "openapi", schema(maximum = 4294967295_u64))]
    pub downloads: u32,
    #[cfg_attr(feature = "openapi", schema(maximum = 4294967295_u64))]
    pub new_patients_informed: u32,
}

/// Field schemas the derive gets wrong for the API document.
#[cfg(feature = "openapi")]
mod openapi {
    use utoipa::openapi::schema::{
        KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
    };

    /// `Option<Uuid>`: a UUID or null, as two branches, so that the UUID's format is not
    /// lost on a `["string", "null"]` type (generators then draw any string).
    pub fn optional_uuid() -> Schema {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
            )
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .into()
    }
}
