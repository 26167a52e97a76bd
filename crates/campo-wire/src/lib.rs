//! The sync protocol's messages (JSON under `/api/v1`). Shared by `campo-server` and the
//! tablet's client so the two can never disagree on a field. No HTTP here: the server
//! links these types without the client's HTTP stack.
//!
//! With the `openapi` feature every message also describes itself as an OpenAPI schema
//! (`utoipa::ToSchema`), so the server's API document is generated from these very types.
//! A rule the schema states about a request's shape (a length, a pattern, a bound) is
//! also enforced when the message is parsed, so the server refuses with 422 exactly the
//! requests the document calls invalid.

use campo_core::consent::{check_history, ConsentEvent, InformationSheet};
use campo_core::report::{Report, Targets};
use campo_core::rules::{check_outreach, check_roster_code, RecordRuleError};
use campo_core::{Instrument, Meeting, Outreach, Submission};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Prefix of every route.
pub const API_PREFIX: &str = "/api/v1";

/// `GET /api/v1/health` (no auth).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` whenever the server answers.
    pub status: String,
    pub server_time: DateTime<Utc>,
    /// The server's version.
    pub version: String,
}

/// Letters and digits in an enrollment code (`XXXX-XXXX-XXXX`).
pub const ENROLL_CODE_SYMBOLS: usize = 12;
/// Most characters of a code as typed, separators included.
pub const ENROLL_CODE_MAX: usize = 64;
/// Most characters of a device name.
pub const DEVICE_NAME_MAX: usize = 100;

/// Lowercase hex digits of a vault secret: 256 random bits.
pub const VAULT_SECRET_HEX: usize = 64;

/// `POST /api/v1/devices/enroll`. Parsing refuses a request that breaks
/// [`EnrollRequest::check`], as the API document states.
///
/// A tablet's vault is its identity across enrollments: the first enrollment with a vault
/// id registers the vault (and the hash of its secret) in the code's project; enrolling
/// again with the same vault id and secret (after a revocation, a lost token) makes a new
/// device of the same vault, which owns what the vault sent before.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "EnrollRequestFields")]
pub struct EnrollRequest {
    /// The one-time code `campo-server enroll` shows: 12 letters and digits; case and any
    /// other characters (dashes, spaces) are ignored.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 12,
            max_length = 64,
            pattern = "^[^A-Za-z0-9]*([A-Za-z0-9][^A-Za-z0-9]*){12}$",
            example = "K7QM-2XHD-9PRW"
        )
    )]
    pub code: String,
    /// 1 to 100 characters, not all white space; stored without surrounding white space.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"[^\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
        )
    )]
    pub device_name: String,
    /// The tablet's vault, made once when the vault is created and kept in it.
    pub vault_id: Uuid,
    /// The vault's secret: 256 random bits as 64 lowercase hex digits, made with the vault
    /// and kept in it. The server keeps only its SHA-256; enrolling again with a known
    /// `vault_id` needs the same secret.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$")
    )]
    pub vault_secret: String,
}

/// The secret never shows in a log or a panic message.
impl std::fmt::Debug for EnrollRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollRequest")
            .field("code", &self.code)
            .field("device_name", &self.device_name)
            .field("vault_id", &self.vault_id)
            .field("vault_secret", &"***")
            .finish()
    }
}

/// What `POST /devices/enroll` parses before [`EnrollRequest::check`].
#[derive(Deserialize)]
struct EnrollRequestFields {
    code: String,
    device_name: String,
    vault_id: Uuid,
    vault_secret: String,
}

impl TryFrom<EnrollRequestFields> for EnrollRequest {
    type Error = String;

    fn try_from(f: EnrollRequestFields) -> Result<Self, String> {
        let req = EnrollRequest {
            code: f.code,
            device_name: f.device_name,
            vault_id: f.vault_id,
            vault_secret: f.vault_secret,
        };
        req.check().map(|()| req)
    }
}

impl EnrollRequest {
    /// The code has 12 letters and digits in at most 64 characters; the device name is 1 to
    /// 100 characters, not all white space (Rust's `char::is_whitespace`); the vault secret
    /// is 64 lowercase hex digits.
    pub fn check(&self) -> Result<(), String> {
        let symbols = self
            .code
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .count();
        if symbols != ENROLL_CODE_SYMBOLS || self.code.chars().count() > ENROLL_CODE_MAX {
            return Err(format!(
                "code must hold {ENROLL_CODE_SYMBOLS} letters and digits (dashes and spaces \
                 aside) in at most {ENROLL_CODE_MAX} characters"
            ));
        }
        let n = self.device_name.chars().count();
        if !(1..=DEVICE_NAME_MAX).contains(&n) || self.device_name.chars().all(char::is_whitespace)
        {
            return Err(format!(
                "device_name must be 1 to {DEVICE_NAME_MAX} characters, not all white space"
            ));
        }
        if !is_vault_secret(&self.vault_secret) {
            // The value is not echoed: it is meant to be a secret.
            return Err(format!(
                "vault_secret must be {VAULT_SECRET_HEX} lowercase hex digits"
            ));
        }
        Ok(())
    }
}

/// Exactly [`VAULT_SECRET_HEX`] of `0-9a-f`.
pub fn is_vault_secret(secret: &str) -> bool {
    secret.len() == VAULT_SECRET_HEX
        && secret
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    pub device_id: Uuid,
    /// The bearer token (43 characters of base64url), shown once: the server keeps only its
    /// SHA-256.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{43}$"))]
    pub token: String,
}

/// What a device syncs. Roster names never leave the device: a roster entry is its code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum RecordBody {
    Meeting(Meeting),
    Submission(Submission),
    RosterCode(RosterCode),
    Outreach(Outreach),
}

/// The kind of a record, as `kind` names it on the wire and the server stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Meeting,
    Submission,
    RosterCode,
    Outreach,
}

impl RecordKind {
    pub const ALL: [RecordKind; 4] = [
        RecordKind::Meeting,
        RecordKind::Submission,
        RecordKind::RosterCode,
        RecordKind::Outreach,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Meeting => "meeting",
            RecordKind::Submission => "submission",
            RecordKind::RosterCode => "roster_code",
            RecordKind::Outreach => "outreach",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl RecordBody {
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordBody::Meeting(_) => RecordKind::Meeting,
            RecordBody::Submission(_) => RecordKind::Submission,
            RecordBody::RosterCode(_) => RecordKind::RosterCode,
            RecordBody::Outreach(_) => RecordKind::Outreach,
        }
    }
}

/// A carer's pseudonymous code on a device's roster (the name never leaves the tablet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RosterCode {
    /// 1 to 64 characters, no control characters (Unicode Cc), no white space (Unicode
    /// White_Space) at either end: `campo_core::rules::check_roster_code`.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\x00-\x1F\x7F-\x9F \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]([^\x00-\x1F\x7F-\x9F]*[^\x00-\x1F\x7F-\x9F \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?$"
        )
    )]
    pub code: String,
    /// The carer's consent history, oldest first (`campo_core::consent`): what the project
    /// shows when asked. Left out when there is none, so codes stored before it keep their
    /// bytes. At most 100 steps; a history that breaks its rules is refused on its own
    /// (`consent_invalid`, `information_sheet_invalid`), never the whole push.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consent: Vec<ConsentEvent>,
}

/// One record revision as pushed. `id` + `revision` name it; the server hashes the body
/// to tell a harmless resend (duplicate) from a conflicting one (rejected). Parsing
/// refuses a record that breaks the rules of its shape ([`Record::shape_problem`]), and
/// takes a whole number written as a float (`2.0`) where an integer is due, as JSON Schema
/// (and so the API document) counts it an integer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    pub id: Uuid,
    pub revision: u32,
    #[serde(flatten)]
    pub body: RecordBody,
}

/// What a pushed record parses as before [`Record::shape_problem`].
#[derive(Deserialize)]
struct RecordFields {
    id: Uuid,
    revision: u32,
    #[serde(flatten)]
    body: RecordBody,
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut value = serde_json::Value::deserialize(deserializer)?;
        whole_numbers_as_integers(&mut value);
        if let Some(problem) = loose_time(&value) {
            return Err(D::Error::custom(problem));
        }
        let f = RecordFields::deserialize(value).map_err(D::Error::custom)?;
        let record = Record {
            id: f.id,
            revision: f.revision,
            body: f.body,
        };
        match record.shape_problem() {
            Some(p) => Err(D::Error::custom(format!(
                "record {}: {} ({})",
                record.id, p.message, p.code
            ))),
            None => Ok(record),
        }
    }
}

/// A date or time of a record's body written in a form chrono reads but RFC 3339 (the API
/// document's `date` and `date-time` formats) does not: `2026-3-1`, a space for the `T`,
/// an offset without its colon. Also a date-time whose instant falls outside the years
/// 0000 to 9999 once in UTC (`9999-12-31T23:59:59-00:01`): the server keeps and sends it
/// in UTC (`+10000-01-01T00:00:59Z`), which is not RFC 3339, so the record it stored would
/// break the API document in every pull and be refused if sent again.
fn loose_time(record: &serde_json::Value) -> Option<String> {
    let fields: &[(&str, bool)] = match record.get("kind").and_then(|k| k.as_str()) {
        Some("meeting") => &[("date", false), ("updated_at", true)],
        Some("submission") => &[("created_at", true)],
        _ => &[],
    };
    let body = record.get("body")?;
    fields.iter().find_map(|&(name, with_time)| {
        let text = body.get(name)?.as_str()?;
        let ok = if with_time {
            is_date_time(text.as_bytes())
        } else {
            is_date(text.as_bytes())
        };
        if with_time && ok && !fits_in_utc(text) {
            return Some(format!(
                "{name} {text:?} is not within the years 0000 to 9999 in UTC"
            ));
        }
        (!ok).then(|| {
            let form = if with_time {
                "an RFC 3339 date-time"
            } else {
                "a date as YYYY-MM-DD"
            };
            format!("{name} {text:?} is not {form}")
        })
    })
}

/// Whether an RFC 3339 date-time still has a four-digit year in UTC. One chrono cannot
/// read (a 25th hour) passes here: the parse that follows refuses it with its own words.
fn fits_in_utc(text: &str) -> bool {
    use chrono::Datelike;
    DateTime::parse_from_rfc3339(text)
        .map_or(true, |t| (0..=9999).contains(&t.with_timezone(&Utc).year()))
}

/// `YYYY-MM-DD` (RFC 3339 `full-date`); whether the day exists is left to chrono.
fn is_date(b: &[u8]) -> bool {
    b.len() == 10
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
        && b[4] == b'-'
        && b[7] == b'-'
}

/// RFC 3339 `date-time`: `full-date "T" HH:MM:SS [.fraction] ("Z" / ("+" / "-") HH:MM)`,
/// `T` and `Z` in either case; the ranges are left to chrono.
fn is_date_time(b: &[u8]) -> bool {
    let digits = |t: &[u8]| !t.is_empty() && t.iter().all(u8::is_ascii_digit);
    let hh_mm = |t: &[u8]| t.len() == 5 && digits(&t[..2]) && t[2] == b':' && digits(&t[3..]);
    if b.len() < 20 || !is_date(&b[..10]) || !matches!(b[10], b'T' | b't') {
        return false;
    }
    let (time, mut rest) = b[11..].split_at(8);
    if !(hh_mm(&time[..5]) && time[5] == b':' && digits(&time[6..])) {
        return false;
    }
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', offset @ ..] => hh_mm(offset),
        _ => false,
    }
}

/// Rewrites every whole number written as a float (`256.0`, `1e3`) as an integer, so that
/// an integer field takes it; a float field takes either spelling alike.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            // Below 2^63 every whole f64 converts exactly.
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                if f.fract() == 0.0 && f.abs() < LIMIT {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// The OpenAPI schema of a record, by hand: `kind` and `body` travel beside `id` and
/// `revision` (an adjacently tagged enum, flattened), which the derive cannot state. One
/// branch per [`RecordKind`], each naming its `kind` and the schema of its `body`.
#[cfg(feature = "openapi")]
mod record_schema {
    use super::{Record, RecordKind};
    use utoipa::openapi::schema::{
        KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
    };
    use utoipa::openapi::{Ref, RefOr};
    use utoipa::{PartialSchema, ToSchema};

    /// The schema of the `body` of a record of `kind`.
    fn body_schema(kind: RecordKind) -> RefOr<Schema> {
        let name = match kind {
            RecordKind::Meeting => "Meeting",
            RecordKind::Submission => "Submission",
            RecordKind::RosterCode => "RosterCode",
            RecordKind::Outreach => "Outreach",
        };
        RefOr::Ref(Ref::from_schema_name(name))
    }

    impl PartialSchema for Record {
        fn schema() -> RefOr<Schema> {
            let mut one_of = OneOfBuilder::new().description(Some(
                "One record revision: `id` and `revision` name it, `kind` says what `body` is. \
                 The rules of its shape are in the schema; whether a submission fits its \
                 instrument version is checked against the stored instruments and answered per \
                 record (`rejected` with a `reason_code`), as are a body whose id or revision \
                 differs from the record's (`record_mismatch`), an id another device sent first \
                 and a revision already held with other content.",
            ));
            for kind in RecordKind::ALL {
                one_of = one_of.item(
                    ObjectBuilder::new()
                        .title(Some(format!("{kind} record")))
                        .property(
                            "id",
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
                        )
                        .required("id")
                        .property(
                            "revision",
                            ObjectBuilder::new()
                                .schema_type(Type::Integer)
                                .format(Some(SchemaFormat::KnownFormat(KnownFormat::UInt32)))
                                .minimum(Some(1))
                                .maximum(Some(u32::MAX as usize))
                                .description(Some("Counts from 1; every edit is a new revision.")),
                        )
                        .required("revision")
                        .property(
                            "kind",
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .enum_values(Some([kind.as_str()])),
                        )
                        .required("kind")
                        .property("body", body_schema(kind))
                        .required("body"),
                );
            }
            one_of.into()
        }
    }

    impl ToSchema for Record {
        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            use campo_core::{Meeting, Outreach, Submission};
            schemas.push((Meeting::name().into(), Meeting::schema()));
            <Meeting as ToSchema>::schemas(schemas);
            schemas.push((Submission::name().into(), Submission::schema()));
            <Submission as ToSchema>::schemas(schemas);
            schemas.push((
                super::RosterCode::name().into(),
                super::RosterCode::schema(),
            ));
            schemas.push((Outreach::name().into(), Outreach::schema()));
            schemas.push((
                campo_core::AnswerValue::name().into(),
                campo_core::AnswerValue::schema(),
            ));
        }
    }
}

/// Why a record is refused before any stored state is read: the answer's `reason_code`
/// and `reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordProblem {
    pub code: &'static str,
    pub message: String,
}

/// `YYYY-MM` with a real month, exactly as the API document's pattern has it (chrono alone
/// would also take a sign or a space in the year).
fn is_month(period: &str) -> bool {
    let b = period.as_bytes();
    b.len() == 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && matches!((b[5], b[6]), (b'0', b'1'..=b'9') | (b'1', b'0'..=b'2'))
}

impl Record {
    /// The rules of a record's shape, which the API document states as a schema: revisions
    /// count from 1 (a meeting's too), a roster code is a code, an outreach period is a
    /// month. The server refuses a push holding such a record with 422 before reading
    /// anything; the tablet checks them before sending ([`Record::check`]).
    pub fn shape_problem(&self) -> Option<RecordProblem> {
        let revision = |what: &str| RecordProblem {
            code: "revision_invalid",
            message: format!("{what} revision 0: revisions count from 1"),
        };
        if self.revision == 0 {
            return Some(revision("the record's"));
        }
        match &self.body {
            RecordBody::Meeting(m) if m.revision == 0 => Some(revision("the meeting's")),
            RecordBody::RosterCode(r) => check_roster_code(&r.code).err().map(Into::into),
            RecordBody::Outreach(o) => match check_outreach(o) {
                Err(e) => Some(e.into()),
                Ok(()) if !is_month(&o.period) => {
                    Some(RecordRuleError::OutreachPeriod(o.period.clone()).into())
                }
                Ok(()) => None,
            },
            _ => None,
        }
    }

    /// The rules every record keeps whatever the project's instruments: those of its shape
    /// ([`Record::shape_problem`]), then its envelope agrees with its body. The tablet
    /// checks them before sending; the server checks them again on receipt (a mismatch is
    /// answered per record, `record_mismatch`).
    pub fn check(&self) -> Result<(), RecordProblem> {
        if let Some(problem) = self.shape_problem() {
            return Err(problem);
        }
        let mismatch = |what: String| RecordProblem {
            code: "record_mismatch",
            message: what,
        };
        match &self.body {
            RecordBody::Meeting(m) if m.id != self.id || m.revision != self.revision => {
                Err(mismatch(format!(
                    "the meeting's id/revision ({}/{}) differ from the record's ({}/{})",
                    m.id, m.revision, self.id, self.revision
                )))
            }
            RecordBody::Submission(s) if s.id != self.id => Err(mismatch(format!(
                "the submission's id {} differs from the record's {}",
                s.id, self.id
            ))),
            // A consent history's order and steps are beyond what a schema says: refused
            // record by record (`consent_invalid`, `information_sheet_invalid`), not the push.
            RecordBody::RosterCode(r) => {
                check_history(&r.consent).map_err(|e| RecordRuleError::from(e).into())
            }
            _ => Ok(()),
        }
    }
}

impl From<RecordRuleError> for RecordProblem {
    fn from(e: RecordRuleError) -> Self {
        RecordProblem {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// Most records in one push, and the most the client puts in one batch.
pub const MAX_PUSH_RECORDS: usize = 2_000;
/// Most bytes of one request body, before and after gzip.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// `POST /api/v1/sync/push` (bearer token; body may be gzip with `Content-Encoding: gzip`).
/// `batch_id` is the batch's idempotency key: resending the same batch is always safe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// The batch's idempotency key: the same batch sent again gets its first answer.
    pub batch_id: Uuid,
    /// At most 2,000 ([`MAX_PUSH_RECORDS`]); more is answered 413.
    #[cfg_attr(feature = "openapi", schema(max_items = 2000))]
    pub records: Vec<Record>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// Newly stored in this request.
    Stored,
    /// Already held with the same id, revision and content hash.
    Duplicate,
    /// Refused; `reason` says why. Resending it unchanged will be refused again.
    Rejected,
}

/// The answer for one pushed record, in the order they were sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResult {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 4294967295_u64))]
    pub revision: u32,
    pub status: PushStatus,
    /// Why the record was rejected, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A stable code for `reason` (e.g. `unknown_instrument_version`), for the tablet to act
    /// on without parsing text. The checks against the stored instruments answer
    /// `unknown_instrument`, `unknown_instrument_version`, `respondent_on_anonymous`,
    /// `phase_missing`, `phase_not_allowed` or `invalid_answers`; the checks against
    /// stored records `owned_by_another_device` (the id belongs to another tablet's
    /// vault), `kind_mismatch` or `revision_conflict`; a correction (`replaces`) that
    /// names no stored submission of the project `replaces_unknown`, one of another vault
    /// `replaces_not_yours`, one of another meeting or instrument (or itself)
    /// `replaces_mismatch`, one another correction already replaces `already_replaced`;
    /// a follow-up (`follows_up`) on another instrument than the barrier log
    /// `follows_up_not_barrier`, of itself `follows_up_mismatch`, naming no barrier log
    /// form of the project `follows_up_unknown`, naming a follow-up rather than a
    /// barrier's first form `follows_up_not_first`; a body whose id or revision differs
    /// from the record's `record_mismatch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// One per pushed record, in order.
    pub results: Vec<PushResult>,
}

/// Items in one pull page when the client names no `limit`, and the most it may ask for.
pub const DEFAULT_PULL_LIMIT: u32 = 500;
pub const MAX_PULL_LIMIT: u32 = 5_000;
/// The largest cursor: the server counts in a signed 64-bit integer.
pub const MAX_CURSOR: u64 = i64::MAX as u64;

/// `GET /api/v1/sync/pull?since=CURSOR&limit=N` (bearer token): what the device should
/// hold that changed after `since` in its project, at most `limit` items, and the cursor
/// to send next time. While `more` is true the client asks again from the new cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// Where the next pull starts (`since`).
    #[cfg_attr(feature = "openapi", schema(maximum = 9223372036854775807_u64))]
    pub cursor: u64,
    /// More changes wait after `cursor`.
    #[serde(default)]
    pub more: bool,
    pub instruments: Vec<Instrument>,
    /// Always empty: other devices' roster codes are of no use to a tablet (kept so that
    /// tablets that expect the field still parse the answer).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 0))]
    pub roster: Vec<RosterCode>,
    /// Current revisions of the meetings of the project's other vaults (other tablets).
    pub meetings: Vec<Meeting>,
    /// The barrier log forms of the project's other vaults (first forms and follow-ups,
    /// settled barriers too), so that any tablet of the project can follow up any
    /// barrier and knows where each stands. Left out when none changed, for tablets that
    /// predate it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub barriers: Vec<Submission>,
    /// Reviews of this tablet's own submissions that changed after the cursor (the latest
    /// word on each). Left out when none changed, for tablets that predate it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<ReviewNote>,
    /// Questionnaire versions the office retired after the cursor: the tablet stops
    /// offering them (what was collected with them still counts). Left out when none, for
    /// tablets that predate it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<RetiredInstrument>,
    /// Carers the office forgot after the cursor (on request or at the end of the
    /// retention period). Left out when none, for tablets that predate it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erasures: Vec<Erasure>,
    /// The project's information sheet, which a consent names by version. Left out while
    /// the project has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub information_sheet: Option<InformationSheet>,
    /// The project's targets, for the tablet's own report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Targets>,
    /// The project's figures over every tablet's records, on the last page of a pull
    /// (`more` false) only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_report: Option<ProjectReport>,
}

/// A questionnaire version the office retired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetiredInstrument {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 4294967295_u64))]
    pub version: u32,
}

/// A carer the office has forgotten, named by the ids of the roster entries that held
/// their code (deleted on the server), never by the code, and never by their submissions,
/// whose ids side by side would pair their answers again. A tablet learns the code from its
/// own roster entry among these (a submission's respondent too, should an older server
/// name one), then removes it from everything it keeps and deletes the entry with the name
/// and contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Erasure {
    pub records: Vec<Uuid>,
}

/// How the office has reviewed a submission. `received` until someone says otherwise; the
/// report counts every submission but the excluded ones (or, when asked, approved ones
/// only). Not "rejected", which sync uses for a record the server refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Received,
    HasIssues,
    Approved,
    Excluded,
}

impl ReviewState {
    pub const ALL: [ReviewState; 4] = [
        ReviewState::Received,
        ReviewState::HasIssues,
        ReviewState::Approved,
        ReviewState::Excluded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Received => "received",
            ReviewState::HasIssues => "has_issues",
            ReviewState::Approved => "approved",
            ReviewState::Excluded => "excluded",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewState> {
        ReviewState::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Most characters of a reviewer's comment.
pub const REVIEW_COMMENT_MAX: usize = 1000;

/// The office's word on one of the tablet's own submissions, sent in pull to the vault that
/// sent it whenever its review changes: the tablet lists the submissions marked
/// `has_issues` with their comment, and a correction (`replaces`) answers one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewNote {
    pub submission_id: Uuid,
    pub meeting_id: Uuid,
    pub instrument_id: String,
    pub state: ReviewState,
    /// What the reviewer wrote (at most 1,000 characters); empty when nothing.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub comment: String,
    /// When the review was last changed.
    pub reviewed_at: DateTime<Utc>,
}

/// The project's assessment report as a tablet receives it: the figures
/// `campo-server report` computes over all the project's current records against its
/// targets, with no text a person typed ([`Report::without_free_text`]: cancelled
/// meetings' reasons are sent empty). Aggregates only: no respondent code, name, note or
/// single answer, but for the committee's latest goal evaluation, which the report gives
/// as the goals' option values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectReport {
    /// When the server computed the figures.
    pub as_of: DateTime<Utc>,
    pub report: Report,
}

impl ProjectReport {
    /// The copy of `report` a tablet may hold: without free text.
    pub fn new(as_of: DateTime<Utc>, report: Report) -> ProjectReport {
        ProjectReport {
            as_of,
            report: report.without_free_text(),
        }
    }
}

/// Every 4xx/5xx body: a stable machine-readable `code` and a human `message`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use campo_core::Outreach;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in RecordKind::ALL {
            assert_eq!(RecordKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(RecordKind::parse(""), None);
    }

    #[test]
    fn records_are_checked_before_any_state() {
        let outreach = |p: &str| Record {
            id: Uuid::now_v7(),
            revision: 1,
            body: RecordBody::Outreach(Outreach {
                period: p.into(),
                ..Outreach::default()
            }),
        };
        assert!(outreach("2026-04").check().is_ok());
        assert_eq!(
            outreach("April").check().unwrap_err().code,
            "outreach_period_invalid"
        );
        // chrono alone would read these as months; the API document's pattern does not.
        for loose in ["+202-03", " 202-03", "2026- 3", "-001-03"] {
            assert!(campo_core::rules::check_outreach(&Outreach {
                period: loose.into(),
                ..Outreach::default()
            })
            .is_ok());
            assert_eq!(
                outreach(loose).check().unwrap_err().code,
                "outreach_period_invalid",
                "{loose:?}"
            );
        }
        let mut zero = outreach("2026-04");
        zero.revision = 0;
        assert_eq!(zero.check().unwrap_err().code, "revision_invalid");
        let json = serde_json::to_string(&zero).unwrap();
        let refused = serde_json::from_str::<Record>(&json).unwrap_err();
        assert!(
            refused.is_data() && refused.to_string().contains("revision_invalid"),
            "{refused}"
        );
        let roster = Record {
            id: Uuid::now_v7(),
            revision: 1,
            body: RecordBody::RosterCode(RosterCode {
                code: String::new(),
                consent: Vec::new(),
            }),
        };
        assert_eq!(roster.check().unwrap_err().code, "roster_code_invalid");
        assert_eq!(roster.body.kind(), RecordKind::RosterCode);
    }

    #[test]
    fn a_time_that_leaves_four_digit_years_in_utc_is_refused() {
        let meeting = |updated_at: &str| {
            serde_json::json!({
                "id": "01900000-0000-7000-8000-000000000001",
                "revision": 1,
                "kind": "meeting",
                "body": {
                    "id": "01900000-0000-7000-8000-000000000001",
                    "revision": 1,
                    "activity": "peer_group",
                    "date": "2026-03-10",
                    "place": "", "topic": "", "facilitator": "",
                    "status": "held",
                    "updated_at": updated_at,
                }
            })
        };
        for edge in ["9999-12-31T23:59:59-00:01", "0000-01-01T00:00:00+00:01"] {
            let refused = serde_json::from_value::<Record>(meeting(edge)).unwrap_err();
            assert!(refused.to_string().contains("0000 to 9999"), "{refused}");
        }
        for inside in ["9999-12-31T23:59:59Z", "0000-01-01T00:00:00-23:59"] {
            let record: Record = serde_json::from_value(meeting(inside)).unwrap();
            let again = serde_json::to_string(&record).unwrap();
            assert_eq!(serde_json::from_str::<Record>(&again).unwrap(), record);
        }
    }

    #[test]
    fn a_pull_answer_of_the_first_release_still_parses() {
        let old = r#"{"cursor": 7, "instruments": [], "roster": [], "meetings": []}"#;
        let parsed: PullResponse = serde_json::from_str(old).unwrap();
        assert!(!parsed.more && parsed.targets.is_none() && parsed.project_report.is_none());
        let again = serde_json::to_value(&parsed).unwrap();
        assert!(again.get("project_report").is_none(), "{again}");
    }

    fn enrollment(secret: &str) -> serde_json::Value {
        serde_json::json!({
            "code": "K7QM-2XHD-9PRW",
            "device_name": "Tablet 1",
            "vault_id": Uuid::now_v7(),
            "vault_secret": secret,
        })
    }

    #[test]
    fn an_enrollment_names_its_vault_and_a_well_formed_secret() {
        let good = "0123456789abcdef".repeat(4);
        let req: EnrollRequest = serde_json::from_value(enrollment(&good)).unwrap();
        assert_eq!(req.vault_secret, good);
        assert!(!format!("{req:?}").contains(&good), "Debug shows no secret");
        for bad in [
            "0123456789ABCDEF".repeat(4),
            "0".repeat(63),
            "0".repeat(65),
            format!("{}g", "0".repeat(63)),
            format!("{}\n", "0".repeat(64)),
            String::new(),
        ] {
            let refused = serde_json::from_value::<EnrollRequest>(enrollment(&bad)).unwrap_err();
            assert!(
                refused.to_string().contains("vault_secret"),
                "{bad:?}: {refused}"
            );
            assert!(!refused.to_string().contains(&bad) || bad.is_empty());
        }
        for missing in ["vault_id", "vault_secret"] {
            let mut v = enrollment(&good);
            v.as_object_mut().unwrap().remove(missing);
            let refused = serde_json::from_value::<EnrollRequest>(v).unwrap_err();
            assert!(refused.to_string().contains(missing), "{refused}");
        }
        let mut v = enrollment(&good);
        v["vault_id"] = "not-a-uuid".into();
        assert!(serde_json::from_value::<EnrollRequest>(v).is_err());
    }
}
