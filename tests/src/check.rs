//! Checks shared by the tests: what the server holds, and whether its report matches the
//! devices' own.

use campo_core::catalog::Catalog;
use campo_core::report::{compute, Report, ReportInput, Targets};
use campo_store::Vault;
use serde_json::Value;
use std::sync::Mutex;

/// What a tablet holds of its own: taken before its first sync, because afterwards its
/// `report_input` also holds meetings pulled from other tablets.
pub fn own_input(vault: &Mutex<Vault>) -> ReportInput {
    vault.lock().unwrap().report_input().expect("report input")
}

/// The report campo-core computes over the union of the tablets' own records, and each
/// tablet's own report.
pub fn merged_report(inputs: &[ReportInput], catalog: &Catalog) -> (Report, Vec<Report>) {
    let mut all = ReportInput::default();
    let mut each = Vec::new();
    for input in inputs {
        each.push(compute(input, catalog, &Targets::default()));
        all.meetings.extend(input.meetings.iter().cloned());
        all.submissions.extend(input.submissions.iter().cloned());
        all.outreach.extend(input.outreach.iter().cloned());
    }
    (compute(&all, catalog, &Targets::default()), each)
}

/// Compares two JSON documents, numbers within a relative 1e-9 (a mean summed in another
/// order may differ in the last bit). Returns the path of the first difference.
pub fn json_diff(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let tol = 1e-9 * x.abs().max(y.abs()).max(1.0);
            ((x - y).abs() > tol).then(|| format!("{path}: {x} != {y}"))
        }
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let d = json_diff(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{path}.{k}"),
                );
                if d.is_some() {
                    return d;
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} items != {}", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| json_diff(p, q, &format!("{path}[{i}]")))
        }
        _ => (a != b).then(|| format!("{path}: {a} != {b}")),
    }
}

/// The counts that must add up across devices: what each tablet holds, summed, is what
/// the server reports.
pub fn additive_counts(r: &Report) -> Vec<(&'static str, u64)> {
    vec![
        ("meetings_held", r.totals.meetings_held),
        ("meetings_cancelled", r.totals.meetings_cancelled),
        ("carers_involved", r.totals.carers_involved),
        ("distinct_participants", r.totals.distinct_participants),
        ("anonymous_attendances", r.totals.anonymous_attendances),
        ("satisfaction_n", r.totals.satisfaction.n),
        ("training_held", r.training.meetings.held),
        ("training_attendances", r.training.meetings.attendances),
        ("understanding_n", r.training.understanding.n),
        ("pre_n", r.training.pre.n),
        ("gain_pairs", r.training.gain.n),
        ("training_satisfaction_n", r.training.satisfaction.n),
        ("peer_held", r.peer.meetings.held),
        ("peer_satisfaction_n", r.peer.satisfaction.n),
        ("committee_held", r.committee.meetings.held),
        ("committee_evaluations", r.committee.evaluations),
        ("ignored", r.ignored.total()),
    ]
}

/// Asserts that the server's report equals campo-core's report over the union of the
/// devices' records, and that its counts are the sums of the devices' own reports.
pub fn assert_report_matches(server: &Value, merged: &Report, each: &[Report]) {
    let merged_json = serde_json::to_value(merged).unwrap();
    let server_report: Report = serde_json::from_value(server.clone())
        .unwrap_or_else(|e| panic!("the server's report JSON is not a campo-core Report: {e}"));
    for (i, (name, value)) in additive_counts(&server_report).into_iter().enumerate() {
        let sum: u64 = each.iter().map(|r| additive_counts(r)[i].1).sum();
        assert_eq!(value, sum, "server {name} = {value}, devices' sum = {sum}");
    }
    if let Some(d) = json_diff(server, &merged_json, "report") {
        panic!("server report differs from the devices' merged report at {d}");
    }
}

/// Every `(id, revision)` waiting in a tablet's outbox, in write order: what its syncs must
/// deliver.
pub fn outbox_keys(vault: &Mutex<Vault>) -> Vec<(uuid::Uuid, u32)> {
    let v = vault.lock().unwrap();
    let n = v.pending_count().expect("pending count") as usize;
    v.pending(n.max(1))
        .expect("pending")
        .into_iter()
        .map(|p| (p.id, p.revision))
        .collect()
}
