//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` attributes and the
//! wire types themselves: campo-wire's messages and the campo-core values they carry
//! derive (or, where serde's representation needs it, write beside the type) their
//! schemas under the `openapi` feature. Nothing here mirrors a type by hand.
//!
//! Every rule the server applies to a request without consulting stored data is in the
//! schemas (lengths, patterns, bounds, `maxItems`), and the parser refuses with 422
//! exactly what they call invalid. What depends on the project's stored instruments and
//! records is answered per record (`rejected` with a `reason_code`), as the schemas say.

use super::auth::DeviceAuth;
use axum::Json;
use campo_core::report::{Report, Targets};
use campo_core::{
    Activity, AnswerValue, Attendance, Choice, Instrument, Item, ItemType, Meeting, MeetingStatus,
    Outreach, Phase, Relevant, Scoring, Submission, Text,
};
use campo_wire::{
    ApiError, EnrollRequest, EnrollResponse, Health, ProjectReport, PullResponse, PushRequest,
    PushResponse, PushResult, PushStatus, Record, RecordKind, RosterCode,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// utoipa spells the unsigned integer formats `u-int32` (its enum in kebab case); the
/// OpenAPI format registry, and every tool reading the document, spells them `uint32`.
struct UnsignedFormats;

impl Modify for UnsignedFormats {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        fn fix(value: &mut serde_json::Value) {
            match value {
                serde_json::Value::Object(map) => {
                    for (key, v) in map.iter_mut() {
                        match v.as_str().and_then(|f| f.strip_prefix("u-int")) {
                            Some(bits) if key == "format" => *v = format!("uint{bits}").into(),
                            _ => fix(v),
                        }
                    }
                }
                serde_json::Value::Array(items) => items.iter_mut().for_each(fix),
                _ => {}
            }
        }
        let Ok(mut value) = serde_json::to_value(&*openapi) else {
            return;
        };
        fix(&mut value);
        if let Ok(fixed) = serde_json::from_value(value) {
            *openapi = fixed;
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Campo sync API",
        description = "Device enrollment and offline-first sync for Campo. Every error body is an \
            `ApiError` (`{code, message}`); nothing changes on a refused request. Request bodies \
            may be sent with `Content-Encoding: gzip` (at most the same number of bytes once \
            inflated); any other encoding is answered 415."
    ),
    paths(
        super::device::health,
        super::device::enroll,
        super::sync::push,
        super::sync::pull,
        openapi_json
    ),
    components(schemas(
        Health, EnrollRequest, EnrollResponse, Record, RecordKind, RosterCode, PushRequest,
        PushStatus, PushResult, PushResponse, PullResponse, ApiError, Meeting, MeetingStatus,
        Attendance, Activity, Submission, Phase, AnswerValue, Outreach, Instrument, Item,
        ItemType, Choice, Relevant, Scoring, Text, Targets, ProjectReport, Report
    )),
    modifiers(&BearerAuth, &UnsignedFormats)
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "This document (OpenAPI 3.1)", body = Object),
        (status = 401, description = "No valid device token", body = ApiError),
        (status = 500, description = "The server failed (the token could not be checked)", body = ApiError),
    ))]
pub async fn openapi_json(_device: DeviceAuth) -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use std::collections::BTreeSet;
    use uuid::Uuid;

    fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
        while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r
                .strip_prefix("#/components/schemas/")
                .expect("a local ref");
            schema = &doc["components"]["schemas"][name];
            assert!(schema.is_object(), "{r} is not in the document");
        }
        schema
    }

    /// The properties an object schema documents for `value` and the ones it requires:
    /// its own, those of every `allOf` part, and those of the one `oneOf` branch whose
    /// single-valued enums (the serde tags) match `value`.
    fn documented(
        doc: &Value,
        schema: &Value,
        value: &Value,
        out: &mut (Vec<(String, Value)>, BTreeSet<String>),
    ) {
        let schema = resolve(doc, schema);
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            out.0
                .extend(props.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            out.1
                .extend(req.iter().map(|r| r.as_str().unwrap().to_string()));
        }
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            documented(doc, part, value, out);
        }
        if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
            let tags_match = |branch: &Value| {
                let branch = resolve(doc, branch);
                branch
                    .get("properties")
                    .and_then(Value::as_object)
                    .is_some_and(|props| {
                        props
                            .iter()
                            .all(|(k, p)| match p.get("enum").and_then(Value::as_array) {
                                Some(e) if e.len() == 1 => value.get(k) == Some(&e[0]),
                                _ => true,
                            })
                    })
            };
            let matching: Vec<&Value> = branches.iter().filter(|b| tags_match(b)).collect();
            assert_eq!(matching.len(), 1, "one oneOf branch for {value}");
            documented(doc, matching[0], value, out);
        }
    }

    /// Every object in `value` has exactly the properties its schema documents (samples
    /// are built with every optional field set), and every required one. Recurses into
    /// properties, array items and map values.
    fn assert_keys(doc: &Value, schema: &Value, value: &Value, at: &str) {
        let schema = resolve(doc, schema);
        match value {
            Value::Object(map) => {
                if let Some(values) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                    for (k, v) in map {
                        assert_keys(doc, values, v, &format!("{at}.{k}"));
                    }
                    return;
                }
                let mut found = (Vec::new(), BTreeSet::new());
                documented(doc, schema, value, &mut found);
                let names: BTreeSet<String> = found.0.iter().map(|(k, _)| k.clone()).collect();
                let keys: BTreeSet<String> = map.keys().cloned().collect();
                assert_eq!(
                    names, keys,
                    "documented properties vs serialized keys at {at}"
                );
                assert!(
                    found.1.is_subset(&keys),
                    "a required property is missing at {at}"
                );
                for (k, prop) in &found.0 {
                    assert_keys(doc, prop, &map[k], &format!("{at}.{k}"));
                }
            }
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        assert_keys(doc, item, v, &format!("{at}[{i}]"));
                    }
                }
            }
            _ => {}
        }
    }

    fn text(s: &str) -> Text {
        Text::new(format!("{s} (it)"), s)
    }

    /// An instrument with every optional field set.
    fn full_instrument() -> Instrument {
        let choice = |v: &str| Choice {
            value: v.into(),
            label: text(v),
            score: Some(50),
            // Set on both: only what is serialized is compared.
            correct: true,
        };
        Instrument {
            id: "quiz".into(),
            version: 1,
            title: text("Quiz"),
            description: Some(text("About")),
            activities: vec![Activity::TrainingCourse],
            topic: Some(text("Topic")),
            anonymous: false,
            items: vec![Item {
                id: "q1".into(),
                item_type: ItemType::Scale,
                label: text("Q1"),
                help: Some(text("Help")),
                required: true,
                options: vec![choice("yes"), choice("no")],
                faces: true,
                min: Some(0.0),
                max: Some(10.0),
                max_length: Some(100),
                relevant: Some(Relevant {
                    item: "q0".into(),
                    any_of: vec!["yes".into()],
                }),
            }],
            scoring: Scoring::PercentCorrect,
        }
    }

    fn meeting(status: MeetingStatus) -> Meeting {
        Meeting {
            id: Uuid::nil(),
            revision: 1,
            activity: Activity::PeerGroup,
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            place: "Sala".into(),
            topic: "Topic".into(),
            facilitator: "F".into(),
            status,
            attendance: campo_core::Attendance {
                participants: vec!["C-1".into()],
                anonymous: 2,
                roles: Some(campo_core::RoleCounts::default()),
            },
            updated_at: chrono::Utc::now(),
        }
    }

    fn submission() -> Submission {
        Submission {
            id: Uuid::nil(),
            instrument_id: "quiz".into(),
            instrument_version: 1,
            meeting_id: Uuid::nil(),
            respondent: Some("C-1".into()),
            phase: Some(Phase::Post),
            answers: [
                ("a".to_string(), AnswerValue::Number(1.5)),
                ("b".to_string(), AnswerValue::Text("yes".into())),
                ("c".to_string(), AnswerValue::Many(vec!["x".into()])),
            ]
            .into_iter()
            .collect(),
            created_at: chrono::Utc::now(),
            replaces: Some(Uuid::nil()),
            follows_up: Some(Uuid::nil()),
        }
    }

    /// A report with every optional part set: a course with quizzes before and after, a
    /// satisfaction scale, a cancelled peer group and a committee's goals.
    fn full_report(targets: &Targets) -> Report {
        let catalog = campo_core::catalog::Catalog::builtin();
        let answered = |instrument: &str, meeting: Uuid, phase: Option<Phase>| {
            let i = catalog.latest(instrument).unwrap();
            Submission {
                id: Uuid::now_v7(),
                instrument_id: i.id.clone(),
                instrument_version: i.version,
                meeting_id: meeting,
                respondent: phase.map(|_| "C-1".to_string()),
                phase,
                answers: i
                    .items
                    .iter()
                    .filter_map(|item| {
                        let first = item.options.first()?;
                        Some((item.id.clone(), AnswerValue::Text(first.value.clone())))
                    })
                    .collect(),
                created_at: chrono::Utc::now(),
                replaces: None,
                follows_up: None,
            }
        };
        let mut course = meeting(MeetingStatus::Held);
        course.id = Uuid::now_v7();
        course.activity = Activity::TrainingCourse;
        let mut peer = meeting(MeetingStatus::Cancelled {
            reason: "rain".into(),
        });
        peer.id = Uuid::now_v7();
        let mut committee = meeting(MeetingStatus::Held);
        committee.id = Uuid::now_v7();
        committee.activity = Activity::Committee;
        let input = campo_core::report::ReportInput {
            submissions: vec![
                answered("quiz_moving_transfers", course.id, Some(Phase::Pre)),
                answered("quiz_moving_transfers", course.id, Some(Phase::Post)),
                answered("training_satisfaction", course.id, None),
                answered("committee_goals", committee.id, None),
            ],
            meetings: vec![course, peer, committee],
            outreach: vec![Outreach {
                period: "2026-03".into(),
                ..Outreach::default()
            }],
        };
        let report = campo_core::report::compute(&input, &catalog, targets);
        assert!(report.period.is_some() && report.committee.latest.is_some());
        assert_eq!(report.training.quizzes.len(), 1);
        assert_eq!(report.peer.meetings.cancelled.len(), 1);
        report
    }

    /// One serialized value, with every optional field set, per schema the API carries.
    fn samples() -> Vec<(&'static str, Value)> {
        let records = vec![
            Record {
                id: Uuid::nil(),
                revision: 1,
                body: campo_wire::RecordBody::Meeting(meeting(MeetingStatus::Cancelled {
                    reason: "rain".into(),
                })),
            },
            Record {
                id: Uuid::nil(),
                revision: 1,
                body: campo_wire::RecordBody::Submission(submission()),
            },
            Record {
                id: Uuid::nil(),
                revision: 1,
                body: campo_wire::RecordBody::RosterCode(RosterCode {
                    code: "C-1".into(),
                    consent: vec![
                        campo_core::consent::ConsentEvent::Given {
                            date: chrono::NaiveDate::from_ymd_opt(2026, 1, 12).unwrap(),
                            sheet_version: "2026-01".into(),
                            covers: campo_core::consent::ConsentScope::ALL.to_vec(),
                        },
                        campo_core::consent::ConsentEvent::Withdrawn {
                            date: chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
                        },
                    ],
                }),
            },
            Record {
                id: Uuid::nil(),
                revision: 1,
                body: campo_wire::RecordBody::Outreach(Outreach {
                    period: "2026-03".into(),
                    ..Outreach::default()
                }),
            },
        ];
        assert_eq!(
            records.len(),
            RecordKind::ALL.len(),
            "a sample of every kind"
        );
        let targets = Targets {
            pilot_months: Some(12),
            pilot_start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
            pilot_end: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
            co_assessment_every_months: 6,
            ..Targets::default()
        };
        vec![
            (
                "Health",
                to(&Health {
                    status: "ok".into(),
                    server_time: chrono::Utc::now(),
                    version: "0.1.0".into(),
                }),
            ),
            (
                "EnrollRequest",
                to(&EnrollRequest {
                    code: "K7QM-2XHD-9PRW".into(),
                    device_name: "Tablet".into(),
                    vault_id: Uuid::nil(),
                    vault_secret: "0f".repeat(32),
                }),
            ),
            (
                "EnrollResponse",
                to(&EnrollResponse {
                    device_id: Uuid::nil(),
                    token: "t".repeat(43),
                }),
            ),
            (
                "PushRequest",
                to(&PushRequest {
                    batch_id: Uuid::nil(),
                    records,
                }),
            ),
            (
                "PushResponse",
                to(&PushResponse {
                    results: vec![PushResult {
                        id: Uuid::nil(),
                        revision: 1,
                        status: PushStatus::Rejected,
                        reason: Some("why".into()),
                        reason_code: Some("invalid_answers".into()),
                    }],
                }),
            ),
            (
                "PullResponse",
                to(&PullResponse {
                    notes: vec![campo_wire::ReviewNote {
                        submission_id: Uuid::nil(),
                        meeting_id: Uuid::nil(),
                        instrument_id: "training_satisfaction".into(),
                        state: campo_wire::ReviewState::HasIssues,
                        comment: "Manca una risposta".into(),
                        reviewed_at: chrono::Utc::now(),
                    }],
                    barriers: vec![submission()],
                    retired: vec![campo_wire::RetiredInstrument {
                        id: "training_satisfaction".into(),
                        version: 1,
                    }],
                    erasures: vec![campo_wire::Erasure {
                        records: vec![Uuid::nil()],
                    }],
                    information_sheet: Some(campo_core::consent::InformationSheet {
                        version: "2026-01".into(),
                        text: campo_core::Text::new("Scheda informativa", "Information sheet"),
                    }),
                    cursor: 7,
                    more: true,
                    instruments: vec![full_instrument()],
                    roster: vec![RosterCode {
                        code: "C-1".into(),
                        consent: vec![campo_core::consent::ConsentEvent::Given {
                            date: chrono::NaiveDate::from_ymd_opt(2026, 1, 12).unwrap(),
                            sheet_version: "2026-01".into(),
                            covers: vec![campo_core::consent::ConsentScope::Questionnaires],
                        }],
                    }],
                    meetings: vec![
                        meeting(MeetingStatus::Planned),
                        meeting(MeetingStatus::Held),
                    ],
                    targets: Some(targets.clone()),
                    project_report: Some(ProjectReport::new(
                        chrono::Utc::now(),
                        full_report(&targets),
                    )),
                }),
            ),
            (
                "ApiError",
                to(&ApiError {
                    code: "c".into(),
                    message: "m".into(),
                }),
            ),
        ]
    }

    fn to<T: serde::Serialize>(value: &T) -> Value {
        serde_json::to_value(value).unwrap()
    }

    #[test]
    fn documented_properties_are_the_serialized_keys_of_every_message() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        for (name, value) in samples() {
            let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
            assert_keys(&doc, &schema, &value, name);
        }
    }

    /// Every `$ref` under `value`.
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_vault_and_the_project_report_are_in_the_document() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(all.iter().any(|r| r.ends_with("/ProjectReport")));
        for r in all {
            resolve(&doc, &json!({ "$ref": r }));
        }
        let schemas = &doc["components"]["schemas"];
        let enroll = &schemas["EnrollRequest"];
        let required = |s: &Value| -> BTreeSet<String> {
            s["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect()
        };
        assert!(required(enroll).is_superset(&BTreeSet::from([
            "vault_id".to_string(),
            "vault_secret".to_string()
        ])));
        assert_eq!(enroll["properties"]["vault_id"]["format"], "uuid");
        let secret = &enroll["properties"]["vault_secret"];
        assert_eq!(
            (
                &secret["pattern"],
                &secret["minLength"],
                &secret["maxLength"]
            ),
            (&json!("^[0-9a-f]{64}$"), &json!(64), &json!(64))
        );
        let pull = &schemas["PullResponse"];
        assert!(pull["properties"]["project_report"].is_object());
        assert!(
            !required(pull).contains("project_report"),
            "only on a last page"
        );
        assert_eq!(
            required(&schemas["ProjectReport"]),
            BTreeSet::from(["as_of".to_string(), "report".to_string()])
        );
        let report = resolve(&doc, &schemas["ProjectReport"]["properties"]["report"]);
        for part in [
            "training",
            "peer",
            "committee",
            "totals",
            "outreach",
            "ignored",
        ] {
            assert!(report["properties"][part].is_object(), "{part}");
        }
        // The statuses an enrollment of a vault can meet are described.
        let enroll_route = &doc["paths"]["/api/v1/devices/enroll"]["post"]["responses"];
        for (status, code) in [
            ("403", "vault_secret_mismatch"),
            ("409", "vault_in_other_project"),
        ] {
            let text = enroll_route[status]["description"].as_str().unwrap();
            assert!(text.contains(code), "{status}: {text}");
        }
    }

    #[test]
    fn a_record_is_one_of_its_kinds_with_kind_an_enum() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let branches = doc["components"]["schemas"]["Record"]["oneOf"]
            .as_array()
            .unwrap();
        let kinds: Vec<&str> = branches
            .iter()
            .map(|b| b["properties"]["kind"]["enum"][0].as_str().unwrap())
            .collect();
        let all: Vec<&str> = RecordKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, all);
        assert!(!kinds.contains(&""));
        let max_records =
            &doc["components"]["schemas"]["PushRequest"]["properties"]["records"]["maxItems"];
        assert_eq!(max_records, campo_wire::MAX_PUSH_RECORDS);
    }

    #[test]
    fn every_route_and_every_status_it_can_answer_is_documented() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let routes: [(&str, &str, &[u16]); 5] = [
            ("/api/v1/health", "get", &[200]),
            (
                "/api/v1/devices/enroll",
                "post",
                &[200, 400, 401, 403, 409, 413, 415, 422, 429, 500],
            ),
            (
                "/api/v1/sync/push",
                "post",
                &[200, 400, 401, 409, 413, 415, 422, 500],
            ),
            ("/api/v1/sync/pull", "get", &[200, 400, 401, 500]),
            ("/api/v1/openapi.json", "get", &[200, 401, 500]),
        ];
        for (path, method, statuses) in routes {
            let responses = doc["paths"][path][method]["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} missing"));
            let documented: Vec<u16> = responses.keys().map(|s| s.parse().unwrap()).collect();
            assert_eq!(documented, statuses, "{method} {path}");
            for (status, response) in responses {
                let schema = &response["content"]["application/json"]["schema"];
                if status != "200" {
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/ApiError",
                        "{path} {status}"
                    );
                }
            }
        }
        assert_eq!(doc["paths"].as_object().unwrap().len(), routes.len());
    }

    #[test]
    fn unsigned_integers_have_the_registry_formats() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let text = doc.to_string();
        assert!(!text.contains("u-int"), "a format utoipa misspells is left");
        // The fix goes through JSON and back: nothing else may change on the way.
        let again: utoipa::openapi::OpenApi = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(serde_json::to_value(again).unwrap(), doc);
        let revision =
            &doc["components"]["schemas"]["Meeting"]["allOf"][1]["properties"]["revision"];
        assert_eq!(revision["format"], "uint32");
        assert_eq!(revision["maximum"], u32::MAX);
        let limit = &doc["paths"]["/api/v1/sync/pull"]["get"]["parameters"][1]["schema"];
        assert_eq!(
            (&limit["format"], &limit["maximum"]),
            (&json!("uint32"), &json!(5000))
        );
    }
}
