//! The assessment report: what the pilot did against what it promised.
//!
//! Computed from meetings, submissions and outreach counters alone (no I/O), so the tablet
//! and the server show the same figures from the same records. Rendered as JSON (serde),
//! a text table and CSV, in Italian or English.

mod co_assessment;
pub mod co_assessment_view;
mod compute;
mod figures;
mod labels;
mod render_csv;
mod render_text;
mod signals;
mod targets;

pub use compute::{compute, compute_as_of};
pub use figures::{figures, Figure, Value};
pub use labels::label;
pub use render_csv::render_csv;
pub use render_text::render_text;
pub use signals::{signal_table, SignalSpec, SignalTable};
pub use targets::{Check, Targets};

use crate::domain::{Activity, Meeting, Outreach, Submission};
use crate::i18n::Text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the report is computed from: the current revision of each meeting and the final
/// submissions (drafts never count).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportInput {
    pub meetings: Vec<Meeting>,
    pub submissions: Vec<Submission>,
    pub outreach: Vec<Outreach>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// Dates of the first and last meeting in the input, whatever their status.
    pub period: Option<Period>,
    /// Months the cadence targets are counted over (`Targets::pilot_months`, or the span
    /// of `period` in calendar months, both ends included).
    pub months: u32,
    pub targets: Targets,
    pub training: TrainingReport,
    pub peer: PeerReport,
    pub committee: CommitteeReport,
    pub totals: Totals,
    pub outreach: OutreachReport,
    /// Co-assessment: the barriers logged, the plan of co-assessments and the signals the
    /// data raises for the next one. Absent from reports made before it existed.
    #[serde(default)]
    pub co_assessment: CoAssessmentReport,
    /// Submissions left out, by reason, so nothing disappears silently.
    pub ignored: Ignored,
}

impl Report {
    /// The same figures without any text a person typed, for readers who may see the
    /// project's figures but not its records (the tablets of the project).
    ///
    /// Everything else in a report is a count, a mean, a date, an id, a target or an
    /// instrument's own text (titles, item and option labels): no respondent code, no
    /// name and no answer but the option values of the committee's goal checklist, whose
    /// notes (text items) a report never reads. The one typed text is a cancelled
    /// meeting's reason: it is left empty, and the cancellation itself is kept, so the
    /// counts stay whole.
    pub fn without_free_text(mut self) -> Report {
        for meetings in [
            &mut self.training.meetings,
            &mut self.peer.meetings,
            &mut self.committee.meetings,
            &mut self.co_assessment.meetings,
        ] {
            for cancellation in &mut meetings.cancelled {
                cancellation.reason.clear();
            }
        }
        self
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// A mean with the number of values it is the mean of. `mean` is `None` when `n` is 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mean {
    pub mean: Option<f64>,
    pub n: u64,
}

impl Mean {
    pub(crate) fn from_sum(sum: f64, n: u64) -> Mean {
        Mean {
            mean: (n > 0).then(|| sum / n as f64),
            n,
        }
    }
}

/// Meetings of one activity.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingCounts {
    pub planned: u64,
    pub held: u64,
    /// Cancelled meetings with their reasons, by date.
    pub cancelled: Vec<Cancellation>,
    /// "Overall": attendances summed over held meetings (a carer who came twice counts twice).
    pub attendances: u64,
    /// Attendances per held meeting; `None` when none was held.
    pub average_participants: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cancellation {
    pub meeting_id: Uuid,
    pub date: NaiveDate,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingReport {
    pub meetings: MeetingCounts,
    /// Held courses against `courses_per_month * months`.
    pub cadence: Check,
    /// Understanding: mean post-quiz % correct, with `n` post quizzes answered...
    /// A carer counts once per quiz and course: when one submitted the same quiz phase
    /// twice without marking a correction, the latest submitted counts (the same rule as
    /// for pairing). Quizzes without a respondent code all count, but cannot be paired.
    pub understanding: Mean,
    /// ...out of this many attendances at held courses.
    pub understanding_out_of: u64,
    pub understanding_check: Check,
    /// Mean pre-quiz % correct.
    pub pre: Mean,
    /// Mean of (post - pre) in percentage points over carers who answered both the pre and
    /// the post quiz of the same instrument at the same course; `n` is the number of pairs.
    pub gain: Mean,
    /// Mean score of the satisfaction scales filled at held courses, `n` scales.
    pub satisfaction: Mean,
    pub satisfaction_check: Check,
    /// The same quiz figures per quiz (course topic), by instrument id.
    pub quizzes: Vec<QuizReport>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuizReport {
    pub instrument_id: String,
    /// Title of the catalog's latest version of the quiz.
    pub title: Text,
    pub pre: Mean,
    pub post: Mean,
    pub gain: Mean,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeerReport {
    pub meetings: MeetingCounts,
    /// Held peer meetings against `peer_meetings_per_month * months`.
    pub cadence: Check,
    pub satisfaction: Distribution,
    pub satisfaction_check: Check,
}

/// How many answers fell on each level of a scale, with the number of respondents and the
/// mean of their scores.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Distribution {
    /// In the scale's own order (lowest first, as the instrument lists them).
    pub levels: Vec<Level>,
    pub n: u64,
    pub mean: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Level {
    pub value: String,
    pub label: Text,
    pub score: Option<u8>,
    pub count: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommitteeReport {
    pub meetings: MeetingCounts,
    /// Goal evaluations (checklist submissions) at held committee meetings.
    pub evaluations: u64,
    /// The latest evaluation: of the latest held committee meeting by date, then the
    /// latest submitted. Earlier ones are superseded, not summed: goals move over time.
    pub latest: Option<GoalsEvaluation>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalsEvaluation {
    pub meeting_id: Uuid,
    pub submission_id: Uuid,
    pub date: NaiveDate,
    /// Goals per state (achieved / partially / unfulfilled), in the instrument's order.
    pub states: Vec<Level>,
    /// Each goal with the state it was given (`None`: not evaluated).
    pub goals: Vec<GoalState>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalState {
    pub item_id: String,
    pub label: Text,
    pub state: Option<String>,
    pub state_label: Option<Text>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    pub meetings_held: u64,
    pub meetings_cancelled: u64,
    /// The study's "carers involved": attendances summed over all held meetings.
    pub carers_involved: u64,
    /// Different participant codes seen at held meetings.
    pub distinct_participants: u64,
    /// Attendances of carers who gave no code, over held meetings.
    pub anonymous_attendances: u64,
    /// Carers reached, for the reach target: distinct participant codes plus every
    /// anonymous attendance. Anonymous carers cannot be told apart, so each anonymous
    /// attendance counts as one carer; this is an upper bound, stated as such in the
    /// report, and exact when every carer gives a code.
    pub carers_reached: u64,
    pub reach: Check,
    /// Mean of every satisfaction scale (mean-score submission) filled at a held meeting,
    /// courses and peer groups alike, each respondent weighing the same. Not the mean of
    /// the two activity means, which would let a small peer group outweigh many courses.
    pub satisfaction: Mean,
    pub satisfaction_check: Check,
}

/// Outreach counters: summed over every period, and per period (`YYYY-MM`, in order).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutreachReport {
    pub total: Counters,
    pub periods: Vec<PeriodCounters>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counters {
    pub page_likes: u64,
    pub site_visits: u64,
    pub downloads: u64,
    pub new_patients_informed: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodCounters {
    pub period: String,
    pub counters: Counters,
}

/// Submissions the report leaves out, by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ignored {
    /// Corrected: a later submission names them in `replaces`.
    pub replaced: u64,
    /// Their meeting is not in the input.
    pub unknown_meeting: u64,
    /// Their meeting is planned or cancelled: answers to a meeting that did not take place
    /// cannot describe it.
    pub meeting_not_held: u64,
    /// Their instrument version is not in the catalog, so they cannot be scored.
    pub unknown_instrument: u64,
    /// Their instrument is not one of their meeting's activity (a course quiz at a peer
    /// group): no figure of that activity is about them.
    pub wrong_activity: u64,
    /// Quizzes without a pre/post phase: neither understanding nor gain can use them.
    pub quiz_without_phase: u64,
    /// Barrier log follow-ups naming no barrier in the input (not a first submission of
    /// one, or one left out): they cannot be placed in a chain.
    #[serde(default)]
    pub follow_up_without_barrier: u64,
}

impl Ignored {
    pub fn total(&self) -> u64 {
        self.replaced
            + self.unknown_meeting
            + self.meeting_not_held
            + self.unknown_instrument
            + self.wrong_activity
            + self.quiz_without_phase
            + self.follow_up_without_barrier
    }
}

/// The co-assessment section. Everything here but `signals` is over every record of the
/// input; `plan` and `signals` are as of `as_of`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoAssessmentReport {
    /// The date the plan's states and the signals are computed at.
    pub as_of: NaiveDate,
    /// Co-assessment meetings (workshops, interviews); `attendances` counts the carers
    /// recorded by code or anonymously, as for every meeting.
    pub meetings: MeetingCounts,
    /// Who took part, by side, summed over held co-assessments that recorded it.
    pub roles: RoleTotals,
    /// Barriers (chains) logged at held co-assessments.
    pub total: u64,
    /// Follow-ups placed in a chain.
    pub follow_ups: u64,
    /// One entry per cause with at least one barrier, in the barrier log's order of causes
    /// (an unknown cause code last, by code).
    pub barriers: Vec<BarrierCount>,
    /// Barriers by who raised them (from each chain's first submission).
    pub by_raised_by: RaisedByCounts,
    /// Barriers by their current effect (from each chain's latest submission).
    pub by_effect: EffectCounts,
    /// The co-assessments due, in date order. Empty without the pilot's dates.
    pub plan: Vec<PlannedCoAssessment>,
    /// The signals raised as of `as_of`, in the signal table's order.
    pub signals: Vec<Signal>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleTotals {
    pub carers: u64,
    pub provider_staff: u64,
    pub researchers: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BarrierCount {
    /// A cause code of the barrier log (`absence_of_information`, ..., `other`).
    pub cause: String,
    /// Barriers (chains) with this cause.
    pub total: u64,
    pub by_stage: StageCounts,
    pub by_status: StatusCounts,
}

/// Barriers by when they arose (from each chain's first submission).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageCounts {
    pub before: u64,
    pub during: u64,
    pub after: u64,
}

/// Barriers by the status of their adjustment (from each chain's latest submission);
/// `open`: no status given yet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCounts {
    pub open: u64,
    pub planned: u64,
    pub done: u64,
    pub not_possible: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RaisedByCounts {
    pub carer: u64,
    pub provider: u64,
    pub researcher: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EffectCounts {
    pub none_yet: u64,
    pub value_diminished: u64,
    pub irreparable_loss: u64,
}

/// Before, during or after the pilot: when a barrier arose, or when a co-assessment is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Before,
    During,
    After,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::Before => "before",
            Stage::During => "during",
            Stage::After => "after",
        }
    }
}

/// A co-assessment the plan makes due: some held co-assessment meeting dated `from` to
/// `to` (both included) fulfils it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedCoAssessment {
    pub stage: Stage,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub state: PlanState,
    /// The first held co-assessment in the window, when one was held.
    pub held_on: Option<NaiveDate>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    /// A co-assessment was held in the window.
    Done,
    /// The window ended before the report's date without one.
    Missing,
    /// None held yet, and the window has not ended.
    NotYetDue,
}

impl PlanState {
    pub fn code(self) -> &'static str {
        match self {
            PlanState::Done => "done",
            PlanState::Missing => "missing",
            PlanState::NotYetDue => "not_yet_due",
        }
    }
}

/// A prompt for the next co-assessment, raised by the data: the figures it rests on and
/// the causes of the barrier log it suggests discussing. Never a verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signal {
    /// Stable code from the signal table (`schemas/co_assessment_signals.json`).
    pub code: String,
    /// The activity the figures are about, for signals raised per activity.
    pub activity: Option<Activity>,
    /// The figures the signal rests on, by name (labelled in the signal table).
    pub evidence: Vec<SignalFigure>,
    /// The thresholds it was raised against, from the signal table or the targets.
    pub thresholds: Vec<SignalFigure>,
    /// Cause codes of the barrier log to discuss.
    pub causes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignalFigure {
    pub name: String,
    pub value: f64,
}
